-- Timeline entries for support and the back office only (customers never
-- see them): notes about messages the shop could not verify, which anyone
-- can cause.
ALTER TABLE timeline ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;
CREATE INDEX timeline_internal_idx ON timeline (order_id, kind, at) WHERE internal = 1;
