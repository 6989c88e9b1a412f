// param_text.cpp - putting bound parameter values back into statement texts.
#include "param_text.hpp"

#include <cstring>

namespace xray::core
{
namespace
{
inline bool
Digit(char c)
{
	return c >= '0' && c <= '9';
}

inline bool
IdentStart(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

inline bool
IdentChar(char c)
{
	return IdentStart(c) || Digit(c) || c == '$';
}

// SkipQuoted returns the end of a string or identifier opened by quote at i
// (doubled quotes stay inside; backslash escapes when escapes is set).
size_t
SkipQuoted(const char *q, size_t len, size_t i, char quote, bool escapes)
{
	size_t j = i + 1;
	while (j < len)
	{
		if (escapes && q[j] == '\\' && j + 1 < len)
			j += 2;
		else if (q[j] == quote && j + 1 < len && q[j + 1] == quote)
			j += 2;
		else if (q[j] == quote)
			return j + 1;
		else
			j++;
	}
	return len;
}

size_t
SkipBlockComment(const char *q, size_t len, size_t i)
{
	int depth = 0;
	size_t j = i;
	while (j < len)
	{
		if (q[j] == '/' && j + 1 < len && q[j + 1] == '*')
		{
			depth++;
			j += 2;
		}
		else if (q[j] == '*' && j + 1 < len && q[j + 1] == '/')
		{
			j += 2;
			if (--depth == 0)
				return j;
		}
		else
			j++;
	}
	return len;
}

// DollarTag returns the length of a dollar-quote delimiter ($$, $tag$) at i, or 0.
size_t
DollarTag(const char *q, size_t len, size_t i)
{
	size_t j = i + 1;
	if (j < len && q[j] == '$')
		return 2;
	if (j >= len || !IdentStart(q[j]))
		return 0;
	while (j < len && IdentChar(q[j]) && q[j] != '$')
		j++;
	return j < len && q[j] == '$' ? j - i + 1 : 0;
}
} // namespace

long
BindParams(const char *query, size_t len, const ParamLiteral *values, int nvalues, char *out, size_t out_size,
		   BoundAt *bound, int max_bound, int *nbound) noexcept
{
	*nbound = 0;
	if (out_size == 0)
		return -1;
	size_t n = 0;
	const size_t cap = out_size - 1;
	auto put = [&](const char *s, size_t k) {
		if (k > cap - n)
			return false;
		std::memcpy(out + n, s, k);
		n += k;
		return true;
	};
	size_t i = 0;
	while (i < len)
	{
		char c = query[i];
		bool after_ident = i > 0 && IdentChar(query[i - 1]);
		size_t end = i + 1; // end of the token copied unchanged
		if (c == '\'')
		{
			bool escapes = i > 0 && (query[i - 1] == 'e' || query[i - 1] == 'E') && !(i > 1 && IdentChar(query[i - 2]));
			end = SkipQuoted(query, len, i, '\'', escapes);
		}
		else if (c == '"')
			end = SkipQuoted(query, len, i, '"', false);
		else if (c == '-' && i + 1 < len && query[i + 1] == '-')
		{
			const void *nl = std::memchr(query + i, '\n', len - i);
			end = nl ? static_cast<size_t>(static_cast<const char *>(nl) - query) : len;
		}
		else if (c == '/' && i + 1 < len && query[i + 1] == '*')
			end = SkipBlockComment(query, len, i);
		else if (c == '$' && !after_ident && i + 1 < len && Digit(query[i + 1]))
		{
			size_t j = i + 1;
			long k = 0;
			while (j < len && Digit(query[j]))
			{
				k = k * 10 + (query[j] - '0');
				if (k > nvalues)
					return -1;
				j++;
			}
			if (k < 1)
				return -1;
			const ParamLiteral &v = values[k - 1];
			size_t at = n;
			if (!put(v.text, v.len))
				return -1;
			if (v.quoted_len > 0 && *nbound < max_bound)
				bound[(*nbound)++] = BoundAt{static_cast<int>(at), static_cast<int>(v.quoted_len)};
			i = j;
			continue;
		}
		else if (c == '$' && !after_ident)
		{
			size_t tag = DollarTag(query, len, i);
			if (tag > 0)
			{
				// the body runs to the same tag
				size_t j = i + tag;
				end = len;
				while (j + tag <= len)
				{
					if (std::memcmp(query + j, query + i, tag) == 0)
					{
						end = j + tag;
						break;
					}
					j++;
				}
			}
		}
		if (!put(query + i, end - i))
			return -1;
		i = end;
	}
	out[n] = '\0';
	return static_cast<long>(n);
}
} // namespace xray::core
