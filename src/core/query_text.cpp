// query_text.cpp - constant replacement for normalized query texts.
#include "query_text.hpp"

#include <algorithm>
#include <cstring>

namespace xray::core
{
namespace
{
// Appender copies into a bounded buffer, silently stopping at its end.
struct Appender
{
	char *out;
	size_t cap; // usable bytes (out_size - 1)
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
// FormatParam writes "$n" into buf (at least 13 bytes) and returns its length.
size_t
FormatParam(int n, char *buf)
{
	char digits[12];
	int k = 0;
	unsigned int v = n < 0 ? 0u : static_cast<unsigned int>(n);
	do
	{
		digits[k++] = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf[0] = '$';
	for (int i = 0; i < k; i++)
		buf[1 + i] = digits[k - 1 - i];
	return static_cast<size_t>(k + 1);
}

inline bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

inline bool
IsIdentChar(char c)
{
	return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
		   static_cast<unsigned char>(c) >= 0x80;
}

inline bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// NumberEnd returns the end of a number starting at pos, or pos when there is none.
size_t
NumberEnd(const char *q, size_t len, size_t pos)
{
	size_t i = pos;
	bool digits = false;
	while (i < len && IsDigit(q[i]))
	{
		i++;
		digits = true;
	}
	if (i < len && q[i] == '.' && !(i + 1 < len && q[i + 1] == '.'))
	{
		i++;
		while (i < len && IsDigit(q[i]))
		{
			i++;
			digits = true;
		}
	}
	if (!digits)
		return pos;
	if (i < len && (q[i] == 'e' || q[i] == 'E'))
	{
		size_t j = i + 1;
		if (j < len && (q[j] == '+' || q[j] == '-'))
			j++;
		if (j < len && IsDigit(q[j]))
		{
			while (j < len && IsDigit(q[j]))
				j++;
			i = j;
		}
	}
	// "12abc" or "0x1F": let the lexer decide
	if (i < len && IsIdentChar(q[i]))
		return pos;
	return i;
}
} // namespace

int
ConstantLength(const char *query, size_t len, size_t pos) noexcept
{
	if (pos >= len)
		return -1;
	char c = query[pos];
	if (c == '\'')
	{
		size_t i = pos + 1;
		for (;;)
		{
			if (i >= len)
				return -1; // unterminated: the lexer would have failed
			if (query[i] == '\'')
			{
				if (i + 1 < len && query[i + 1] == '\'')
				{
					i += 2;
					continue;
				}
				break;
			}
			i++;
		}
		size_t end = i + 1;
		// a string continued after a newline ('a'\n'b') is one constant: ask the lexer
		for (size_t j = end; j < len && IsSpace(query[j]); j++)
			if (query[j] == '\n' || query[j] == '\r')
			{
				size_t k = j;
				while (k < len && IsSpace(query[k]))
					k++;
				if (k < len && query[k] == '\'')
					return -1;
				break;
			}
		return static_cast<int>(end - pos);
	}
	size_t start = pos;
	if (c == '-')
	{
		start = pos + 1;
		while (start < len && IsSpace(query[start]))
			start++;
		// "--" starts a comment
		if (start == pos + 1 && start < len && query[start] == '-')
			return -1;
	}
	else if (c == '+')
		return -1;
	size_t end = NumberEnd(query, len, start);
	if (end == start)
		return -1;
	return static_cast<int>(end - pos);
}

int
CastTypedParams(const char *query, size_t len, char *out, size_t out_size) noexcept
{
	static const char *const kTypes[] = {
		"date",		"time", "timestamp", "timestamptz", "interval", "timetz", "numeric", "int",	  "integer", "bigint",
		"smallint", "real", "boolean",	 "bool",		"text",		"uuid",	  "json",	 "jsonb", "inet",	 "money"};
	if (out_size == 0)
		return 0;
	Appender app{out, out_size - 1};
	int rewrites = 0;
	size_t i = 0;
	while (i < len)
	{
		bool done = false;
		if (i == 0 || !IsIdentChar(query[i - 1]))
		{
			for (const char *t : kTypes)
			{
				size_t tl = std::strlen(t);
				if (i + tl >= len)
					continue;
				bool same = true;
				for (size_t k = 0; k < tl && same; k++)
					same = (query[i + k] | 0x20) == t[k];
				if (!same || IsIdentChar(query[i + tl]))
					continue;
				size_t j = i + tl;
				while (j < len && IsSpace(query[j]))
					j++;
				if (j == i + tl || j >= len || query[j] != '$' || j + 1 >= len || !IsDigit(query[j + 1]))
					continue;
				size_t e = j + 1;
				while (e < len && IsDigit(query[e]))
					e++;
				app.Put(query + j, e - j); // $n
				app.Put("::", 2);
				app.Put(query + i, tl);
				i = e;
				rewrites++;
				done = true;
				break;
			}
		}
		if (!done)
		{
			app.Put(query + i, 1);
			i++;
		}
	}
	out[app.n] = '\0';
	return rewrites;
}

namespace
{
constexpr char kSquashedMarker[] = " /*, ... */"; // as pg_stat_statements shows a squashed list
}

size_t
NormalizedSizeBound(size_t len, int nlocs) noexcept
{
	// every constant is at least one byte and "$" + up to 11 digits replaces it,
	// followed for a squashed list by its marker
	return len + static_cast<size_t>(nlocs > 0 ? nlocs : 0) * (12 + sizeof(kSquashedMarker)) + 1;
}

size_t
NormalizeQuery(const char *query, size_t len, ConstLocation *locs, int nlocs, int first_param, char *out,
			   size_t out_size) noexcept
{
	if (out_size == 0)
		return 0;
	Appender app{out, out_size - 1};
	std::sort(locs, locs + nlocs,
			  [](const ConstLocation &a, const ConstLocation &b) { return a.location < b.location; });
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
			continue; // duplicate, overlapping or out of range
		app.Put(query + pos, start - pos);
		char num[16];
		app.Put(num, FormatParam(++param, num));
		if (c.squashed)
			app.Put(kSquashedMarker, sizeof(kSquashedMarker) - 1);
		pos = end;
	}
	if (pos < len)
		app.Put(query + pos, len - pos);
	out[app.n] = '\0';
	return app.n;
}
} // namespace xray::core
