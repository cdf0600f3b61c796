package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// Applied tells the caller what applying gateway facts did.
type Applied struct {
	OrderID int64
	OrderNo string
	// Duplicate: the webhook-id was already recorded; nothing changed.
	Duplicate bool
	// Changed: the order, attempt or refund changed.
	Changed bool
	// RefundQueued: an automatic refund waits to be created at the gateway.
	RefundQueued bool
	OrderStatus  string
}

// seenWebhook reports whether a webhook-id is already recorded; a duplicate
// leaves a note on the timeline so QA can see it arrived and was ignored.
func seenWebhook(ctx context.Context, tx querier, src shop.Source, eventType string, at int64) (bool, int64, error) {
	if src.WebhookID == "" {
		return false, 0, nil
	}
	var orderID *int64
	err := tx.QueryRowContext(ctx, `SELECT order_id FROM processed_webhooks WHERE webhook_id = ?`, src.WebhookID).Scan(&orderID)
	if err != nil {
		if isNoRows(err) {
			return false, 0, nil
		}
		return false, 0, fmt.Errorf("sqlite: webhook dedupe: %w", err)
	}
	if orderID != nil {
		if err := addEntries(ctx, tx, shop.DuplicateEntry(*orderID, src, eventType, fromMS(at))); err != nil {
			return false, 0, err
		}
		return true, *orderID, nil
	}
	return true, 0, nil
}

// beginApply opens the transaction that applies a gateway message. A
// webhook-id applied before is answered at once: the duplicate is noted on
// the timeline, committed, and returned as dup (tx is then nil).
func (d *DB) beginApply(ctx context.Context, src shop.Source, eventType string) (tx *writeTx, now time.Time, dup *Applied, err error) {
	tx, err = d.beginWrite(ctx)
	if err != nil {
		return nil, now, nil, fmt.Errorf("sqlite: apply %s: %w", eventType, err)
	}
	now = d.now()
	seen, orderID, err := seenWebhook(ctx, tx, src, eventType, ms(now))
	if err == nil && seen {
		dup, err = &Applied{OrderID: orderID, Duplicate: true}, tx.Commit()
	}
	if err != nil || dup != nil {
		_ = tx.Rollback()
		return nil, now, dup, err
	}
	return tx, now, nil, nil
}

