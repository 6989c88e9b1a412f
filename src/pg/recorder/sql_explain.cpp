// sql_explain.cpp - pg_xray's view of one statement: xray._explain_ids(query)
// behind xray.explain(query), and on PostgreSQL 18 the EXPLAIN option XRAY.
//
// The statement is parsed, analyzed and planned as the calling role (never
// executed), with its permissions checked as EXPLAIN would at execution, and
// not recorded. Its query id and pg_xray plan id then select what the store
// holds for it; xray._explain_items() (SQL) gathers that under the reader's
// visibility rules, and this file lays it out: as rows for xray.explain(), or
// as EXPLAIN properties (text, JSON, YAML or XML) under "pg_xray".
#include "srf.hpp"
#include "compat.hpp"
#include "recorder/plan_walk.hpp"
#include "advice/what_if.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "executor/spi.h"
#if XRAY_HAS_EXPLAIN_OPTIONS
#include "commands/defrem.h"
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_explain_ids);
PGDLLEXPORT Datum xray_explain_ids(PG_FUNCTION_ARGS);
}

namespace xray::pg
{
namespace
{
#if XRAY_HAS_EXPLAIN_OPTIONS
int explain_extension_id = -1;

// in the text format groups have no titles: a section's is written here, and
// its properties indented under it, as EXPLAIN lays out its own sections
void
OpenSection(const char *objtype, const char *label, ExplainState *es)
{
	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		appendStringInfoSpaces(es->str, es->indent * 2);
		appendStringInfo(es->str, "%s:\n", label);
		es->indent++;
	}
	ExplainOpenGroup(objtype, label, true, es);
}

void
CloseSection(const char *objtype, const char *label, ExplainState *es)
{
	ExplainCloseGroup(objtype, label, true, es);
	if (es->format == EXPLAIN_FORMAT_TEXT)
		es->indent--;
}
explain_per_plan_hook_type prev_explain_per_plan = NULL;

struct XrayExplainOptions
{
	bool enabled;
};

void
XrayExplainOption(ExplainState *es, DefElem *opt, ParseState *pstate)
{
	XrayExplainOptions *o = (XrayExplainOptions *) GetExplainExtensionState(es, explain_extension_id);
	if (o == NULL)
	{
		o = (XrayExplainOptions *) palloc0(sizeof(XrayExplainOptions));
		SetExplainExtensionState(es, explain_extension_id, o);
	}
	o->enabled = defGetBoolean(opt);
}

// ExplainItems appends what xray._explain_items() returns for the plan, one
// group per section. Without the extension in this database there is nothing
// to read: a single property says so.
void
ExplainItems(PlannedStmt *plan, const char *query_string, ExplainState *es)
{
	OpenSection("pg_xray", "pg_xray", es);
	Oid ext = get_extension_oid("pg_xray", true);
	if (!OidIsValid(ext))
	{
		ExplainPropertyText("Records", "none: pg_xray is not installed in this database (CREATE EXTENSION pg_xray)",
							es);
		CloseSection("pg_xray", "pg_xray", es);
		return;
	}
	int loc = plan->stmt_location;
	int len = plan->stmt_len;
	const char *stmt = query_string ? CleanQuerytext(query_string, &loc, &len) : "";
	char *text = pnstrdup(stmt, query_string ? len : 0);
	uint64 planid = PlanIdCompute(plan);
	// what the planner hook left in the plan for other extensions (0: not recorded, or
	// another extension's id, which is kept)
	ExplainPropertyInteger("PlannedStmt planId", NULL, plan->planId, es);

	SPI_connect();
	Oid types[3] = {INT8OID, INT8OID, TEXTOID};
	Datum values[3] = {Int64GetDatum((int64) plan->queryId), Int64GetDatum((int64) planid), CStringGetTextDatum(text)};
	char nulls[3] = {plan->queryId == 0 ? 'n' : ' ', ' ', ' '};
	SPI_execute_with_args("SELECT section, label, value FROM xray._explain_items($1, $2, $3)", 3, types, values, nulls,
						  true, 0);
	const char *open = NULL;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		char *section = SPI_getvalue(tup, desc, 1);
		char *label = SPI_getvalue(tup, desc, 2);
		char *value = SPI_getvalue(tup, desc, 3);
		if (section == NULL || label == NULL)
			continue;
		if (open == NULL || strcmp(open, section) != 0)
		{
			if (open != NULL)
				CloseSection(open, open, es);
			OpenSection(section, section, es);
			open = section;
		}
		ExplainPropertyText(label, value ? value : "", es);
	}
	if (open != NULL)
		CloseSection(open, open, es);
	SPI_finish();
	CloseSection("pg_xray", "pg_xray", es);
}

void
XrayExplainPerPlan(PlannedStmt *plan, IntoClause *into, ExplainState *es, const char *query_string,
				   ParamListInfo params, QueryEnvironment *query_env)
{
	if (prev_explain_per_plan)
		prev_explain_per_plan(plan, into, es, query_string, params, query_env);
	XrayExplainOptions *o = (XrayExplainOptions *) GetExplainExtensionState(es, explain_extension_id);
	if (o != NULL && o->enabled && plan->commandType != CMD_UTILITY)
		ExplainItems(plan, query_string, es);
}
#endif
} // namespace

void
ExplainOptionInit()
{
#if XRAY_HAS_EXPLAIN_OPTIONS
	explain_extension_id = GetExplainExtensionId("pg_xray");
	RegisterExtensionExplainOption("xray", XrayExplainOption);
	prev_explain_per_plan = explain_per_plan_hook;
	explain_per_plan_hook = XrayExplainPerPlan;
#endif
}
} // namespace xray::pg

// xray._explain_ids(query text, search_path text, OUT queryid bigint, OUT
// planid bigint): the statement's query id (NULL when compute_query_id is off)
// and the pg_xray plan id of the plan the planner makes for it now, as the
// calling role, with that search_path (NULL: this function's).
Datum
xray_explain_ids(PG_FUNCTION_ARGS)
{
	using namespace xray::pg;
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	const char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	// the statement is read with the search_path it would run with: the caller's,
	// passed in (the SQL functions around this one pin their own)
	int guc_level = NewGUCNestLevel();
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		(void) set_config_option("search_path", text_to_cstring(PG_GETARG_TEXT_PP(1)), PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	Query *query = WhatIfQuery(sql);
	PlannedStmt *plan = WhatIfPlan(query, sql, NULL, 0, NULL, GetUserId());
	AtEOXact_GUC(true, guc_level);
	Datum values[2] = {Int64GetDatum((int64) query->queryId), Int64GetDatum((int64) PlanIdCompute(plan))};
	bool nulls[2] = {query->queryId == 0, false};
	PG_RETURN_DATUM(RecordResult(fcinfo, values, nulls));
}
