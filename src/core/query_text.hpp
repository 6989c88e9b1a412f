// query_text.hpp - normalized query text: constants replaced by $n.
//
// The adapter finds where constants start (from the query jumble) and how long
// they are (from PostgreSQL's lexer); this file does the pure text work. It
// writes into a caller's buffer and never allocates or throws, so it is safe
// to call between PostgreSQL calls.
#pragma once
#include "pg_free.hpp"

#include <cstddef>

namespace xray::core
{
struct ConstLocation
{
	int location;		   // byte offset into the statement text
	int length;			   // bytes; negative when unknown (that constant is kept)
	bool squashed = false; // a list of constants shown as one: "$k /*, ... */" (PostgreSQL 18)
};

// NormalizeQuery writes query (len bytes) with every located constant replaced
// by $k, k counting up from first_param + 1 (a squashed list by "$k /*, ... */"), into out (out_size bytes,
// NUL-terminated, cut short if needed). locs is sorted in place; duplicates and
// overlapping locations are skipped. Returns the number of bytes written,
// without the NUL.
size_t NormalizeQuery(const char *query, size_t len, ConstLocation *locs, int nlocs, int first_param, char *out,
					  size_t out_size) noexcept;

// ConstantLength returns the length of the literal starting at byte pos of
// query: an unsigned or negative number ("42", "-1.5e3", "- 7") or a plain
// quoted string ('it''s'). For anything else (E'' or $$ strings, typed
// literals, strings continued on the next line...) it returns -1 and the caller
// asks PostgreSQL's lexer. This spares running the lexer for most statements.
int ConstantLength(const char *query, size_t len, size_t pos) noexcept;

// CastTypedParams rewrites typed literals whose constant was replaced by a
// parameter ("date $2", "interval $3") into casts ("$2::date"), which parse
// again. Writes into out (NUL-terminated, same size bound as the input plus
// 2 bytes per rewrite); returns the number of rewrites.
int CastTypedParams(const char *query, size_t len, char *out, size_t out_size) noexcept;

// NormalizedSizeBound is an out_size large enough for any normalization of a
// query of len bytes with nlocs constants.
size_t NormalizedSizeBound(size_t len, int nlocs) noexcept;
} // namespace xray::core
