// index_advice.cpp - xray.index_advice() and xray.index_advice_queries():
// indexes chosen for the recorded workload.
//
// Three phases, so that no C++ object is alive while PostgreSQL may raise:
// 1. (PostgreSQL, workload.cpp) the costliest recorded statements, planned as
//    the roles that ran them, give per table the columns filtered, joined,
//    sorted and read; everything is copied into palloc'd plain structs.
// 2. (core, guarded) core::GenerateCandidates and core::SelectIndexes choose
//    indexes for the whole workload. The cost oracle plans a statement with a
//    set of hypothetical indexes (what_if.cpp) inside a subtransaction and turns
//    a PostgreSQL error into a C++ exception.
// 3. (PostgreSQL) The chosen set is named and planned once more with all
//    statements, for the workload cost before and after and which statements
//    use each index; an index no statement uses then is dropped. The texts
//    (CREATE INDEX, names, the reason, what it replaces) are core's
//    (advice_text.hpp), built under XRAY_GUARD from identifiers quoted here.
#include <cstring>
#include <string>
#include <vector>

#include "advice_text.hpp"
#include "index_advisor.hpp"

#include "advice/advice_log.hpp"
#include "advice/what_if.hpp"
#include "advice/workload.hpp"
#include "evidence/scan_signals.hpp"
#include "guard.hpp"
#include "guc.hpp"
#include "shared_modules.hpp"
#include "srf.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "mb/pg_wchar.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(xray_index_advice);
PG_FUNCTION_INFO_V1(xray_index_advice_queries);
PGDLLEXPORT Datum xray_index_advice(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_index_advice_queries(PG_FUNCTION_ARGS);
}

