-- bloat_truth.sql - the truth of test/tap/bloat.t: for a relation, pgstattuple's
-- free space and dead tuples less the free space a packed copy of the same rows
-- (same columns and fillfactor) still has, in percent of the relation: what a
-- rewrite returns of the free and dead space. The copy is written by
-- INSERT ... SELECT into a new table, which fills pages one after the other as
-- VACUUM FULL does (VACUUM cannot run inside a function).
CREATE FUNCTION zoo.truth(rel regclass) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    toast boolean := (SELECT relkind = 't' FROM pg_class WHERE oid = rel);
    owner regclass := CASE WHEN toast THEN (SELECT oid FROM pg_class WHERE reltoastrelid = rel) ELSE rel END;
    copy regclass;
    s record;
    c record;
BEGIN
    SELECT * INTO s FROM pgstattuple(rel);
    EXECUTE format('CREATE TABLE zoo.truth_copy (LIKE %s INCLUDING DEFAULTS) WITH (fillfactor = %s)', owner,
                   coalesce((SELECT substr(o, 12) FROM pg_class, unnest(reloptions) o WHERE oid = owner AND o LIKE 'fillfactor=%'), '100'));
    -- the copy keeps every column's storage (EXTERNAL, MAIN) so that it toasts the same way
    EXECUTE (SELECT coalesce(string_agg(format('ALTER TABLE zoo.truth_copy ALTER COLUMN %I SET STORAGE %s', attname,
                                      CASE attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END), '; '), 'SELECT')
             FROM pg_attribute WHERE attrelid = owner AND attnum > 0 AND NOT attisdropped AND attlen = -1);
    EXECUTE format('INSERT INTO zoo.truth_copy SELECT * FROM %s', owner);
    copy := CASE WHEN toast THEN (SELECT reltoastrelid FROM pg_class WHERE oid = 'zoo.truth_copy'::regclass)::regclass
                 ELSE 'zoo.truth_copy'::regclass END;
    SELECT * INTO c FROM pgstattuple(copy);
    DROP TABLE zoo.truth_copy;
    RETURN round(greatest(0, 100.0 * (s.free_space + s.dead_tuple_len - c.free_space - c.dead_tuple_len)
                             / nullif(s.table_len, 0)), 1);
END $$;
