// query_normalize.cpp - normalized query texts for the store.
//
// After parse analysis, the query jumble lists where each constant starts.
// core::ConstantLength measures plain numbers and quoted strings; for anything
// else PostgreSQL's lexer tells how long each one is (it NUL-terminates the
// current token in its scan buffer). core::NormalizeQuery then writes the text with $n in their
// place. The result waits in a small direct-mapped stash, keyed by query id,
// until the statement's first execution copies it into the backend's pending
// slot. Normalization runs only when this backend has not already seen the
// statement's text stored, so a statement repeated by the same backend pays
// one cache probe.
#include <cstring>

#include "query_text.hpp"

#include "compat.hpp"
#include "guc.hpp"
#include "recorder/query_normalize.hpp"
#include "evidence/samples.hpp"
#include "recorder/store.hpp"

namespace xray::pg
{
namespace
{
constexpr int kStashSlots = 16;

struct StashSlot
{
	uint64 queryid;
	size_t len;
	char *text; // guc_query_text_size bytes in TopMemoryContext
};
StashSlot stash[kStashSlots];

int
CompareLocation(const void *a, const void *b)
{
	int x = ((const LocationLen *) a)->location, y = ((const LocationLen *) b)->location;
	return x < y ? -1 : (x > y ? 1 : 0);
}

// FillConstantLengths sets the length of every constant in locs (our own copy
// of the jumble's locations, sorted here), using PostgreSQL's own lexer on the
// whole source text.
void
FillConstantLengths(LocationLen *locs, int count, const char *query)
{
	core_yy_extra_type yyextra;
	core_yyscan_t scanner = scanner_init(query, &yyextra, &ScanKeywords, ScanKeywordTokens);
	// the jumble may list constants out of order
	qsort(locs, count, sizeof(LocationLen), CompareLocation);
	int last_loc = -1;
	for (int i = 0; i < count; i++)
	{
		int loc = locs[i].location;
		if (XRAY_LOC_SQUASHED(locs[i]))
			continue; // a squashed list's span is known already
		if (loc < 0 || loc == last_loc)
		{
			locs[i].length = -1;
			continue;
		}
		last_loc = loc;
		core_YYSTYPE yylval;
		YYLTYPE yylloc = -1;
		int tok = 0;
		// lex forward to the token at loc
		for (;;)
		{
			tok = core_yylex(&yylval, &yylloc, scanner);
			if (tok == 0 || yylloc >= loc)
				break;
		}
		if (tok == 0 || yylloc != loc)
		{
			locs[i].length = -1;
			if (tok == 0)
				break;
			continue;
		}
		if (tok == '-')
		{
			// a negative number is one constant: include the next token
			tok = core_yylex(&yylval, &yylloc, scanner);
			if (tok == 0)
			{
				locs[i].length = -1;
				break;
			}
		}
		locs[i].length = (int) (yylloc - loc + strlen(yyextra.scanbuf + yylloc));
	}
	scanner_finish(scanner);
}

StashSlot *
StashFor(uint64 queryid)
{
	return &stash[queryid % kStashSlots];
}
} // namespace

size_t
ClipText(const char *text, size_t len, size_t out_size)
{
	if (out_size == 0)
		return 0;
	if (len > out_size - 1)
		return (size_t) pg_mbcliplen(text, (int) len, (int) (out_size - 1));
	return len;
}

namespace
{
// Constants: where a statement's constants stand in its own text, sorted, with
// their lengths (the jumble's private copy measured; see NormalizedTextStash).
struct Constants
{
	const char *stmt; // the statement's text within the source
	int len;
	core::ConstLocation *locs; // palloc'd
	int n;
};

Constants
MeasureConstants(const char *source, Query *query, JumbleState *js)
{
	Constants c;
	int loc = query->stmt_location;
	c.len = query->stmt_len;
	c.stmt = CleanQuerytext(source, &loc, &c.len);
	int shift = (int) (c.stmt - source);

	// The JumbleState is shared with every other post_parse_analyze hook
	// (pg_stat_statements runs after us and expects its lengths at -1 and its
	// order untouched): measure on a private copy, never write into it.
	int count = js->clocations_count;
	LocationLen on_stack[64]; // most statements have fewer constants: no allocation
	LocationLen *found =
		count <= (int) lengthof(on_stack) ? on_stack : (LocationLen *) palloc(sizeof(LocationLen) * count);
	memcpy(found, js->clocations, sizeof(LocationLen) * count);
	// the usual literals are measured directly; the lexer only runs for the rest
	size_t source_len = strlen(source);
	bool need_lexer = false;
	// 18: an external parameter's place is listed too; pg_stat_statements keeps
	// its text unless a list was squashed (then every parameter is renumbered)
	bool renumber = XRAY_JUMBLE_HAS_SQUASHED(js);
	for (int i = 0; i < count; i++)
	{
		int at = found[i].location;
		if (XRAY_LOC_SQUASHED(found[i]))
			continue; // its length (the whole list) is known
		if (XRAY_LOC_EXTERN_PARAM(found[i]) && !renumber)
		{
			found[i].location = -1;
			continue;
		}
		int n = at >= 0 ? core::ConstantLength(source, source_len, (size_t) at) : -1;
		found[i].length = n;
		if (n < 0)
			need_lexer = true;
	}
	if (need_lexer)
		FillConstantLengths(found, count, source);
	c.locs = (core::ConstLocation *) palloc(sizeof(core::ConstLocation) * count);
	c.n = 0;
	for (int i = 0; i < count; i++)
	{
		int at = found[i].location - shift;
		if (at < 0 || at >= c.len || found[i].length < 0)
			continue;
		c.locs[c.n++] = core::ConstLocation{at, found[i].length, XRAY_LOC_SQUASHED(found[i])};
	}
	if (found != on_stack)
		pfree(found);
	return c;
}

// PutSample keeps the statement as run, with where its constants stand (locs
// are sorted; overlapping ones were not replaced), for the advisors' re-planning.
void
PutSample(const Constants &c, uint64 queryid)
{
	SampleConst consts[kSampleConsts];
	int nconst = 0;
	int end = -1;
	// (a squashed list stays as written: its elements are the statement's own)
	for (int i = 0; i < c.n && nconst < kSampleConsts; i++)
		if (c.locs[i].length >= 0 && c.locs[i].location >= end && !c.locs[i].squashed)
		{
			consts[nconst++] = SampleConst{c.locs[i].location, c.locs[i].length};
			end = c.locs[i].location + c.locs[i].length;
		}
	SamplePut(MyDatabaseId, queryid, c.stmt, (size_t) c.len, consts, nconst);
}
} // namespace

void
NormalizedTextStash(const char *source, Query *query, JumbleState *js)
{
	if (js == NULL || js->clocations_count <= 0 || source == NULL)
		return;
	Constants c = MeasureConstants(source, query, js);
	size_t cap = core::NormalizedSizeBound((size_t) c.len, c.n);
	char *buf = (char *) palloc(cap);
	size_t out = core::NormalizeQuery(c.stmt, (size_t) c.len, c.locs, c.n, js->highest_extern_param_id, buf, cap);
	PutSample(c, query->queryId);

	StashSlot *slot = StashFor(query->queryId);
	if (slot->text == NULL)
		slot->text = (char *) MemoryContextAlloc(TopMemoryContext, guc_query_text_size);
	size_t keep = ClipText(buf, out, guc_query_text_size);
	memcpy(slot->text, buf, keep);
	slot->text[keep] = '\0';
	slot->len = keep;
	slot->queryid = query->queryId;
	pfree(buf);
	pfree(c.locs);
}

void
ConstantsSample(const char *source, Query *query, JumbleState *js)
{
	if (js == NULL || js->clocations_count <= 0 || source == NULL)
		return;
	Constants c = MeasureConstants(source, query, js);
	PutSample(c, query->queryId);
	pfree(c.locs);
}

size_t
QueryTextFor(uint64 queryid, const char *source, int stmt_location, int stmt_len, char *out, size_t out_size)
{
	if (out_size == 0)
		return 0;
	StashSlot *slot = StashFor(queryid);
	if (slot->text != NULL && slot->queryid == queryid && slot->len > 0)
	{
		size_t len = Min(slot->len, out_size - 1);
		memcpy(out, slot->text, len);
		out[len] = '\0';
		return len;
	}
	if (source == NULL)
		return 0;
	int loc = stmt_location;
	int len = stmt_len;
	const char *stmt = CleanQuerytext(source, &loc, &len);
	size_t keep = ClipText(stmt, (size_t) len, out_size);
	memcpy(out, stmt, keep);
	out[keep] = '\0';
	return keep;
}
} // namespace xray::pg
