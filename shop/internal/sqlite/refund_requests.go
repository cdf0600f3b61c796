package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// requestColumns lists a request's columns under a table alias;
// scanRequest scans them.
func requestColumns(p string) string {
	return columnList(p, "id", "request_no", "order_id", "user_id", "amount", "currency", "reason", "details", "status", "prev_order_status",
		"attempt", "COALESCE(%sdecided_by_id, 0)", "decided_by", "decision_note", "decided_at", "created_at", "updated_at")
}

var requestCols = requestColumns("")

func scanRequest(row interface{ Scan(...any) error }) (*shop.RefundRequest, error) {
	var r shop.RefundRequest
	var decided sql.NullInt64
	var created, updated int64
	if err := row.Scan(&r.ID, &r.No, &r.OrderID, &r.UserID, &r.Amount, &r.Currency, &r.Reason, &r.Details, &r.Status, &r.PrevOrderStatus,
		&r.Attempt, &r.DecidedByID, &r.DecidedBy, &r.DecisionNote, &decided, &created, &updated); err != nil {
		return nil, err
	}
	r.DecidedAt = fromNullMS(decided)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, nil
}

func findRequest(ctx context.Context, q querier, where string, args ...any) (*shop.RefundRequest, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestCols+` FROM refund_requests WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err, shop.WhatRefundRequest)
	}
	return r, nil
}

func listRequests(ctx context.Context, q querier, where string, args ...any) ([]shop.RefundRequest, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+requestCols+` FROM refund_requests WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list refund requests: %w", err)
	}
	defer rows.Close()
	var out []shop.RefundRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list refund requests: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// FindRefundRequest returns a request by number, whoever made it (back
// office). Errors: ENOTFOUND.
func (d *DB) FindRefundRequest(ctx context.Context, no string) (*shop.RefundRequest, error) {
	return findRequest(ctx, d.db, `request_no = ?`, no)
}

// FindRefundRequestForUser returns a request of that user; another user's
// is ENOTFOUND exactly like a missing one.
func (d *DB) FindRefundRequestForUser(ctx context.Context, no string, userID int64) (*shop.RefundRequest, error) {
	return findRequest(ctx, d.db, `request_no = ? AND user_id = ?`, no, userID)
}

// RefundRequests returns the requests of an order, oldest first.
func (d *DB) RefundRequests(ctx context.Context, orderID int64) ([]shop.RefundRequest, error) {
	return listRequests(ctx, d.db, `order_id = ? ORDER BY id`, orderID)
}

// NewRefundRequest is what the customer's form hands to CreateRefundRequest.
type NewRefundRequest struct {
	OrderNo string
	UserID  int64
	Actor   string
	Amount  int64
	Reason  string
	Details string
	// NewNo draws a request number; it is called again on a collision.
	NewNo func() (string, error)
}

// CreateRefundRequest stores a customer's request and moves the order to
// refund_requested, in one transaction that checks the order under the
// write lock. Errors: ENOTFOUND (not the user's order), ECONFLICT (not
// refundable now, or a request is open), EINVALID with a field.
func (d *DB) CreateRefundRequest(ctx context.Context, in NewRefundRequest) (*shop.RefundRequest, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create refund request: %w", err)
	}
	defer tx.Rollback()
	o, err := findOrder(ctx, tx, `order_no = ? AND user_id = ?`, in.OrderNo, in.UserID)
	if err != nil {
		return nil, err
	}
	if err := shop.CheckRefundRequest(o, in.Amount, in.Reason, in.Details); err != nil {
		return nil, err
	}
	now := d.now()
	r := &shop.RefundRequest{OrderID: o.ID, UserID: o.UserID, Amount: in.Amount, Currency: o.Currency, Reason: in.Reason, Details: in.Details,
		Status: shop.RequestPendingReview, PrevOrderStatus: o.Status, CreatedAt: now, UpdatedAt: now}
	for try := 0; ; try++ {
		if r.No, err = in.NewNo(); err != nil {
			return nil, fmt.Errorf("sqlite: request number: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO refund_requests (request_no, order_id, user_id, amount, currency, reason, details, status,
			prev_order_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.No, r.OrderID, r.UserID, r.Amount, r.Currency, r.Reason, r.Details, r.Status, r.PrevOrderStatus, ms(now), ms(now))
		if isUnique(err) && strings.Contains(err.Error(), "refund_requests.order_id") {
			// The one-open-request index: CheckRefundRequest should have
			// said so already; the index holds whatever a caller does.
			return nil, shop.RefundInProgress(o)
		}
		if isUnique(err) && try < 5 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: create refund request: %w", err)
		}
		r.ID, _ = res.LastInsertId()
		break
	}
	entry := shop.RequestedEntry(o, r, in.Actor, now)
	if err := setOrderStatus(ctx, tx, o, shop.OrderRefundRequested, now); err != nil {
		return nil, err
	}
	if err := addEntries(ctx, tx, entry); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: create refund request: %w", err)
	}
	return r, nil
}

