-- A refund written by a support decision (handoff = 1) is sent by the request
-- that made the decision; the reconciler takes it over only once it is older
-- than RECONCILE_AFTER, so the two do not race to send it. Automatic refunds
-- (0) are the reconciler's at once.
ALTER TABLE refunds ADD COLUMN handoff INTEGER NOT NULL DEFAULT 0;
