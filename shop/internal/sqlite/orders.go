package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// querier is what reads need: the pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// NewOrder is what checkout hands to CreateOrder.
type NewOrder struct {
	UserID   int64
	Actor    string
	Contact  shop.Contact
	Items    []shop.OrderItem
	Currency string
	TTL      time.Duration
	// NewNo draws an order number; it is called again on a collision.
	NewNo func() (string, error)
}

// CreateOrder stores an order, its items and its first timeline entry in one
// transaction, before any payment exists. Errors: EINVALID for an empty or
// bad cart.
func (d *DB) CreateOrder(ctx context.Context, in NewOrder) (*shop.Order, error) {
	total, err := shop.NewOrderItems(in.Items)
	if err != nil {
		return nil, err
	}
	now := d.now()
	o := &shop.Order{UserID: in.UserID, Status: shop.OrderPendingPayment, Total: total, Currency: in.Currency,
		Contact: in.Contact, Items: in.Items, CreatedAt: now, ExpiresAt: now.Add(in.TTL), UpdatedAt: now}
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create order: %w", err)
	}
	defer tx.Rollback()
	for try := 0; ; try++ {
		if o.No, err = in.NewNo(); err != nil {
			return nil, fmt.Errorf("sqlite: order number: %w", err)
		}
		c := in.Contact
		res, err := tx.ExecContext(ctx, `INSERT INTO orders (order_no, user_id, status, total, currency, contact_name, contact_email, contact_phone,
			address, city, postal_code, created_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.No, o.UserID, o.Status, o.Total, o.Currency, c.Name, c.Email, c.Phone, c.Address, c.City, c.PostalCode,
			ms(now), ms(o.ExpiresAt), ms(now))
		if isUnique(err) && try < 5 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: create order: %w", err)
		}
		o.ID, _ = res.LastInsertId()
		break
	}
	for i, it := range in.Items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_items (order_id, line, product_id, name, unit_price, quantity) VALUES (?, ?, ?, ?, ?, ?)`,
			o.ID, i+1, it.ProductID, it.Name, it.UnitPrice, it.Quantity); err != nil {
			return nil, fmt.Errorf("sqlite: create order item: %w", err)
		}
	}
	if err := addEntries(ctx, tx, shop.PlacedEntry(o, in.Actor, now)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: create order: %w", err)
	}
	return o, nil
}

const orderCols = `id, order_no, user_id, status, total, currency, refunded_amount, contact_name, contact_email, contact_phone,
	address, city, postal_code, paid_attempt_id, created_at, expires_at, paid_at, closed_at, updated_at`

func scanOrder(row interface{ Scan(...any) error }) (*shop.Order, error) {
	var o shop.Order
	var paidAttempt, paidAt, closedAt sql.NullInt64
	var created, expires, updated int64
	c := &o.Contact
	if err := row.Scan(&o.ID, &o.No, &o.UserID, &o.Status, &o.Total, &o.Currency, &o.RefundedAmount, &c.Name, &c.Email, &c.Phone,
		&c.Address, &c.City, &c.PostalCode, &paidAttempt, &created, &expires, &paidAt, &closedAt, &updated); err != nil {
		return nil, err
	}
	o.PaidAttemptID = paidAttempt.Int64
	o.CreatedAt, o.ExpiresAt, o.UpdatedAt = fromMS(created), fromMS(expires), fromMS(updated)
	o.PaidAt, o.ClosedAt = fromNullMS(paidAt), fromNullMS(closedAt)
	return &o, nil
}

func findOrder(ctx context.Context, q querier, where string, args ...any) (*shop.Order, error) {
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err, shop.WhatOrder)
	}
	rows, err := q.QueryContext(ctx, `SELECT i.product_id, COALESCE(p.slug, ''), i.name, i.unit_price, i.quantity
		FROM order_items i LEFT JOIN products p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY i.line`, o.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: order items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it shop.OrderItem
		if err := rows.Scan(&it.ProductID, &it.Slug, &it.Name, &it.UnitPrice, &it.Quantity); err != nil {
			return nil, fmt.Errorf("sqlite: order items: %w", err)
		}
		o.Items = append(o.Items, it)
	}
	return o, rows.Err()
}

// FindOrderForUser returns an order of that user. Another user's order is
// ENOTFOUND, exactly like a missing one, so order numbers cannot be probed.
func (d *DB) FindOrderForUser(ctx context.Context, no string, userID int64) (*shop.Order, error) {
	return findOrder(ctx, d.db, `order_no = ? AND user_id = ?`, no, userID)
}

// FindOrder returns an order by number whoever owns it (service use).
// Errors: ENOTFOUND.
func (d *DB) FindOrder(ctx context.Context, no string) (*shop.Order, error) {
	return findOrder(ctx, d.db, `order_no = ?`, no)
}

// FindOrderByID returns an order by id whoever owns it. Errors: ENOTFOUND.
func (d *DB) FindOrderByID(ctx context.Context, id int64) (*shop.Order, error) {
	return findOrder(ctx, d.db, `id = ?`, id)
}

// ListOrdersForUser returns a user's orders, newest first, without items.
func (d *DB) ListOrdersForUser(ctx context.Context, userID int64) ([]shop.Order, error) {
	return listOrders(ctx, d.db, `user_id = ? ORDER BY created_at DESC, id DESC LIMIT 200`, userID)
}

func listOrders(ctx context.Context, q querier, where string, args ...any) ([]shop.Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orderCols+` FROM orders WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list orders: %w", err)
	}
	defer rows.Close()
	var out []shop.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list orders: %w", err)
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// Timeline returns every entry of an order, oldest first.
func (d *DB) Timeline(ctx context.Context, orderID int64) ([]shop.TimelineEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, order_id, at, kind, message, message_key, message_args, actor, flagged, webhook_id, internal
		FROM timeline WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: timeline: %w", err)
	}
	defer rows.Close()
	var out []shop.TimelineEntry
	for rows.Next() {
		var e shop.TimelineEntry
		var at int64
		var text, key, args string
		if err := rows.Scan(&e.ID, &e.OrderID, &at, &e.Kind, &text, &key, &args, &e.Actor, &e.Flagged, &e.WebhookID, &e.Internal); err != nil {
			return nil, fmt.Errorf("sqlite: timeline: %w", err)
		}
		e.At = fromMS(at)
		if e.Message, err = loadMessage(text, key, args); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func addEntries(ctx context.Context, tx querier, entries ...shop.TimelineEntry) error {
	for _, e := range entries {
		text, key, args, err := storedMessage(e.Message)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO timeline (order_id, at, kind, message, message_key, message_args, actor, flagged, webhook_id, internal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.OrderID, ms(e.At), e.Kind, text, key, args, e.Actor, e.Flagged, e.WebhookID, e.Internal); err != nil {
			return fmt.Errorf("sqlite: timeline entry: %w", err)
		}
	}
	return nil
}

// setOrderStatus changes an order's state, refusing transitions the domain
// does not allow.
func setOrderStatus(ctx context.Context, tx querier, o *shop.Order, to string, now time.Time) error {
	if err := shop.CheckTransition(o, to); err != nil {
		return err
	}
	var closedAt any
	if to == shop.OrderClosed {
		closedAt = ms(now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, closed_at = COALESCE(?, closed_at), updated_at = ? WHERE id = ?`,
		to, closedAt, ms(now), o.ID); err != nil {
		return fmt.Errorf("sqlite: order status: %w", err)
	}
	o.Status = to
	return nil
}
