// sql_locks.cpp - SQL functions behind the live lock views: xray.lock_edges(),
// xray.blocking_tree() and xray.lock_graph(format).
//
// The edges come from lock_edges.cpp (the lock manager, only for waiting
// processes); the forest and its renderings from core/lock_graph. Session
// labels (user, application, query) come from this backend's snapshot of
// backend status, with pg_stat_activity's rule: query texts of other users
// only for roles with pg_read_all_stats.
#include <map>
#include <string>
#include <vector>

#include "lock_graph.hpp"

#include "compat.hpp"
#include "guard.hpp"
#include "locks/lock_edges.hpp"
#include "srf.hpp"
#include "text_access.hpp"

extern "C" {
#include "utils/array.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_lock_edges);
PG_FUNCTION_INFO_V1(xray_blocking_tree);
PG_FUNCTION_INFO_V1(xray_lock_graph);
PGDLLEXPORT Datum xray_lock_edges(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_blocking_tree(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_lock_graph(PG_FUNCTION_ARGS);
}

namespace
{
using namespace xray::pg;

constexpr int kEdgeCols = 19;

// (a name without a comma: it is used inside XRAY_GUARD)
using LabelMap = std::map<int32_t, std::string>;

double
SecondsSince(TimestampTz start, TimestampTz now)
{
	return start == 0 ? -1.0 : (double) (now - start) / USECS_PER_SEC;
}

// Forest is the blocking forest as PODs (palloc'd), built by the core.
struct ForestPod
{
	int n;
	int32 *pid, *root, *parent, *depth, *blocked;
	bool *waiting, *cycle;
	double *waited, *blocked_wait;
	int *path_len;
	int32 **path;
};

ForestPod
BuildForestPod(const LockEdge *edges, int nedges, TimestampTz now)
{
	ForestPod f{};
	// every C++ object lives inside the guard: allocations there never raise (GuardAlloc)
	XRAY_GUARD({
		std::vector<xray::core::WaitEdge> in;
		in.reserve(nedges);
		for (int i = 0; i < nedges; i++)
			in.push_back(xray::core::WaitEdge{edges[i].waiter, edges[i].blocker, SecondsSince(edges[i].wait_start, now),
											  std::string()});
		std::vector<xray::core::ForestNode> nodes = xray::core::BuildForest(in);
		f.n = (int) nodes.size();
		size_t n = Max(f.n, 1);
		f.pid = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * n);
		f.root = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * n);
		f.parent = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * n);
		f.depth = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * n);
		f.blocked = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * n);
		f.waiting = (bool *) xray::pg::GuardAlloc(sizeof(bool) * n);
		f.cycle = (bool *) xray::pg::GuardAlloc(sizeof(bool) * n);
		f.waited = (double *) xray::pg::GuardAlloc(sizeof(double) * n);
		f.blocked_wait = (double *) xray::pg::GuardAlloc(sizeof(double) * n);
		f.path_len = (int *) xray::pg::GuardAlloc(sizeof(int) * n);
		f.path = (int32 **) xray::pg::GuardAlloc(sizeof(int32 *) * n);
		for (int i = 0; i < f.n; i++)
		{
			const xray::core::ForestNode &nd = nodes[i];
			f.pid[i] = nd.pid;
			f.root[i] = nd.root;
			f.parent[i] = nd.parent;
			f.depth[i] = nd.depth;
			f.blocked[i] = nd.blocked_sessions;
			f.waiting[i] = nd.waiting;
			f.cycle[i] = nd.in_cycle;
			f.waited[i] = nd.waited_s;
			f.blocked_wait[i] = nd.blocked_wait_s;
			f.path_len[i] = (int) nd.path.size();
			f.path[i] = (int32 *) xray::pg::GuardAlloc(sizeof(int32) * Max(nd.path.size(), (size_t) 1));
			for (size_t k = 0; k < nd.path.size(); k++)
				f.path[i][k] = nd.path[k];
		}
	});
	return f;
}

