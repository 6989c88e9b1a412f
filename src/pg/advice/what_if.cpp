// what_if.cpp - xray.what_if(): plan a statement with hypothetical indexes.
//
// Design (after HypoPG's approach, written anew): CREATE INDEX statements are
// parsed and transformed like the real command, but nothing is built. While
// xray.what_if() plans the statement a second time, get_relation_info_hook adds
// an IndexOptInfo for each hypothetical index of the relation being planned,
// marked hypothetical (so the planner never opens it), sized from statistics
// (core::EstimateBtree). Everything is backend-local and lives only during the
// call; the hook costs one pointer test when no what-if planning is running.
// The statement may contain $n parameters (normalized texts from
// xray.statements): their types are inferred and a generic plan is costed.
// The caller needs the privileges the statement would need (checked as EXPLAIN does).
#include <cmath>
#include <cstring>

#include "index_size.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "recorder/plan_walk.hpp"
#include "advice/what_if.hpp"

extern "C" {
#include "access/amapi.h"
#include "access/relation.h"
#include "access/reloptions.h"
#include "commands/tablespace.h"
#include "executor/executor.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "parser/parse_utilcmd.h"
#include "parser/parser.h"
#include "rewrite/rewriteManip.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/guc.h"

PG_FUNCTION_INFO_V1(xray_what_if);
PGDLLEXPORT Datum xray_what_if(PG_FUNCTION_ARGS);
}

namespace xray::pg
{

struct HypoIndex
{
	Oid oid;
	Oid relid;
	const char *name;
	int ncolumns;
	int nkeycolumns;
	int *indexkeys;
	Oid *collations;
	Oid *opfamily;
	Oid *opcintype;
	bool *reverse;
	bool *nulls_first;
	List *indexprs; // varno 1
	List *indpred;	// varno 1, implicit AND
	bool unique;
	double key_width;
	bool used;
	double pages;
	Oid relam; // btree or gin
};

namespace
{
get_relation_info_hook_type prev_get_relation_info = NULL;
bool hook_installed = false;
HypoIndex **active = NULL; // hypothetical indexes in use, or NULL
int nactive = 0;
Oid last_oid = (Oid) 0xFFFFFFF0;

List *
WithVarno(List *exprs, Index varno)
{
	if (exprs == NIL)
		return NIL;
	List *copy = (List *) copyObjectImpl(exprs);
	if (varno != 1)
		ChangeVarNodes((Node *) copy, 1, (int) varno, 0);
	return copy;
}

IndexOptInfo *
MakeIndexOptInfo(const HypoIndex &h, RelOptInfo *rel)
{
	IndexOptInfo *info = makeNode(IndexOptInfo);
	info->indexoid = h.oid;
	info->reltablespace = rel->reltablespace;
	info->rel = rel;
	info->ncolumns = h.ncolumns;
	info->nkeycolumns = h.nkeycolumns;
	info->indexkeys = h.indexkeys;
	info->indexcollations = h.collations;
	info->opfamily = h.opfamily;
	info->opcintype = h.opcintype;
	bool btree = h.relam == BTREE_AM_OID;
	// btree orders by the same families and returns every column; gin does neither
	info->sortopfamily = btree ? h.opfamily : NULL;
	info->reverse_sort = btree ? h.reverse : NULL;
	info->nulls_first = btree ? h.nulls_first : NULL;
	info->opclassoptions = (bytea **) palloc0(sizeof(bytea *) * h.ncolumns);
	info->canreturn = (bool *) palloc(sizeof(bool) * h.ncolumns);
	for (int i = 0; i < h.ncolumns; i++)
		info->canreturn[i] = btree;
	info->relam = h.relam;
	info->indexprs = WithVarno(h.indexprs, rel->relid);
	info->indpred = WithVarno(h.indpred, rel->relid);

	// the index's target list: a Var per column, the expression otherwise
	ListCell *expr_cell = list_head(info->indexprs);
	for (int i = 0; i < h.ncolumns; i++)
	{
		Expr *e;
		if (h.indexkeys[i] != 0)
		{
			Oid typ, coll;
			int32 typmod;
			get_atttypetypmodcoll(h.relid, (AttrNumber) h.indexkeys[i], &typ, &typmod, &coll);
			e = (Expr *) makeVar(rel->relid, (AttrNumber) h.indexkeys[i], typ, typmod, coll, 0);
		}
		else
		{
			e = (Expr *) lfirst(expr_cell);
			expr_cell = lnext(info->indexprs, expr_cell);
		}
		info->indextlist = lappend(info->indextlist, makeTargetEntry(e, (AttrNumber) (i + 1), NULL, false));
	}

	double tuples = rel->tuples > 0 ? rel->tuples : 0;
	core::BtreeSize size = core::EstimateBtree(tuples, h.key_width, BLCKSZ, 0.9);
	info->pages = btree ? (BlockNumber) size.pages : (BlockNumber) h.pages;
	info->tuples = tuples;
	info->tree_height = btree ? size.height : -1;
	info->predOK = false;
	info->unique = h.unique;
	info->immediate = true;
	info->hypothetical = true;

	IndexAmRoutine *am = GetIndexAmRoutineByAmId(h.relam, false);
	info->amcanorderbyop = am->amcanorderbyop;
	info->amoptionalkey = am->amoptionalkey;
	info->amsearcharray = am->amsearcharray;
	info->amsearchnulls = am->amsearchnulls;
	info->amcanparallel = am->amcanparallel;
	info->amhasgettuple = am->amgettuple != NULL;
	info->amhasgetbitmap = am->amgetbitmap != NULL;
	info->amcanmarkpos = am->ammarkpos != NULL && am->amrestrpos != NULL;
	XRAY_SET_AMCOSTESTIMATE(info, am);
	return info;
}

void
XrayGetRelationInfo(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	if (prev_get_relation_info)
		prev_get_relation_info(root, relid, inhparent, rel);
	if (active == NULL || inhparent)
		return;
	for (int i = 0; i < nactive; i++)
		if (active[i]->relid == relid)
			rel->indexlist = lappend(rel->indexlist, MakeIndexOptInfo(*active[i], rel));
}

// FreeOid returns an OID no relation has, from the top of the OID space down.
Oid
FreeOid(Oid after)
{
	for (Oid o = after - 1; o > FirstNormalObjectId; o--)
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(o)))
			return o;
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("no free OID for a hypothetical index")));
	return InvalidOid;
}

