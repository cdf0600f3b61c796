package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The store's writers queue for one gate before they ask SQLite for its
// write lock. SQLite's own wait for a busy lock sleeps and retries, which is
// not fair: under many concurrent writers (a burst of payments and
// notifications) one of them can lose every retry until busy_timeout ends
// and fail with "database is locked". Go's channel queues its waiters in
// order, so writers of this process take turns instead; busy_timeout still
// covers another process holding the lock.

// errGateTimeout is returned when the gate stayed taken for the whole
// busy timeout, as SQLite would say the database is locked.
var errGateTimeout = errors.New("sqlite: database is busy (waited the busy timeout for other writers)")

// enterGate waits for the write gate, at most the busy timeout.
func enterGate(ctx context.Context, gate chan struct{}, wait time.Duration) error {
	select {
	case gate <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case gate <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlite: wait to write: %w", ctx.Err())
	case <-t.C:
		return errGateTimeout
	}
}

// writeTx is a write transaction that holds the gate until it ends.
type writeTx struct {
	*sql.Tx
	gate chan struct{}
	once sync.Once
}

// Commit commits the transaction and lets the next writer in.
func (t *writeTx) Commit() error {
	defer t.leave()
	return t.Tx.Commit()
}

// Rollback rolls the transaction back (nothing after a Commit) and lets
// the next writer in.
func (t *writeTx) Rollback() error {
	defer t.leave()
	return t.Tx.Rollback()
}

func (t *writeTx) leave() { t.once.Do(func() { <-t.gate }) }

// beginWrite starts a write transaction (BEGIN IMMEDIATE) in its turn.
func (d *DB) beginWrite(ctx context.Context) (*writeTx, error) {
	if err := enterGate(ctx, d.gate, d.busyTimeout); err != nil {
		return nil, err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		<-d.gate
		return nil, err
	}
	return &writeTx{Tx: tx, gate: d.gate}, nil
}

// exec runs one writing statement in its turn.
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := enterGate(ctx, d.gate, d.busyTimeout); err != nil {
		return nil, err
	}
	defer func() { <-d.gate }()
	return d.db.ExecContext(ctx, query, args...)
}