namespace xray::pg
{
namespace
{
struct ResultPod
{
	int rel;
	int ncols;
	int cols[kMaxCols];
	bool desc[kMaxCols];
	int ninclude;
	int include[kMaxCols];
	double upkeep; // index writes it adds to the recorded workload
	core::IndexMethod method;
	int pred_col; // partial index WHERE pred_col = pred_value, or -1
	char pred_value[256];
	double size_bytes;
	double benefit;
};

// ShapePod: an index as quoted SQL pieces, made on the PostgreSQL side
// (quote_identifier) for core::IndexShape.
struct ShapePod
{
	core::IndexMethod method;
	const char *table; // schema.table, quoted
	int nkeys;
	const char *keys[kMaxCols];
	bool desc[kMaxCols];
	int ninclude;
	const char *include[kMaxCols];
	const char *pred_col; // NULL: not partial
	const char *pred_value;
};

// ColumnSql is an index column as SQL: a quoted name, or a parenthesized expression.
const char *
ColumnSql(const RelPod &rel, int col)
{
	const ColPod &c = rel.cols[col];
	return c.is_expr ? psprintf("(%s)", c.name) : quote_identifier(c.name);
}

const char *
QualifiedName(const RelPod &rel)
{
	return psprintf("%s.%s", quote_identifier(rel.schema), quote_identifier(rel.name));
}

ShapePod
ShapeOf(const RelPod &rel, const ResultPod &r)
{
	ShapePod p;
	memset(&p, 0, sizeof(p));
	p.method = r.method;
	p.table = QualifiedName(rel);
	p.nkeys = r.ncols;
	for (int k = 0; k < r.ncols; k++)
	{
		p.keys[k] = ColumnSql(rel, r.cols[k]);
		p.desc[k] = r.desc[k];
	}
	p.ninclude = r.ninclude;
	for (int k = 0; k < r.ninclude; k++)
		p.include[k] = ColumnSql(rel, r.include[k]);
	if (r.pred_col >= 0)
	{
		p.pred_col = ColumnSql(rel, r.pred_col);
		p.pred_value = r.pred_value;
	}
	return p;
}

core::IndexShape
ToShape(const ShapePod &p)
{
	core::IndexShape s;
	s.method = p.method;
	s.keys.assign(p.keys, p.keys + p.nkeys);
	s.desc.assign(p.desc, p.desc + p.nkeys);
	s.include.assign(p.include, p.include + p.ninclude);
	if (p.pred_col != NULL)
	{
		s.predicate_column = p.pred_col;
		s.predicate_value = p.pred_value;
	}
	return s;
}

enum class IndexText
{
	kColumns,		// what xray.index_advice.columns shows
	kCreate,		// CREATE INDEX, for what-if planning
	kCreateAdvised, // CREATE INDEX CONCURRENTLY name ...;, as advised
};

std::string
IndexTextOf(const ShapePod &p, IndexText kind, const char *quoted_name)
{
	core::IndexShape shape = ToShape(p);
	if (kind == IndexText::kColumns)
		return core::IndexColumnsText(shape);
	std::string sql =
		core::CreateIndexText(p.table, shape, kind == IndexText::kCreateAdvised, quoted_name ? quoted_name : "");
	return kind == IndexText::kCreateAdvised ? sql + ";" : sql;
}

char *
CopyIndexText(const ShapePod &p, IndexText kind, const char *quoted_name)
{
	std::string s = IndexTextOf(p, kind, quoted_name);
	return GuardCopyString(s.data(), s.size());
}

// IndexSql: an index's text, palloc'd (PostgreSQL side).
char *
IndexSql(const RelPod &rel, const ResultPod &r, IndexText kind, const char *quoted_name = NULL)
{
	ShapePod p = ShapeOf(rel, r);
	char *out = NULL;
	XRAY_GUARD(out = CopyIndexText(p, kind, quoted_name));
	return out;
}

// --- phase 2: selection ---------------------------------------------------------

// PlanCostGuarded plans query q with the hypothetical indexes (we are inside
// the core's selection). A cancel or timeout becomes a C++ exception that
// ends the run; any other planning error costs the statement as it is (no
// gain claimed) and is said at DEBUG1 with its SQLSTATE.
double
PlanCostGuarded(Workload &w, int q, HypoIndex **hypos, int n)
{
	double cost = 0;
	const QueryPod &qp = w.queries[q];
	ErrorData *err = PgCall([&]() noexcept {
		CHECK_FOR_INTERRUPTS();
		cost = WhatIfPlan(qp.query, qp.sql, hypos, n, NULL, qp.userid)->planTree->total_cost;
	});
	if (err == NULL)
		return cost;
	if (IsInterrupt(err))
		ThrowIfFailed(err);
	ThrowIfFailed(PgCall([&]() noexcept {
		ereport(DEBUG1, (errmsg("pg_xray: index advice could not plan statement %lld with hypothetical indexes: %s",
								(long long) qp.queryid, err->message),
						 errdetail("SQLSTATE %s", unpack_sql_state(err->sqlerrcode))));
	}));
	return qp.cost;
}

ResultPod
ToPod(const core::IndexCandidate &c)
{
	ResultPod r;
	memset(&r, 0, sizeof(r));
	r.rel = c.relation;
	r.ncols = Min((int) c.columns.size(), kMaxCols);
	for (int k = 0; k < r.ncols; k++)
	{
		r.cols[k] = c.columns[k];
		r.desc[k] = c.desc[k];
	}
	r.ninclude = Min((int) c.include.size(), kMaxCols - r.ncols);
	for (int k = 0; k < r.ninclude; k++)
		r.include[k] = c.include[k];
	r.size_bytes = c.size_bytes;
	r.method = c.method;
	r.pred_col = c.predicate_column;
	strlcpy(r.pred_value, c.predicate_value.c_str(), sizeof(r.pred_value));
	return r;
}

HypoIndex *
HypoGuarded(const RelPod &rel, const core::IndexCandidate &c)
{
	ResultPod pod = ToPod(c);
	ShapePod shape;
	ThrowIfFailed(PgCall([&]() noexcept { shape = ShapeOf(rel, pod); }));
	std::string sql = IndexTextOf(shape, IndexText::kCreate, NULL);
	HypoIndex *h = NULL;
	ThrowIfFailed(PgCall([&]() noexcept { h = WhatIfIndex(sql.c_str()); }));
	return h;
}

// RelationsOf: the workload's tables as the core advisor reads them.
std::vector<core::RelationInfo>
RelationsOf(const Workload &w)
{
	std::vector<core::RelationInfo> rels(w.nrels);
	for (int r = 0; r < w.nrels; r++)
	{
		const RelPod &p = w.rels[r];
		rels[r].name = p.name;
		rels[r].rows = p.rows;
		for (int a = 0; a < p.natts + p.nexprs; a++)
			rels[r].columns.push_back({p.cols[a].name, p.cols[a].n_distinct, p.cols[a].width});
		for (int k = 0; k < p.nindexes; k++)
		{
			std::vector<int> keys;
			for (int c = 0; c < p.index_nkeys[k]; c++)
				keys.push_back(p.index_keys[k][c] - 1);
			rels[r].btree_indexes.push_back(keys);
		}
		rels[r].gin_columns.assign(p.gin_cols, p.gin_cols + p.ngin);
		rels[r].write_rows = p.write_rows;
		for (int u = 0; u < p.nupdates; u++)
			rels[r].updates.push_back(
				{std::vector<int>(p.update_cols[u], p.update_cols[u] + p.update_ncols[u]), p.update_rows[u]});
	}
	return rels;
}

// StatementsOf: one core statement per (statement, table) use.
std::vector<core::StatementInfo>
StatementsOf(const Workload &w)
{
	std::vector<core::StatementInfo> stmts;
	for (int u = 0; u < w.nuses; u++)
	{
		const UsePod &up = w.uses[u];
		core::StatementInfo s;
		s.queryid = w.queries[up.query].queryid;
		s.weight = w.queries[up.query].weight;
		s.relation = up.rel;
		for (int i = 0; i < up.filters.n; i++)
			s.filters.push_back(
				{up.filters.column[i], up.filters.kind[i], up.filters.constant[i] ? up.filters.constant[i] : ""});
		for (int i = 0; i < up.nsort; i++)
			s.order_by.push_back({up.sort_col[i], up.sort_desc[i]});
		for (int i = 0; i < up.nref; i++)
			s.referenced.push_back(up.ref_col[i]);
		stmts.push_back(s);
	}
	return stmts;
}

// Select chooses the indexes (C++ side, under XRAY_GUARD) and copies them to out.
// Traced: the first candidates, for the DEBUG2 trace of a run ("why not
// this index?"); filled only when the trace is wanted (max 0 otherwise).
struct Traced
{
	ResultPod *pods;
	int max;
	int n;
};

int
Select(Workload &w, const core::AdvisorOptions &opt, ResultPod *out, int max_out, size_t *planned, bool *capped,
	   bool *by_ratio, size_t *ncands, Traced *trace)
{
	std::vector<core::RelationInfo> rels = RelationsOf(w);
	std::vector<core::StatementInfo> stmts = StatementsOf(w); // statement s is use s
	std::vector<core::IndexCandidate> cands = core::GenerateCandidates(rels, stmts, opt);
	std::vector<HypoIndex *> hypo(cands.size(), nullptr);
	auto oracle = [&](size_t s, const std::vector<const core::IndexCandidate *> &config) {
		std::vector<HypoIndex *> set;
		for (const core::IndexCandidate *c : config)
		{
			size_t ci = static_cast<size_t>(c - cands.data());
			if (hypo[ci] == nullptr)
				hypo[ci] = HypoGuarded(w.rels[c->relation], *c);
			set.push_back(hypo[ci]);
		}
		return PlanCostGuarded(w, w.uses[s].query, set.data(), static_cast<int>(set.size()));
	};
	core::Selection sel = core::SelectIndexes(rels, stmts, cands, oracle, opt);
	*planned = sel.oracle_calls;
	*capped = sel.oracle_capped;
	*by_ratio = sel.by_ratio;
	*ncands = cands.size();
	for (size_t i = 0; i < cands.size() && trace->n < trace->max; i++)
	{
		trace->pods[trace->n] = ToPod(cands[i]);
		trace->pods[trace->n++].benefit = static_cast<double>(cands[i].statements.size());
	}
	int n = 0;
	for (size_t i = 0; i < sel.chosen.size() && n < max_out; i++)
	{
		const core::IndexCandidate &c = cands[sel.chosen[i]];
		out[n] = ToPod(c);
		out[n].upkeep = core::WriteUpkeep(rels[c.relation], c.columns, c.include);
		out[n++].benefit = sel.benefit[i];
	}
	return n;
}

// --- phase 3: the chosen set, named and planned with every statement ----------

// Advice is everything both SQL functions report.
struct Advice
{
	Workload w;
	xray::core::AdvisorOptions opt;
	ResultPod *res;
	int nres;
	char **idxname;	   // per result
	HypoIndex **hypos; // per result, named as advised
	double before, after;
	PlannedStmt **plan_before; // per query
	PlannedStmt **plan_after;  // per query, with every advised index
	bool **used;			   // [query][result]
};

// ClipName: bytes of s that fit in limit without splitting a character of the
// database's encoding.
size_t
ClipName(const std::string &s, size_t limit)
{
	int keep = 0;
	ThrowIfFailed(PgCall([&]() noexcept { keep = pg_mbcliplen(s.c_str(), (int) s.size(), (int) limit); }));
	return static_cast<size_t>(keep);
}

// NameAdvised gives every result its name, distinct from the names before it
// and from the relations of its schema (C++ side, under XRAY_GUARD).
void
NameAdvised(Advice &a, const Oid *nsp)
{
	for (int i = 0; i < a.nres; i++)
	{
		const ResultPod &r = a.res[i];
		const RelPod &rel = a.w.rels[r.rel];
		std::vector<std::string> keys;
		for (int k = 0; k < r.ncols; k++)
			keys.push_back(rel.cols[r.cols[k]].name);
		auto taken = [&](const std::string &name) {
			for (int j = 0; j < i; j++)
				if (name == a.idxname[j])
					return true;
			Oid found = InvalidOid;
			ThrowIfFailed(PgCall([&]() noexcept { found = get_relname_relid(name.c_str(), nsp[i]); }));
			return OidIsValid(found);
		};
		std::string name = core::UniqueName(core::AdvisedName(rel.name, keys, ClipName), taken, ClipName);
		a.idxname[i] = GuardCopyString(name.data(), name.size());
	}
}

// InUse writes the results some statement uses once the whole set exists into
// kept (C++ side, under XRAY_GUARD) and returns how many there are.
int
InUse(const Advice &a, int *kept)
{
	std::vector<std::vector<bool>> used(a.w.nqueries);
	for (int q = 0; q < a.w.nqueries; q++)
		if (a.used[q])
			used[q].assign(a.used[q], a.used[q] + a.nres);
	std::vector<size_t> in_use = core::IndexesInUse(used, static_cast<size_t>(a.nres));
	for (size_t k = 0; k < in_use.size(); k++)
		kept[k] = static_cast<int>(in_use[k]);
	return static_cast<int>(in_use.size());
}

// PlanWithAdvised names the results, makes them hypothetical indexes and plans
// every statement with all of them: totals before and after, and who uses what.
void
PlanWithAdvised(Advice &a)
{
	Workload &w = a.w;
	const int nres = a.nres;
	a.idxname = (char **) palloc0(sizeof(char *) * Max(nres, 1));
	a.hypos = (HypoIndex **) palloc0(sizeof(HypoIndex *) * Max(nres, 1));
	Oid *nsp = (Oid *) palloc0(sizeof(Oid) * Max(nres, 1));
	for (int i = 0; i < nres; i++)
		nsp[i] = get_rel_namespace(w.rels[a.res[i].rel].relid);
	XRAY_GUARD(NameAdvised(a, nsp));
	for (int i = 0; i < nres; i++)
		a.hypos[i] =
			WhatIfIndex(IndexSql(w.rels[a.res[i].rel], a.res[i], IndexText::kCreate, quote_identifier(a.idxname[i])));
	a.plan_before = (PlannedStmt **) palloc0(sizeof(PlannedStmt *) * Max(w.nqueries, 1));
	a.plan_after = (PlannedStmt **) palloc0(sizeof(PlannedStmt *) * Max(w.nqueries, 1));
	a.used = (bool **) palloc0(sizeof(bool *) * Max(w.nqueries, 1));
	for (int q = 0; q < w.nqueries && nres > 0; q++)
	{
		CHECK_FOR_INTERRUPTS();
		const QueryPod &qp = w.queries[q];
		bool *used = (bool *) palloc0(sizeof(bool) * nres);
		PlannedStmt *after = NULL;
		ErrorData *err =
			PgCall([&]() noexcept { after = WhatIfPlan(qp.query, qp.sql, a.hypos, nres, used, qp.userid); });
		RaiseIfInterrupt(err);
		a.before += qp.weight * qp.cost;
		if (err)
		{
			// counted as it is; uses nothing
			a.after += qp.weight * qp.cost;
			ereport(DEBUG1, (errmsg("pg_xray: index advice could not plan statement %lld with the advised set: %s",
									(long long) qp.queryid, err->message),
							 errdetail("SQLSTATE %s", unpack_sql_state(err->sqlerrcode))));
			continue;
		}
		a.used[q] = used;
		a.plan_after[q] = after;
		a.after += qp.weight * after->planTree->total_cost;
	}
}

// DropUnused: an index no statement uses once the whole set exists (a later,
// wider one serves its statements better) is not advised.
void
DropUnused(Advice &a)
{
	int *kept = (int *) palloc0(sizeof(int) * Max(a.nres, 1));
	int nkept = 0;
	XRAY_GUARD(nkept = InUse(a, kept));
	for (int k = 0; k < nkept; k++)
	{
		const int i = kept[k];
		a.res[k] = a.res[i];
		a.idxname[k] = a.idxname[i];
		a.hypos[k] = a.hypos[i];
		for (int q = 0; q < a.w.nqueries; q++)
			if (a.used[q])
				a.used[q][k] = a.used[q][i];
	}
	a.nres = nkept;
}

core::AdvisorOptions
OptionsFor(int max_indexes, double budget_bytes)
{
	core::AdvisorOptions opt;
	opt.max_indexes = max_indexes;
	// a fact table read many ways may need more than 3 of 10 (TPC-H's lineitem)
	opt.max_per_table = Max(3, max_indexes / 2);
	opt.budget_bytes = budget_bytes;
	opt.max_oracle_calls = (size_t) guc_index_advice_max_plans;
	opt.min_table_rows = guc_index_advice_min_rows;
	opt.block_size = BLCKSZ;
	// "served": about ten random page reads per call (the planner's own unit)
	opt.served_cost = 10.0 * random_page_cost;
	// gin_trgm_ops visible in the search path: pg_trgm is there to use
	opt.trigram_available = OidIsValid(OpclassnameGetOpcid(GIN_AM_OID, "gin_trgm_ops"));
	return opt;
}

void
RunAdvice(Advice &a, int max_indexes, double budget_bytes)
{
	if (max_indexes < 1 || max_indexes > 100)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_indexes must be between 1 and 100")));
	CheckPreloaded();
	a = Advice{};
	CollectWorkload(a.w, guc_index_advice_statements);
	a.opt = OptionsFor(max_indexes, budget_bytes);
	a.res = (ResultPod *) palloc0(sizeof(ResultPod) * max_indexes);
	int nres = 0;
	size_t planned = 0, ncands = 0;
	bool capped = false, by_ratio = false;
	Traced trace = {NULL, 0, 0};
	if (message_level_is_interesting(DEBUG2))
	{
		trace.max = 200;
		trace.pods = (ResultPod *) palloc0(sizeof(ResultPod) * trace.max);
	}
	XRAY_GUARD(nres = Select(a.w, a.opt, a.res, max_indexes, &planned, &capped, &by_ratio, &ncands, &trace));
	a.nres = nres;
	for (int i = 0; i < trace.n; i++)
		ereport(DEBUG2,
				(errmsg("pg_xray: index advice candidate %d: %s (%s) for %d statement(s)", i + 1,
						QualifiedName(a.w.rels[trace.pods[i].rel]),
						CopyIndexText(ShapeOf(a.w.rels[trace.pods[i].rel], trace.pods[i]), IndexText::kColumns, NULL),
						(int) trace.pods[i].benefit)));
	ereport(DEBUG1, (errmsg("pg_xray: index advice planned %zu what-if configurations for %d statements and %zu "
							"candidates%s; %d chosen%s",
							planned, a.w.nqueries, ncands, capped ? " (the cap, xray.index_advice_max_plans)" : "",
							nres, by_ratio ? ", ranked by benefit per byte (the budget binds)" : "")));
	PlanWithAdvised(a);
	DropUnused(a);
}

// Replaced writes the existing indexes result r makes redundant into out
// (C++ side, under XRAY_GUARD) and returns how many.
int
Replaced(const RelPod &rel, const ResultPod &r, int *out)
{
	std::vector<core::ExistingIndex> existing(rel.nindexes);
	for (int k = 0; k < rel.nindexes; k++)
	{
		for (int c = 0; c < rel.index_nkeys[k]; c++)
			existing[k].keys.push_back(rel.index_keys[k][c] - 1);
		existing[k].droppable = rel.index_droppable[k];
	}
	std::vector<size_t> replaced =
		core::ReplacedIndexes(existing, r.method, std::vector<int>(r.cols, r.cols + r.ncols));
	for (size_t k = 0; k < replaced.size(); k++)
		out[k] = static_cast<int>(replaced[k]);
	return static_cast<int>(replaced.size());
}

// ReasonPod: core::ReasonFacts as plain data, filled on the PostgreSQL side.
struct ReasonPod
{
	int statements;
	double calls;
	const char *table; // quoted
	double table_rows;
	const char *columns;
	double gain_pct;
	uint32 sampled_runs;
	double sampled_rows, sampled_removed;
	uint64 top_queryid;
	double top_mean_ms, top_p95_ms, top_cost_ratio;
	double bulk_rows, bulk_slower_pct;
};

// ReasonText: the reason sentence (C++ side, under XRAY_GUARD).
char *
ReasonText(const ReasonPod &p)
{
	core::ReasonFacts f{p.statements, p.calls,		  p.table,		  p.table_rows,		p.columns,
						p.gain_pct,	  p.sampled_runs, p.sampled_rows, p.sampled_removed};
	f.top_queryid = p.top_queryid;
	f.top_mean_ms = p.top_mean_ms;
	f.top_p95_ms = p.top_p95_ms;
	f.top_cost_ratio = p.top_cost_ratio;
	f.bulk_rows = p.bulk_rows;
	f.bulk_slower_pct = p.bulk_slower_pct;
	std::string s = core::AdviceReason(f);
	return GuardCopyString(s.data(), s.size());
}

// PlanLine: the line of plan_text that scans index quoted, or NULL.
char *
PlanLine(const char *plan_text, const char *quoted)
{
	std::string line;
	if (!core::PlanLineUsing(plan_text, quoted, &line))
		return NULL;
	return GuardCopyString(line.data(), line.size());
}
} // namespace
} // namespace xray::pg

