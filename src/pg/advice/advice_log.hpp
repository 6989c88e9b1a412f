// advice_log.hpp - what xray.index_advice advised, kept for xray.advice_outcomes.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct AdviceLogEntry
{
	Oid table_oid;
	const char *table_name; // schema.table, quoted
	const char *index_type; // btree, gin
	const char *columns;	// as xray.index_advice.columns shows them
	const char *create_statement;
	int nkeys;
	const char *keys[INDEX_MAX_KEYS]; // quoted name or (expression)
	bool desc[INDEX_MAX_KEYS];
	const char *partial_column; // NULL: not partial
	int nqueries;
	int64 *queries;
	double *calls, *mean_ms, *p95_ms; // per query when advised (< 0: unknown)
};

// AdviceLogWrite records entries in xray.advice_log when the caller may write
// it, on a primary, outside a read-only transaction (else it does nothing),
// then notes the advised indexes that exist now. A failure is said at DEBUG1
// and lost: the advice itself never fails because of its log. A cancel is
// raised again.
void AdviceLogWrite(const AdviceLogEntry *entries, int n);
} // namespace xray::pg
