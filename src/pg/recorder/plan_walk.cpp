// plan_walk.cpp - plan ids (hot path): fingerprints of plan trees.
//
// PlanIdCompute streams the shape of a plan tree into core::PlanIdBuilder: node
// types, relation and index OIDs, join types, scan directions, sort and group
// columns and operators, and the structure of every qual (expression node
// types, columns, operators, functions). Constants hash as one "value" token
// of their type; extern parameters ($1, left in a generic plan, planned without
// their values) hash differently, so a generic plan has an id of its own and its
// executions can be told from those of the custom plans of the same shape
// (xray.plan_findings, generic_plan_slower). Costs are never read. No allocation, no catalog
// access: it runs in the planner hook for every planned statement.
//
// PlanIdForPlanning skips the walk for a plan like one this backend planned
// before (same top-node fingerprint, skeleton and custom/generic kind: a small
// backend-local cache), as statements planned at every execution usually are.
// PlanIdOf finds the id again at execution: cached plans are copies of what
// the planner returned, so a pointer cannot identify them. A fingerprint of
// the top of the plan (query id, node type, costs, rows, width, range table
// and subplan counts) selects a slot in a small backend-local cache; on a miss
// the tree is walked again. Two different plans of one query with equal costs
// to the last bit would share a slot (accepted: see docs/architecture.md).
//
// The plan texts (an EXPLAIN-like tree without costs or constants) are
// rendered by plan_explain.cpp.
#include <cstring>

#include "plan_id.hpp"
#include "plan_text.hpp"

#include "compat.hpp"
#include "recorder/plan_walk.hpp"

extern "C" {
#include "access/stratnum.h"
#include "nodes/primnodes.h"
#include "utils/syscache.h"
}

namespace xray::pg
{
using core::PlanIdBuilder;

namespace
{
constexpr uint64 kValueToken = 0x76616c7565ULL;		  // "value"
constexpr uint64 kGenericToken = 0x67656e6572696cULL; // "generic"
constexpr int kFingerprintSlots = 256;

struct FingerprintSlot
{
	uint64 fingerprint;
	uint64 planid;
};
FingerprintSlot fp_cache[kFingerprintSlots];   // execution: fingerprint -> plan id
FingerprintSlot plan_cache[kFingerprintSlots]; // planning: fingerprint and skeleton -> plan id

bool HashExprWalker(Node *node, void *ctx);

void
HashExpr(PlanIdBuilder &b, Node *node)
{
	if (node)
		HashExprWalker(node, &b);
}

// HashLeaf: a constant, parameter or column (nothing below it); false for
// other nodes.
bool
HashLeaf(PlanIdBuilder &b, Node *node)
{
	switch (nodeTag(node))
	{
		case T_Const:
			b.Tagged(core::kTagExprNode, kValueToken);
			b.Tagged(core::kTagOther, ((Const *) node)->consttype);
			return true;
		case T_Param:
		{
			Param *p = (Param *) node;
			if (p->paramkind == PARAM_EXTERN)
			{
				// a generic plan (planned without the values): an id of its own
				b.Tagged(core::kTagExprNode, kValueToken);
				b.Tagged(core::kTagOther, p->paramtype ^ kGenericToken);
			}
			else
			{
				b.Tagged(core::kTagExprNode, T_Param);
				b.Tagged(core::kTagOther, (uint64) p->paramkind);
			}
			return true;
		}
		case T_Var:
		{
			Var *v = (Var *) node;
			b.Tagged(core::kTagExprNode, T_Var);
			b.Tagged(core::kTagColumn, ((uint64) (uint32) v->varno << 20) ^ (uint32) (v->varattno + 2000));
			return true;
		}
		default:
			return false;
	}
}

// HashHead: what identifies an expression node besides its arguments.
void
HashHead(PlanIdBuilder &b, Node *node)
{
	switch (nodeTag(node))
	{
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOperator, ((OpExpr *) node)->opno);
			break;
		case T_ScalarArrayOpExpr:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOperator, ((ScalarArrayOpExpr *) node)->opno);
			b.Tagged(core::kTagOther, ((ScalarArrayOpExpr *) node)->useOr);
			break;
		case T_FuncExpr:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagFunction, ((FuncExpr *) node)->funcid);
			break;
		case T_Aggref:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagFunction, ((Aggref *) node)->aggfnoid);
			break;
		case T_WindowFunc:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagFunction, ((WindowFunc *) node)->winfnoid);
			break;
		case T_BoolExpr:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOther, (uint64) ((BoolExpr *) node)->boolop);
			break;
		case T_NullTest:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOther, (uint64) ((NullTest *) node)->nulltesttype);
			break;
		case T_BooleanTest:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOther, (uint64) ((BooleanTest *) node)->booltesttype);
			break;
		case T_SubPlan:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			b.Tagged(core::kTagOther, (uint64) ((SubPlan *) node)->plan_id);
			break;
		case T_List:
			break; // walked below, element by element
		default:
			b.Tagged(core::kTagExprNode, nodeTag(node));
			break;
	}
}

