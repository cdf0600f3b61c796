-- The reconciler reads the least recently checked rows first and stamps
-- every row it reads, so rows it cannot settle (the gateway keeps failing
-- for them) go to the back of the line instead of being read again on
-- every pass while newer ones wait.
ALTER TABLE payment_attempts ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX attempts_checked_idx ON payment_attempts (status, checked_at);
CREATE INDEX refunds_checked_idx ON refunds (status, checked_at);
CREATE INDEX orders_checked_idx ON orders (status, checked_at);
