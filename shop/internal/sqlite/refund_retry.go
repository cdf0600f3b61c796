package sqlite

import (
	"context"
	"fmt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// RetryRefund records a support user's retry of a failed refund and writes
// its replacement (status creating, a new out_refund_no) in one
// transaction; the caller then creates it at the gateway. The failed refund
// is marked retried, so a second click finds nothing to retry. Errors:
// ENOTFOUND, EINVALID (note), ECONFLICT (not failed, or retried already).
func (d *DB) RetryRefund(ctx context.Context, outRefundNo string, support *shop.User, note string) (*shop.Refund, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: retry refund: %w", err)
	}
	defer tx.Rollback()
	t, err := findRefundTarget(ctx, tx, `r.out_refund_no = ?`, outRefundNo)
	if err != nil {
		return nil, err
	}
	o, req, err := refundOrder(ctx, tx, &t.Refund)
	if err != nil {
		return nil, err
	}
	var n int
	if req == nil {
		// Automatic refunds of one payment are numbered in order.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM refunds WHERE attempt_id = ? AND kind = ?`, t.Refund.AttemptID, shop.RefundAuto).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite: retry refund: %w", err)
		}
		n++
	}
	now := d.now()
	rv, err := shop.RetryRefund(o, &t.Refund, req, n, shop.ActorSupport(support.Name), note, now)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refunds SET retried = 1, updated_at = ? WHERE id = ?`, ms(now), t.Refund.ID); err != nil {
		return nil, fmt.Errorf("sqlite: retry refund: %w", err)
	}
	if req != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE refund_requests SET status = ?, attempt = ?, updated_at = ? WHERE id = ?`,
			rv.RequestStatus, rv.Attempt, ms(now), req.ID); err != nil {
			return nil, fmt.Errorf("sqlite: retry refund: %w", err)
		}
	}
	if err := writeReview(ctx, tx, o, rv, now); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: retry refund: %w", err)
	}
	return rv.Refund, nil
}
