// lock_history.cpp - the lock sampler: a background worker that records who
// waited for whom, blocking incidents and per-query wait event profiles.
//
// Design. One background worker ("pg_xray lock sampler", registered when
// pg_xray is preloaded) wakes every xray.lock_sample_interval. Each tick it
// reads the PGPROC array (wait events, without locks) and its own snapshot of
// backend status (query ids, users, states) into a SamplerTick
// (sampler_tick.hpp) and calls one handler per concern: this file's, then
// client sessions per minute (diagnostics/connections.cpp), transaction-id
// consumption (maintenance/id_rate.cpp) and the snapshot schedule
// (monitoring/monitoring_worker.cpp), each with its own shared memory and
// lock. This file's handler:
//   - adds one sample per active backend to the wait profile, keyed by
//     (database, query id, wait event), CPU when there is no wait event;
//   - only if some process waits for a heavyweight lock, asks the lock
//     manager for the edges (lock_edges.cpp: partition locks per waiting
//     process), builds the blocking forest (core/lock_graph), writes each edge
//     into a ring buffer and folds it into an aggregate keyed by (blocker
//     query, waiter query, relation, lock type, mode);
//   - tracks incidents: a root blocker (pid + backend start) blocking others
//     opens one, every tick it is seen updates it (depth, sessions,
//     blocked-seconds), the first tick it is gone closes it.
// The worker never signals or waits for the sampled backends; readers
// (SQL functions) copy the shared structures under the shared lock: there is
// no request/reply with the worker.
//
// Memory: fixed at server start: a ring of xray.lock_history_size edges,
// kHistoryEntries aggregates, kIncidents incidents, kProfileEntries profile
// keys; new keys beyond these are counted as dropped, never allocated.
//
// Locking: one LWLock for the lock history. The worker takes it exclusively once per tick to
// publish (after all lock-manager and snapshot work is done); readers take it
// shared. The aggregates and the profile fill their arrays in order and are
// found through core/hash_index.hpp (linear probing, at least half the slots
// empty, so a lookup is O(1) expected); they are emptied only by xray.reset().
//
// Races accepted: the snapshot of backend status and the lock edges are taken
// a few microseconds apart; a query id may belong to the next statement of a
// backend; waits shorter than the interval may go unseen.
#include <type_traits>
#include <vector>

#include "hash_index.hpp"
#include "lock_graph.hpp"

#include "compat.hpp"
#include "worker_sql.hpp"
#include "guard.hpp"
#include "guc.hpp"
#include "bgworker_def.hpp"
#include "locks/lock_edges.hpp"
#include "locks/lock_history.hpp"
#include "sampler_tick.hpp"
#include "shared_modules.hpp"
#include "shmem_area.hpp"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/wait_event.h"

PGDLLEXPORT void xray_lock_sampler_main(Datum arg);
}