double
ColumnWidth(Oid relid, AttrNumber attnum, Oid typ, int32 typmod)
{
	int32 w = get_attavgwidth(relid, attnum);
	return w > 0 ? w : get_typavgwidth(typ, typmod);
}

// ParseIndex turns one CREATE INDEX statement into a hypothetical btree or gin index.
// IndexStmtOf parses sql as one CREATE INDEX on a table or materialized view
// with btree or gin, transformed as CREATE INDEX would (raises otherwise).
IndexStmt *
IndexStmtOf(const char *sql, Oid *relam_out, const char **am_out, Oid *relid_out)
{
	List *raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, IndexStmt))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("each index statement must be a single CREATE INDEX statement"),
				 errdetail("Got: %s", sql)));
	IndexStmt *stmt = (IndexStmt *) ((RawStmt *) linitial(raw))->stmt;
	const char *am_name = stmt->accessMethod ? stmt->accessMethod : "btree";
	Oid relam = strcmp(am_name, "btree") == 0 ? BTREE_AM_OID : (strcmp(am_name, "gin") == 0 ? GIN_AM_OID : InvalidOid);
	if (!OidIsValid(relam))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("hypothetical indexes using \"%s\" are not supported", am_name),
						errhint("Only btree and gin indexes can be evaluated so far.")));
	Oid relid = RangeVarGetRelid(stmt->relation, AccessShareLock, false);
	char relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("\"%s\" is not a table or materialized view", get_rel_name(relid)),
						errhint("Hypothetical indexes on partitioned tables are not supported; name a partition.")));
	stmt = transformIndexStmt(relid, stmt, sql);
	if (relam != BTREE_AM_OID && (stmt->unique || stmt->indexIncludingParams != NIL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("access method \"%s\" does not support %s", am_name,
																stmt->unique ? "unique indexes" : "included columns")));

	*relam_out = relam;
	*am_out = am_name;
	*relid_out = relid;
	return stmt;
}

