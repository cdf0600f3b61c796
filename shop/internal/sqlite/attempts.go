package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

const attemptCols = `id, order_id, n, out_trade_no, method, amount, currency, status, COALESCE(payment_id, ''), pay_url, qr_code_url,
	last_error_code, last_error_message, lease_token, lease_until, locale, created_at, expires_at, updated_at`

func scanAttempt(row interface{ Scan(...any) error }) (*shop.Attempt, error) {
	var a shop.Attempt
	var leaseUntil, created, expires, updated int64
	if err := row.Scan(&a.ID, &a.OrderID, &a.N, &a.OutTradeNo, &a.Method, &a.Amount, &a.Currency, &a.Status, &a.PaymentID, &a.PayURL, &a.QRCodeURL,
		&a.LastErrorCode, &a.LastErrorMessage, &a.Lease, &leaseUntil, &a.Locale, &created, &expires, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.ExpiresAt, a.UpdatedAt = fromMS(created), fromMS(expires), fromMS(updated)
	if leaseUntil != 0 {
		a.LeaseUntil = fromMS(leaseUntil)
	}
	return &a, nil
}

func findAttempt(ctx context.Context, q querier, where string, args ...any) (*shop.Attempt, error) {
	a, err := scanAttempt(q.QueryRowContext(ctx, `SELECT `+attemptCols+` FROM payment_attempts WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err, shop.WhatAttempt)
	}
	return a, nil
}

func listAttempts(ctx context.Context, q querier, where string, args ...any) ([]shop.Attempt, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attemptCols+` FROM payment_attempts WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list attempts: %w", err)
	}
	defer rows.Close()
	var out []shop.Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list attempts: %w", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// Attempts returns the payment attempts of an order, first first.
func (d *DB) Attempts(ctx context.Context, orderID int64) ([]shop.Attempt, error) {
	return listAttempts(ctx, d.db, `order_id = ? ORDER BY n`, orderID)
}

// FindAttempt returns attempt n of an order. Errors: ENOTFOUND.
func (d *DB) FindAttempt(ctx context.Context, orderID int64, n int) (*shop.Attempt, error) {
	return findAttempt(ctx, d.db, `order_id = ? AND n = ?`, orderID, n)
}

// FindAttemptByID returns an attempt by its id. Errors: ENOTFOUND.
func (d *DB) FindAttemptByID(ctx context.Context, id int64) (*shop.Attempt, error) {
	return findAttempt(ctx, d.db, `id = ?`, id)
}

// FindAttemptByOutTradeNo returns an attempt by its gateway number. Errors:
// ENOTFOUND.
func (d *DB) FindAttemptByOutTradeNo(ctx context.Context, outTradeNo string) (*shop.Attempt, error) {
	return findAttempt(ctx, d.db, `out_trade_no = ?`, outTradeNo)
}

// Lease is a request's hold on an attempt being created (shop.Attempt.Lease):
// a random token and the time it runs out.
type Lease struct {
	Token string
	Until time.Time
}

// AttemptPlan is what StartAttempt decided; exactly one of Attempt, Close
// and Wait is set.
type AttemptPlan struct {
	// Attempt is the attempt to pay: an open one reused (pending), or one
	// in status creating that the caller now holds (Create) and must create
	// at the gateway.
	Attempt *shop.Attempt
	Create  bool
	// Close is an open attempt with another method that must be settled at
	// the gateway before a new attempt may be opened. When it is still
	// being created, the caller holds it.
	Close *shop.Attempt
	// Wait is an attempt that another request holds (it is creating or
	// settling it): wait until it is released, then decide again.
	Wait  *shop.Attempt
	Order *shop.Order
}

// StartAttempt decides, in one transaction, which attempt pays an order with
// method: the open attempt when it has that method (a retry after a decline),
// otherwise a new attempt n+1, but only once no other attempt is open. An
// attempt being created that nobody holds is taken with lease (to create it,
// or to settle it before switching method); one that another request holds
// is to be waited for. A new attempt is written held by lease. Errors:
// ENOTFOUND (not the user's order), ECONFLICT (not awaiting payment or
// expired).
func (d *DB) StartAttempt(ctx context.Context, orderNo string, userID int64, method, locale, actor string, lease Lease) (*AttemptPlan, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: start attempt: %w", err)
	}
	defer tx.Rollback()
	now := d.now()
	o, err := findOrder(ctx, tx, `order_no = ? AND user_id = ?`, orderNo, userID)
	if err != nil {
		return nil, err
	}
	if err := shop.CheckPayable(o, now); err != nil {
		return nil, err
	}
	open, err := listAttempts(ctx, tx, `order_id = ? AND status IN (?, ?) ORDER BY n DESC`, o.ID, shop.AttemptCreating, shop.AttemptPending)
	if err != nil {
		return nil, err
	}
	for i := range open {
		if open[i].Leased(now) {
			return &AttemptPlan{Wait: &open[i], Order: o}, nil
		}
	}
	var same *shop.Attempt
	for i := range open {
		if open[i].Method == method {
			same = &open[i]
			break
		}
	}
	plan := &AttemptPlan{Order: o}
	switch {
	case same != nil && same.Status == shop.AttemptPending:
		plan.Attempt = same
		return plan, nil
	case same != nil:
		plan.Attempt, plan.Create = same, true
	case len(open) > 0 && open[0].Status == shop.AttemptPending:
		plan.Close = &open[0]
		return plan, nil
	case len(open) > 0:
		plan.Close = &open[0]
	default:
		if plan.Attempt, err = insertAttempt(ctx, tx, o, method, locale, actor, now); err != nil {
			return nil, err
		}
		plan.Create = true
	}
	held := plan.Attempt
	if held == nil {
		held = plan.Close
	}
	if err := holdAttempt(ctx, tx, held, lease); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: start attempt: %w", err)
	}
	return plan, nil
}

// insertAttempt writes attempt n+1 of order o, creating, with its timeline
// entry.
func insertAttempt(ctx context.Context, tx querier, o *shop.Order, method, locale, actor string, now time.Time) (*shop.Attempt, error) {
	var last int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(n), 0) FROM payment_attempts WHERE order_id = ?`, o.ID).Scan(&last); err != nil {
		return nil, fmt.Errorf("sqlite: start attempt: %w", err)
	}
	a := &shop.Attempt{OrderID: o.ID, N: last + 1, OutTradeNo: shop.OutTradeNo(o.No, last+1), Method: method, Amount: o.Total,
		Currency: o.Currency, Status: shop.AttemptCreating, Locale: locale, CreatedAt: now, ExpiresAt: o.ExpiresAt, UpdatedAt: now}
	res, err := tx.ExecContext(ctx, `INSERT INTO payment_attempts (order_id, n, out_trade_no, method, amount, currency, status, locale, created_at, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.OrderID, a.N, a.OutTradeNo, a.Method, a.Amount, a.Currency, a.Status, a.Locale, ms(now), ms(a.ExpiresAt), ms(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: start attempt: %w", err)
	}
	a.ID, _ = res.LastInsertId()
	if err := addEntries(ctx, tx, shop.OpenedEntry(o, a, actor, now)); err != nil {
		return nil, err
	}
	return a, nil
}

// holdAttempt gives attempt a to lease (a's fields follow); a lease
// without a token holds nothing.
func holdAttempt(ctx context.Context, tx querier, a *shop.Attempt, lease Lease) error {
	var until int64
	if lease.Token != "" {
		until = ms(lease.Until)
	} else {
		lease.Until = time.Time{}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payment_attempts SET lease_token = ?, lease_until = ? WHERE id = ?`,
		lease.Token, until, a.ID); err != nil {
		return fmt.Errorf("sqlite: hold attempt: %w", err)
	}
	a.Lease, a.LeaseUntil = lease.Token, lease.Until
	return nil
}

// HoldAttempt takes an attempt being created with lease, unless another
// request holds it; held reports whether the caller holds it now. An
// attempt that is no longer being created needs no hold: it is returned as
// it is, held. The attempt is returned as it is now.
func (d *DB) HoldAttempt(ctx context.Context, attemptID int64, lease Lease) (a *shop.Attempt, held bool, err error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: hold attempt: %w", err)
	}
	defer tx.Rollback()
	if a, err = findAttempt(ctx, tx, `id = ?`, attemptID); err != nil {
		return nil, false, err
	}
	if a.Status != shop.AttemptCreating {
		return a, true, nil
	}
	if a.Leased(d.now()) && a.Lease != lease.Token {
		return a, false, nil
	}
	if err := holdAttempt(ctx, tx, a, lease); err != nil {
		return nil, false, err
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("sqlite: hold attempt: %w", err)
	}
	return a, true, nil
}

// ReleaseAttempt ends lease's hold on an attempt, if it still holds it, so
// another request need not wait for it to run out.
func (d *DB) ReleaseAttempt(ctx context.Context, attemptID int64, token string) error {
	if token == "" {
		return nil
	}
	if _, err := d.exec(ctx, `UPDATE payment_attempts SET lease_token = '', lease_until = 0 WHERE id = ? AND lease_token = ?`,
		attemptID, token); err != nil {
		return fmt.Errorf("sqlite: release attempt: %w", err)
	}
	return nil
}

// GatewayPayment is what the gateway answered to a create call.
type GatewayPayment struct {
	PaymentID string
	PayURL    string
	QRCodeURL string
	ExpiresAt time.Time
}

// AttemptCreated records the gateway payment of an attempt. A notification
// may have overtaken the answer, so only a still-creating attempt becomes
// pending; the payment's id and links are kept in every case. An attempt
// closed here meanwhile (a cancel or the expiry found no payment while the
// create call was on its way) stays closed, and the timeline says that its
// payment exists after all: the caller must close it at the gateway.
func (d *DB) AttemptCreated(ctx context.Context, attemptID int64, p GatewayPayment) (*shop.Attempt, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: attempt created: %w", err)
	}
	defer tx.Rollback()
	now := d.now()
	if _, err := tx.ExecContext(ctx, `UPDATE payment_attempts SET payment_id = ?, pay_url = ?, qr_code_url = ?, expires_at = ?,
		status = CASE status WHEN ? THEN ? ELSE status END, lease_token = '', lease_until = 0, updated_at = ? WHERE id = ?`,
		p.PaymentID, p.PayURL, p.QRCodeURL, ms(p.ExpiresAt), shop.AttemptCreating, shop.AttemptPending, ms(now), attemptID); err != nil {
		return nil, fmt.Errorf("sqlite: attempt created: %w", err)
	}
	a, err := findAttempt(ctx, tx, `id = ?`, attemptID)
	if err != nil {
		return nil, err
	}
	if err := addEntries(ctx, tx, shop.DecideCreated(*a, p.PaymentID, now)...); err != nil {
		return nil, err
	}
	return a, tx.Commit()
}

// CloseAttemptLocally closes an open attempt in the shop alone, for c's
// reason, when shop.DecideLocalClose allows it (an attempt being created
// only by the holder of its lease); closed reports whether it did.
func (d *DB) CloseAttemptLocally(ctx context.Context, attemptID int64, c shop.LocalClose, actor string) (closed bool, err error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("sqlite: close attempt: %w", err)
	}
	defer tx.Rollback()
	a, err := findAttempt(ctx, tx, `id = ?`, attemptID)
	if err != nil {
		return false, err
	}
	now := d.now()
	ok, entries := shop.DecideLocalClose(*a, c, actor, now)
	if !ok {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payment_attempts SET status = ?, lease_token = '', lease_until = 0, updated_at = ? WHERE id = ?`,
		shop.AttemptClosed, ms(now), a.ID); err != nil {
		return false, fmt.Errorf("sqlite: close attempt: %w", err)
	}
	if err := addEntries(ctx, tx, entries...); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: close attempt: %w", err)
	}
	return true, nil
}

// CloseOrder closes an order awaiting payment for why (shop.CloseCancelled
// or shop.CloseExpired), as shop.DecideClose decides. Every attempt must
// already be settled at the gateway: the caller closes them first, so no
// payment can succeed after this. Errors: ECONFLICT when the order is no
// longer awaiting payment or an attempt is still open.
func (d *DB) CloseOrder(ctx context.Context, orderID int64, why, actor string) (*shop.Order, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: close order: %w", err)
	}
	defer tx.Rollback()
	o, err := findOrder(ctx, tx, `id = ?`, orderID)
	if err != nil {
		return nil, err
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_attempts WHERE order_id = ? AND status IN (?, ?)`,
		o.ID, shop.AttemptCreating, shop.AttemptPending).Scan(&open); err != nil {
		return nil, fmt.Errorf("sqlite: close order: %w", err)
	}
	now := d.now()
	entries, err := shop.DecideClose(o, open, why, actor, now)
	if err != nil {
		return o, err
	}
	if err := setOrderStatus(ctx, tx, o, shop.OrderClosed, now); err != nil {
		return nil, err
	}
	if err := addEntries(ctx, tx, entries...); err != nil {
		return nil, err
	}
	return o, tx.Commit()
}
