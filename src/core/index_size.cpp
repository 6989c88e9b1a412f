// index_size.cpp - see index_size.hpp.
#include "index_size.hpp"

#include <algorithm>
#include <cmath>

namespace xray::core
{
BtreeSize
EstimateBtree(double tuples, double key_width, int block_size, double fillfactor) noexcept
{
	if (!(tuples > 0))
		tuples = 0;
	if (!(key_width > 0))
		key_width = 8;
	if (!(fillfactor > 0.1) || fillfactor > 1.0)
		fillfactor = 0.9;
	double tuple_bytes = 4.0 + 8.0 + std::ceil(key_width / 8.0) * 8.0;
	double usable = (block_size - 40.0) * fillfactor;
	if (usable < tuple_bytes)
		usable = tuple_bytes;
	double per_page = std::floor(usable / tuple_bytes);
	BtreeSize s;
	s.leaf_pages = std::ceil(tuples / per_page);
	if (s.leaf_pages < 1)
		s.leaf_pages = 1;
	// each internal level holds one downlink per page below it
	double fanout = per_page < 2 ? 2 : per_page;
	double level = s.leaf_pages;
	double total = s.leaf_pages;
	int height = 0;
	while (level > 1)
	{
		level = std::ceil(level / fanout);
		total += level;
		height++;
	}
	s.pages = total + 1; // the metapage
	s.height = height;
	return s;
}

double
EstimateGinPages(double tuples, double value_width, int block_size) noexcept
{
	double entries = std::max(0.0, tuples) * std::max(1.0, value_width / 4.0);
	return std::ceil(entries * 6.0 * 0.5 / (block_size - 40)) + 2;
}
} // namespace xray::core