using namespace xray::pg;

// BudgetBytes: argument 1 (a size: '500 MB', '2GB', bytes), or
// xray.index_advice_budget when NULL or absent.
static double
BudgetBytes(FunctionCallInfo fcinfo)
{
	if (PG_NARGS() < 2 || PG_ARGISNULL(1))
		return (double) guc_index_advice_budget_kb * 1024.0;
	int64 bytes = DatumGetInt64(DirectFunctionCall1(pg_size_bytes, PG_GETARG_DATUM(1)));
	if (bytes < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("budget must not be negative"),
						errhint("Give a size such as '500 MB', or NULL for xray.index_advice_budget.")));
	return (double) bytes;
}

// StartAdvice computes the advice for max_indexes (argument 0, default 10)
// within budget (argument 1) and prepares the function's result set; both SQL
// functions start here.
static ReturnSetInfo *
StartAdvice(FunctionCallInfo fcinfo, Advice &a)
{
	RunAdvice(a, PG_ARGISNULL(0) ? 10 : PG_GETARG_INT32(0), BudgetBytes(fcinfo));
	XRAY_INIT_MATERIALIZED_SRF(fcinfo);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

// SampledEvidence sums what sampled executions of the statements using result
// i saw at its table.
static ScanSignal
SampledEvidence(const Advice &a, int i)
{
	ScanSignal total = {0, 0, 0, 0};
	const RelPod &rel = a.w.rels[a.res[i].rel];
	for (int q = 0; q < a.w.nqueries; q++)
	{
		ScanSignal sig;
		if (a.used[q] && a.used[q][i] && ScanSignalGet(MyDatabaseId, a.w.queries[q].queryid, rel.relid, &sig))
		{
			total.runs += sig.runs;
			total.seq_scans += sig.seq_scans;
			total.rows += sig.rows;
			total.removed += sig.removed;
		}
	}
	return total;
}

// LogEntryOf fills result i's entry of xray.advice_log: its keys as the advice
// writes them, and its statements with their recorded latency now.
static void
LogEntryOf(const Advice &a, int i, const char *cols, const char *create, AdviceLogEntry *e)
{
	const ResultPod &r = a.res[i];
	const RelPod &rel = a.w.rels[r.rel];
	e->table_oid = rel.relid;
	e->table_name = QualifiedName(rel);
	e->index_type = r.method == xray::core::IndexMethod::kBtree ? "btree" : "gin";
	e->columns = cols;
	e->create_statement = create;
	e->nkeys = r.ncols;
	for (int k = 0; k < r.ncols; k++)
	{
		e->keys[k] = ColumnSql(rel, r.cols[k]);
		e->desc[k] = r.desc[k];
	}
	e->partial_column = r.pred_col >= 0 ? ColumnSql(rel, r.pred_col) : NULL;
	const int nq = a.w.nqueries;
	e->queries = (int64 *) palloc(sizeof(int64) * Max(nq, 1));
	e->calls = (double *) palloc(sizeof(double) * Max(nq, 1));
	e->mean_ms = (double *) palloc(sizeof(double) * Max(nq, 1));
	e->p95_ms = (double *) palloc(sizeof(double) * Max(nq, 1));
	for (int q = 0; q < nq; q++)
		if (a.used[q] && a.used[q][i])
		{
			const QueryPod &qp = a.w.queries[q];
			e->queries[e->nqueries] = (int64) qp.queryid;
			e->calls[e->nqueries] = qp.calls;
			e->mean_ms[e->nqueries] = qp.mean_ms;
			e->p95_ms[e->nqueries++] = qp.p95_ms;
		}
}

// NameTopStatement: of the statements result i helps, the one it saves the
// most (weight x cost), with its recorded latency and its cost ratio.
static void
NameTopStatement(const Advice &a, int i, ReasonPod *f)
{
	double best = 0;
	f->top_cost_ratio = 1;
	f->top_mean_ms = f->top_p95_ms = -1;
	for (int q = 0; q < a.w.nqueries; q++)
	{
		if (!(a.used[q] && a.used[q][i]) || a.plan_after[q] == NULL)
			continue;
		const QueryPod &qp = a.w.queries[q];
		double after = a.plan_after[q]->planTree->total_cost;
		double gain = qp.weight * (qp.cost - after);
		if (gain > best && qp.cost > 0)
		{
			best = gain;
			f->top_queryid = qp.queryid;
			f->top_mean_ms = qp.mean_ms;
			f->top_p95_ms = qp.p95_ms;
			f->top_cost_ratio = after / qp.cost;
		}
	}
}

Datum
xray_index_advice(PG_FUNCTION_ARGS)
{
	Advice a;
	ReturnSetInfo *rsinfo = StartAdvice(fcinfo, a);
	const Workload &w = a.w;
	AdviceLogEntry *log = (AdviceLogEntry *) palloc0(sizeof(AdviceLogEntry) * Max(a.nres, 1));
	for (int i = 0; i < a.nres; i++)
	{
		const ResultPod &r = a.res[i];
		const RelPod &rel = w.rels[r.rel];
		char *cols = IndexSql(rel, r, IndexText::kColumns);
		char *create = IndexSql(rel, r, IndexText::kCreateAdvised, quote_identifier(a.idxname[i]));
		LogEntryOf(a, i, cols, create, &log[i]);
		Datum *qids = (Datum *) palloc(sizeof(Datum) * Max(w.nqueries, 1));
		int nq = 0;
		double calls = 0;
		for (int q = 0; q < w.nqueries; q++)
			if (a.used[q] && a.used[q][i])
			{
				qids[nq++] = Int64GetDatum((int64) w.queries[q].queryid);
				calls += w.queries[q].calls;
			}
		int *replaced = (int *) palloc(sizeof(int) * Max(rel.nindexes, 1));
		int nrepl = 0;
		XRAY_GUARD(nrepl = Replaced(rel, r, replaced));
		Datum *repl = (Datum *) palloc(sizeof(Datum) * Max(nrepl, 1));
		for (int k = 0; k < nrepl; k++)
			repl[k] = CStringGetTextDatum(quote_identifier(rel.index_names[replaced[k]]));
		double pct = a.before > 0 ? 100.0 * r.benefit / a.before : 0.0;
		ScanSignal seen = SampledEvidence(a, i);
		ReasonPod facts{nq, calls, quote_identifier(rel.name), rel.rows, cols, pct, seen.runs, seen.rows, seen.removed};
		NameTopStatement(a, i, &facts);
		if (rel.bulk_rows > 0)
		{
			facts.bulk_rows = rel.bulk_rows;
			facts.bulk_slower_pct = xray::core::BulkSlowdownPct(rel.nindexes);
		}
		char *reason = NULL;
		XRAY_GUARD(reason = ReasonText(facts));
		SrfRow row;
		row.Put(Int32GetDatum(i + 1));
		row.Put(CStringGetTextDatum(QualifiedName(rel)));
		row.Put(CStringGetTextDatum(r.method == xray::core::IndexMethod::kBtree ? "btree" : "gin"));
		row.Put(CStringGetTextDatum(cols));
		row.Put(CStringGetTextDatum(create));
		row.Put(Int64GetDatum((int64) r.size_bytes));
		row.Put(Float8GetDatum(a.before));
		row.Put(Float8GetDatum(a.after));
		row.Put(Float8GetDatum(pct));
		row.Put(Float8GetDatum(a.opt.write_penalty * r.upkeep));
		row.Put(PointerGetDatum(construct_array(qids, nq, INT8OID, 8, true, TYPALIGN_DOUBLE)));
		row.Put(PointerGetDatum(construct_array(repl, nrepl, TEXTOID, -1, false, TYPALIGN_INT)));
		row.Put(CStringGetTextDatum(reason));
		row.Done(rsinfo);
	}
	AdviceLogWrite(log, a.nres);
	return (Datum) 0;
}

// xray_index_advice_queries: per advised index and statement using it, the
// estimated cost per call before and after, and both plans.
Datum
xray_index_advice_queries(PG_FUNCTION_ARGS)
{
	Advice a;
	ReturnSetInfo *rsinfo = StartAdvice(fcinfo, a);
	const Workload &w = a.w;
	for (int i = 0; i < a.nres; i++)
		for (int q = 0; q < w.nqueries; q++)
		{
			if (!(a.used[q] && a.used[q][i]))
				continue;
			const QueryPod &qp = w.queries[q];
			if (a.plan_before[q] == NULL)
				a.plan_before[q] = WhatIfPlan(qp.query, qp.sql, NULL, 0, NULL, qp.userid);
			text *before_text = WhatIfPlanText(a.plan_before[q], NULL, 0);
			text *after_text = WhatIfPlanText(a.plan_after[q], a.hypos, a.nres);
			// the node that changes: the line of the new plan that scans this index
			const char *after = text_to_cstring(after_text);
			const char *quoted = quote_identifier(a.idxname[i]);
			char *node = NULL;
			XRAY_GUARD(node = PlanLine(after, quoted));
			SrfRow row;
			row.Put(Int32GetDatum(i + 1));
			row.Put(CStringGetTextDatum(a.idxname[i]));
			row.Put(Int64GetDatum((int64) qp.queryid));
			row.Put(CStringGetTextDatum(qp.normalized));
			row.Put(Float8GetDatum(qp.calls));
			row.Put(Float8GetDatum(qp.cost));
			row.Put(Float8GetDatum(a.plan_after[q]->planTree->total_cost));
			row.Put(PointerGetDatum(before_text));
			row.Put(PointerGetDatum(after_text));
			row.Text(node);
			row.Done(rsinfo);
		}
	return (Datum) 0;
}
