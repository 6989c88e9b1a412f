// param_text.hpp - a statement's text with its bound parameter values put back.
//
// Statements sent with the extended protocol reach the server as
// "... WHERE id = $1" plus values. To plan such a statement again later as it
// was run (custom plan, the real values' selectivity) the advisors need the
// text with the values in place of the parameters. The adapter renders each
// value as an SQL literal ('42'::integer); this file puts them in place,
// leaving alone "$1" inside strings, quoted identifiers, comments and
// dollar-quoted bodies. It never allocates or throws.
#pragma once
#include "pg_free.hpp"

#include <cstddef>

namespace xray::core
{
struct ParamLiteral
{
	const char *text; // the value as SQL: 'it''s'::text, NULL::integer
	size_t len;
	size_t quoted_len; // bytes of text that are the plain quoted string ('it''s'), 0 if none
};

struct BoundAt
{
	int at;	 // byte offset of a substituted quoted string in the output
	int len; // its length
};

// BindParams writes query (len bytes) with every parameter $k, 1 <= k <= nvalues,
// replaced by values[k-1], into out (out_size bytes, NUL-terminated). Where a
// value with a quoted string went is written to bound (up to max_bound
// entries, in text order; *nbound receives the count). Returns the bytes
// written without the NUL, or -1 when the result does not fit or the text
// names a parameter number outside 1..nvalues.
long BindParams(const char *query, size_t len, const ParamLiteral *values, int nvalues, char *out, size_t out_size,
				BoundAt *bound, int max_bound, int *nbound) noexcept;
} // namespace xray::core
