-- Times are unix milliseconds (UTC); money is integer fen.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'support')),
    password_hash BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    price       INTEGER NOT NULL CHECK (price > 0),
    currency    TEXT    NOT NULL DEFAULT 'CNY',
    active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    order_no        TEXT    NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    status          TEXT    NOT NULL,
    total           INTEGER NOT NULL CHECK (total > 0),
    currency        TEXT    NOT NULL,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    contact_name    TEXT    NOT NULL,
    contact_email   TEXT    NOT NULL,
    contact_phone   TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    city            TEXT    NOT NULL,
    postal_code     TEXT    NOT NULL,
    paid_attempt_id INTEGER,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    paid_at         INTEGER,
    closed_at       INTEGER,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at);
CREATE INDEX orders_status_idx ON orders (status, expires_at);

CREATE TABLE order_items (
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    line       INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name       TEXT    NOT NULL,
    unit_price INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line)
);

CREATE TABLE payment_attempts (
    id                 INTEGER PRIMARY KEY,
    order_id           INTEGER NOT NULL REFERENCES orders (id),
    n                  INTEGER NOT NULL,
    out_trade_no       TEXT    NOT NULL UNIQUE,
    method             TEXT    NOT NULL,
    amount             INTEGER NOT NULL,
    currency           TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    payment_id         TEXT UNIQUE,
    pay_url            TEXT    NOT NULL DEFAULT '',
    qr_code_url        TEXT    NOT NULL DEFAULT '',
    last_error_code    TEXT    NOT NULL DEFAULT '',
    last_error_message TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (order_id, n)
);
CREATE INDEX attempts_status_idx ON payment_attempts (status, created_at);

CREATE TABLE refunds (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders (id),
    attempt_id        INTEGER NOT NULL REFERENCES payment_attempts (id),
    kind              TEXT    NOT NULL CHECK (kind IN ('auto', 'request')),
    out_refund_no     TEXT    NOT NULL UNIQUE,
    amount            INTEGER NOT NULL CHECK (amount > 0),
    currency          TEXT    NOT NULL,
    reason            TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    gateway_refund_id TEXT UNIQUE,
    failure_code      TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX refunds_status_idx ON refunds (status, created_at);

CREATE TABLE timeline (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    flagged    INTEGER NOT NULL DEFAULT 0,
    webhook_id TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX timeline_order_idx ON timeline (order_id, id);

-- A webhook-id is recorded in the transaction that applied it, and only for
-- answers that were 2xx, so a retry of a refused delivery is still applied.
CREATE TABLE processed_webhooks (
    webhook_id  TEXT PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders (id),
    received_at INTEGER NOT NULL
);

-- Sessions are keyed by an HMAC of the token with SESSION_SECRET: a copy of
-- the database holds no usable token, and a new secret ends every session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    data       BLOB    NOT NULL,
    expiry     INTEGER NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