bool
HashExprWalker(Node *node, void *ctx)
{
	if (node == NULL)
		return false;
	check_stack_depth();
	PlanIdBuilder &b = *static_cast<PlanIdBuilder *>(ctx);
	if (HashLeaf(b, node))
		return false;
	HashHead(b, node);
	b.Open();
	bool r =
		expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(HashExprWalker)), ctx);
	b.Close();
	return r;
}

Oid
ScanRelid(Index scanrelid, List *rtable)
{
	if (scanrelid == 0 || scanrelid > (Index) list_length(rtable))
		return InvalidOid;
	RangeTblEntry *rte = rt_fetch(scanrelid, rtable);
	return rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid;
}

void
HashCols(PlanIdBuilder &b, int n, const AttrNumber *cols, const Oid *ops, const bool *nulls_first)
{
	b.Tagged(core::kTagSortKey, (uint64) n);
	for (int i = 0; i < n; i++)
	{
		b.Tagged(core::kTagSortKey, (uint64) cols[i]);
		if (ops)
			b.Tagged(core::kTagOperator, ops[i]);
		if (nulls_first)
			b.Tagged(core::kTagOther, nulls_first[i]);
	}
}

// HashScanFields: an index, bitmap or TID scan's index, direction and conditions;
// false for other nodes.
bool
HashScanFields(PlanIdBuilder &b, Plan *plan)
{
	switch (nodeTag(plan))
	{
		case T_IndexScan:
		{
			IndexScan *s = (IndexScan *) plan;
			b.Tagged(core::kTagIndex, s->indexid);
			b.Tagged(core::kTagDirection, (uint64) (s->indexorderdir + 2));
			b.Tagged(core::kTagQual, 1);
			HashExpr(b, (Node *) s->indexqualorig);
			b.Tagged(core::kTagQual, 2);
			HashExpr(b, (Node *) s->indexorderbyorig);
			return true;
		}
		case T_IndexOnlyScan:
		{
			IndexOnlyScan *s = (IndexOnlyScan *) plan;
			b.Tagged(core::kTagIndex, s->indexid);
			b.Tagged(core::kTagDirection, (uint64) (s->indexorderdir + 2));
			b.Tagged(core::kTagQual, 1);
			HashExpr(b, (Node *) s->indexqual);
			b.Tagged(core::kTagQual, 2);
			HashExpr(b, (Node *) s->indexorderby);
			return true;
		}
		case T_BitmapIndexScan:
		{
			BitmapIndexScan *s = (BitmapIndexScan *) plan;
			b.Tagged(core::kTagIndex, s->indexid);
			b.Tagged(core::kTagQual, 1);
			HashExpr(b, (Node *) s->indexqualorig);
			return true;
		}
		case T_BitmapHeapScan:
			b.Tagged(core::kTagQual, 3);
			HashExpr(b, (Node *) ((BitmapHeapScan *) plan)->bitmapqualorig);
			return true;
		case T_TidScan:
			b.Tagged(core::kTagQual, 4);
			HashExpr(b, (Node *) ((TidScan *) plan)->tidquals);
			return true;
		default:
			return false;
	}
}

