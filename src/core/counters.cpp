// counters.cpp - Welford accumulation and exact merging of counters.
#include "counters.hpp"

#include <cmath>

namespace xray::core
{
void
TimingMerge(TimingStats &into, const TimingStats &from) noexcept
{
	if (from.count == 0)
		return;
	if (into.count == 0)
	{
		into = from;
		return;
	}
	double n_a = static_cast<double>(into.count);
	double n_b = static_cast<double>(from.count);
	double n = n_a + n_b;
	double delta = from.mean - into.mean;
	into.mean += delta * n_b / n;
	into.m2 += from.m2 + delta * delta * n_a * n_b / n;
	into.count += from.count;
	into.total += from.total;
	if (from.min < into.min)
		into.min = from.min;
	if (from.max > into.max)
		into.max = from.max;
}

double
TimingStddev(const TimingStats &s) noexcept
{
	if (s.count < 2 || s.m2 <= 0.0)
		return 0.0;
	return std::sqrt(s.m2 / static_cast<double>(s.count));
}

void
IoMerge(IoCounters &into, const IoCounters &from) noexcept
{
	into.shared_blks_hit += from.shared_blks_hit;
	into.shared_blks_read += from.shared_blks_read;
	into.shared_blks_dirtied += from.shared_blks_dirtied;
	into.shared_blks_written += from.shared_blks_written;
	into.local_blks_hit += from.local_blks_hit;
	into.local_blks_read += from.local_blks_read;
	into.local_blks_dirtied += from.local_blks_dirtied;
	into.local_blks_written += from.local_blks_written;
	into.temp_blks_read += from.temp_blks_read;
	into.temp_blks_written += from.temp_blks_written;
	into.blk_read_time += from.blk_read_time;
	into.blk_write_time += from.blk_write_time;
	into.local_blk_read_time += from.local_blk_read_time;
	into.local_blk_write_time += from.local_blk_write_time;
	into.temp_blk_read_time += from.temp_blk_read_time;
	into.temp_blk_write_time += from.temp_blk_write_time;
	into.wal_records += from.wal_records;
	into.wal_fpi += from.wal_fpi;
	into.wal_bytes += from.wal_bytes;
	into.wal_buffers_full += from.wal_buffers_full;
}

void
JitMerge(JitCounters &into, const JitCounters &from) noexcept
{
	into.functions += from.functions;
	into.generation_time += from.generation_time;
	into.inlining_count += from.inlining_count;
	into.inlining_time += from.inlining_time;
	into.optimization_count += from.optimization_count;
	into.optimization_time += from.optimization_time;
	into.emission_count += from.emission_count;
	into.emission_time += from.emission_time;
	into.deform_count += from.deform_count;
	into.deform_time += from.deform_time;
}

void
CountersMerge(StmtCounters &into, const StmtCounters &from) noexcept
{
	TimingMerge(into.exec, from.exec);
	TimingMerge(into.plan, from.plan);
	into.rows += from.rows;
	into.errors += from.errors;
	into.error_time += from.error_time;
	IoMerge(into.io, from.io);
	JitMerge(into.jit, from.jit);
	into.parallel_workers_to_launch += from.parallel_workers_to_launch;
	into.parallel_workers_launched += from.parallel_workers_launched;
}
} // namespace xray::core
