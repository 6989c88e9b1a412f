// advice_log.cpp - xray.index_advice's record of what it advised (advice_log.hpp;
// the table and xray.advice_outcomes are in src/sql/advice_outcomes.sql), and
// the lock-free reading of an index's keys and predicate it is matched with.
//
// Runs as the caller, through SPI, in a subtransaction of its own (PgCall):
// nothing is written with more privilege than the caller has, and a role that
// may not write xray.advice_log is not asked to.
#include "advice/advice_log.hpp"
#include "guard.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(xray_index_keys);
PG_FUNCTION_INFO_V1(xray_index_predicate);
PGDLLEXPORT Datum xray_index_keys(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_index_predicate(PG_FUNCTION_ARGS);
}

namespace xray::pg
{
namespace
{
// MayLog: a primary, a read-write transaction, and a caller who may insert
// and update xray.advice_log and take ids from its sequence.
bool
MayLog()
{
	if (RecoveryInProgress() || XactReadOnly)
		return false;
	Oid nsp = get_namespace_oid("xray", true);
	Oid rel = OidIsValid(nsp) ? get_relname_relid("advice_log", nsp) : InvalidOid;
	Oid seq = OidIsValid(nsp) ? get_relname_relid("advice_log_id_seq", nsp) : InvalidOid;
	Oid me = GetUserId();
	return OidIsValid(rel) && OidIsValid(seq) && pg_class_aclcheck(rel, me, ACL_INSERT) == ACLCHECK_OK &&
		   pg_class_aclcheck(rel, me, ACL_UPDATE) == ACLCHECK_OK &&
		   pg_class_aclcheck(rel, me, ACL_SELECT) == ACLCHECK_OK &&
		   pg_class_aclcheck(seq, me, ACL_USAGE) == ACLCHECK_OK;
}

Datum
TextArray(const char *const *items, int n)
{
	Datum *d = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// FloatArray: negative values (unknown) as NULL elements.
Datum
FloatArray(const double *v, int n)
{
	Datum *d = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	bool *nulls = (bool *) palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		d[i] = Float8GetDatum(v[i]);
		nulls[i] = v[i] < 0;
	}
	int dims[1] = {n}, lbs[1] = {1};
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

void
WriteEntries(const AdviceLogEntry *entries, int n)
{
	static const char *const kUpsert =
		"INSERT INTO xray.advice_log AS l (table_oid, table_name, index_type, columns, create_statement, keys, "
		"descending, partial_column, queries, calls, mean_ms, p95_ms) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
		"ON CONFLICT (table_oid, index_type, columns) DO UPDATE SET advised_at = pg_catalog.now(), "
		"table_name = EXCLUDED.table_name, create_statement = EXCLUDED.create_statement, "
		"queries = EXCLUDED.queries, calls = EXCLUDED.calls, mean_ms = EXCLUDED.mean_ms, p95_ms = EXCLUDED.p95_ms "
		"WHERE l.index_oid IS NULL";
	Oid types[12] = {OIDOID,	   TEXTOID, TEXTOID,	  TEXTOID,		  TEXTOID,		  TEXTARRAYOID,
					 BOOLARRAYOID, TEXTOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	SPI_connect();
	for (int i = 0; i < n; i++)
	{
		const AdviceLogEntry &e = entries[i];
		Datum desc[INDEX_MAX_KEYS], qids[1];
		for (int k = 0; k < e.nkeys; k++)
			desc[k] = BoolGetDatum(e.desc[k]);
		Datum *q = e.nqueries > 0 ? (Datum *) palloc(sizeof(Datum) * e.nqueries) : qids;
		for (int k = 0; k < e.nqueries; k++)
			q[k] = Int64GetDatum(e.queries[k]);
		Datum v[12] = {ObjectIdGetDatum(e.table_oid),
					   CStringGetTextDatum(e.table_name),
					   CStringGetTextDatum(e.index_type),
					   CStringGetTextDatum(e.columns),
					   CStringGetTextDatum(e.create_statement),
					   TextArray(e.keys, e.nkeys),
					   PointerGetDatum(construct_array(desc, e.nkeys, BOOLOID, 1, true, TYPALIGN_CHAR)),
					   e.partial_column ? CStringGetTextDatum(e.partial_column) : (Datum) 0,
					   PointerGetDatum(construct_array(q, e.nqueries, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
					   FloatArray(e.calls, e.nqueries),
					   FloatArray(e.mean_ms, e.nqueries),
					   FloatArray(e.p95_ms, e.nqueries)};
		char nulls[13] = "            ";
		if (e.partial_column == NULL)
			nulls[7] = 'n';
		SPI_execute_with_args(kUpsert, 12, types, v, nulls, false, 0);
	}
	SPI_execute("SELECT xray._advice_seen() WHERE pg_catalog.has_function_privilege('xray._advice_seen()', "
				"'EXECUTE')",
				false, 0);
	SPI_finish();
}
} // namespace

void
AdviceLogWrite(const AdviceLogEntry *entries, int n)
{
	if (n == 0 || !MayLog())
		return;
	ErrorData *err = PgCall([&]() noexcept { WriteEntries(entries, n); });
	RaiseIfInterrupt(err);
	if (err)
		ereport(DEBUG1, (errmsg("pg_xray: the advice was not recorded in xray.advice_log: %s", err->message),
						 errdetail("SQLSTATE %s", unpack_sql_state(err->sqlerrcode))));
}

// --- matching an index with an advised one, without locking its table --------
// pg_get_indexdef and pg_get_expr take a lock on the table: behind a
// transaction holding an exclusive lock they would make xray.advice_outcomes
// (and the alerts that read it) wait. These read pg_index through the syscache
// and deparse what it stores, as the advice deparses what it proposes.

namespace
{
// CatalogExprs: the expressions pg_index stores in column attr of tuple t, or NIL.
List *
CatalogExprs(HeapTuple t, AttrNumber attr)
{
	bool isnull;
	Datum d = SysCacheGetAttr(INDEXRELID, t, attr, &isnull);
	return isnull ? NIL : (List *) stringToNode(TextDatumGetCString(d));
}

char *
Deparsed(Node *expr, Oid relid)
{
	const char *relname = get_rel_name(relid);
	return deparse_expression(expr, deparse_context_for(relname ? relname : "", relid), false, false);
}
} // namespace
} // namespace xray::pg

// xray._index_keys(index oid): its key columns, each a quoted name or the
// expression's text; NULL for an unknown index.
Datum
xray_index_keys(PG_FUNCTION_ARGS)
{
	Oid idx = PG_GETARG_OID(0);
	HeapTuple t = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(idx));
	if (!HeapTupleIsValid(t))
		PG_RETURN_NULL();
	Form_pg_index ix = (Form_pg_index) GETSTRUCT(t);
	const Oid rel = ix->indrelid;
	const int nkeys = ix->indnkeyatts;
	List *exprs = xray::pg::CatalogExprs(t, Anum_pg_index_indexprs);
	ListCell *next = list_head(exprs);
	Datum *keys = (Datum *) palloc(sizeof(Datum) * Max(nkeys, 1));
	for (int k = 0; k < nkeys; k++)
	{
		AttrNumber att = ix->indkey.values[k];
		char *key;
		if (att != 0)
		{
			char *name = get_attname(rel, att, true);
			key = pstrdup(quote_identifier(name ? name : "?"));
		}
		else if (next != NULL)
		{
			key = xray::pg::Deparsed((Node *) lfirst(next), rel);
			next = lnext(exprs, next);
		}
		else
			key = pstrdup("?");
		keys[k] = CStringGetTextDatum(key);
	}
	ReleaseSysCache(t);
	PG_RETURN_ARRAYTYPE_P(construct_array(keys, nkeys, TEXTOID, -1, false, TYPALIGN_INT));
}

// xray._index_predicate(index oid): a partial index's WHERE clause as text;
// NULL for a full or unknown index.
Datum
xray_index_predicate(PG_FUNCTION_ARGS)
{
	Oid idx = PG_GETARG_OID(0);
	HeapTuple t = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(idx));
	if (!HeapTupleIsValid(t))
		PG_RETURN_NULL();
	const Oid rel = ((Form_pg_index) GETSTRUCT(t))->indrelid;
	List *pred = xray::pg::CatalogExprs(t, Anum_pg_index_indpred);
	ReleaseSysCache(t);
	if (pred == NIL)
		PG_RETURN_NULL();
	Node *clause = list_length(pred) == 1 ? (Node *) linitial(pred) : (Node *) pred;
	PG_RETURN_TEXT_P(cstring_to_text(xray::pg::Deparsed(clause, rel)));
}
