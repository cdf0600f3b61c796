// Package sqlite is the shop's store: the domain's users, products, orders,
// attempts, refunds and timeline in one SQLite file (modernc.org/sqlite, pure
// Go), in WAL mode with foreign keys on. Every state change is one
// transaction that checks the state, changes it and writes the timeline.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the shop's database.
type DB struct {
	db *sql.DB
	// Now is the clock of every timestamp the store writes; tests replace it.
	Now func() time.Time
	// seedCost is the bcrypt cost of the demo users' hashes.
	seedCost int
	// busyTimeout is how long a statement waits for another connection's
	// lock before it fails with "database is locked", and a writer for its
	// turn at the gate.
	busyTimeout time.Duration
	// gate lets this process's writers in one at a time (write.go).
	gate chan struct{}
}

// Option changes how Open sets up the database.
type Option func(*DB)

// WithSeedPasswordCost sets the bcrypt cost of the seeded demo users
// (default bcrypt.DefaultCost). Tests lower it: hashing at the default cost
// under the race detector takes most of a test's time.
func WithSeedPasswordCost(cost int) Option { return func(d *DB) { d.seedCost = cost } }

// WithBusyTimeout sets how long a statement waits for a lock another
// connection holds before failing (default 10 s). Tests shorten it to meet
// a locked database, a real transient failure, without waiting.
func WithBusyTimeout(t time.Duration) Option { return func(d *DB) { d.busyTimeout = t } }

// Open opens (creating if needed) the database at path, applies the
// migrations it has not seen yet and seeds an empty database.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: create %s: %w", dir, err)
		}
	}
	d := &DB{Now: time.Now, seedCost: bcrypt.DefaultCost, busyTimeout: 10 * time.Second, gate: make(chan struct{}, 1)}
	for _, o := range opts {
		o(d)
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", d.busyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	// Writers take the lock at BEGIN, so two transactions that both read
	// then write are serialised instead of failing with SQLITE_BUSY halfway.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d.db = db
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := d.seed(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// SQL returns the underlying pool (sessions, tests).
func (d *DB) SQL() *sql.DB { return d.db }

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: name must start with a number", base)
		}
		if err := d.migrateOne(ctx, name, version); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) migrateOne(ctx context.Context, name string, version int) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin migration: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: check migration %d: %w", version, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return fmt.Errorf("sqlite: read %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("sqlite: apply %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: record migration %d: %w", version, err)
	}
	return tx.Commit()
}

func (d *DB) now() time.Time { return d.Now().UTC() }

// ms and fromMS convert between times and the stored unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// notFound turns a lookup's error into the domain's: sql.ErrNoRows becomes
// ENOTFOUND about what (shop.WhatOrder), anything else a wrapped store failure.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return shop.NotFound(what)
	}
	return fmt.Errorf("sqlite: find %s: %w", what, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
