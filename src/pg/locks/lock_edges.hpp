// lock_edges.hpp - who waits for whom in the lock manager, right now.
#pragma once
#include "compat.hpp"

extern "C" {
#include "storage/lock.h"
}

namespace xray::pg
{
// One edge waiter -> blocker, with pg_blocking_pids' semantics: the blocker
// holds a conflicting lock (granted) or waits ahead of the waiter in the
// lock's queue for a conflicting mode (not granted). A prepared transaction
// blocks as pid 0; its locks carry the virtual transaction id it had
// (prepared_backend/prepared_lxid), which pg_locks shows too.
//
// A parallel query's processes are one lock group and one session: waiter
// and blocker are the group's leader (lockGroupLeader, as pg_blocking_pids
// reports), so a leader whose workers wait is a waiter, and a worker that
// holds a lock blocks as its leader. The worker processes themselves are
// kept as detail (waiter_procs, blocker_procs: palloc'd, empty when the
// leader itself waits or holds).
struct LockEdge
{
	int32 waiter;
	int32 blocker;
	int32 *waiter_procs;
	int nwaiter_procs;
	int32 *blocker_procs;
	int nblocker_procs;
	LOCKTAG tag;
	LOCKMODE wait_mode;	  // what the waiter asked for
	LOCKMASK held_mask;	  // the blocker's granted modes that conflict with it
	LOCKMODE queued_mode; // the blocker's own requested mode when it blocks from the queue
	bool granted;		  // held_mask != 0
	TimestampTz wait_start;
	XrayBackendId prepared_backend;
	LocalTransactionId prepared_lxid;
};

// LockWaitingPids fills pids (palloc'd) with the processes waiting for a
// heavyweight lock, read from the PGPROC array without locks (as
// pg_stat_activity reads wait events), and since (if not NULL) with when each
// started waiting; returns their number.
int LockWaitingPids(int32 **pids, TimestampTz **since);

// LockEdgesCollect returns the edges of the waiting processes (palloc'd;
// *n edges). The lock manager's partition locks are taken once per waiting
// process (GetBlockerStatusData) and never when nothing waits.
LockEdge *LockEdgesCollect(int *n);

// LockModeNames writes the names of the modes in mask, comma separated.
void LockModeNames(LOCKMETHODID method, LOCKMASK mask, StringInfo out);

// LockObjectText describes the locked object for a person ("relation public.t",
// "tuple (0,3) of public.t", "transaction 750", "advisory 1:42"). Relations
// are named only in the current database (others by oid).
char *LockObjectText(const LOCKTAG &tag);

// LockTagRelation: the relation a relation, extension, page or tuple lock is
// on; InvalidOid for other lock types.
inline Oid
LockTagRelation(const LOCKTAG &tag)
{
	switch ((LockTagType) tag.locktag_type)
	{
		case LOCKTAG_RELATION:
		case LOCKTAG_RELATION_EXTEND:
		case LOCKTAG_PAGE:
		case LOCKTAG_TUPLE:
			return tag.locktag_field2;
		default:
			return InvalidOid;
	}
}
} // namespace xray::pg