// CheckIndexOptions refuses what DefineIndex would refuse: column counts, an
// unknown tablespace, invalid storage parameters.
void
CheckIndexOptions(IndexStmt *stmt, Oid relam, int nkey, int ncol)
{
	if (ncol > INDEX_MAX_KEYS)
		ereport(ERROR, (errcode(ERRCODE_TOO_MANY_COLUMNS),
						errmsg("cannot use more than %d columns in an index", INDEX_MAX_KEYS)));
	if (nkey == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						errmsg("a hypothetical index needs at least one key column")));
	if (stmt->tableSpace != NULL)
		(void) get_tablespace_oid(stmt->tableSpace, false);
	if (stmt->options != NIL)
	{
		Datum reloptions = transformRelOptions((Datum) 0, stmt->options, NULL, NULL, false, false);
		IndexAmRoutine *amroutine = GetIndexAmRoutineByAmId(relam, false);
		(void) index_reloptions(amroutine->amoptions, reloptions, true);
	}
}

// AddIndexColumn sets column i of h from index element e (a key column when
// i < nkey) and appends its text to cols.
void
AddIndexColumn(HypoIndex *h, IndexElem *e, int i, int nkey, Oid relam, const char *am_name, StringInfo cols)
{
	const Oid relid = h->relid;
	Oid typ, coll;
	int32 typmod;
	if (e->name)
	{
		AttrNumber attnum = get_attnum(relid, e->name);
		if (attnum == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("column \"%s\" does not exist", e->name)));
		get_atttypetypmodcoll(relid, attnum, &typ, &typmod, &coll);
		h->indexkeys[i] = attnum;
		if (i < nkey)
			h->key_width += ColumnWidth(relid, attnum, typ, typmod);
		appendStringInfo(cols, "%s%s", i ? ", " : "", quote_identifier(e->name));
	}
	else
	{
		if (contain_mutable_functions((Node *) expression_planner((Expr *) copyObjectImpl(e->expr))))
			ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
							errmsg("functions in index expression must be marked IMMUTABLE")));
		Node *expr = eval_const_expressions(NULL, e->expr);
		fix_opfuncids(expr);
		typ = exprType(expr);
		typmod = exprTypmod(expr);
		coll = exprCollation(expr);
		h->indexprs = lappend(h->indexprs, expr);
		if (i < nkey)
			h->key_width += get_typavgwidth(typ, typmod);
		List *ctx = deparse_context_for(get_rel_name(relid), relid);
		appendStringInfo(cols, "%s%s", i ? ", " : "", deparse_expression(e->expr, ctx, false, false));
	}
	if (i < nkey && relam != BTREE_AM_OID &&
		(e->ordering != SORTBY_DEFAULT || e->nulls_ordering != SORTBY_NULLS_DEFAULT))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("access method \"%s\" does not support ASC/DESC or NULLS options", am_name)));
	if (i < nkey)
	{
		if (e->collation)
			coll = get_collation_oid(e->collation, false);
		Oid opclass = ResolveOpClass(e->opclass, typ, am_name, relam);
		h->opfamily[i] = get_opclass_family(opclass);
		h->opcintype[i] = get_opclass_input_type(opclass);
		h->collations[i] = coll;
		h->reverse[i] = e->ordering == SORTBY_DESC;
		h->nulls_first[i] =
			e->nulls_ordering == SORTBY_NULLS_FIRST || (e->nulls_ordering == SORTBY_NULLS_DEFAULT && h->reverse[i]);
	}
}

// IndexPredicate: the partial index's WHERE clause, planned (implicit AND).
List *
IndexPredicate(Node *where)
{
	if (contain_mutable_functions((Node *) expression_planner((Expr *) copyObjectImpl(where))))
		ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						errmsg("functions in index predicate must be marked IMMUTABLE")));
	Node *pred = eval_const_expressions(NULL, where);
	pred = (Node *) canonicalize_qual((Expr *) pred, true);
	fix_opfuncids(pred);
	return make_ands_implicit((Expr *) pred);
}

