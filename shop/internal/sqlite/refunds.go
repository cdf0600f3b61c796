package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// refundColumns lists a refund's columns under a table alias; refundDest
// scans them.
func refundColumns(p string) string {
	return columnList(p, "id", "order_id", "attempt_id", "kind", "out_refund_no", "amount", "currency", "reason", "status",
		"COALESCE(%sgateway_refund_id, '')", "failure_code", "COALESCE(%srequest_id, 0)", "retried", "created_at", "updated_at")
}

var refundCols = refundColumns("")

// refundDest returns the scan destinations of refundColumns and a function
// that finishes the refund once scanned.
func refundDest(r *shop.Refund) ([]any, func()) {
	var created, updated int64
	return []any{&r.ID, &r.OrderID, &r.AttemptID, &r.Kind, &r.OutRefundNo, &r.Amount, &r.Currency, &r.Reason, &r.Status,
			&r.GatewayRefundID, &r.FailureCode, &r.RequestID, &r.Retried, &created, &updated},
		func() { r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated) }
}

func scanRefund(row interface{ Scan(...any) error }) (*shop.Refund, error) {
	var r shop.Refund
	dest, done := refundDest(&r)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	done()
	return &r, nil
}

func listRefunds(ctx context.Context, q querier, where string, args ...any) ([]shop.Refund, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list refunds: %w", err)
	}
	defer rows.Close()
	var out []shop.Refund
	for rows.Next() {
		r, err := scanRefund(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list refunds: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Refunds returns the refunds of an order, oldest first.
func (d *DB) Refunds(ctx context.Context, orderID int64) ([]shop.Refund, error) {
	return listRefunds(ctx, d.db, `order_id = ? ORDER BY id`, orderID)
}

// RefundTarget is the payment a refund returns money from.
type RefundTarget struct {
	Refund    shop.Refund
	PaymentID string
}

// FindRefundTarget returns a refund with its attempt's payment id. Errors:
// ENOTFOUND.
func (d *DB) FindRefundTarget(ctx context.Context, refundID int64) (*RefundTarget, error) {
	return findRefundTarget(ctx, d.db, `r.id = ?`, refundID)
}

func findRefundTarget(ctx context.Context, q querier, where string, args ...any) (*RefundTarget, error) {
	row := q.QueryRowContext(ctx, `SELECT `+refundColumns("r.")+`, COALESCE(a.payment_id, '')
		FROM refunds r JOIN payment_attempts a ON a.id = r.attempt_id WHERE `+where, args...)
	var t RefundTarget
	dest, done := refundDest(&t.Refund)
	if err := row.Scan(append(dest, &t.PaymentID)...); err != nil {
		return nil, notFound(err, shop.WhatRefund)
	}
	done()
	return &t, nil
}

// RefundCreated records that the gateway accepted a refund.
func (d *DB) RefundCreated(ctx context.Context, refundID int64, gatewayID, actor string) error {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: refund created: %w", err)
	}
	defer tx.Rollback()
	t, err := findRefundTarget(ctx, tx, `r.id = ?`, refundID)
	if err != nil {
		return err
	}
	if t.Refund.Status != shop.RefundCreating {
		return nil
	}
	now := d.now()
	if _, err := tx.ExecContext(ctx, `UPDATE refunds SET status = ?, gateway_refund_id = ?, updated_at = ? WHERE id = ?`,
		shop.RefundPending, gatewayID, ms(now), refundID); err != nil {
		return fmt.Errorf("sqlite: refund created: %w", err)
	}
	if err := addEntries(ctx, tx, shop.RefundSentEntry(&t.Refund, gatewayID, actor, now)); err != nil {
		return err
	}
	return tx.Commit()
}

// ApplyRefund applies what the gateway says about a refund, in one
// transaction with the webhook-id, like ApplyPayment. Errors: ENOTFOUND for
// a refund that is not ours; EMISMATCH as for payments.
func (d *DB) ApplyRefund(ctx context.Context, f shop.RefundFacts, merchantID string, src shop.Source) (*Applied, error) {
	tx, now, dup, err := d.beginApply(ctx, src, f.EventType)
	if err != nil || dup != nil {
		return dup, err
	}
	defer tx.Rollback()
	t, err := findRefundTarget(ctx, tx, `r.out_refund_no = ?`, f.OutRefundNo)
	if err != nil {
		return nil, err
	}
	o, req, err := refundOrder(ctx, tx, &t.Refund)
	if err != nil {
		return nil, err
	}
	dec := shop.DecideRefund(*o, t.Refund, req, t.PaymentID, f, merchantID, src, now)
	out := &Applied{OrderID: o.ID, OrderNo: o.No, Changed: dec.Changed()}
	if !dec.Mismatch.IsZero() {
		if err := addEntries(ctx, tx, dec.Entries...); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("sqlite: apply refund: %w", err)
		}
		return out, &shop.Error{Code: shop.EMISMATCH, Message: dec.Mismatch}
	}
	if err := applyRefundDecision(ctx, tx, o, &t.Refund, req, dec, f.RefundID, f.FailureCode, now); err != nil {
		return nil, err
	}
	if err := recordWebhook(ctx, tx, src, f.EventType, o.ID, ms(now)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: apply refund: %w", err)
	}
	out.OrderStatus = o.Status
	return out, nil
}

