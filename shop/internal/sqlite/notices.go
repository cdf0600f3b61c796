package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// addNotice writes a customer notice in the caller's transaction; nil
// writes nothing.
func addNotice(ctx context.Context, tx querier, n *shop.Notice) error {
	if n == nil {
		return nil
	}
	var req any
	if n.RequestID != 0 {
		req = n.RequestID
	}
	text, key, args, err := storedMessage(n.Message)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO notices (user_id, order_id, request_id, kind, message, message_key, message_args, link, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.UserID, n.OrderID, req, n.Kind, text, key, args, n.Link, ms(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: add notice: %w", err)
	}
	n.ID, _ = res.LastInsertId()
	return nil
}

// Notices returns a user's newest notices, newest first.
func (d *DB) Notices(ctx context.Context, userID int64, limit int) ([]shop.Notice, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, user_id, order_id, COALESCE(request_id, 0), kind, message, message_key, message_args, link, created_at, read_at
		FROM notices WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: notices: %w", err)
	}
	defer rows.Close()
	var out []shop.Notice
	for rows.Next() {
		var n shop.Notice
		var created int64
		var read sql.NullInt64
		var text, key, args string
		if err := rows.Scan(&n.ID, &n.UserID, &n.OrderID, &n.RequestID, &n.Kind, &text, &key, &args, &n.Link, &created, &read); err != nil {
			return nil, fmt.Errorf("sqlite: notices: %w", err)
		}
		if n.Message, err = loadMessage(text, key, args); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt = fromMS(created), fromNullMS(read)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotices counts a user's notices not yet seen (the header's badge).
func (d *DB) UnreadNotices(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: unread notices: %w", err)
	}
	return n, nil
}

// MarkNoticesRead marks a user's notices up to id maxID as seen: the ones
// just shown, not one that arrived meanwhile.
func (d *DB) MarkNoticesRead(ctx context.Context, userID, maxID int64) error {
	if _, err := d.exec(ctx, `UPDATE notices SET read_at = ? WHERE user_id = ? AND id <= ? AND read_at IS NULL`,
		ms(d.now()), userID, maxID); err != nil {
		return fmt.Errorf("sqlite: mark notices read: %w", err)
	}
	return nil
}

// MarkRequestNoticesRead marks a user's notices about one refund request as
// seen: the customer has just read its result page.
func (d *DB) MarkRequestNoticesRead(ctx context.Context, userID, requestID int64) error {
	if _, err := d.exec(ctx, `UPDATE notices SET read_at = ? WHERE user_id = ? AND request_id = ? AND read_at IS NULL`,
		ms(d.now()), userID, requestID); err != nil {
		return fmt.Errorf("sqlite: mark notices read: %w", err)
	}
	return nil
}