// SessionLabel: "user app: query" of pid from the backend status snapshot,
// the query only where pg_stat_activity would show it.
char *
SessionLabel(int32 pid)
{
	if (pid == 0)
		return pstrdup("prepared transaction");
	TextAccess access;
	int count = XRAY_BACKEND_STATUS_COUNT();
	for (int i = 1; i <= count; i++)
	{
		LocalPgBackendStatus *local = XRAY_BACKEND_STATUS(i);
		if (local == NULL || local->backendStatus.st_procpid != pid)
			continue;
		PgBackendStatus *be = &local->backendStatus;
		const char *user = OidIsValid(be->st_userid) ? GetUserNameFromId(be->st_userid, true) : NULL;
		StringInfoData s;
		initStringInfo(&s);
		appendStringInfoString(&s, user ? user : "?");
		if (be->st_appname && be->st_appname[0])
			appendStringInfo(&s, " (%s)", be->st_appname);
		if (access.Sees(be->st_userid))
		{
			char *q = pgstat_clip_activity(be->st_activity_raw);
			if (q && strlen(q) > 80)
				q[pg_mbcliplen(q, strlen(q), 80)] = '\0';
			if (q && q[0])
				appendStringInfo(&s, ": %s", q);
		}
		else
			appendStringInfo(&s, ": %s", kHiddenText);
		return s.data;
	}
	return pstrdup("");
}
} // namespace

