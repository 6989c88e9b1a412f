// lock_edges.cpp - the live waits-for graph from the lock manager.
//
// Waiting processes are found by reading each PGPROC's wait_event_info
// (class Lock) without taking any lock, as pg_stat_activity does. Only for
// those, GetBlockerStatusData takes the lock manager's partition locks (shared)
// and reports every PROCLOCK on the awaited lock plus the wait queue; the
// blockers are derived from it as pg_blocking_pids does (conflicting granted
// modes, or a conflicting request ahead in the queue). Nothing in the lock
// manager is touched when no process waits.
//
// Races accepted: a process that starts or stops waiting between the PGPROC
// scan and GetBlockerStatusData is missed or reported without blockers; the
// graph is a snapshot assembled over a few microseconds, not an atomic one.
#include "compat.hpp"
#include "locks/lock_edges.hpp"

extern "C" {
#include "utils/wait_event.h"
}

namespace xray::pg
{
int
LockWaitingPids(int32 **pids, TimestampTz **since)
{
	uint32 nprocs = XRAY_ALL_PROC_COUNT();
	*pids = (int32 *) palloc(sizeof(int32) * Max(nprocs, 1));
	if (since)
		*since = (TimestampTz *) palloc(sizeof(TimestampTz) * Max(nprocs, 1));
	int n = 0;
	for (uint32 i = 0; i < nprocs; i++)
	{
		PGPROC *proc = &XRAY_ALL_PROCS()[i];
		int32 pid = proc->pid;
		uint32 wait = *(volatile uint32 *) &proc->wait_event_info;
		if (pid == 0 || (wait & 0xFF000000) != PG_WAIT_LOCK)
			continue;
		if (since)
			(*since)[n] = (TimestampTz) pg_atomic_read_u64(&proc->waitStart);
		(*pids)[n++] = pid;
	}
	return n;
}

namespace
{
// AddProc appends pid to a small palloc'd list unless it is there already.
void
AddProc(int32 **procs, int *n, int32 pid)
{
	for (int i = 0; i < *n; i++)
		if ((*procs)[i] == pid)
			return;
	// room for 4, then doubled whenever the count reaches a power of two
	if (*n == 0)
		*procs = (int32 *) palloc(sizeof(int32) * 4);
	else if (*n >= 4 && (*n & (*n - 1)) == 0)
		*procs = (int32 *) repalloc(*procs, sizeof(int32) * *n * 2);
	(*procs)[(*n)++] = pid;
}

// GroupEdge finds the edge already reported for this waiter, blocker and lock
// (another process of the same lock group waits for it, or holds it, too).
LockEdge *
GroupEdge(LockEdge *edges, int n, int32 waiter, int32 blocker, const LOCKTAG &tag)
{
	for (int i = 0; i < n; i++)
		if (edges[i].waiter == waiter && edges[i].blocker == blocker &&
			memcmp(&edges[i].tag, &tag, sizeof(LOCKTAG)) == 0)
			return &edges[i];
	return NULL;
}
} // namespace

LockEdge *
LockEdgesCollect(int *n)
{
	int32 *pids;
	TimestampTz *since;
	int nwaiting = LockWaitingPids(&pids, &since);
	int cap = 16;
	LockEdge *edges = (LockEdge *) palloc(sizeof(LockEdge) * cap);
	*n = 0;
	for (int p = 0; p < nwaiting; p++)
	{
		BlockedProcsData *data = GetBlockerStatusData(pids[p]);
		for (int i = 0; i < data->nprocs; i++)
		{
			BlockedProcData *bproc = &data->procs[i];
			// other members of a lock group are reported when their own pid comes
			if (bproc->pid != pids[p])
				continue;
			LockInstanceData *instances = &data->locks[bproc->first_lock];
			int *ahead = &data->waiter_pids[bproc->first_waiter];
			LockInstanceData *me = NULL;
			for (int j = 0; j < bproc->num_locks; j++)
				if (instances[j].pid == bproc->pid)
					me = &instances[j];
			if (me == NULL || me->waitLockMode == NoLock)
				continue;
			LockMethod method = GetLockTagsMethodTable(&me->locktag);
			LOCKMASK conflicts = method->conflictTab[me->waitLockMode];
			int32 waiter = me->leaderPid != 0 ? me->leaderPid : bproc->pid;
			// an edge merges with those found for the same waiter so far: this
			// process's own, or, when more of its lock group wait (all of them are in
			// data), a fellow process's anywhere earlier
			int from = waiter == bproc->pid && data->nprocs == 1 ? *n : 0;
			for (int j = 0; j < bproc->num_locks; j++)
			{
				LockInstanceData *other = &instances[j];
				if (other == me || other->leaderPid == me->leaderPid)
					continue;
				LOCKMASK held = conflicts & other->holdMask;
				bool queued = false;
				if (held == 0 && other->waitLockMode != NoLock && (conflicts & LOCKBIT_ON(other->waitLockMode)))
					for (int k = 0; k < bproc->num_waiters && !queued; k++)
						queued = ahead[k] == other->pid;
				if (held == 0 && !queued)
					continue;
				// a prepared transaction's dummy PGPROC has no pid (and no leader)
				int32 blocker = other->pid != 0 && other->leaderPid != 0 ? other->leaderPid : other->pid;
				LockEdge *e = GroupEdge(edges + from, *n - from, waiter, blocker, me->locktag);
				if (e != NULL)
				{
					// the same group waits for (or holds) the lock in several processes
					e->held_mask |= held;
					e->granted = e->held_mask != 0;
					e->queued_mode = e->granted ? NoLock : e->queued_mode;
					if (since[p] != 0 && (e->wait_start == 0 || since[p] < e->wait_start))
						e->wait_start = since[p];
				}
				else
				{
					if (*n == cap)
					{
						cap *= 2;
						edges = (LockEdge *) repalloc(edges, sizeof(LockEdge) * cap);
					}
					e = &edges[(*n)++];
					memset(e, 0, sizeof(LockEdge));
					e->waiter = waiter;
					e->blocker = blocker;
					e->tag = me->locktag;
					e->wait_mode = me->waitLockMode;
					e->held_mask = held;
					e->queued_mode = held == 0 ? other->waitLockMode : NoLock;
					e->granted = held != 0;
					// GetBlockerStatusData leaves waitStart unset; the PGPROC has it
					e->wait_start = since[p];
					e->prepared_backend = XRAY_LOCK_INSTANCE_BACKEND(other);
					e->prepared_lxid = other->pid == 0 ? XRAY_LOCK_INSTANCE_LXID(other) : InvalidLocalTransactionId;
				}
				if (bproc->pid != waiter)
					AddProc(&e->waiter_procs, &e->nwaiter_procs, bproc->pid);
				if (other->pid != blocker)
					AddProc(&e->blocker_procs, &e->nblocker_procs, other->pid);
			}
		}
		pfree(data->procs);
		pfree(data->locks);
		pfree(data->waiter_pids);
		pfree(data);
	}
	pfree(pids);
	pfree(since);
	return edges;
}

void
LockModeNames(LOCKMETHODID method, LOCKMASK mask, StringInfo out)
{
	bool first = true;
	for (LOCKMODE m = 1; m <= MaxLockMode; m++)
		if (mask & LOCKBIT_ON(m))
		{
			appendStringInfo(out, "%s%s", first ? "" : ",", GetLockmodeName(method, m));
			first = false;
		}
}

namespace
{
char *
RelationText(Oid dbid, Oid relid)
{
	if (dbid == MyDatabaseId)
	{
		char *name = get_rel_name(relid);
		if (name != NULL)
		{
			char *nsp = get_namespace_name(get_rel_namespace(relid));
			return quote_qualified_identifier(nsp, name);
		}
	}
	return psprintf("%u (database %u)", relid, dbid);
}
} // namespace

char *
LockObjectText(const LOCKTAG &tag)
{
	switch ((LockTagType) tag.locktag_type)
	{
		case LOCKTAG_RELATION:
			return psprintf("relation %s", RelationText(tag.locktag_field1, tag.locktag_field2));
		case LOCKTAG_RELATION_EXTEND:
			return psprintf("extension of %s", RelationText(tag.locktag_field1, tag.locktag_field2));
		case LOCKTAG_DATABASE_FROZEN_IDS:
			return psprintf("frozen ids of database %u", tag.locktag_field1);
		case LOCKTAG_PAGE:
			return psprintf("page %u of %s", tag.locktag_field3, RelationText(tag.locktag_field1, tag.locktag_field2));
		case LOCKTAG_TUPLE:
			return psprintf("tuple (%u,%u) of %s", tag.locktag_field3, tag.locktag_field4,
							RelationText(tag.locktag_field1, tag.locktag_field2));
		case LOCKTAG_TRANSACTION:
			return psprintf("transaction %u", tag.locktag_field1);
		case LOCKTAG_VIRTUALTRANSACTION:
			return psprintf("virtual transaction %u/%u", tag.locktag_field1, tag.locktag_field2);
		case LOCKTAG_SPECULATIVE_TOKEN:
			return psprintf("speculative token %u of transaction %u", tag.locktag_field2, tag.locktag_field1);
		case LOCKTAG_ADVISORY:
			// pg_advisory_lock(bigint) sets field4 = 1 and splits the key; (int, int) sets 2
			if (tag.locktag_field4 == 1)
				return psprintf("advisory lock %lld",
								(long long) (int64) (((uint64) tag.locktag_field2 << 32) | tag.locktag_field3));
			return psprintf("advisory lock (%d, %d)", (int32) tag.locktag_field2, (int32) tag.locktag_field3);
		case LOCKTAG_OBJECT:
		{
			char *cls = tag.locktag_field1 == MyDatabaseId || tag.locktag_field1 == InvalidOid
							? get_rel_name(tag.locktag_field2)
							: NULL;
			return psprintf("object %u of %s", tag.locktag_field3, cls ? cls : "catalog");
		}
		default:
			return psprintf("%s lock", LockTagTypeNames[tag.locktag_type]);
	}
}
} // namespace xray::pg
