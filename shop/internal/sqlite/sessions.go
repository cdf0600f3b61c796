package sqlite

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// SessionStore keeps scs sessions in the shop's database. Rows are keyed by
// HMAC-SHA256(secret, token), never by the token itself: a copy of the
// database gives no way into anyone's session, and a new SESSION_SECRET
// (random when unset) ends every session, as docs/shop.md ("Accounts, sessions, CSRF") says.
type SessionStore struct {
	db     *sql.DB
	secret []byte
	now    func() time.Time
	// gate and wait are the database's write gate (write.go).
	gate chan struct{}
	wait time.Duration
}

// NewSessionStore returns a store over the database's pool.
func (d *DB) NewSessionStore(secret []byte) *SessionStore {
	return &SessionStore{db: d.db, secret: secret, now: d.Now, gate: d.gate, wait: d.busyTimeout}
}

// exec runs one writing statement in its turn at the gate.
func (s *SessionStore) exec(ctx context.Context, query string, args ...any) error {
	if err := enterGate(ctx, s.gate, s.wait); err != nil {
		return err
	}
	defer func() { <-s.gate }()
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

func (s *SessionStore) key(token string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Find returns the data of an unexpired session.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRow(`SELECT data FROM sessions WHERE token_hash = ? AND expiry > ?`, s.key(token), ms(s.now())).Scan(&b)
	if isNoRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: find session: %w", err)
	}
	return b, true, nil
}

// Commit stores a session until expiry.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	err := s.exec(context.Background(), `INSERT INTO sessions (token_hash, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, s.key(token), b, ms(expiry))
	if err != nil {
		return fmt.Errorf("sqlite: commit session: %w", err)
	}
	return nil
}

// Delete removes a session (sign out, token renewal).
func (s *SessionStore) Delete(token string) error {
	if err := s.exec(context.Background(), `DELETE FROM sessions WHERE token_hash = ?`, s.key(token)); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// Cleanup deletes expired sessions every interval until ctx ends.
func (s *SessionStore) Cleanup(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.exec(ctx, `DELETE FROM sessions WHERE expiry <= ?`, ms(s.now())); err != nil && ctx.Err() == nil {
				log.Warn("session cleanup failed", "err", err)
			}
		}
	}
}
