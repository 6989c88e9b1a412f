// query_text.cpp - constant replacement for normalized query texts.
#include "query_text.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace xray::core
{
namespace
{
// Appender copies into a bounded buffer, silently stopping at its end.
struct Appender
{
	char *out;
	size_t cap;	// usable bytes (out_size - 1)
	size_t n = 0;

	void Put(const char *s, size_t len)
	{
		size_t room = cap - n;
		if (len > room)
			len = room;
		std::memcpy(out + n, s, len);
		n += len;
	}
};
}	// namespace

size_t
NormalizedSizeBound(size_t len, int nlocs)
{
	// every constant is at least one byte and "$" + up to 11 digits replaces it
	return len + static_cast<size_t>(nlocs > 0 ? nlocs : 0) * 12 + 1;
}

size_t
NormalizeQuery(const char *query, size_t len, ConstLocation *locs, int nlocs, int first_param,
			   char *out, size_t out_size)
{
	if (out_size == 0)
		return 0;
	Appender app{out, out_size - 1};
	std::sort(locs, locs + nlocs, [](const ConstLocation &a, const ConstLocation &b) {
		return a.location < b.location;
	});
	size_t pos = 0;
	int param = first_param;
	for (int i = 0; i < nlocs; i++)
	{
		const ConstLocation &c = locs[i];
		if (c.length < 0 || c.location < 0)
			continue;
		size_t start = static_cast<size_t>(c.location);
		size_t end = start + static_cast<size_t>(c.length);
		if (start < pos || end > len)
			continue;	// duplicate, overlapping or out of range
		app.Put(query + pos, start - pos);
		char num[16];
		int k = std::snprintf(num, sizeof(num), "$%d", ++param);
		app.Put(num, static_cast<size_t>(k));
		pos = end;
	}
	if (pos < len)
		app.Put(query + pos, len - pos);
	out[app.n] = '\0';
	return app.n;
}
}	// namespace xray::core
