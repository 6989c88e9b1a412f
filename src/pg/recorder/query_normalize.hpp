// query_normalize.hpp - normalized query texts ($n for constants).
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// NormalizedTextStash is called after parse analysis: when the statement has
// constants and its text is not known to be stored already, it computes the
// normalized text and keeps it for the coming execution in a small
// backend-local stash.
void NormalizedTextStash(const char *source, Query *query, JumbleState *jstate);

// ConstantsSample keeps only the statement's constants as run (no normalized
// text): called for a sampled share of the runs of statements whose text is
// stored already, so that the advisors see whether a literal stays the same
// from run to run (a partial index's predicate).
void ConstantsSample(const char *source, Query *query, JumbleState *jstate);

// QueryTextFor writes the text to store for queryid into out: the stashed
// normalized text when there is one, otherwise the statement's own text.
// Never allocates. Returns the length (0 when there is no text).
size_t QueryTextFor(uint64 queryid, const char *source, int stmt_location, int stmt_len, char *out, size_t out_size);

// ClipText cuts len bytes of text to fit out_size - 1 bytes on a character
// boundary of the server encoding; returns the new length.
size_t ClipText(const char *text, size_t len, size_t out_size);
} // namespace xray::pg
