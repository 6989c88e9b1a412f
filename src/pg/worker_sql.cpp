// worker_sql.cpp - WorkerSql (see worker_sql.hpp).
#include "compat.hpp"
#include "worker_sql.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/snapmgr.h"
}

namespace xray::pg
{
void
WorkerPinSearchPath()
{
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
}

char *
WorkerSql(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, sql);
	int rc = nargs > 0 ? SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0) : SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "pg_xray worker: SPI failed (%d)", rc);
	char *out = NULL;
	if (SPI_processed > 0 && SPI_tuptable != NULL)
	{
		char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		if (v)
			out = MemoryContextStrdup(TopMemoryContext, v);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return out;
}
} // namespace xray::pg