namespace
{
// LockTagFields appends the nine pg_locks columns that name a locked object.
void
LockTagFields(const LOCKTAG &t, SrfRow &row)
{
	const int kFields = 9;
	Datum f[kFields];
	bool set[kFields] = {false};
	auto put = [&](int k, Datum d) {
		f[k] = d;
		set[k] = true;
	};
	switch ((LockTagType) t.locktag_type)
	{
		case LOCKTAG_RELATION:
		case LOCKTAG_RELATION_EXTEND:
			put(0, ObjectIdGetDatum(t.locktag_field1));
			put(1, ObjectIdGetDatum(t.locktag_field2));
			break;
		case LOCKTAG_DATABASE_FROZEN_IDS:
			put(0, ObjectIdGetDatum(t.locktag_field1));
			break;
		case LOCKTAG_PAGE:
		case LOCKTAG_TUPLE:
			put(0, ObjectIdGetDatum(t.locktag_field1));
			put(1, ObjectIdGetDatum(t.locktag_field2));
			put(2, Int32GetDatum((int32) t.locktag_field3));
			if (t.locktag_type == LOCKTAG_TUPLE)
				put(3, Int16GetDatum((int16) t.locktag_field4));
			break;
		case LOCKTAG_VIRTUALTRANSACTION:
			put(4, CStringGetTextDatum(psprintf("%d/%u", (int) t.locktag_field1, t.locktag_field2)));
			break;
		case LOCKTAG_TRANSACTION:
		case LOCKTAG_SPECULATIVE_TOKEN:
			put(5, TransactionIdGetDatum(t.locktag_field1));
			break;
		default:
			put(0, ObjectIdGetDatum(t.locktag_field1));
			put(6, ObjectIdGetDatum(t.locktag_field2));
			put(7, ObjectIdGetDatum(t.locktag_field3));
			put(8, Int16GetDatum((int16) t.locktag_field4));
			break;
	}
	for (int k = 0; k < kFields; k++)
		set[k] ? row.Put(f[k]) : row.Null();
}

// the processes of a lock group behind an edge, as integer[]
Datum
PidArray(const int32 *pids, int n)
{
	Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = Int32GetDatum(pids[i]);
	return PointerGetDatum(construct_array(elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}
} // namespace

Datum
xray_lock_edges(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	CheckSrfColumns(rsinfo, kEdgeCols);
	int n;
	LockEdge *edges = LockEdgesCollect(&n);
	for (int i = 0; i < n; i++)
	{
		const LockEdge &e = edges[i];
		const LOCKTAG &t = e.tag;
		SrfRow row;
		row.Put(Int32GetDatum(e.waiter));
		row.Put(Int32GetDatum(e.blocker));
		row.Text(LockTagTypeNames[t.locktag_type]);
		// the locked object as pg_locks spells it: database, relation, page, tuple,
		// virtualxid, transactionid, classid, objid, objsubid (each NULL unless its type has it)
		LockTagFields(t, row);
		row.Text(GetLockmodeName(t.locktag_lockmethodid, e.wait_mode));
		StringInfoData modes;
		initStringInfo(&modes);
		if (e.granted)
			LockModeNames(t.locktag_lockmethodid, e.held_mask, &modes);
		else
			appendStringInfoString(&modes, GetLockmodeName(t.locktag_lockmethodid, e.queued_mode));
		row.Text(modes.data);
		row.Put(BoolGetDatum(e.granted));
		row.Time(e.wait_start);
		row.Text(e.blocker == 0 && LocalTransactionIdIsValid(e.prepared_lxid)
					 ? psprintf("%d/%u", (int) e.prepared_backend, e.prepared_lxid)
					 : NULL);
		e.nwaiter_procs > 0 ? row.Put(PidArray(e.waiter_procs, e.nwaiter_procs)) : row.Null();
		e.nblocker_procs > 0 ? row.Put(PidArray(e.blocker_procs, e.nblocker_procs)) : row.Null();
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_blocking_tree(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = StartSrf(fcinfo);
	int n;
	LockEdge *edges = LockEdgesCollect(&n);
	TimestampTz now = GetCurrentTimestamp();
	ForestPod f = BuildForestPod(edges, n, now);
	for (int i = 0; i < f.n; i++)
	{
		SrfRow row;
		row.Put(Int32GetDatum(i + 1));
		row.Put(Int32GetDatum(f.pid[i]));
		row.Put(Int32GetDatum(f.root[i]));
		f.depth[i] == 0 ? row.Null() : row.Put(Int32GetDatum(f.parent[i]));
		row.Put(Int32GetDatum(f.depth[i]));
		Datum *elems = (Datum *) palloc(sizeof(Datum) * Max(f.path_len[i], 1));
		for (int k = 0; k < f.path_len[i]; k++)
			elems[k] = Int32GetDatum(f.path[i][k]);
		row.Put(PointerGetDatum(construct_array(elems, f.path_len[i], INT4OID, sizeof(int32), true, TYPALIGN_INT)));
		row.Put(BoolGetDatum(f.waiting[i]));
		row.Put(BoolGetDatum(f.cycle[i]));
		row.Put(Int32GetDatum(f.blocked[i]));
		row.Seconds(f.blocked_wait[i]);
		f.waiting[i] ? row.Seconds(f.waited[i]) : row.Null();
		row.Done(rsinfo);
	}
	return (Datum) 0;
}

Datum
xray_lock_graph(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("format must not be NULL"),
						errhint("Use 'text', 'dot' or 'mermaid'.")));
	char *format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	xray::core::GraphFormat fmt;
	if (pg_strcasecmp(format, "text") == 0)
		fmt = xray::core::GraphFormat::kText;
	else if (pg_strcasecmp(format, "dot") == 0)
		fmt = xray::core::GraphFormat::kDot;
	else if (pg_strcasecmp(format, "mermaid") == 0)
		fmt = xray::core::GraphFormat::kMermaid;
	else
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown lock graph format \"%s\"", format),
						errhint("Use 'text', 'dot' or 'mermaid'.")));
	int n;
	LockEdge *edges = LockEdgesCollect(&n);
	TimestampTz now = GetCurrentTimestamp();
	// labels and edge texts from the catalogs and backend status, before C++ runs
	char **edge_text = (char **) palloc(sizeof(char *) * Max(n, 1));
	char **waiter_label = (char **) palloc(sizeof(char *) * Max(n, 1));
	char **blocker_label = (char **) palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		edge_text[i] = psprintf("%s %s", LockObjectText(edges[i].tag),
								GetLockmodeName(edges[i].tag.locktag_lockmethodid, edges[i].wait_mode));
		waiter_label[i] = SessionLabel(edges[i].waiter);
		blocker_label[i] = SessionLabel(edges[i].blocker);
	}
	char *result = NULL;
	{
		// every C++ object lives inside the guard; the result leaves it as palloc'd text
		XRAY_GUARD({
			std::vector<xray::core::WaitEdge> in;
			LabelMap by_pid;
			for (int i = 0; i < n; i++)
			{
				in.push_back(xray::core::WaitEdge{edges[i].waiter, edges[i].blocker,
												  SecondsSince(edges[i].wait_start, now), edge_text[i]});
				by_pid[edges[i].waiter] = waiter_label[i];
				by_pid[edges[i].blocker] = blocker_label[i];
			}
			std::vector<xray::core::ForestNode> nodes = xray::core::BuildForest(in);
			std::vector<std::string> lab;
			for (const auto &nd : nodes)
				lab.push_back(by_pid[nd.pid]);
			std::string out = xray::core::RenderForest(nodes, lab, in, fmt);
			result = xray::pg::GuardCopyString(out.data(), out.size());
		});
	}
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

