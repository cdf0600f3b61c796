package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// The reconciler's lists. Each returns at most limit rows, the least
// recently checked first, and stamps them checked now in the same
// transaction: a row the reconciler cannot settle (the gateway keeps
// failing for it) goes to the back of the line, so every pass makes
// progress however many such rows there are.

// StaleAttempts returns open attempts created before the given time: the
// ones whose notification may have been lost.
func (d *DB) StaleAttempts(ctx context.Context, before time.Time, limit int) ([]shop.Attempt, error) {
	return claim(ctx, d, "payment_attempts", func(a shop.Attempt) int64 { return a.ID }, func(q querier, _ time.Time) ([]shop.Attempt, error) {
		return listAttempts(ctx, q, `status IN (?, ?) AND created_at <= ? ORDER BY checked_at, created_at, id LIMIT ?`,
			shop.AttemptCreating, shop.AttemptPending, ms(before), limit)
	})
}

// ExpiredOrders returns orders still awaiting payment at their expiry.
func (d *DB) ExpiredOrders(ctx context.Context, limit int) ([]shop.Order, error) {
	return claim(ctx, d, "orders", func(o shop.Order) int64 { return o.ID }, func(q querier, now time.Time) ([]shop.Order, error) {
		return listOrders(ctx, q, `status = ? AND expires_at <= ? ORDER BY checked_at, expires_at, id LIMIT ?`, shop.OrderPendingPayment, ms(now), limit)
	})
}

// RefundsToCreate returns refunds written but not yet accepted by the
// gateway that are the reconciler's to send: automatic ones at once; those
// of a support decision, which the deciding request sends itself, once they
// were written before handoffBefore.
func (d *DB) RefundsToCreate(ctx context.Context, handoffBefore time.Time, limit int) ([]shop.Refund, error) {
	return claim(ctx, d, "refunds", func(r shop.Refund) int64 { return r.ID }, func(q querier, _ time.Time) ([]shop.Refund, error) {
		return listRefunds(ctx, q, `status = ? AND (handoff = 0 OR updated_at <= ?) ORDER BY checked_at, id LIMIT ?`,
			shop.RefundCreating, ms(handoffBefore), limit)
	})
}

// StaleRefunds returns refunds pending at the gateway since before the given
// time: their notification may have been lost.
func (d *DB) StaleRefunds(ctx context.Context, before time.Time, limit int) ([]shop.Refund, error) {
	return claim(ctx, d, "refunds", func(r shop.Refund) int64 { return r.ID }, func(q querier, _ time.Time) ([]shop.Refund, error) {
		return listRefunds(ctx, q, `status = ? AND updated_at <= ? ORDER BY checked_at, updated_at, id LIMIT ?`, shop.RefundPending, ms(before), limit)
	})
}

// PruneWebhooks forgets at most limit processed webhook-ids received
// before the given time, the oldest first, and returns how many it forgot.
// Their retries have long stopped: a webhook-id is kept only so that a
// retry is answered as a duplicate. When nothing is that old it only reads.
func (d *DB) PruneWebhooks(ctx context.Context, before time.Time, limit int) (int64, error) {
	var one int
	err := d.db.QueryRowContext(ctx, `SELECT 1 FROM processed_webhooks WHERE received_at < ? LIMIT 1`, ms(before)).Scan(&one)
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune webhooks: %w", err)
	}
	res, err := d.exec(ctx, `DELETE FROM processed_webhooks WHERE webhook_id IN
		(SELECT webhook_id FROM processed_webhooks WHERE received_at < ? ORDER BY received_at LIMIT ?)`, ms(before), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune webhooks: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// claim lists rows of table with list in one transaction and stamps them
// checked at the store's now.
func claim[T any](ctx context.Context, d *DB, table string, id func(T) int64, list func(q querier, now time.Time) ([]T, error)) ([]T, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s to check: %w", table, err)
	}
	defer tx.Rollback()
	now := d.now()
	items, err := list(tx, now)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET checked_at = ? WHERE id = ?`, ms(now), id(it)); err != nil {
			return nil, fmt.Errorf("sqlite: stamp %s checked: %w", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: list %s to check: %w", table, err)
	}
	return items, nil
}
