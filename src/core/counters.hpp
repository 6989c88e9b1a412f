// counters.hpp - the per-statement counters pg_xray keeps, as plain data.
//
// These structs live in shared memory (per-backend pending slots and the shared
// tables), so they are trivially copyable and hold no pointers. Times are in
// milliseconds, as in pg_stat_statements. Mean and variance are kept with
// Welford's method and merged with Chan et al.'s parallel formula, so a batch
// flushed from a backend merges exactly into the shared entry.
#pragma once
#include "pg_free.hpp"

#include <cstdint>
#include <type_traits>

namespace xray::core
{
// TimingStats summarises a series of durations (count, sum, min, max, mean, M2).
struct TimingStats
{
	int64_t count;
	double total;
	double min;
	double max;
	double mean;
	double m2; // sum of squared distances from the mean
};

// IoCounters holds the buffer, I/O timing and WAL counters of executions.
struct IoCounters
{
	int64_t shared_blks_hit;
	int64_t shared_blks_read;
	int64_t shared_blks_dirtied;
	int64_t shared_blks_written;
	int64_t local_blks_hit;
	int64_t local_blks_read;
	int64_t local_blks_dirtied;
	int64_t local_blks_written;
	int64_t temp_blks_read;
	int64_t temp_blks_written;
	double blk_read_time; // shared blocks (15/16: all blocks, as their blk_read_time)
	double blk_write_time;
	double local_blk_read_time; // 17+
	double local_blk_write_time;
	double temp_blk_read_time;
	double temp_blk_write_time;
	int64_t wal_records;
	int64_t wal_fpi;
	uint64_t wal_bytes;
	int64_t wal_buffers_full; // 18+
};

// JitCounters: what JIT compilation cost the executions, as pg_stat_statements
// counts it (a *_count is the number of executions that spent time in that phase).
struct JitCounters
{
	int64_t functions;
	double generation_time;
	int64_t inlining_count;
	double inlining_time;
	int64_t optimization_count;
	double optimization_time;
	int64_t emission_count;
	double emission_time;
	int64_t deform_count; // 17+
	double deform_time;
};

// StmtCounters is everything pg_xray counts for one statement key.
struct StmtCounters
{
	TimingStats exec; // successful executions ("calls")
	TimingStats plan; // planning ("plans")
	int64_t rows;
	int64_t errors;
	double error_time; // total milliseconds spent in failed executions
	IoCounters io;
	JitCounters jit;
	int64_t parallel_workers_to_launch; // 18+
	int64_t parallel_workers_launched;
};

static_assert(std::is_trivially_copyable_v<StmtCounters>, "shared memory holds PODs only");

// (on every statement's path: defined here to be inlined)
inline void
TimingAdd(TimingStats &s, double ms) noexcept
{
	if (s.count == 0)
	{
		s.min = ms;
		s.max = ms;
	}
	else
	{
		if (ms < s.min)
			s.min = ms;
		if (ms > s.max)
			s.max = ms;
	}
	s.count++;
	s.total += ms;
	double delta = ms - s.mean;
	s.mean += delta / static_cast<double>(s.count);
	s.m2 += delta * (ms - s.mean);
}

void TimingMerge(TimingStats &into, const TimingStats &from) noexcept;
double TimingStddev(const TimingStats &s) noexcept; // population stddev, as pg_stat_statements
void IoMerge(IoCounters &into, const IoCounters &from) noexcept;
void JitMerge(JitCounters &into, const JitCounters &from) noexcept;
void CountersMerge(StmtCounters &into, const StmtCounters &from) noexcept;
} // namespace xray::core