extern "C" {
PG_FUNCTION_INFO_V1(xray_lock_object);
PGDLLEXPORT Datum xray_lock_object(PG_FUNCTION_ARGS);
}

namespace
{
// ArgOid / ArgInt: a pg_locks column passed to xray.lock_object, 0 when NULL.
uint32
ArgUint(FunctionCallInfo fcinfo, int n, bool is_oid)
{
	if (PG_ARGISNULL(n))
		return 0;
	return is_oid ? (uint32) PG_GETARG_OID(n) : (uint32) PG_GETARG_DATUM(n);
}
} // namespace

// xray.lock_object(locktype, database, relation, page, tuple, virtualxid,
// transactionid, classid, objid, objsubid): a pg_locks row's object in the
// words xray.lock_graph and the lock history use (LockObjectText). The columns
// go back into the lock tag the way pg_lock_status took them out of it.
// NULL locktype: NULL; a lock type it does not know: the type itself.
Datum
xray_lock_object(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	char *type = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int kind = -1;
	for (int i = 0; i <= LOCKTAG_LAST_TYPE; i++)
		if (strcmp(type, LockTagTypeNames[i]) == 0)
			kind = i;
	if (kind < 0)
		PG_RETURN_TEXT_P(cstring_to_text(type));
	uint32 database = ArgUint(fcinfo, 1, true), relation = ArgUint(fcinfo, 2, true);
	uint32 page = ArgUint(fcinfo, 3, false), tuple = PG_ARGISNULL(4) ? 0 : (uint32) PG_GETARG_INT16(4);
	uint32 xid = PG_ARGISNULL(6) ? 0 : (uint32) DatumGetTransactionId(PG_GETARG_DATUM(6));
	uint32 classid = ArgUint(fcinfo, 7, true), objid = ArgUint(fcinfo, 8, true);
	uint32 objsubid = PG_ARGISNULL(9) ? 0 : (uint32) PG_GETARG_INT16(9);
	LOCKTAG tag;
	memset(&tag, 0, sizeof(tag));
	tag.locktag_type = (uint8) kind;
	switch ((LockTagType) kind)
	{
		case LOCKTAG_RELATION:
		case LOCKTAG_RELATION_EXTEND:
		case LOCKTAG_DATABASE_FROZEN_IDS:
		case LOCKTAG_PAGE:
		case LOCKTAG_TUPLE:
			tag.locktag_field1 = database;
			tag.locktag_field2 = relation;
			tag.locktag_field3 = page;
			tag.locktag_field4 = (uint16) tuple;
			break;
		case LOCKTAG_TRANSACTION:
			tag.locktag_field1 = xid;
			break;
		case LOCKTAG_VIRTUALTRANSACTION:
		{
			unsigned backend = 0, lxid = 0;
			if (!PG_ARGISNULL(5))
				sscanf(text_to_cstring(PG_GETARG_TEXT_PP(5)), "%u/%u", &backend, &lxid);
			tag.locktag_field1 = backend;
			tag.locktag_field2 = lxid;
			break;
		}
		case LOCKTAG_SPECULATIVE_TOKEN:
			tag.locktag_field1 = xid;
			tag.locktag_field2 = objid;
			break;
		default: // object, userlock, advisory (and any later kind): the object columns
			tag.locktag_field1 = database;
			tag.locktag_field2 = classid;
			tag.locktag_field3 = objid;
			tag.locktag_field4 = (uint16) objsubid;
			break;
	}
	PG_RETURN_TEXT_P(cstring_to_text(LockObjectText(tag)));
}
