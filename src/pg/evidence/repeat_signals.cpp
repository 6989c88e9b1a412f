// repeat_signals.cpp - N+1 evidence from every top-level execution.
//
// Each backend counts, without locks, its top-level executions per statement in
// the current transaction and its run of back-to-back single-statement
// transactions (core::RepeatTracker, unit-tested). Only the bursts the tracker
// reports (a count reaching its threshold, each doubling after it, its end, and
// at the end of a transaction) are published into a bounded shared table keyed
// by (dbid, queryid) (stmt_slots.hpp: a conditional lock, never a wait).
// Parameter values are told apart by a hash of the bound parameters (extended
// protocol) or of the statement's text (simple protocol), computed only when
// the tracker asks for it (repeats).
#include "hash_index.hpp"
#include "repeat_tracker.hpp"

#include "compat.hpp"
#include "evidence/repeat_signals.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace xray::pg
{
StmtSlots<RepeatEvidence> repeat_signals("pg_xray repeat signals", "pg_xray_repeat_signals");

namespace
{
constexpr int kMaxParamsHashed = 4;
constexpr int kMaxTextHashed = 1024;

core::RepeatTracker tracker;

uint64
ParamsHash(QueryDesc *qd)
{
	ParamListInfo p = qd->params;
	uint64 h = 0x9e3779b97f4a7c15ULL;
	if (p != NULL && p->numParams > 0 && p->paramFetch == NULL)
	{
		for (int i = 0; i < p->numParams && i < kMaxParamsHashed; i++)
		{
			const ParamExternData &x = p->params[i];
			if (x.isnull)
			{
				h = core::HashMix64(h ^ (uint64) (i + 1));
				continue;
			}
			switch (x.ptype)
			{
				case INT2OID:
				case INT4OID:
				case OIDOID:
				case BOOLOID:
				case DATEOID:
					h = core::HashMix64(h ^ (uint64) x.value);
					break;
				case INT8OID:
				case FLOAT8OID:
				case TIMESTAMPOID:
				case TIMESTAMPTZOID:
					if (FLOAT8PASSBYVAL)
						h = core::HashMix64(h ^ (uint64) x.value);
					break;
				case TEXTOID:
				case VARCHAROID:
				case BPCHAROID:
				{
					struct varlena *v = (struct varlena *) DatumGetPointer(x.value);
					if (v == NULL || VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
						break;
					h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(v),
											Min((int) VARSIZE_ANY_EXHDR(v), kMaxTextHashed), h);
					break;
				}
				default:
					break; // values of other types are not told apart
			}
		}
		return h;
	}
	// simple protocol: the constants are in the text
	const char *text = qd->sourceText;
	if (text == NULL)
		return 1;
	int loc = Max(qd->plannedstmt->stmt_location, 0);
	int len = qd->plannedstmt->stmt_len > 0 ? qd->plannedstmt->stmt_len : (int) strlen(text + loc);
	return hash_bytes_extended((const unsigned char *) text + loc, Min(len, kMaxTextHashed), h);
}

// Publish adds a burst the tracker reported to its statement's evidence.
void
Publish(const core::RepeatBurst &b)
{
	repeat_signals.Update(MyDatabaseId, b.queryid, [&](RepeatEvidence &r) {
		uint32 &bursts = b.in_xact ? r.xact_bursts : r.run_bursts;
		uint32 &max = b.in_xact ? r.xact_max : r.run_max;
		uint32 &values = b.in_xact ? r.xact_max_values : r.run_max_values;
		bursts += b.new_burst ? 1 : 0;
		if (b.count >= max)
		{
			max = b.count;
			values = b.values;
		}
		r.userid = GetUserId();
		r.pid = MyProcPid;
		r.last = GetCurrentStatementStartTimestamp();
	});
}

// At the end of each transaction, publish the final counts of its bursts.
void
RepeatXactCallback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE)
		return;
	core::RepeatBurst out[core::kXactSlots];
	int n = tracker.EndTransaction(out);
	for (int i = 0; i < n; i++)
		Publish(out[i]);
}
} // namespace

void
RepeatNote(QueryDesc *queryDesc)
{
	core::RepeatTracker::Execution e{(uint64) queryDesc->plannedstmt->queryId, XRAY_MY_LXID(), IsTransactionBlock(),
									 (int64) GetCurrentStatementStartTimestamp()};
	core::RepeatBurst out[core::RepeatTracker::kMaxBursts];
	int n = tracker.Note(
		e, [&]() { return ParamsHash(queryDesc); }, out);
	for (int i = 0; i < n; i++)
		Publish(out[i]);
}

void
RepeatSignalsInit()
{
	RegisterXactCallback(RepeatXactCallback, NULL);
}
} // namespace xray::pg
