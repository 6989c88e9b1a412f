// id_rate.cpp - transaction-id and multixact consumption (see id_rate.hpp).
//
// Memory: a ring of kIdObservations observations, fixed at server start.
// Locking: one LWLock of its own, taken exclusively by the lock sampler for
// one write every kIdObservationSeconds and shared by readers. The next ids
// are read before the lock is taken.
#include <type_traits>

#include "maintenance.hpp"

#include "compat.hpp"
#include "maintenance/id_rate.hpp"
#include "sampler_tick.hpp"
#include "shared_modules.hpp"
#include "shmem_area.hpp"

extern "C" {
#include "access/multixact.h"
#include "access/transam.h"
}

namespace xray::pg
{
namespace
{
struct IdObservation
{
	TimestampTz at;
	uint64 next_xid;  // full transaction id
	uint64 next_mxid; // multixact ids counted across wraps
};

struct IdRateHeader
{
	LWLock *lock;
	uint64 count; // observations ever written; slot = count % kIdObservations
	uint32 last_mxid;
	IdObservation obs[kIdObservations];
};
static_assert(std::is_trivially_copyable<IdRateHeader>::value, "shared memory holds PODs");

IdRateHeader *ids = NULL;

Size
IdRateSize()
{
	return sizeof(IdRateHeader);
}

void
InitIdRate(void *mem, LWLock *lock)
{
	((IdRateHeader *) mem)->lock = lock;
}

const ShmemArea kArea = {"pg_xray id observations", "pg_xray_id_observations", IdRateSize, InitIdRate};
} // namespace

void
IdRateRequestShmem()
{
	ShmemAreaReserve(kArea);
}

void
IdRateStartup()
{
	ids = (IdRateHeader *) ShmemAreaAttach(kArea);
}

// IdRateOnTick notes the next ids every kIdObservationSeconds (the sampler only
// writes, so reading count without the lock is safe here).
void
IdRateOnTick(const SamplerTick &t)
{
	uint64 n = ids->count;
	if (n > 0 && t.now - ids->obs[(n - 1) % kIdObservations].at < kIdObservationSeconds * USECS_PER_SEC)
		return;
	uint64 xid = U64FromFullTransactionId(ReadNextFullTransactionId());
	uint32 mxid = ReadNextMultiXactId();
	uint64 mx = n > 0 ? ids->obs[(n - 1) % kIdObservations].next_mxid + (uint32) (mxid - ids->last_mxid) : mxid;
	LWLockAcquire(ids->lock, LW_EXCLUSIVE);
	ids->obs[n % kIdObservations] = IdObservation{t.now, xid, mx};
	ids->last_mxid = mxid;
	ids->count = n + 1;
	LWLockRelease(ids->lock);
}

void
IdConsumptionGet(IdConsumption *out)
{
	CheckPreloaded();
	LWLockAcquire(ids->lock, LW_SHARED);
	uint64 n = ids->count;
	IdObservation first{}, last{};
	if (n > 0)
	{
		first = ids->obs[(n > (uint64) kIdObservations ? n - kIdObservations : 0) % kIdObservations];
		last = ids->obs[(n - 1) % kIdObservations];
	}
	LWLockRelease(ids->lock);
	out->observations = (int) Min(n, (uint64) kIdObservations);
	out->from = first.at;
	out->to = last.at;
	double t0 = (double) first.at / USECS_PER_SEC, t1 = (double) last.at / USECS_PER_SEC;
	out->xids_per_day = n >= 2 ? core::ConsumptionPerDay(first.next_xid, t0, last.next_xid, t1) : -1.0;
	out->mxids_per_day = n >= 2 ? core::ConsumptionPerDay(first.next_mxid, t0, last.next_mxid, t1) : -1.0;
}
} // namespace xray::pg
