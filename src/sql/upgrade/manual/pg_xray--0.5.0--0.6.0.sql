-- the snapshots of the fleet's nodes: each snapshot is of one node ('local': this server)
ALTER TABLE xray.snapshots ADD COLUMN node text NOT NULL DEFAULT 'local';
-- the fleet's alert metrics (their rules are added below)
ALTER TABLE xray.alert_rules DROP CONSTRAINT alert_rules_metric_check;
ALTER TABLE xray.alert_rules ADD CONSTRAINT alert_rules_metric_check CHECK (metric IN ('statement_p95_seconds', 'cache_hit_ratio', 'lock_wait_seconds',
    'transaction_age_seconds', 'idle_in_transaction_seconds', 'connections_used_ratio',
    'statement_temp_bytes_per_call', 'dead_tuple_ratio', 'xid_age_ratio', 'plan_regression_slowdown',
    'advised_index_slowdown', 'replica_lag_seconds', 'node_unreachable'));