void
ParseIndex(const char *sql, HypoIndex *h, Oid oid)
{
	Oid relam, relid;
	const char *am_name;
	IndexStmt *stmt = IndexStmtOf(sql, &relam, &am_name, &relid);
	int nkey = list_length(stmt->indexParams);
	int ncol = nkey + list_length(stmt->indexIncludingParams);
	CheckIndexOptions(stmt, relam, nkey, ncol);
	memset(h, 0, sizeof(*h));
	h->oid = oid;
	h->relid = relid;
	h->ncolumns = ncol;
	h->nkeycolumns = nkey;
	h->unique = stmt->unique;
	h->indexkeys = (int *) palloc0(sizeof(int) * ncol);
	h->collations = (Oid *) palloc0(sizeof(Oid) * ncol);
	h->opfamily = (Oid *) palloc0(sizeof(Oid) * ncol);
	h->opcintype = (Oid *) palloc0(sizeof(Oid) * ncol);
	h->reverse = (bool *) palloc0(sizeof(bool) * ncol);
	h->nulls_first = (bool *) palloc0(sizeof(bool) * ncol);
	StringInfoData cols;
	initStringInfo(&cols);
	ListCell *lc;
	int i = 0;
	foreach (lc, list_concat_copy(stmt->indexParams, stmt->indexIncludingParams))
		AddIndexColumn(h, (IndexElem *) lfirst(lc), i++, nkey, relam, am_name, &cols);
	if (stmt->whereClause)
		h->indpred = IndexPredicate(stmt->whereClause);
	Relation rel = relation_open(relid, NoLock);
	double tuples = rel->rd_rel->reltuples > 0 ? rel->rd_rel->reltuples : 0;
	relation_close(rel, NoLock);
	h->relam = relam;
	if (relam == BTREE_AM_OID)
		h->pages = core::EstimateBtree(tuples, h->key_width, BLCKSZ, 0.9).pages;
	else
		h->pages = core::EstimateGinPages(tuples, h->key_width, BLCKSZ);
	h->name = stmt->idxname ? pstrdup(quote_identifier(stmt->idxname))
							: psprintf("<hypothetical> %s (%s)", quote_identifier(get_rel_name(relid)), cols.data);
}

// CheckIndexReadable refuses a hypothetical index on columns the caller may not
// read: its estimated size and costs would reveal their widths and statistics.
void
CheckIndexReadable(const HypoIndex &h)
{
	Oid user = GetUserId();
	if (pg_class_aclcheck(h.relid, user, ACL_SELECT) == ACLCHECK_OK)
		return;
	Bitmapset *cols = NULL;
	for (int i = 0; i < h.ncolumns; i++)
		if (h.indexkeys[i] != 0)
			cols = bms_add_member(cols, h.indexkeys[i] - FirstLowInvalidHeapAttributeNumber);
	pull_varattnos((Node *) h.indexprs, 1, &cols);
	pull_varattnos((Node *) h.indpred, 1, &cols);
	int x = -1;
	while ((x = bms_next_member(cols, x)) >= 0)
	{
		AttrNumber att = (AttrNumber) (x + FirstLowInvalidHeapAttributeNumber);
		if (att <= 0 || pg_attribute_aclcheck(h.relid, att, user, ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(h.relid));
	}
}

// MarkUsed flags the hypothetical indexes a plan tree scans.
void
MarkUsed(Plan *plan)
{
	if (plan == NULL)
		return;
	Oid indexid = InvalidOid;
	if (IsA(plan, IndexScan))
		indexid = ((IndexScan *) plan)->indexid;
	else if (IsA(plan, IndexOnlyScan))
		indexid = ((IndexOnlyScan *) plan)->indexid;
	else if (IsA(plan, BitmapIndexScan))
		indexid = ((BitmapIndexScan *) plan)->indexid;
	for (int i = 0; i < nactive; i++)
		if (active[i]->oid == indexid)
			active[i]->used = true;
	ForEachChildPlan(plan, [](Plan *child) { MarkUsed(child); });
}

// InnerTextErrorCallback makes a syntax or analysis error point into the text
// being parsed (the statement or an index statement), not into the call of
// xray.what_if, as SQL functions do for their bodies.
void
InnerTextErrorCallback(void *arg)
{
	int pos = geterrposition();
	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery((const char *) arg);
	}
}