// ApproveRefundRequest records a support user's approval and writes the
// request's first gateway refund (status creating, out_refund_no
// {request_no}-1) in one transaction, before anything is sent: a second
// approval, even a concurrent one, finds the request decided. The caller
// then creates the refund at the gateway. Errors: ENOTFOUND, EINVALID
// (note), ECONFLICT (already decided).
func (d *DB) ApproveRefundRequest(ctx context.Context, no string, support *shop.User, note string) (*shop.Refund, error) {
	return d.review(ctx, no, support, func(o *shop.Order, r *shop.RefundRequest, now time.Time) (*shop.Review, error) {
		return shop.ApproveRequest(o, r, shop.ActorSupport(support.Name), note, now)
	})
}

// RejectRefundRequest records a support user's rejection; the order returns
// to its state before the request. Errors as ApproveRefundRequest.
func (d *DB) RejectRefundRequest(ctx context.Context, no string, support *shop.User, note string) error {
	_, err := d.review(ctx, no, support, func(o *shop.Order, r *shop.RefundRequest, now time.Time) (*shop.Review, error) {
		return shop.RejectRequest(o, r, shop.ActorSupport(support.Name), note, now)
	})
	return err
}

// review runs one support decision on a request in one transaction.
func (d *DB) review(ctx context.Context, no string, support *shop.User,
	decide func(*shop.Order, *shop.RefundRequest, time.Time) (*shop.Review, error)) (*shop.Refund, error) {
	tx, err := d.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: review refund request: %w", err)
	}
	defer tx.Rollback()
	r, err := findRequest(ctx, tx, `request_no = ?`, no)
	if err != nil {
		return nil, err
	}
	o, err := findOrder(ctx, tx, `id = ?`, r.OrderID)
	if err != nil {
		return nil, err
	}
	now := d.now()
	rv, err := decide(o, r, now)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refund_requests SET status = ?, attempt = MAX(attempt, ?), decided_by_id = ?, decided_by = ?,
		decision_note = ?, decided_at = ?, updated_at = ? WHERE id = ?`,
		rv.RequestStatus, rv.Attempt, support.ID, support.Name, rv.Note, ms(now), ms(now), r.ID); err != nil {
		return nil, fmt.Errorf("sqlite: review refund request: %w", err)
	}
	if err := writeReview(ctx, tx, o, rv, now); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: review refund request: %w", err)
	}
	return rv.Refund, nil
}

// writeReview writes what a review decided besides the request row: the
// new gateway refund, the order's state, the timeline and the notice.
func writeReview(ctx context.Context, tx querier, o *shop.Order, rv *shop.Review, now time.Time) error {
	if rv.Refund != nil {
		if err := insertRefund(ctx, tx, rv.Refund); err != nil {
			return err
		}
	}
	if rv.OrderStatus != "" {
		if err := setOrderStatus(ctx, tx, o, rv.OrderStatus, now); err != nil {
			return err
		}
	}
	if err := addEntries(ctx, tx, rv.Entries...); err != nil {
		return err
	}
	return addNotice(ctx, tx, rv.Notice)
}

// insertRefund writes a refund of a support decision before it is sent to
// the gateway. The deciding request sends it; the reconciler takes over
// only later (handoff, see RefundsToCreate).
func insertRefund(ctx context.Context, tx querier, r *shop.Refund) error {
	var reqID any
	if r.RequestID != 0 {
		reqID = r.RequestID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO refunds (order_id, attempt_id, kind, out_refund_no, amount, currency, reason, status, request_id,
		handoff, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		r.OrderID, r.AttemptID, r.Kind, r.OutRefundNo, r.Amount, r.Currency, r.Reason, r.Status, reqID, ms(r.CreatedAt), ms(r.UpdatedAt))
	if isUnique(err) {
		return shop.RefundExists(r.OutRefundNo)
	}
	if err != nil {
		return fmt.Errorf("sqlite: insert refund: %w", err)
	}
	r.ID, _ = res.LastInsertId()
	return nil
}
