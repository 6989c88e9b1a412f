-- the nodes registered under 0.6.0 gain the foreign table of their statement samples
-- (xray.node_samples; xray.add_node imports it from now on), defined here so that no
-- node has to answer during the upgrade
DO $node_samples$
DECLARE
    n record;
BEGIN
    FOR n IN SELECT x.name, x.server FROM xray.nodes x LOOP
        IF pg_catalog.to_regclass(pg_catalog.format('%I.node_samples', xray._node_schema(n.name))) IS NULL THEN
            EXECUTE pg_catalog.format(
                'CREATE FOREIGN TABLE %I.node_samples (queryid bigint, sample text, const_at integer[], const_len integer[], '
                'differed integer[], runs bigint) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                xray._node_schema(n.name), n.server, 'xray', 'node_samples');
            EXECUTE pg_catalog.format('GRANT SELECT ON %I.node_samples TO pg_read_all_stats', xray._node_schema(n.name));
            -- created by this script it would be a member of the extension, and remove_node's
            -- DROP SCHEMA ... CASCADE would then drop the extension: it is the node's, as add_node's are
            EXECUTE pg_catalog.format('ALTER EXTENSION pg_xray DROP FOREIGN TABLE %I.node_samples', xray._node_schema(n.name));
        END IF;
    END LOOP;
END
$node_samples$;
