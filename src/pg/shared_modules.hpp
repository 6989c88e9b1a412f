// shared_modules.hpp - every shared-memory module of pg_xray in one table
// (shared_modules.cpp): what it reserves in the postmaster's
// shmem_request_hook, what it attaches in shmem_startup_hook, what
// xray.reset() clears and what xray.reset_query() forgets; and the one check
// that pg_xray was preloaded. A new shared table is one line of that table.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
struct SharedModule
{
	const char *name;
	void (*reserve)();					   // shmem_request_hook: ShmemAreaReserve / RequestAddinShmemSpace
	void (*attach)();					   // shmem_startup_hook (every process)
	void (*reset)();					   // xray.reset(); NULL: kept
	int64 (*forget_query)(uint64 queryid); // xray.reset_query(): entries removed; NULL: nothing per statement
};

// SharedModulesInstall chains the two shared-memory hooks (from _PG_init).
void SharedModulesInstall();

// SharedModulesReset / SharedModulesForgetQuery run every module's reset or
// forget in table order (the statement store first).
// SharedModulesForgetQuery returns the entries removed (statements and plans
// of the store; the signals' entries are not counted).
void SharedModulesReset();
int64 SharedModulesForgetQuery(uint64 queryid);

// CheckPreloaded stops with ERROR 55000 when pg_xray's shared memory is not
// attached (pg_xray not in shared_preload_libraries).
void CheckPreloaded();
bool SharedModulesAttached();
} // namespace xray::pg