namespace xray::pg
{
namespace
{
struct LockHistHeader
{
	LWLock *lock;
	LockSamplerInfo info;
	uint64 ring_next; // edges ever written; slot = ring_next % ring_size
	int64 next_incident_id;
	int history_used;
	int profile_used;
	TimestampTz prev_tick;
};

LockHistHeader *hist = NULL;

// hash index slots: a power of two, at least twice the entries (hash_index.hpp)
constexpr uint32 kHistorySlots = 2 * kHistoryEntries;
constexpr uint32 kProfileSlots = 2 * kProfileEntries;
static_assert((kHistorySlots & (kHistorySlots - 1)) == 0 && (kProfileSlots & (kProfileSlots - 1)) == 0,
			  "hash index capacities are powers of two");

static_assert(std::is_trivially_copyable<LockSampleRec>::value, "shared memory holds PODs");
static_assert(std::is_trivially_copyable<LockHistEntry>::value, "shared memory holds PODs");
static_assert(std::is_trivially_copyable<IncidentRec>::value, "shared memory holds PODs");
static_assert(std::is_trivially_copyable<WaitProfEntry>::value, "shared memory holds PODs");
static_assert(std::is_trivially_copyable<LockHistHeader>::value, "shared memory holds PODs");

Size
RingBytes()
{
	return mul_size(guc_lock_history_size, sizeof(LockSampleRec));
}

Size
HistSize()
{
	Size s = MAXALIGN(sizeof(LockHistHeader));
	s = add_size(s, MAXALIGN(RingBytes()));
	s = add_size(s, MAXALIGN(sizeof(LockHistEntry) * kHistoryEntries));
	s = add_size(s, MAXALIGN(sizeof(IncidentRec) * kIncidents));
	s = add_size(s, MAXALIGN(sizeof(WaitProfEntry) * kProfileEntries));
	s = add_size(s, MAXALIGN(sizeof(int32) * kHistorySlots));
	s = add_size(s, MAXALIGN(sizeof(int32) * kProfileSlots));
	return s;
}

LockSampleRec *
Ring()
{
	return (LockSampleRec *) ((char *) hist + MAXALIGN(sizeof(LockHistHeader)));
}

LockHistEntry *
History()
{
	return (LockHistEntry *) ((char *) Ring() + MAXALIGN(RingBytes()));
}

IncidentRec *
Incidents()
{
	return (IncidentRec *) ((char *) History() + MAXALIGN(sizeof(LockHistEntry) * kHistoryEntries));
}

WaitProfEntry *
Profile()
{
	return (WaitProfEntry *) ((char *) Incidents() + MAXALIGN(sizeof(IncidentRec) * kIncidents));
}

// the aggregates' and the profile's hash indexes (core/hash_index.hpp)
int32 *
HistorySlots()
{
	return (int32 *) ((char *) Profile() + MAXALIGN(sizeof(WaitProfEntry) * kProfileEntries));
}

int32 *
ProfileSlots()
{
	return (int32 *) ((char *) HistorySlots() + MAXALIGN(sizeof(int32) * kHistorySlots));
}

void
ClearKeyed()
{
	memset(History(), 0, sizeof(LockHistEntry) * kHistoryEntries);
	memset(Profile(), 0, sizeof(WaitProfEntry) * kProfileEntries);
	core::IndexClear(HistorySlots(), kHistorySlots);
	core::IndexClear(ProfileSlots(), kProfileSlots);
	hist->history_used = 0;
	hist->profile_used = 0;
}

void
InitHist(void *mem, LWLock *lock)
{
	LockHistHeader *h = (LockHistHeader *) mem;
	h->lock = lock;
	h->info.ring_size = guc_lock_history_size;
	hist = h;
	ClearKeyed();
}

const ShmemArea kArea = {"pg_xray lock history", "pg_xray_lock_history", HistSize, InitHist};

// --- the sampler's view of one tick ----------------------------------------------

struct ProcWait
{
	int32 pid;
	uint32 wait;
};

using Session = TickSession;

int
ComparePid(const void *a, const void *b)
{
	int32 x = ((const ProcWait *) a)->pid, y = ((const ProcWait *) b)->pid;
	return x < y ? -1 : x > y;
}

// Tick state gathered before the lock is taken (palloc'd in the tick context).
struct Tick
{
	TimestampTz now;
	double interval_s;
	int nsessions;
	Session *sessions;
	int nedges;
	LockEdge *edges;
	// forest, per edge index: root/depth/cycle of the waiter; per root: counts
	int32 *root_of;
	int16 *depth_of;
	bool *cycle_of;
	int nroots;
	int32 *root_pid;
	int *root_sessions;
	int *root_depth;
	bool *root_cycle;
};

const Session *
FindSession(const Tick &t, int32 pid)
{
	for (int i = 0; i < t.nsessions; i++)
		if (t.sessions[i].pid == pid)
			return &t.sessions[i];
	return NULL;
}

void
GatherSessions(Tick &t)
{
	uint32 nprocs = XRAY_ALL_PROC_COUNT();
	ProcWait *waits = (ProcWait *) palloc(sizeof(ProcWait) * Max(nprocs, 1));
	int nw = 0;
	for (uint32 i = 0; i < nprocs; i++)
	{
		PGPROC *proc = &XRAY_ALL_PROCS()[i];
		int32 pid = proc->pid;
		if (pid != 0)
			waits[nw++] = ProcWait{pid, *(volatile uint32 *) &proc->wait_event_info};
	}
	qsort(waits, nw, sizeof(ProcWait), ComparePid);

	XRAY_BACKEND_STATUS_REFRESH();
	int count = XRAY_BACKEND_STATUS_COUNT();
	t.sessions = (Session *) palloc(sizeof(Session) * Max(count, 1));
	t.nsessions = 0;
	for (int i = 1; i <= count; i++)
	{
		LocalPgBackendStatus *local = XRAY_BACKEND_STATUS(i);
		if (local == NULL)
			continue;
		PgBackendStatus *be = &local->backendStatus;
		if (be->st_procpid == 0 || be->st_procpid == MyProcPid)
			continue;
		ProcWait key{be->st_procpid, 0};
		ProcWait *w = (ProcWait *) bsearch(&key, waits, nw, sizeof(ProcWait), ComparePid);
		Session &s = t.sessions[t.nsessions++];
		s.pid = be->st_procpid;
		s.dbid = be->st_databaseid;
		s.userid = be->st_userid;
		s.queryid = be->st_query_id;
		s.state = be->st_state;
		s.type = be->st_backendType;
		s.backend_start = be->st_proc_start_timestamp;
		s.activity = be->st_activity_raw;
		s.wait = w ? w->wait : 0;
	}
	pfree(waits);
}

// PlaceForest: each edge's root, depth and cycle and the tick's roots, from
// the core forest (C++ only: runs under XRAY_GUARD, no PostgreSQL call).
void
PlaceForest(Tick &t)
{
	std::vector<core::WaitEdge> in;
	std::vector<int32_t> waiters;
	in.reserve(t.nedges);
	for (int i = 0; i < t.nedges; i++)
	{
		in.push_back(core::WaitEdge{t.edges[i].waiter, t.edges[i].blocker, 0.0, std::string()});
		waiters.push_back(t.edges[i].waiter);
	}
	std::vector<core::ForestNode> nodes = core::BuildForest(in);
	std::vector<core::WaiterPlace> places = core::PlaceWaiters(nodes, waiters);
	for (int i = 0; i < t.nedges; i++)
	{
		t.root_of[i] = places[i].root;
		t.depth_of[i] = (int16) places[i].depth;
		t.cycle_of[i] = places[i].in_cycle;
	}
	std::vector<core::RootSummary> roots = core::ForestRoots(nodes, static_cast<size_t>(t.nedges));
	t.nroots = static_cast<int>(roots.size());
	for (int r = 0; r < t.nroots; r++)
	{
		t.root_pid[r] = roots[r].pid;
		t.root_sessions[r] = roots[r].sessions;
		t.root_cycle[r] = roots[r].cycle;
		t.root_depth[r] = roots[r].depth_below;
	}
}

void
BuildGraph(Tick &t)
{
	t.root_of = (int32 *) palloc0(sizeof(int32) * Max(t.nedges, 1));
	t.depth_of = (int16 *) palloc0(sizeof(int16) * Max(t.nedges, 1));
	t.cycle_of = (bool *) palloc0(sizeof(bool) * Max(t.nedges, 1));
	t.root_pid = (int32 *) palloc0(sizeof(int32) * Max(t.nedges, 1));
	t.root_sessions = (int *) palloc0(sizeof(int) * Max(t.nedges, 1));
	t.root_depth = (int *) palloc0(sizeof(int) * Max(t.nedges, 1));
	t.root_cycle = (bool *) palloc0(sizeof(bool) * Max(t.nedges, 1));
	t.nroots = 0;
	if (t.nedges == 0)
		return;
	XRAY_GUARD(PlaceForest(t));
}

LOCKMODE
StrongestMode(LOCKMASK mask)
{
	for (LOCKMODE m = MaxLockMode; m > NoLock; m--)
		if (mask & LOCKBIT_ON(m))
			return m;
	return NoLock;
}

// FindOrAdd returns the entry of entries[0..used) matching hash and match(),
// else the next free one, zeroed, marked in use and set by init(); NULL when
// all cap are taken. Entries are never removed one by one (only a reset
// empties the table), so they fill the array in order.
template <typename Entry, typename Match, typename Init>
Entry *
FindOrAdd(Entry *entries, int32 *slots, uint32 nslots, int cap, int &used, uint64 hash, Match match, Init init)
{
	int32 found = core::IndexFind(slots, nslots, hash, [&](int32 e) { return match(entries[e]); });
	if (found != core::kIndexEmpty)
		return &entries[found];
	if (used >= cap)
		return NULL;
	Entry *e = &entries[used];
	memset(e, 0, sizeof(*e));
	e->in_use = true;
	init(*e);
	core::IndexInsert(slots, nslots, hash, used++);
	return e;
}

// EdgeText copies a session's current statement (clipped) into buf.
void
EdgeText(const Session *s, char *buf, int size)
{
	buf[0] = '\0';
	if (s == NULL || s->activity == NULL)
		return;
	char *q = pgstat_clip_activity(s->activity);
	if (q)
		strlcpy(buf, q, pg_mbcliplen(q, strlen(q), size - 1) + 1);
}

// EdgeTexts: the statement texts of both ends of every edge (before the lock).
void
EdgeTexts(const Tick &t, char (**wtext_out)[kHistoryQuery], char (**btext_out)[kHistoryQuery])
{
	char(*wtext)[kHistoryQuery] = (char(*)[kHistoryQuery]) palloc0(kHistoryQuery * Max(t.nedges, 1));
	char(*btext)[kHistoryQuery] = (char(*)[kHistoryQuery]) palloc0(kHistoryQuery * Max(t.nedges, 1));
	for (int i = 0; i < t.nedges; i++)
	{
		EdgeText(FindSession(t, t.edges[i].waiter), wtext[i], kHistoryQuery);
		EdgeText(t.edges[i].blocker != 0 ? FindSession(t, t.edges[i].blocker) : NULL, btext[i], kHistoryQuery);
	}
	*wtext_out = wtext;
	*btext_out = btext;
}

// RootsSeen: this tick's roots as the incident tracker sees them (before the lock).
core::RootSeen *
RootsSeen(const Tick &t)
{
	core::RootSeen *roots = (core::RootSeen *) palloc0(sizeof(core::RootSeen) * Max(t.nroots, 1));
	for (int r = 0; r < t.nroots; r++)
	{
		const Session *s = t.root_pid[r] != 0 ? FindSession(t, t.root_pid[r]) : NULL;
		core::RootSeen &root = roots[r];
		root.pid = t.root_pid[r];
		root.backend_start = s ? s->backend_start : 0;
		for (int i = 0; i < t.nedges; i++)
			if (t.root_of[i] == t.root_pid[r] && t.edges[i].wait_start != 0 &&
				(root.first_wait_start == 0 || t.edges[i].wait_start < root.first_wait_start))
				root.first_wait_start = t.edges[i].wait_start;
		root.cycle = t.root_cycle[r];
		root.depth = t.root_depth[r];
		root.sessions = t.root_sessions[r];
	}
	return roots;
}

// PublishProfile: one wait-profile sample per active backend (lock held).
void
PublishProfile(const Tick &t)
{
	LockSamplerInfo &info = hist->info;
	for (int i = 0; i < t.nsessions; i++)
	{
		const Session &s = t.sessions[i];
		if (s.state != STATE_RUNNING || s.type != B_BACKEND || s.queryid == 0)
			continue;
		uint64 h = core::HashMix64(s.queryid ^ ((uint64) s.dbid << 32) ^ core::HashMix64(s.wait));
		WaitProfEntry *e = FindOrAdd(
			Profile(), ProfileSlots(), kProfileSlots, kProfileEntries, hist->profile_used, h,
			[&](const WaitProfEntry &x) {
				return x.queryid == s.queryid && x.dbid == s.dbid && x.wait_event_info == s.wait;
			},
			[&](WaitProfEntry &x) {
				x.queryid = s.queryid;
				x.dbid = s.dbid;
				x.wait_event_info = s.wait;
				x.first_seen = t.now;
			});
		if (e == NULL)
		{
			info.profile_dropped++;
			continue;
		}
		e->samples++;
		e->last_seen = t.now;
	}
}

// SampleOf fills edge i's ring record.
void
SampleOf(const Tick &t, int i, LockSampleRec &r)
{
	const LockEdge &edge = t.edges[i];
	const Session *w = FindSession(t, edge.waiter);
	const Session *b = edge.blocker != 0 ? FindSession(t, edge.blocker) : NULL;
	r.ts = t.now;
	r.waiter_pid = edge.waiter;
	r.blocker_pid = edge.blocker;
	r.root_pid = t.root_of[i];
	r.depth = t.depth_of[i];
	r.granted = edge.granted;
	r.in_cycle = t.cycle_of[i];
	r.waiter_db = w ? w->dbid : InvalidOid;
	r.waiter_user = w ? w->userid : InvalidOid;
	r.blocker_user = b ? b->userid : InvalidOid;
	r.waiter_queryid = w ? w->queryid : 0;
	r.blocker_queryid = b ? b->queryid : 0;
	r.tag = edge.tag;
	r.wait_mode = edge.wait_mode;
	r.blocker_mode = edge.granted ? StrongestMode(edge.held_mask) : edge.queued_mode;
	r.waited_s = edge.wait_start ? (double) (t.now - edge.wait_start) / USECS_PER_SEC : 0.0;
}

// PublishEdges: every edge into the ring and its (blocker, waiter, object,
// mode) aggregate (lock held).
void
PublishEdges(const Tick &t, char (*wtext)[kHistoryQuery], char (*btext)[kHistoryQuery])
{
	LockSamplerInfo &info = hist->info;
	for (int i = 0; i < t.nedges; i++)
	{
		const LockEdge &edge = t.edges[i];
		LockSampleRec &r = Ring()[hist->ring_next % (uint64) info.ring_size];
		hist->ring_next++;
		info.samples_written++;
		SampleOf(t, i, r);
		Oid relid = LockTagRelation(edge.tag);
		uint32 text_hash = r.waiter_queryid == 0 ? hash_bytes((const unsigned char *) wtext[i], strlen(wtext[i])) : 0;
		uint64 h = core::HashMix64(r.blocker_queryid ^ core::HashMix64(r.waiter_queryid ^ text_hash) ^
								   ((uint64) relid << 20) ^ ((uint64) edge.tag.locktag_type << 8) ^
								   (uint64) edge.wait_mode ^ ((uint64) r.waiter_db << 40));
		LockHistEntry *e = FindOrAdd(
			History(), HistorySlots(), kHistorySlots, kHistoryEntries, hist->history_used, h,
			[&](const LockHistEntry &x) {
				return x.blocker_queryid == r.blocker_queryid && x.waiter_queryid == r.waiter_queryid &&
					   x.relid == relid && x.locktype == edge.tag.locktag_type && x.wait_mode == edge.wait_mode &&
					   x.dbid == r.waiter_db && x.waiter_text_hash == text_hash;
			},
			[&](LockHistEntry &x) {
				x.blocker_queryid = r.blocker_queryid;
				x.waiter_queryid = r.waiter_queryid;
				x.relid = relid;
				x.locktype = edge.tag.locktag_type;
				x.wait_mode = (uint8) edge.wait_mode;
				x.dbid = r.waiter_db;
				x.first_seen = t.now;
				x.waiter_text_hash = text_hash;
				x.waiter_user = r.waiter_user;
				x.blocker_user = r.blocker_user;
				memcpy(x.waiter_query, wtext[i], kHistoryQuery);
				memcpy(x.blocker_query, btext[i], kHistoryQuery);
			});
		if (e == NULL)
		{
			info.history_dropped++;
			continue;
		}
		e->samples++;
		e->cycle_samples += r.in_cycle ? 1 : 0;
		e->queue_samples += edge.granted ? 0 : 1;
		e->total_wait_s += t.interval_s;
		e->max_wait_s = Max(e->max_wait_s, r.waited_s);
		e->blocker_modes |= edge.granted ? edge.held_mask : LOCKBIT_ON(edge.queued_mode);
		e->last_seen = t.now;
	}
}

// PublishIncidents: roots blocking others now open, update or close incidents
// (core/lock_incidents.hpp; lock held).
void
PublishIncidents(const Tick &t, const core::RootSeen *roots, char (*root_query)[kIncidentQuery], int *slot_of,
				 bool *opened, bool *seen)
{
	IncidentRec *inc = Incidents();
	core::IncidentsTick(inc, kIncidents, &hist->next_incident_id, roots, t.nroots, t.now, t.interval_s, slot_of, opened,
						seen);
	for (int r = 0; r < t.nroots; r++)
		if (opened[r])
		{
			IncidentRec &open = inc[slot_of[r]];
			const Session *s = t.root_pid[r] != 0 ? FindSession(t, t.root_pid[r]) : NULL;
			open.root_user = s ? s->userid : InvalidOid;
			open.root_db = s ? s->dbid : InvalidOid;
			open.root_queryid = s ? s->queryid : 0;
			open.root_state = s ? (uint8) s->state : 0;
			memcpy(open.root_query, root_query[r], kIncidentQuery);
		}
}

// Publish writes the tick into shared memory (exclusive lock, no allocation
// under it).
void
Publish(Tick &t, char (*root_query)[kIncidentQuery])
{
	char(*wtext)[kHistoryQuery];
	char(*btext)[kHistoryQuery];
	EdgeTexts(t, &wtext, &btext);
	core::RootSeen *roots = RootsSeen(t);
	int *slot_of = (int *) palloc0(sizeof(int) * Max(t.nroots, 1));
	bool *opened = (bool *) palloc0(sizeof(bool) * Max(t.nroots, 1));
	bool *seen = (bool *) palloc0(sizeof(bool) * kIncidents);
	LWLockAcquire(hist->lock, LW_EXCLUSIVE);
	PublishProfile(t);
	PublishEdges(t, wtext, btext);
	PublishIncidents(t, roots, root_query, slot_of, opened, seen);
	hist->info.ticks++;
	hist->info.last_tick = t.now;
	LWLockRelease(hist->lock);
}

void
SampleTick()
{
	instr_time start, end;
	INSTR_TIME_SET_CURRENT(start);
	Tick t{};
	t.now = GetCurrentTimestamp();
	t.interval_s =
		hist->prev_tick ? (double) (t.now - hist->prev_tick) / USECS_PER_SEC : guc_lock_sample_interval_ms / 1000.0;
	// a tick long after the previous one (interval raised, server busy) counts one interval
	t.interval_s = Min(t.interval_s, 2.0 * guc_lock_sample_interval_ms / 1000.0);
	hist->prev_tick = t.now;
	GatherSessions(t);
	int32 *waiting;
	bool any = LockWaitingPids(&waiting, NULL) > 0;
	pfree(waiting);
	t.nedges = 0;
	t.edges = any ? LockEdgesCollect(&t.nedges) : NULL;
	BuildGraph(t);
	// root blockers' query texts, cut to the incident's buffer
	char(*root_query)[kIncidentQuery] = (char(*)[kIncidentQuery]) palloc0(kIncidentQuery * Max(t.nroots, 1));
	for (int r = 0; r < t.nroots; r++)
	{
		const Session *s = FindSession(t, t.root_pid[r]);
		if (s == NULL)
			continue;
		EdgeText(s, root_query[r], kIncidentQuery);
	}
	Publish(t, root_query);
	// the other concerns the tick drives (sampler_tick.hpp)
	SamplerTick st{t.now, t.interval_s, t.nsessions, t.sessions};
	ConnectionsOnTick(st);
	IdRateOnTick(st);
	SnapshotsOnTick(st);
	INSTR_TIME_SET_CURRENT(end);
	INSTR_TIME_SUBTRACT(end, start);
	hist->info.tick_ms_total += INSTR_TIME_GET_MILLISEC(end); // only the worker writes it
}

template <typename T>
T *
CopyUnderLock(const T *src, int n, int *out_n, bool (*keep)(const T &))
{
	T *out = (T *) palloc(sizeof(T) * Max(n, 1));
	*out_n = 0;
	LWLockAcquire(hist->lock, LW_SHARED);
	for (int i = 0; i < n; i++)
		if (keep(src[i]))
			out[(*out_n)++] = src[i];
	LWLockRelease(hist->lock);
	return out;
}

} // namespace

void
LockHistoryRequestShmem()
{
	ShmemAreaReserve(kArea);
}

void
LockHistoryStartup()
{
	hist = (LockHistHeader *) ShmemAreaAttach(kArea);
}

void
LockHistoryRegisterWorker()
{
	BackgroundWorker w =
		WorkerDef("xray_lock_sampler_main", "pg_xray lock sampler", BgWorkerStart_ConsistentState, 5, 0);
	RegisterBackgroundWorker(&w);
}

void
LockHistoryReset()
{
	CheckPreloaded();
	LWLockAcquire(hist->lock, LW_EXCLUSIVE);
	memset(Ring(), 0, RingBytes());
	memset(Incidents(), 0, sizeof(IncidentRec) * kIncidents);
	ClearKeyed();
	hist->ring_next = 0;
	hist->info.history_dropped = 0;
	hist->info.profile_dropped = 0;
	LWLockRelease(hist->lock);
}

LockSampleRec *
LockSamplesCopy(int *n)
{
	CheckPreloaded();
	int size = hist->info.ring_size; // fixed at start
	// allocated before the lock: nothing under it may raise an ERROR
	LockSampleRec *out = (LockSampleRec *) palloc(sizeof(LockSampleRec) * Max(size, 1));
	LWLockAcquire(hist->lock, LW_SHARED);
	uint64 total = hist->ring_next;
	int count = (int) Min(total, (uint64) size);
	// oldest first
	for (int i = 0; i < count; i++)
		out[i] = Ring()[(total - count + i) % (uint64) size];
	LWLockRelease(hist->lock);
	*n = count;
	return out;
}

LockHistEntry *
LockHistoryCopy(int *n)
{
	CheckPreloaded();
	return CopyUnderLock<LockHistEntry>(History(), kHistoryEntries, n, [](const LockHistEntry &e) { return e.in_use; });
}

IncidentRec *
LockIncidentsCopy(int *n)
{
	CheckPreloaded();
	return CopyUnderLock<IncidentRec>(Incidents(), kIncidents, n, [](const IncidentRec &e) { return e.id != 0; });
}

WaitProfEntry *
WaitProfileCopy(int *n)
{
	CheckPreloaded();
	return CopyUnderLock<WaitProfEntry>(Profile(), kProfileEntries, n, [](const WaitProfEntry &e) { return e.in_use; });
}

void
LockSamplerGetInfo(LockSamplerInfo *info)
{
	CheckPreloaded();
	LWLockAcquire(hist->lock, LW_SHARED);
	*info = hist->info;
	LWLockRelease(hist->lock);
}
} // namespace xray::pg

void
xray_lock_sampler_main(Datum arg)
{
	using namespace xray::pg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	// no database: the sampler reads shared memory only; connecting makes it a
	// backend with a pg_stat_activity row
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	xray::pg::WorkerPinSearchPath();
	if (hist == NULL)
		proc_exit(0);
	LWLockAcquire(hist->lock, LW_EXCLUSIVE);
	hist->info.worker_pid = MyProcPid;
	LWLockRelease(hist->lock);
	MemoryContext tick_cxt = AllocSetContextCreate(TopMemoryContext, "pg_xray lock sampler", ALLOCSET_DEFAULT_SIZES);
	// 17+: its sleep between ticks is its own wait event, not every extension's
	uint32 sleep_event = XRAY_WAIT_EVENT("XrayLockSamplerSleep");
	for (;;)
	{
		int interval = guc_lock_sample_interval_ms;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, interval > 0 ? interval : 60000L,
						 sleep_event);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (guc_lock_sample_interval_ms <= 0)
		{
			hist->prev_tick = 0;
			continue;
		}
		MemoryContext old = MemoryContextSwitchTo(tick_cxt);
		SampleTick();
		MemoryContextSwitchTo(old);
		MemoryContextReset(tick_cxt);
	}
}