// HashJoinFields: a join's type and conditions; false for other nodes.
bool
HashJoinFields(PlanIdBuilder &b, Plan *plan)
{
	switch (nodeTag(plan))
	{
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:
		{
			Join *j = (Join *) plan;
			b.Tagged(core::kTagJoinType, (uint64) j->jointype);
			b.Tagged(core::kTagQual, 5);
			HashExpr(b, (Node *) j->joinqual);
			if (IsA(plan, MergeJoin))
			{
				b.Tagged(core::kTagQual, 6);
				HashExpr(b, (Node *) ((MergeJoin *) plan)->mergeclauses);
			}
			else if (IsA(plan, HashJoin))
			{
				b.Tagged(core::kTagQual, 7);
				HashExpr(b, (Node *) ((HashJoin *) plan)->hashclauses);
			}
			return true;
		}
		default:
			return false;
	}
}

// HashKeyFields: the keys and strategy of sorts, aggregates, groups, windows,
// set operations, limits, table modifications and results; false for others.
bool
HashKeyFields(PlanIdBuilder &b, Plan *plan, List *rtable)
{
	switch (nodeTag(plan))
	{
		case T_Sort:
		case T_IncrementalSort:
		{
			Sort *s = (Sort *) plan;
			HashCols(b, s->numCols, s->sortColIdx, s->sortOperators, s->nullsFirst);
			return true;
		}
		case T_MergeAppend:
		{
			MergeAppend *m = (MergeAppend *) plan;
			HashCols(b, m->numCols, m->sortColIdx, m->sortOperators, m->nullsFirst);
			return true;
		}
		case T_Agg:
		{
			Agg *a = (Agg *) plan;
			b.Tagged(core::kTagOther, (uint64) a->aggstrategy);
			b.Tagged(core::kTagOther, (uint64) a->aggsplit);
			HashCols(b, a->numCols, a->grpColIdx, NULL, NULL);
			return true;
		}
		case T_Group:
			HashCols(b, ((Group *) plan)->numCols, ((Group *) plan)->grpColIdx, NULL, NULL);
			return true;
		case T_Unique:
			HashCols(b, ((Unique *) plan)->numCols, ((Unique *) plan)->uniqColIdx, NULL, NULL);
			return true;
		case T_WindowAgg:
		{
			WindowAgg *w = (WindowAgg *) plan;
			HashCols(b, w->partNumCols, w->partColIdx, NULL, NULL);
			HashCols(b, w->ordNumCols, w->ordColIdx, NULL, NULL);
			return true;
		}
		case T_SetOp:
			b.Tagged(core::kTagOther, (uint64) ((SetOp *) plan)->cmd);
			b.Tagged(core::kTagOther, (uint64) ((SetOp *) plan)->strategy);
			return true;
		case T_Limit:
			b.Tagged(core::kTagOther, (uint64) ((Limit *) plan)->limitOption);
			return true;
		case T_ModifyTable:
		{
			ModifyTable *m = (ModifyTable *) plan;
			b.Tagged(core::kTagOther, (uint64) m->operation);
			ListCell *lc;
			foreach (lc, m->resultRelations)
				b.Tagged(core::kTagRelation, ScanRelid(lfirst_int(lc), rtable));
			return true;
		}
		case T_Result:
			b.Tagged(core::kTagQual, 8);
			HashExpr(b, ((Result *) plan)->resconstantqual);
			return true;
		default:
			return false;
	}
}

void
HashPlan(PlanIdBuilder &b, Plan *plan, List *rtable)
{
	if (plan == NULL)
	{
		b.Tagged(core::kTagNode, 0);
		return;
	}
	check_stack_depth();
	NodeTag tag = nodeTag(plan);
	b.Tagged(core::kTagNode, tag);
	// the scan nodes are contiguous, SeqScan to CustomScan (16 has no T_Scan tag)
	if (tag >= T_SeqScan && tag <= T_CustomScan)
		b.Tagged(core::kTagRelation, ScanRelid(((Scan *) plan)->scanrelid, rtable));
	if (!HashScanFields(b, plan) && !HashJoinFields(b, plan))
		(void) HashKeyFields(b, plan, rtable);
	b.Tagged(core::kTagQual, 0);
	HashExpr(b, (Node *) plan->qual);

	b.Open();
	ForEachChildPlan(plan, [&](Plan *child) { HashPlan(b, child, rtable); });
	b.Close();
}

