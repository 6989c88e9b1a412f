// plan_text.cpp - lays out plan nodes as EXPLAIN's text format does.
#include "plan_text.hpp"

#include <cstring>

namespace xray::core
{
namespace
{
class Writer
{
public:
	Writer(char *out, size_t out_size) : out_(out), cap_(out_size ? out_size - 1 : 0) {}

	void Put(const char *s) { Put(s, std::strlen(s)); }
	void Put(const char *s, size_t len)
	{
		if (cut_)
			return;
		if (len > cap_ - n_)
		{
			len = cap_ - n_;
			cut_ = true;
		}
		std::memcpy(out_ + n_, s, len);
		n_ += len;
	}
	void Spaces(int k)
	{
		for (int i = 0; i < k; i++)
			Put(" ", 1);
	}
	size_t Finish()
	{
		if (cap_ == 0)
			return 0;
		if (cut_ && cap_ >= 3)
		{
			// mark the cut; never leave half of a multibyte character before it
			size_t at = cap_ - 3;
			while (at > 0 && (static_cast<unsigned char>(out_[at]) & 0xC0) == 0x80)
				at--;
			std::memcpy(out_ + at, "...", 3);
			n_ = at + 3;
		}
		out_[n_] = '\0';
		return n_;
	}

private:
	char *out_;
	size_t cap_;
	size_t n_ = 0;
	bool cut_ = false;
};
} // namespace

size_t
FormatPlanText(const PlanTextNode *nodes, int n, char *out, size_t out_size) noexcept
{
	Writer w(out, out_size);
	for (int i = 0; i < n; i++)
	{
		const PlanTextNode &node = nodes[i];
		int depth = node.depth < 0 ? 0 : node.depth;
		if (i > 0)
			w.Put("\n", 1);
		int detail_indent = 2;
		if (depth > 0)
		{
			w.Spaces(6 * (depth - 1) + 2);
			w.Put("->  ", 4);
			detail_indent = 6 * depth + 2;
		}
		w.Put(node.title ? node.title : "?");
		for (int d = 0; d < node.ndetails; d++)
		{
			if (!node.details[d])
				continue;
			w.Put("\n", 1);
			w.Spaces(detail_indent);
			w.Put(node.details[d]);
		}
	}
	return w.Finish();
}
} // namespace xray::core
