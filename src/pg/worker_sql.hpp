// worker_sql.hpp - one SQL statement in its own transaction, for pg_xray's
// background workers (outside any transaction between statements).
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// WorkerSql runs sql through SPI in a transaction of its own and returns the
// first column of the first row (a copy in TopMemoryContext), or NULL. An
// error propagates (the worker exits; the caller's slot cleanup runs).
// WorkerPinSearchPath sets search_path to pg_catalog, pg_temp for the whole
// worker: whatever a database owner set for the database (ALTER DATABASE ...
// SET search_path), no name a worker runs resolves in a schema others control.
void WorkerPinSearchPath();

char *WorkerSql(const char *sql, int nargs = 0, Oid *types = NULL, Datum *values = NULL, const char *nulls = NULL);
} // namespace xray::pg
