-- The reconciler forgets processed webhook-ids older than WEBHOOK_RETENTION
-- (docs/shop.md, "Reconciler"); this index finds them without a scan.
CREATE INDEX processed_webhooks_received_idx ON processed_webhooks (received_at);
