// plan_id.hpp - the 64-bit plan id: a hash of a plan's shape.
//
// The adapter walks a plan tree and feeds tokens (node types, relation and index
// ids, join types, scan directions, sort keys, the node types, columns and
// operators of quals) into PlanIdBuilder. Constants and costs are never fed, so
// the id is stable across parameter values and statistics changes that keep
// the same plan. Open()/Close() bracket each node's children so that parent /
// child and sibling structures hash differently.
#pragma once
#include "pg_free.hpp"

#include <cstdint>

#include "hash_index.hpp"

namespace xray::core
{
class PlanIdBuilder
{
public:
	void Add(uint64_t token)
	{
		// cheap per-token step; the finalizer below spreads the bits
		h_ = ((h_ << 5) | (h_ >> 59)) ^ token;
		h_ *= 0x9e3779b97f4a7c15ULL;
	}
	void Tagged(uint32_t tag, uint64_t value) { Add((static_cast<uint64_t>(tag) << 56) ^ value); }
	void Open() { Add(kOpen); }
	void Close() { Add(kClose); }
	// Finish returns the id; 0 is reserved for "no plan" (utility statements).
	uint64_t Finish() const
	{
		uint64_t id = HashMix64(h_);
		return id == 0 ? 1 : id;
	}

private:
	static constexpr uint64_t kOpen = 0x6f70656e5f5f5f5fULL;
	static constexpr uint64_t kClose = 0x636c6f73655f5f5fULL;
	uint64_t h_ = 0x2545f4914f6cdd1dULL;
};

// Token tags used by the adapter, so equal numbers in different roles differ.
enum PlanTokenTag : uint32_t
{
	kTagNode = 1,
	kTagRelation,
	kTagIndex,
	kTagJoinType,
	kTagDirection,
	kTagSortKey,
	kTagQual,
	kTagExprNode,
	kTagColumn,
	kTagOperator,
	kTagFunction,
	kTagOther,
};
} // namespace xray::core
