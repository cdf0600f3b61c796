-- A payment attempt being created is held by one request at a time: the one
-- calling the gateway's create, or the one settling the attempt (looking it
-- up and closing it as never created). lease_until bounds the hold, so a
-- crashed request never wedges the order (docs/shop.md, "Two requests, one
-- attempt").
ALTER TABLE payment_attempts ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_attempts ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