uint64
Fingerprint(PlannedStmt *p)
{
	Plan *t = p->planTree;
	uint64 a = p->queryId ^ ((uint64) p->commandType << 56) ^ ((uint64) list_length(p->rtable) << 8) ^
			   (uint64) list_length(p->subplans);
	uint64 b = 0;
	if (t)
	{
		// odd multipliers keep every bit of each field; one mix at the end spreads them
		uint64 startup, total, rows;
		memcpy(&startup, &t->startup_cost, sizeof(startup));
		memcpy(&total, &t->total_cost, sizeof(total));
		memcpy(&rows, &t->plan_rows, sizeof(rows));
		b = ((uint64) nodeTag(t) << 48) ^ ((uint64) t->plan_width << 32) ^ (startup * 0x9e3779b97f4a7c15ULL) ^
			(total * 0xc2b2ae3d27d4eb4fULL) ^ (rows * 0x165667b19e3779f9ULL);
	}
	return core::HashMix64(a ^ core::HashMix64(b)) | 1; // 0 marks an empty cache slot
}

inline void
Remember(FingerprintSlot *cache, uint64 key, uint64 planid)
{
	FingerprintSlot &s = cache[key % kFingerprintSlots];
	s.fingerprint = key;
	s.planid = planid;
}

// Skeleton: the plan nodes' types, relations and indexes (no expressions), to
// tell apart at planning two plans whose top nodes look alike
uint64
Skeleton(Plan *plan, List *rtable)
{
	if (plan == NULL)
		return 0;
	uint64 h = (uint64) nodeTag(plan);
	switch (nodeTag(plan))
	{
		case T_IndexScan:
			h ^= (uint64) ((IndexScan *) plan)->indexid << 20;
			break;
		case T_IndexOnlyScan:
			h ^= (uint64) ((IndexOnlyScan *) plan)->indexid << 20;
			break;
		case T_BitmapIndexScan:
			h ^= (uint64) ((BitmapIndexScan *) plan)->indexid << 20;
			break;
		default:
			break;
	}
	if (IsA(plan, SeqScan) || IsA(plan, IndexScan) || IsA(plan, IndexOnlyScan) || IsA(plan, BitmapHeapScan))
		h ^= (uint64) ScanRelid(((Scan *) plan)->scanrelid, rtable) << 32;
	ForEachChildPlan(plan, [&](Plan *child) { h = core::HashMix64(h ^ Skeleton(child, rtable)); });
	return core::HashMix64(h);
}
} // namespace

uint64
PlanIdCompute(PlannedStmt *pstmt)
{
	if (pstmt == NULL || pstmt->commandType == CMD_UTILITY)
		return 0;
	PlanIdBuilder b;
	b.Tagged(core::kTagOther, (uint64) pstmt->commandType);
	HashPlan(b, pstmt->planTree, pstmt->rtable);
	ListCell *lc;
	foreach (lc, pstmt->subplans)
	{
		b.Tagged(core::kTagNode, 1);
		HashPlan(b, (Plan *) lfirst(lc), pstmt->rtable);
	}
	return b.Finish();
}

uint64
PlanIdForPlanning(PlannedStmt *pstmt, bool custom)
{
	if (pstmt == NULL || pstmt->commandType == CMD_UTILITY)
		return 0;
	uint64 fp = Fingerprint(pstmt);
	// a custom plan and the generic plan of a statement may cost the same
	uint64 key = core::HashMix64(fp ^ Skeleton(pstmt->planTree, pstmt->rtable) ^ (custom ? kValueToken : 0)) | 1;
	FingerprintSlot &p = plan_cache[key % kFingerprintSlots];
	uint64 id;
	if (p.fingerprint == key)
		id = p.planid;
	else
	{
		id = PlanIdCompute(pstmt);
		Remember(plan_cache, key, id);
	}
	Remember(fp_cache, fp, id); // for its executions
	return id;
}

uint64
PlanIdOf(PlannedStmt *pstmt)
{
	if (pstmt == NULL || pstmt->commandType == CMD_UTILITY)
		return 0;
	uint64 fp = Fingerprint(pstmt);
	FingerprintSlot &s = fp_cache[fp % kFingerprintSlots];
	if (s.fingerprint == fp)
		return s.planid;
	uint64 id = PlanIdCompute(pstmt);
	Remember(fp_cache, fp, id);
	return id;
}
} // namespace xray::pg