PlannedStmt *
PlanCopy(Query *query, const char *sql)
{
	return pg_plan_query((Query *) copyObjectImpl(query), sql, 0, NULL);
}

text *
PlanText(PlannedStmt *p)
{
	char buf[8192];
	size_t len = PlanTextBuild(p, buf, sizeof(buf));
	return cstring_to_text_with_len(buf, (int) len);
}
} // namespace

const char *
WhatIfIndexName(Oid oid)
{
	for (int i = 0; active != NULL && i < nactive; i++)
		if (active[i]->oid == oid)
			return active[i]->name;
	return NULL;
}

void
WhatIfEnsureHook()
{
	if (!hook_installed)
	{
		prev_get_relation_info = get_relation_info_hook;
		get_relation_info_hook = XrayGetRelationInfo;
		hook_installed = true;
	}
}

HypoIndex *
WhatIfIndex(const char *create_index_sql)
{
	WhatIfEnsureHook();
	HypoIndex *h = (HypoIndex *) palloc0(sizeof(HypoIndex));
	last_oid = FreeOid(last_oid);
	ErrorContextCallback cb{error_context_stack, InnerTextErrorCallback, (void *) create_index_sql};
	error_context_stack = &cb;
	ParseIndex(create_index_sql, h, last_oid);
	error_context_stack = cb.previous;
	return h;
}

double
WhatIfIndexPages(const HypoIndex *index)
{
	return index->pages;
}

namespace
{
// AsUser runs fn as role (when valid) in a security-restricted operation, with
// a GUC nest level of its own; the caller's identity is back on every exit.
template <typename Fn>
void
AsUser(Oid role, Fn fn)
{
	if (!OidIsValid(role))
	{
		fn();
		return;
	}
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(role, save_sec | SECURITY_RESTRICTED_OPERATION);
	int nest = NewGUCNestLevel();
	PG_TRY();
	{
		fn();
	}
	PG_CATCH();
	{
		SetUserIdAndSecContext(save_user, save_sec);
		PG_RE_THROW();
	}
	PG_END_TRY();
	AtEOXact_GUC(false, nest);
	SetUserIdAndSecContext(save_user, save_sec);
}
} // namespace

bool
WhatIfRoleExists(Oid role)
{
	return OidIsValid(role) && SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role));
}

Query *
WhatIfQuery(const char *sql, Oid as_user)
{
	Query *query = NULL;
	AsUser(as_user, [&]() {
		ErrorContextCallback cb{error_context_stack, InnerTextErrorCallback, (void *) sql};
		error_context_stack = &cb;
		List *raw = pg_parse_query(sql);
		if (list_length(raw) != 1)
			ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("query must be exactly one statement")));
		Oid *param_types = NULL;
		int nparams = 0;
		List *queries = pg_analyze_and_rewrite_varparams((RawStmt *) linitial(raw), sql, &param_types, &nparams, NULL);
		if (list_length(queries) != 1 || ((Query *) linitial(queries))->commandType == CMD_UTILITY)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("query must be a SELECT, INSERT, UPDATE, DELETE or MERGE statement")));
		error_context_stack = cb.previous;
		query = (Query *) linitial(queries);
		XRAY_CHECK_QUERY_PERMS(query);
	});
	return query;
}

