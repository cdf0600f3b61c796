package sqlite

import (
	"context"
	"fmt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// backOfficeLimit bounds the back office's lists; a sandbox shop's queues
// are short, and the oldest items come first where age matters.
const backOfficeLimit = 200

// Customer is who an order belongs to, as the back office shows them.
type Customer struct {
	Email, Name string
}

// QueueItem is a refund request waiting for review, with its order and
// customer.
type QueueItem struct {
	Request     shop.RefundRequest
	OrderNo     string
	OrderTotal  int64
	OrderStatus string
	Customer    Customer
}

// RefundQueue returns the requests waiting for review, oldest first.
func (d *DB) RefundQueue(ctx context.Context) ([]QueueItem, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+requestColumns("rr.")+`, o.order_no, o.total, o.status, u.email, u.name
		FROM refund_requests rr JOIN orders o ON o.id = rr.order_id JOIN users u ON u.id = rr.user_id
		WHERE rr.status = ? ORDER BY rr.created_at, rr.id LIMIT ?`, shop.RequestPendingReview, backOfficeLimit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: refund queue: %w", err)
	}
	defer rows.Close()
	var out []QueueItem
	for rows.Next() {
		var it QueueItem
		r, err := scanRequest(scanTail{rows, []any{&it.OrderNo, &it.OrderTotal, &it.OrderStatus, &it.Customer.Email, &it.Customer.Name}})
		if err != nil {
			return nil, fmt.Errorf("sqlite: refund queue: %w", err)
		}
		it.Request = *r
		out = append(out, it)
	}
	return out, rows.Err()
}

// FailedRefund is a failed refund support has not retried yet.
type FailedRefund struct {
	Refund      shop.Refund
	OrderNo     string
	OrderStatus string
	Customer    Customer
	// RequestNo is the customer's request, "" for an automatic refund.
	RequestNo string
}

// FailedRefunds returns the failed refunds that wait for a retry, oldest
// failure first.
func (d *DB) FailedRefunds(ctx context.Context) ([]FailedRefund, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+refundColumns("r.")+`, o.order_no, o.status, u.email, u.name, COALESCE(rr.request_no, '')
		FROM refunds r JOIN orders o ON o.id = r.order_id JOIN users u ON u.id = o.user_id LEFT JOIN refund_requests rr ON rr.id = r.request_id
		WHERE r.status = ? AND r.retried = 0 ORDER BY r.updated_at, r.id LIMIT ?`, shop.RefundFailed, backOfficeLimit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: failed refunds: %w", err)
	}
	defer rows.Close()
	var out []FailedRefund
	for rows.Next() {
		var f FailedRefund
		dest, done := refundDest(&f.Refund)
		if err := rows.Scan(append(dest, &f.OrderNo, &f.OrderStatus, &f.Customer.Email, &f.Customer.Name, &f.RequestNo)...); err != nil {
			return nil, fmt.Errorf("sqlite: failed refunds: %w", err)
		}
		done()
		out = append(out, f)
	}
	return out, rows.Err()
}

// OrderRow is an order in the back office's list, with its customer.
type OrderRow struct {
	Order    shop.Order
	Customer Customer
}

// ListOrders returns every customer's orders, newest first, optionally only
// those in one state.
func (d *DB) ListOrders(ctx context.Context, status string) ([]OrderRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+prefixed("o.", orderCols)+`, u.email, u.name FROM orders o JOIN users u ON u.id = o.user_id
		WHERE (? = '' OR o.status = ?) ORDER BY o.created_at DESC, o.id DESC LIMIT ?`, status, status, backOfficeLimit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list orders: %w", err)
	}
	defer rows.Close()
	var out []OrderRow
	for rows.Next() {
		var r OrderRow
		o, err := scanOrder(scanTail{rows, []any{&r.Customer.Email, &r.Customer.Name}})
		if err != nil {
			return nil, fmt.Errorf("sqlite: list orders: %w", err)
		}
		r.Order = *o
		out = append(out, r)
	}
	return out, rows.Err()
}

// scanTail scans a row whose first columns one of the scan helpers reads,
// followed by more columns into tail.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail...)...) }
