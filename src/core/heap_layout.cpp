// heap_layout.cpp - see heap_layout.hpp.
#include "heap_layout.hpp"

#include <algorithm>
#include <cmath>

namespace xray::core
{
namespace
{
int
AlignOf(const ColumnLayout &c) noexcept
{
	// a varlena short enough for a 1-byte header, and a TOAST pointer, are
	// stored unaligned (heap_fill_tuple); 4-byte-header values are aligned
	if (c.len == -1 && c.packable && c.width < 127.0)
		return 1;
	if (c.len == -2)
		return 1;
	switch (c.align)
	{
		case 's':
			return 2;
		case 'i':
			return 4;
		case 'd':
			return 8;
		default:
			return 1;
	}
}

double
Clamp01(double x) noexcept
{
	return std::isfinite(x) ? std::min(1.0, std::max(0.0, x)) : 0.0;
}

int
RoundUp(int x, int a) noexcept
{
	return (x + a - 1) / a * a;
}
} // namespace

TupleEstimate
EstimateTuple(const ColumnLayout *cols, int ncols) noexcept
{
	// the data area starts MAXALIGNed: track the distribution of its length
	// modulo kMaxAlign, which decides every later column's padding
	double residue[kMaxAlign] = {1.0};
	double data = 0.0, all_present = 1.0;
	bool fixed = true;
	for (int i = 0; i < ncols; i++)
	{
		const ColumnLayout &c = cols[i];
		double present = 1.0 - Clamp01(c.null_frac);
		all_present *= present;
		if (present <= 0.0)
			continue;
		if (present < 1.0)
			fixed = false;
		bool varies = c.len < 0 && c.varies;
		if (varies)
			fixed = false;
		double width = c.len > 0 ? c.len : std::max(0.0, std::isfinite(c.width) ? c.width : 0.0);
		int step = static_cast<int>(std::lround(width));
		int a = AlignOf(c);
		double next[kMaxAlign] = {0.0}, added = 0.0;
		for (int r = 0; r < kMaxAlign; r++)
		{
			if (residue[r] <= 0.0)
				continue;
			int pad = (a - r % a) % a;
			added += residue[r] * (pad + width);
			if (varies)
				for (int s = 0; s < kMaxAlign; s++)
					next[s] += residue[r] / kMaxAlign;
			else
				next[(r + pad + step) % kMaxAlign] += residue[r];
		}
		data += present * added;
		for (int r = 0; r < kMaxAlign; r++)
			residue[r] = (1.0 - present) * residue[r] + present * next[r];
	}
	double tail = 0.0;
	for (int r = 0; r < kMaxAlign; r++)
		tail += residue[r] * ((kMaxAlign - r) % kMaxAlign);
	int bitmap = (std::max(ncols, 0) + 7) / 8;
	double header_plain = RoundUp(kTupleHeaderBytes, kMaxAlign);
	double header_nulls = RoundUp(kTupleHeaderBytes + bitmap, kMaxAlign);
	double header = all_present * header_plain + (1.0 - all_present) * header_nulls;
	return TupleEstimate{header + data + tail, fixed};
}

int
UsableBytes(int fillfactor, int block_size) noexcept
{
	int ff = fillfactor >= 10 && fillfactor <= 100 ? fillfactor : 100;
	return block_size - kPageHeaderBytes - block_size * (100 - ff) / 100;
}

int
MaxTuplesPerPage(int block_size) noexcept
{
	return (block_size - kPageHeaderBytes) / (RoundUp(kTupleHeaderBytes, kMaxAlign) + kLinePointerBytes);
}

double
PackedPages(double tuples, const TupleEstimate &t, int fillfactor, int block_size) noexcept
{
	if (!(tuples > 0.0) || block_size <= kPageHeaderBytes || !(t.bytes > 0.0))
		return 0.0;
	double slot = t.bytes + kLinePointerBytes;
	double usable = UsableBytes(fillfactor, block_size);
	double per_page = t.fixed ? std::floor(usable / slot) : usable / slot - 0.5;
	per_page = std::min(std::max(per_page, 1.0), static_cast<double>(MaxTuplesPerPage(block_size)));
	double pages = tuples / per_page;
	return t.fixed ? std::ceil(pages) : pages;
}

double
NextFitPages(const uint16_t *tuple_bytes, size_t n, int fillfactor, int block_size) noexcept
{
	if (n == 0 || tuple_bytes == nullptr || block_size <= kPageHeaderBytes)
		return 0.0;
	const int usable = UsableBytes(fillfactor, block_size);
	const int max_tuples = MaxTuplesPerPage(block_size);
	double pages = 0.0;
	int used = 0, count = 0;
	for (size_t i = 0; i < n; i++)
	{
		int need = tuple_bytes[i] + kLinePointerBytes;
		// the first tuple of a page always goes in (hio.c, rewriteheap.c)
		if (count == 0 || used + need > usable || count == max_tuples)
		{
			pages += 1.0;
			used = 0;
			count = 0;
		}
		used += need;
		count++;
	}
	// the last page counts by how full it is, so that a sample scales
	return pages - 1.0 + std::min(1.0, static_cast<double>(used) / usable);
}

double
MeanAlignedBytes(double mean_len, bool fixed) noexcept
{
	if (!(mean_len > 0.0))
		return 0.0;
	if (fixed)
		return std::ceil(mean_len / kMaxAlign) * kMaxAlign;
	return mean_len + (kMaxAlign - 1) / 2.0;
}
} // namespace xray::core
