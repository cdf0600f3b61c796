-- Timeline entries and customer notices are stored as a catalogue key with
-- its arguments (JSON), so each reader sees them in their own language
-- (docs/i18n.md). message keeps the English text as well: rows written
-- before this migration have only that, and are shown as they are.
ALTER TABLE timeline ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE timeline ADD COLUMN message_args TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN message_key TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN message_args TEXT NOT NULL DEFAULT '';

-- The customer's language when the attempt was opened: its gateway payment
-- is created with it (the cashier speaks it), and a repeated create must
-- send the same body.
ALTER TABLE payment_attempts ADD COLUMN locale TEXT NOT NULL DEFAULT '';
