-- Customers' refund requests, reviewed by customer service, and the
-- notices that tell customers each decision and result.

CREATE TABLE refund_requests (
    id                INTEGER PRIMARY KEY,
    request_no        TEXT    NOT NULL UNIQUE,
    order_id          INTEGER NOT NULL REFERENCES orders (id),
    user_id           INTEGER NOT NULL REFERENCES users (id),
    amount            INTEGER NOT NULL CHECK (amount > 0),
    currency          TEXT    NOT NULL,
    reason            TEXT    NOT NULL,
    details           TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL,
    prev_order_status TEXT    NOT NULL,
    -- The number of the request's latest gateway refund ({request_no}-{attempt}),
    -- written before the gateway is called and raised only by a support retry.
    attempt           INTEGER NOT NULL DEFAULT 0,
    decided_by_id     INTEGER REFERENCES users (id),
    decided_by        TEXT    NOT NULL DEFAULT '',
    decision_note     TEXT    NOT NULL DEFAULT '',
    decided_at        INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- One open request per order, whatever the callers do.
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id)
    WHERE status IN ('pending_review', 'refunding', 'refund_failed');
CREATE INDEX refund_requests_status_idx ON refund_requests (status, created_at);

ALTER TABLE refunds ADD COLUMN request_id INTEGER REFERENCES refund_requests (id);
-- A failed refund that support retried as a new one.
ALTER TABLE refunds ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;

CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    request_id INTEGER REFERENCES refund_requests (id),
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    link       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notices_user_idx ON notices (user_id, id);
CREATE INDEX notices_unread_idx ON notices (user_id) WHERE read_at IS NULL;
