// shmem_area.hpp - one named shared-memory structure of pg_xray, with an LWLock
// of its own tranche if it needs one.
//
// The store's shmem_request_hook reserves every area (store.cpp) and its
// shmem_startup_hook attaches them; each module describes its area once
// (name, tranche, size, first-time initialization) instead of chaining hooks
// of its own.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct ShmemArea
{
	const char *name;					   // ShmemInitStruct key
	const char *tranche;				   // a tranche of one LWLock, or NULL
	Size (*size)();						   // bytes; GUCs are final when it is called
	void (*init)(void *mem, LWLock *lock); // first attach only, on zeroed memory (lock NULL without tranche)
};

// Bytes reserved by every area (set in the postmaster's request hook, inherited
// by the processes it starts; xray.info adds it to the store's size).
inline Size shmem_areas_bytes = 0;

// ShmemAreaReserve: call from shmem_request_hook.
inline void
ShmemAreaReserve(const ShmemArea &a)
{
	shmem_areas_bytes = add_size(shmem_areas_bytes, a.size());
	RequestAddinShmemSpace(a.size());
	if (a.tranche)
		RequestNamedLWLockTranche(a.tranche, 1);
}

// ShmemAreaAttach: call from shmem_startup_hook; returns the area.
inline void *
ShmemAreaAttach(const ShmemArea &a)
{
	bool found;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	Size size = a.size();
	void *mem = ShmemInitStruct(a.name, size, &found);
	if (!found)
	{
		memset(mem, 0, size);
		a.init(mem, a.tranche ? &(GetNamedLWLockTranche(a.tranche))->lock : NULL);
	}
	LWLockRelease(AddinShmemInitLock);
	return mem;
}
} // namespace xray::pg