func recordWebhook(ctx context.Context, tx querier, src shop.Source, eventType string, orderID any, at int64) error {
	if src.WebhookID == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO processed_webhooks (webhook_id, event_type, order_id, received_at) VALUES (?, ?, ?, ?)`,
		src.WebhookID, eventType, orderID, at); err != nil {
		return fmt.Errorf("sqlite: record webhook: %w", err)
	}
	return nil
}

// RecordIrrelevant records the webhook-id of a valid notification about
// nothing of ours (another integrator on the same merchant), so its retries
// are answered as duplicates.
func (d *DB) RecordIrrelevant(ctx context.Context, src shop.Source, eventType string) error {
	_, err := d.exec(ctx, `INSERT OR IGNORE INTO processed_webhooks (webhook_id, event_type, order_id, received_at) VALUES (?, ?, NULL, ?)`,
		src.WebhookID, eventType, ms(d.now()))
	if err != nil {
		return fmt.Errorf("sqlite: record webhook: %w", err)
	}
	return nil
}

// ApplyPayment applies what the gateway says about a payment, exactly the
// same way for a notification, the reconciler and the return page: one
// transaction that checks the webhook-id, decides with the domain rules,
// updates attempt and order, queues an automatic refund when needed, writes
// the timeline and records the webhook-id. Errors: ENOTFOUND when no attempt
// has the out_trade_no (the id is not recorded); EMISMATCH when the facts do
// not match our records (a flagged entry is committed, the id is not
// recorded, so a correct retry still applies).
func (d *DB) ApplyPayment(ctx context.Context, f shop.PaymentFacts, merchantID string, src shop.Source) (*Applied, error) {
	tx, now, dup, err := d.beginApply(ctx, src, f.EventType)
	if err != nil || dup != nil {
		return dup, err
	}
	defer tx.Rollback()
	a, err := findAttempt(ctx, tx, `out_trade_no = ?`, f.OutTradeNo)
	if err != nil {
		return nil, err
	}
	o, err := findOrder(ctx, tx, `id = ?`, a.OrderID)
	if err != nil {
		return nil, err
	}
	dec := shop.DecidePayment(*o, *a, f, merchantID, src, now)
	out := &Applied{OrderID: o.ID, OrderNo: o.No, Changed: dec.Changed()}
	if !dec.Mismatch.IsZero() {
		if err := addEntries(ctx, tx, dec.Entries...); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("sqlite: apply payment: %w", err)
		}
		return out, &shop.Error{Code: shop.EMISMATCH, Message: dec.Mismatch}
	}
	status := a.Status
	if dec.AttemptStatus != "" {
		status = dec.AttemptStatus
	}
	code, msg := a.LastErrorCode, a.LastErrorMessage
	if dec.RecordError {
		code, msg = f.ErrorCode, f.ErrorMessage
	}
	// The links are filled from any message that carries them: the create
	// answer that would have brought them may have been lost.
	if _, err := tx.ExecContext(ctx, `UPDATE payment_attempts SET status = ?, payment_id = COALESCE(payment_id, ?), last_error_code = ?,
		last_error_message = ?, pay_url = COALESCE(NULLIF(?, ''), pay_url), qr_code_url = COALESCE(NULLIF(?, ''), qr_code_url), updated_at = ?
		WHERE id = ?`, status, f.PaymentID, code, msg, f.PayURL, f.QRCodeURL, ms(now), a.ID); err != nil {
		return nil, fmt.Errorf("sqlite: apply payment: %w", err)
	}
	if dec.OrderStatus != "" {
		if err := setOrderStatus(ctx, tx, o, dec.OrderStatus, now); err != nil {
			return nil, err
		}
	}
	if dec.MarkPaid {
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET paid_attempt_id = ?, paid_at = ? WHERE id = ?`, a.ID, ms(now), o.ID); err != nil {
			return nil, fmt.Errorf("sqlite: apply payment: %w", err)
		}
	}
	if dec.AutoRefund {
		if _, err := tx.ExecContext(ctx, `INSERT INTO refunds (order_id, attempt_id, kind, out_refund_no, amount, currency, reason, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (out_refund_no) DO NOTHING`,
			o.ID, a.ID, shop.RefundAuto, shop.AutoRefundNo(a.OutTradeNo), a.Amount, a.Currency, dec.AutoRefundReason, shop.RefundCreating, ms(now), ms(now)); err != nil {
			return nil, fmt.Errorf("sqlite: queue refund: %w", err)
		}
		out.RefundQueued = true
	}
	if err := addEntries(ctx, tx, dec.Entries...); err != nil {
		return nil, err
	}
	if err := recordWebhook(ctx, tx, src, f.EventType, o.ID, ms(now)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: apply payment: %w", err)
	}
	out.OrderStatus = o.Status
	return out, nil
}

// NoteUnverified adds a flagged, support-only entry (shop.UnverifiedEntry)
// to the order a refused (unverifiable) notification names, so QA sees in
// the back office that one came and why (a shop.Unverified* reason) it was
// refused. Anyone can send such a message, so nothing of it is written,
// customers never see the entry, and an order gets at most one such note
// per shop.UnverifiedNoteEvery. A message naming nothing of ours, or an
// order noted a moment ago, is settled by reading alone: only a note that
// is due takes the write lock.
func (d *DB) NoteUnverified(ctx context.Context, outTradeNo, outRefundNo, why string) error {
	if _, due, err := unverifiedDue(ctx, d.db, outTradeNo, outRefundNo, d.now()); err != nil || !due {
		return err
	}
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: note unverified: %w", err)
	}
	defer tx.Rollback()
	// Again under the lock: another note may have been written meanwhile.
	now := d.now()
	orderID, due, err := unverifiedDue(ctx, tx, outTradeNo, outRefundNo, now)
	if err != nil || !due {
		return err
	}
	if err := addEntries(ctx, tx, shop.UnverifiedEntry(orderID, why, now)); err != nil {
		return err
	}
	return tx.Commit()
}

// unverifiedDue finds the order a refused notification names and whether
// a note about it is due at now (none in the last shop.UnverifiedNoteEvery).
func unverifiedDue(ctx context.Context, q querier, outTradeNo, outRefundNo string, now time.Time) (orderID int64, due bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT order_id FROM payment_attempts WHERE out_trade_no = ?
		UNION ALL SELECT order_id FROM refunds WHERE out_refund_no = ? LIMIT 1`, outTradeNo, outRefundNo).Scan(&orderID)
	if isNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: note unverified: %w", err)
	}
	var recent int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM timeline WHERE order_id = ? AND kind = ? AND internal = 1 AND at > ?`,
		orderID, shop.KindNotificationRejected, ms(now.Add(-shop.UnverifiedNoteEvery))).Scan(&recent); err != nil {
		return 0, false, fmt.Errorf("sqlite: note unverified: %w", err)
	}
	return orderID, recent == 0, nil
}
