// samples.hpp - one statement text with its constants per query id, for re-planning.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
void SamplesRequestShmem();
void SamplesStartup();

// SamplePut keeps text (the statement as it was run, constants included) for
// (dbid, queryid), replacing an older one. Called when a backend first meets a
// statement with constants; takes the samples' lock for a bounded copy.
void SamplePut(Oid dbid, uint64 queryid, const char *text, size_t len);

// SampleGet returns a palloc'd copy of the kept text, or NULL.
char *SampleGet(Oid dbid, uint64 queryid);
}	// namespace xray::pg
