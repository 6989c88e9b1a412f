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
// constants stand, and in how many later runs each of them differed.
struct SampleInfo
{
	char *text;
	int nconst;
	SampleConst consts[kSampleConsts];
	uint32 differed[kSampleConsts];
	uint32 nsamples; // runs compared (first one included)

	// Stable: constant i had the first run's value in at least 90 % of the runs
	// compared, and at least 3 were (the literal of most runs: a partial index)
	bool Stable(int i) const { return nsamples >= 3 && differed[i] * 10 <= nsamples - 1; }
};

// SamplePut keeps text with its constants for (dbid, queryid). The first run is
// kept; later runs of the same statement only mark which constants differ.
// bound: the text carries an execution's parameter values (it then stays over
// the "$n" text of the statement parsed again).
void SamplePut(Oid dbid, uint64 queryid, const char *text, size_t len, const SampleConst *consts, int nconst,
			   bool bound = false);

// SampleWanted: whether this run of a statement whose text is stored already
// should be compared with its kept sample (every run at first, then a few).
bool SampleWanted(Oid dbid, uint64 queryid);

// SampleBoundParams keeps, for a sampled execution of a statement sent with
// parameters (extended protocol), its text with the bound values in place of
// $n, so the advisors plan it as it was run. Nothing without parameters.
void SampleBoundParams(QueryDesc *queryDesc);

// SamplesReset forgets every sample (xray.reset()).
void SamplesReset();

// SampleGet fills info (palloc'd text) and returns true when a sample is kept.
bool SampleGet(Oid dbid, uint64 queryid, SampleInfo *info);

// SampleSlots: how many slots SampleAt may be asked for (0 when samples are
// not kept: not preloaded, or xray.store_sample_values off).
uint32 SampleSlots();

// SampleAt fills info (palloc'd text) and queryid from slot i when it holds a
// sample of database dbid (xray.statement_samples(): the fleet's advisor plans
// a standby's statements with them).
bool SampleAt(uint32 i, Oid dbid, uint64 *queryid, SampleInfo *info);
} // namespace xray::pg