PlannedStmt *
WhatIfPlan(Query *query, const char *sql, HypoIndex **indexes, int n, bool *used, Oid as_user)
{
	WhatIfEnsureHook();
	PlannedStmt *plan = NULL;
	bool was_enabled = guc_enabled;
	guc_enabled = false; // what-if plannings are not recorded
	for (int i = 0; i < n; i++)
		indexes[i]->used = false;
	active = n > 0 ? indexes : NULL;
	nactive = n;
	PG_TRY();
	{
		AsUser(as_user, [&]() {
			plan = PlanCopy(query, sql);
			// planning folded the statement's functions as as_user: so are its permissions checked
			if (OidIsValid(as_user))
				XRAY_CHECK_PLAN_PERMS(plan);
		});
		MarkUsed(plan->planTree);
		ListCell *lc;
		foreach (lc, plan->subplans)
			MarkUsed((Plan *) lfirst(lc));
	}
	PG_FINALLY();
	{
		guc_enabled = was_enabled;
		active = NULL;
		nactive = 0;
	}
	PG_END_TRY();
	for (int i = 0; used && i < n; i++)
		used[i] = indexes[i]->used;
	return plan;
}

void
WhatIfCheckPlanPerms(PlannedStmt *plan)
{
	XRAY_CHECK_PLAN_PERMS(plan);
}

text *
WhatIfPlanText(PlannedStmt *plan, HypoIndex **indexes, int n)
{
	text *t = NULL;
	active = n > 0 ? indexes : NULL;
	nactive = n;
	// never leave the set active: it points into memory freed after this call
	PG_TRY();
	{
		t = PlanText(plan);
	}
	PG_FINALLY();
	{
		active = NULL;
		nactive = 0;
	}
	PG_END_TRY();
	return t;
}
} // namespace xray::pg

using namespace xray::pg;

Datum
xray_what_if(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("query must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("index_statements must not be NULL"),
						errhint("Pass an empty array to plan without hypothetical indexes.")));
	char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ArrayType *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum *elems;
	bool *elem_nulls;
	int nelems;
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &nelems);

	TupleDesc tupdesc;
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("xray.what_if must return a record")));

	// the hypothetical indexes
	HypoIndex **hypos = (HypoIndex **) palloc0(sizeof(HypoIndex *) * Max(nelems, 1));
	for (int i = 0; i < nelems; i++)
	{
		if (elem_nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("index statement %d is NULL", i + 1)));
		hypos[i] = WhatIfIndex(TextDatumGetCString(elems[i]));
		CheckIndexReadable(*hypos[i]);
	}

	// the statement, with $n parameters allowed
	Query *query = WhatIfQuery(sql);

	// plan without, then with the hypothetical indexes
	PlannedStmt *before = WhatIfPlan(query, sql, NULL, 0, NULL);
	bool *used_flags = (bool *) palloc0(sizeof(bool) * Max(nelems, 1));
	PlannedStmt *after = WhatIfPlan(query, sql, hypos, nelems, used_flags);
	// every table the planned statement reads, in subqueries, CTEs and
	// sublinks too (the flattened range table), before anything is returned
	WhatIfCheckPlanPerms(before);
	WhatIfCheckPlanPerms(after);
	text *plan_before = WhatIfPlanText(before, NULL, 0);
	text *plan_after = WhatIfPlanText(after, hypos, nelems);

	double cost_before = before->planTree->total_cost;
	double cost_after = after->planTree->total_cost;
	Datum *used = (Datum *) palloc(sizeof(Datum) * Max(nelems, 1));
	int nused = 0;
	int64 size_bytes = 0;
	for (int i = 0; i < nelems; i++)
	{
		size_bytes += (int64) hypos[i]->pages * BLCKSZ;
		if (used_flags[i])
			used[nused++] = CStringGetTextDatum(hypos[i]->name);
	}

	Datum values[7];
	bool nulls[7] = {false};
	values[0] = Float8GetDatum(cost_before);
	values[1] = Float8GetDatum(cost_after);
	values[2] = Float8GetDatum(cost_before > 0 ? 100.0 * (cost_before - cost_after) / cost_before : 0.0);
	values[3] = PointerGetDatum(construct_array(used, nused, TEXTOID, -1, false, TYPALIGN_INT));
	values[4] = Int64GetDatum(size_bytes);
	values[5] = PointerGetDatum(plan_before);
	values[6] = PointerGetDatum(plan_after);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
