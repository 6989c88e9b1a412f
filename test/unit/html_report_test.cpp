// html_report_test.cpp - the HTML report: escaping, charts present, self-contained.
#include <gtest/gtest.h>

#include <string>

#include "html_report.hpp"

using namespace xray::core;

namespace
{
size_t
Count(const std::string &s, const std::string &what)
{
	size_t n = 0;
	for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
		n++;
	return n;
}
} // namespace

TEST(HtmlReport, EscapesEverythingItQuotes)
{
	EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	HtmlReport r;
	r.title = "db <script>alert(1)</script>";
	r.latency.push_back(LatencyRow{"SELECT '<b>' FROM \"t\"", 0.1, 0.5, 2, 3, 10, 0.9, 42});
	r.alerts.push_back(ListRow{"critical", "x < y & \"z\""});
	std::string h = RenderHtmlReport(r);
	EXPECT_EQ(h.find("<script>"), std::string::npos);
	EXPECT_NE(h.find("db &lt;script&gt;"), std::string::npos);
	EXPECT_NE(h.find("SELECT &#39;&lt;b&gt;&#39; FROM &quot;t&quot;"), std::string::npos);
	EXPECT_NE(h.find("x &lt; y &amp; &quot;z&quot;"), std::string::npos);
}

TEST(HtmlReport, ChartsAndSelfContained)
{
	HtmlReport r;
	r.title = "t";
	for (int i = 0; i < 5; i++)
		r.latency.push_back(
			LatencyRow{"q" + std::to_string(i), 0.01, 0.1 * (i + 1), 1.0 * (i + 1), 2.0 * (i + 1), 50, 0.5, 10});
	for (int i = 0; i < 6; i++)
		r.series.push_back(SeriesPoint{"10:0" + std::to_string(i), 100.0 * i, 1.0 + i});
	r.lock_edges = {WaitEdge{20, 10, 3, "relation t AccessShareLock"}, WaitEdge{30, 20, 1, ""}};
	r.session_labels = {{10, "alice: ALTER TABLE t"}, {20, "bob: SELECT 1"}};
	std::string h = RenderHtmlReport(r);
	EXPECT_EQ(Count(h, "<rect class=\"box\""), 5u);
	EXPECT_EQ(Count(h, "<svg id=\"series-calls\""), 1u);
	EXPECT_EQ(Count(h, "<polyline class=\"series\""), 2u);
	EXPECT_EQ(Count(h, "<g class=\"node"), 3u);
	EXPECT_EQ(Count(h, "<line class=\"edge\""), 2u);
	EXPECT_NE(h.find("pid 10 · blocks 2"), std::string::npos);
	// no external resource: nothing fetched over the network
	EXPECT_EQ(h.find("http://"), h.find("http://www.w3.org/2000/svg"));
	EXPECT_EQ(h.find("https://"), std::string::npos);
	EXPECT_EQ(h.find("<script"), std::string::npos);
	EXPECT_EQ(h.find("<link"), std::string::npos);
}

TEST(HtmlReport, EmptyInputsSaySo)
{
	HtmlReport r;
	std::string h = RenderHtmlReport(r);
	EXPECT_NE(h.find("no statement recorded"), std::string::npos);
	EXPECT_NE(h.find("fewer than two snapshots"), std::string::npos);
	EXPECT_NE(h.find("no session is waiting for a lock"), std::string::npos);
	EXPECT_EQ(h.rfind("</html>\n"), h.size() - 8);
}
