// repeat_signals.cpp - N+1 evidence from every top-level execution.
//
// Each backend counts, without locks, its top-level executions per statement
// in the current transaction (a 16-slot table reset lazily by local transaction
// id) and its current run of back-to-back executions of one statement, each in
// a transaction of its own, less than 100 ms apart. Only when a count reaches
// its threshold (kRepeatPerXact, kRepeatPerSecond), each doubling after it and
// when it ends does the backend publish into a bounded shared table keyed by
// (dbid, queryid) (stmt_slots.hpp: a conditional lock, never a wait), and at
// the end of a transaction for the final count of its bursts. Parameter
// values are told apart by a hash of the bound parameters (extended protocol)
// or of the statement's text (simple protocol), computed only for repeats.
#include "hash_index.hpp"

#include "compat.hpp"
#include "repeat_signals.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace xray::pg
{
StmtSlots<RepeatEvidence> repeat_signals("pg_xray repeat signals", "pg_xray_repeat_signals");

namespace
{
constexpr int kXactSlots = 16;
constexpr int kMaxParamsHashed = 4;
constexpr int kMaxTextHashed = 1024;
// Values are told apart over a window's first executions only (a long run
// costs compares after them).
constexpr TimestampTz kRunGap = 100 * 1000;	// 100 ms

// Counting window: one statement within one transaction, or one run.
struct Window
{
	uint64 queryid;
	uint32 lxid;		 // transaction (xact windows)
	TimestampTz last;	 // previous execution (runs)
	uint32 count;
	uint32 values;		 // parameter values seen (changes + 1, from the second execution on)
	uint64 last_hash;	 // 0: not yet computed
};

Window xact_windows[kXactSlots];
Window run;

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
					break;	// values of other types are not told apart
			}
		}
		return h | 1;
	}
	// simple protocol: the constants are in the text
	const char *text = qd->sourceText;
	if (text == NULL)
		return 1;
	int loc = Max(qd->plannedstmt->stmt_location, 0);
	int len = qd->plannedstmt->stmt_len > 0 ? qd->plannedstmt->stmt_len : (int) strlen(text + loc);
	return hash_bytes_extended((const unsigned char *) text + loc, Min(len, kMaxTextHashed), h) | 1;
}

void
CountValue(Window &w, QueryDesc *qd)
{
	if (w.count > kRepeatValuesCompared)
		return;
	uint64 h = ParamsHash(qd);
	if (w.last_hash != 0 && h != w.last_hash)
		w.values++;
	w.last_hash = h;
}

// Publish adds what window w counted; new_burst when it just reached its threshold.
void
Publish(const Window &w, bool xact, bool new_burst)
{
	repeat_signals.Update(MyDatabaseId, w.queryid, [&](RepeatEvidence &r) {
		uint32 &bursts = xact ? r.xact_bursts : r.run_bursts;
		uint32 &max = xact ? r.xact_max : r.run_max;
		uint32 &values = xact ? r.xact_max_values : r.run_max_values;
		bursts += new_burst ? 1 : 0;
		if (w.count >= max)
		{
			max = w.count;
			values = w.values;
		}
		r.userid = GetUserId();
		r.pid = MyProcPid;
		r.last = GetCurrentStatementStartTimestamp();
	});
}

// Step counts one more execution in w and publishes at the threshold and at
// each doubling after it.
void
Step(Window &w, QueryDesc *qd, bool xact, uint32 threshold)
{
	w.count++;
	CountValue(w, qd);
	uint32 multiple = w.count / threshold;
	if (w.count % threshold == 0 && (multiple & (multiple - 1)) == 0)	// threshold x 1, 2, 4, 8...
		Publish(w, xact, multiple == 1);
}

void
Close(const Window &w, bool xact, uint32 threshold)
{
	if (w.count > threshold)
		Publish(w, xact, false);
}

void
Open(Window &w, uint64 queryid, uint32 lxid, TimestampTz now)
{
	w.queryid = queryid;
	w.lxid = lxid;
	w.last = now;
	w.count = 1;
	w.values = 1;
	w.last_hash = 0;
}
}	// namespace

void
RepeatNote(QueryDesc *queryDesc)
{
	uint64 queryid = queryDesc->plannedstmt->queryId;
	uint32 lxid = XRAY_MY_LXID();
	TimestampTz now = GetCurrentStatementStartTimestamp();

	Window &x = xact_windows[core::HashMix64(queryid) % kXactSlots];
	if (x.queryid == queryid && x.lxid == lxid)
		Step(x, queryDesc, true, kRepeatPerXact);
	else
	{
		Close(x, true, kRepeatPerXact);
		Open(x, queryid, lxid, now);
	}

	// back-to-back, each in its own transaction
	bool own_xact = !IsTransactionBlock();
	if (own_xact && run.queryid == queryid && run.lxid != lxid && now - run.last < kRunGap)
	{
		run.lxid = lxid;
		run.last = now;
		Step(run, queryDesc, false, kRepeatPerSecond);
	}
	else
	{
		Close(run, false, kRepeatPerSecond);
		Open(run, own_xact ? queryid : 0, lxid, now);
	}
}

// At the end of each transaction, publish the final counts of its bursts.
static void
RepeatXactCallback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE)
		return;
	for (Window &w : xact_windows)
		if (w.count > kRepeatPerXact)
		{
			Close(w, true, kRepeatPerXact);
			w.count = 0;
			w.queryid = 0;
		}
}

void
RepeatSignalsInit()
{
	RegisterXactCallback(RepeatXactCallback, NULL);
}

}	// namespace xray::pg
