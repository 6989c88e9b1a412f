// text_access.hpp - pg_stat_activity's rule for query texts: another role's
// text (and query id) only for roles with pg_read_all_stats.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
constexpr const char *kHiddenText = "<insufficient privilege>";

struct TextAccess
{
	Oid me = GetUserId();
	bool all = has_privs_of_role(me, ROLE_PG_READ_ALL_STATS);

	bool Sees(Oid owner) const { return all || owner == me; }
	// Text: text when the caller may see owner's texts, else kHiddenText.
	const char *Text(Oid owner, const char *text) const { return Sees(owner) ? text : kHiddenText; }
};
} // namespace xray::pg
