-- pg_xray regression suite: setup
CREATE EXTENSION pg_xray;
SELECT extname, extversion, nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pg_xray';
-- the views answer right away
SELECT count(*) >= 0 AS ok FROM xray.statements;
SELECT max_statements, max_plans, shared_memory_bytes > 0 AS has_memory FROM xray.info;
