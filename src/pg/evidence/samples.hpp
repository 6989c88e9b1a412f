// samples.hpp - one statement text with its constants per query id, for re-planning.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
void SamplesRequestShmem();
void SamplesStartup();

constexpr int kSampleConsts = 32;

struct SampleConst
{
	int at; // offset in the statement text
	int len;
};

// SampleInfo is what the advisors get back: the first run kept, where its
// constants stand, and which of them differed in later runs.
struct SampleInfo
{
	char *text;
	int nconst;
	SampleConst consts[kSampleConsts];
	bool varied[kSampleConsts];
	uint32 nsamples; // runs compared (first one included)
};

// SamplePut keeps text with its constants for (dbid, queryid). The first run is
// kept; later runs of the same statement only mark which constants differ.
// bound: the text carries an execution's parameter values (it then stays over
// the "$n" text of the statement parsed again).
void SamplePut(Oid dbid, uint64 queryid, const char *text, size_t len, const SampleConst *consts, int nconst,
			   bool bound = false);

// SampleBoundParams keeps, for a sampled execution of a statement sent with
// parameters (extended protocol), its text with the bound values in place of
// $n, so the advisors plan it as it was run. Nothing without parameters.
void SampleBoundParams(QueryDesc *queryDesc);

// SamplesReset forgets every sample (xray.reset()).
void SamplesReset();

// SampleGet fills info (palloc'd text) and returns true when a sample is kept.
bool SampleGet(Oid dbid, uint64 queryid, SampleInfo *info);
} // namespace xray::pg
