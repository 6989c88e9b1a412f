-- the snapshots of the fleet's nodes: each snapshot is of one node ('local': this server)
ALTER TABLE xray.snapshots ADD COLUMN node text NOT NULL DEFAULT 'local';
