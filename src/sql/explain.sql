
-- One statement seen by pg_xray ----------------------------------------------------------------
-- xray.explain(query): the statement's query id and plan id (planned now as the caller, never
-- run), what pg_xray recorded for it (calls, latency percentiles), its plan history, the index
-- advice that helps it and the plan findings about it. On 18 the same in EXPLAIN (XRAY).
CREATE FUNCTION xray._explain_ids(query text, search_path text, OUT queryid bigint, OUT planid bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'xray_explain_ids'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION xray._explain_items(p_queryid bigint, p_planid bigint, p_text text)
RETURNS TABLE (section text, label text, value text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    db oid := (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database());
    stmt text := pg_catalog.rtrim(pg_catalog.btrim(p_text, E' \t\r\n'), E'; \t\r\n');
    ids bigint[];
    r record;
    n int;
BEGIN
    section := 'Statement';
    label := 'Query Id';
    value := coalesce(p_queryid::text, 'not computed (compute_query_id is off)');
    RETURN NEXT;
    label := 'Plan Id';
    value := p_planid::text;
    RETURN NEXT;

    -- the recorded statements: this query id, or a recorded text equal to this one (a
    -- normalized text with $n, as xray.statements shows it, has its own query id)
    SELECT pg_catalog.array_agg(DISTINCT s.queryid) INTO ids
    FROM xray.statements s
    WHERE s.dbid = db AND s.queryid IS NOT NULL AND (s.queryid = p_queryid OR s.query = stmt);
    section := 'Recorded';
    IF ids IS NULL THEN
        label := 'Calls';
        value := '0 (not recorded in this database, or recorded for another role)';
        RETURN NEXT;
    ELSE
        SELECT pg_catalog.sum(s.calls) AS calls, pg_catalog.sum(s.rows) AS rows, pg_catalog.sum(s.errors) AS errors,
               pg_catalog.sum(s.plans) AS plans, pg_catalog.sum(s.total_exec_time) AS total,
               pg_catalog.max(s.p50_exec_time) AS p50, pg_catalog.max(s.p95_exec_time) AS p95,
               pg_catalog.max(s.p99_exec_time) AS p99, pg_catalog.max(s.max_exec_time) AS maxt,
               pg_catalog.min(s.first_seen) AS first_seen, pg_catalog.max(s.last_seen) AS last_seen,
               pg_catalog.count(*) AS entries
        INTO r FROM xray.statements s WHERE s.dbid = db AND s.queryid = ANY (ids);
        label := 'Query Ids'; value := pg_catalog.array_to_string(ids, ', '); RETURN NEXT;
        label := 'Calls'; value := r.calls::text; RETURN NEXT;
        label := 'Rows'; value := r.rows::text; RETURN NEXT;
        label := 'Errors'; value := r.errors::text; RETURN NEXT;
        label := 'Plans'; value := r.plans::text; RETURN NEXT;
        label := 'Mean Time';
        value := coalesce(pg_catalog.round((r.total / nullif(r.calls, 0))::numeric, 3) || ' ms', 'none');
        RETURN NEXT;
        -- percentiles of one entry (role, top level) each; with several, the slowest
        label := 'P50 Time'; value := coalesce(pg_catalog.round(r.p50::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'P95 Time'; value := coalesce(pg_catalog.round(r.p95::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'P99 Time'; value := coalesce(pg_catalog.round(r.p99::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'Max Time'; value := coalesce(pg_catalog.round(r.maxt::numeric, 3) || ' ms', 'none'); RETURN NEXT;
        label := 'Entries'; value := r.entries::text; RETURN NEXT;
        label := 'First Seen'; value := r.first_seen::text; RETURN NEXT;
        label := 'Last Seen'; value := r.last_seen::text; RETURN NEXT;
    END IF;

    section := 'Plan History';
    IF NOT pg_catalog.has_table_privilege('xray.plans', 'SELECT') THEN
        label := 'Plans'; value := 'visible to roles with pg_read_all_stats'; RETURN NEXT;
    ELSE
        n := 0;
        FOR r IN SELECT p.planid, p.calls, p.mean_exec_time, p.p95_exec_time, p.first_seen, p.last_seen
                 FROM xray.plans p WHERE p.dbid = db AND p.queryid = ANY (coalesce(ids, ARRAY[p_queryid]))
                 ORDER BY p.last_seen DESC NULLS LAST, p.planid LIMIT 10 LOOP
            n := n + 1;
            label := 'Plan ' || r.planid;
            value := pg_catalog.format('%s calls, mean %s ms, p95 %s ms, first seen %s, last seen %s%s', r.calls,
                                       coalesce(pg_catalog.round(r.mean_exec_time::numeric, 3)::text, '-'),
                                       coalesce(pg_catalog.round(r.p95_exec_time::numeric, 3)::text, '-'),
                                       r.first_seen, r.last_seen,
                                       CASE WHEN r.planid = p_planid THEN ' (the plan made now)' ELSE '' END);
            RETURN NEXT;
        END LOOP;
        label := 'Plan Made Now';
        value := CASE WHEN EXISTS (SELECT 1 FROM xray.plans p WHERE p.dbid = db AND p.planid = p_planid
                                   AND p.queryid = ANY (coalesce(ids, ARRAY[p_queryid])))
                      THEN 'recorded before' ELSE 'not recorded for this statement (a new plan, or never run)' END;
        RETURN NEXT;
    END IF;

    section := 'Index Advice';
    n := 0;
    IF ids IS NOT NULL THEN
        FOR r IN SELECT a.rank, a.create_statement, a.improvement_pct, a.reason FROM xray.index_advice a
                 WHERE a.queries && ids ORDER BY a.rank LOOP
            n := n + 1;
            label := 'Index ' || r.rank;
            value := pg_catalog.format('%s (workload cost -%s%%)', r.create_statement,
                                       pg_catalog.round(r.improvement_pct::numeric, 1));
            RETURN NEXT;
        END LOOP;
    END IF;
    IF n = 0 THEN
        label := 'Indexes'; value := 'none advised for this statement'; RETURN NEXT;
    END IF;

    section := 'Plan Findings';
    IF NOT pg_catalog.has_table_privilege('xray.plan_findings', 'SELECT') THEN
        label := 'Findings'; value := 'visible to roles with pg_read_all_stats'; RETURN NEXT;
    ELSE
        n := 0;
        IF ids IS NOT NULL THEN
            FOR r IN SELECT f.finding, f.severity, f.evidence, f.suggestion FROM xray.plan_findings f
                     WHERE f.queryid = ANY (ids) ORDER BY f.severity, f.finding LOOP
                n := n + 1;
                label := pg_catalog.format('Finding %s', n);
                value := pg_catalog.format('%s (%s): %s; %s', r.finding, r.severity, r.evidence, r.suggestion);
                RETURN NEXT;
            END LOOP;
        END IF;
        IF n = 0 THEN
            label := 'Findings'; value := 'none'; RETURN NEXT;
        END IF;
    END IF;
END
$body$;

-- the statement is parsed as the caller would run it: with the caller's search_path, taken by
-- the default expression at the call site (before this function's own pinned path applies)
CREATE FUNCTION xray.explain(query text, search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS TABLE ("pg_xray" text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    ids record;
    r record;
    last text;
BEGIN
    IF query IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO ids FROM xray._explain_ids(query, search_path);
    FOR r IN SELECT * FROM xray._explain_items(ids.queryid, ids.planid, query) LOOP
        IF last IS NULL OR last OPERATOR(pg_catalog.<>) r.section THEN
            "pg_xray" := pg_catalog.concat(r.section, ':');
            RETURN NEXT;
            last := r.section;
        END IF;
        "pg_xray" := pg_catalog.concat('  ', r.label, ': ', r.value);
        RETURN NEXT;
    END LOOP;
END
$body$;
COMMENT ON FUNCTION xray.explain(text, text) IS 'pg_xray: one statement as pg_xray sees it: query and plan id, recorded calls and percentiles, plan history, index advice and plan findings';

-- what the remaining objects of this file are for (the others have their COMMENT ON next to them)
COMMENT ON FUNCTION xray._explain_ids(text,text) IS 'pg_xray: the query id and plan id a statement gets when planned now as the caller with this search_path (never run, not recorded)';
COMMENT ON FUNCTION xray._explain_items(bigint,bigint,text) IS 'pg_xray: the sections of xray.explain for a query id and plan id: recorded timings, plan history, advice and findings';