// refundRequestOf returns the request a refund belongs to, nil for an
// automatic refund.
// refundOrder loads what a refund decision needs besides the refund: its
// order and, unless it is automatic, the customer's request.
func refundOrder(ctx context.Context, q querier, r *shop.Refund) (*shop.Order, *shop.RefundRequest, error) {
	o, err := findOrder(ctx, q, `id = ?`, r.OrderID)
	if err != nil {
		return nil, nil, err
	}
	req, err := refundRequestOf(ctx, q, r)
	if err != nil {
		return nil, nil, err
	}
	return o, req, nil
}

func refundRequestOf(ctx context.Context, q querier, r *shop.Refund) (*shop.RefundRequest, error) {
	if r.RequestID == 0 {
		return nil, nil
	}
	return findRequest(ctx, q, `id = ?`, r.RequestID)
}

// applyRefundDecision writes a refund decision: the refund, its request,
// the order's state and refunded amount, the timeline and the customer's
// notice.
func applyRefundDecision(ctx context.Context, tx querier, o *shop.Order, r *shop.Refund, req *shop.RefundRequest, dec shop.RefundDecision,
	gatewayID, failureCode string, now time.Time) error {
	if dec.RefundStatus != "" {
		var gid any
		if gatewayID != "" {
			gid = gatewayID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refunds SET status = ?, gateway_refund_id = COALESCE(gateway_refund_id, ?), failure_code = ?, updated_at = ? WHERE id = ?`,
			dec.RefundStatus, gid, failureCode, ms(now), r.ID); err != nil {
			return fmt.Errorf("sqlite: apply refund: %w", err)
		}
	}
	if dec.RequestStatus != "" && req != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE refund_requests SET status = ?, updated_at = ? WHERE id = ?`, dec.RequestStatus, ms(now), req.ID); err != nil {
			return fmt.Errorf("sqlite: apply refund: %w", err)
		}
	}
	if dec.AddRefunded != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ?`,
			dec.AddRefunded, ms(now), o.ID); err != nil {
			return fmt.Errorf("sqlite: apply refund: %w", err)
		}
		o.RefundedAmount += dec.AddRefunded
	}
	if dec.OrderStatus != "" {
		if err := setOrderStatus(ctx, tx, o, dec.OrderStatus, now); err != nil {
			return err
		}
	}
	if err := addEntries(ctx, tx, dec.Entries...); err != nil {
		return err
	}
	return addNotice(ctx, tx, dec.Notice)
}

// RefundRefused records that the gateway refused to create a refund for good
// (e.g. payment_not_refundable): it is failed and flagged for support.
func (d *DB) RefundRefused(ctx context.Context, refundID int64, code, message, actor string) error {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: refund refused: %w", err)
	}
	defer tx.Rollback()
	t, err := findRefundTarget(ctx, tx, `r.id = ?`, refundID)
	if err != nil {
		return err
	}
	if t.Refund.Status != shop.RefundCreating {
		return nil
	}
	o, req, err := refundOrder(ctx, tx, &t.Refund)
	if err != nil {
		return err
	}
	now := d.now()
	dec := shop.RefundRefused(*o, t.Refund, req, code, message, actor, now)
	if err := applyRefundDecision(ctx, tx, o, &t.Refund, req, dec, "", code, now); err != nil {
		return err
	}
	return tx.Commit()
}

// RefundMissing records that the gateway has no record of a refund it had
// accepted (its state was reset): the refund failed, like a refund.failed,
// and is flagged for support. A settled refund is left as it is.
func (d *DB) RefundMissing(ctx context.Context, refundID int64, actor string) error {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: refund missing: %w", err)
	}
	defer tx.Rollback()
	t, err := findRefundTarget(ctx, tx, `r.id = ?`, refundID)
	if err != nil {
		return err
	}
	if t.Refund.Status != shop.RefundCreating && t.Refund.Status != shop.RefundPending {
		return nil
	}
	o, req, err := refundOrder(ctx, tx, &t.Refund)
	if err != nil {
		return err
	}
	now := d.now()
	dec := shop.RefundMissing(*o, t.Refund, req, actor, now)
	if err := applyRefundDecision(ctx, tx, o, &t.Refund, req, dec, "", shop.CodeRefundMissing, now); err != nil {
		return err
	}
	return tx.Commit()
}
