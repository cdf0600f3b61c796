package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SessionPrefix starts the keys of the console's sessions. It lies outside
// Prefix on purpose: a reset (or -wipe-redis) wipes the gateway's state,
// not the QA engineer's sign-in, who just asked for the reset.
const SessionPrefix = "ps-console:session:"

// SessionStore keeps the console's server-side sessions in Redis, so every
// gateway process on one Redis knows them (an scs.Store and scs.CtxStore).
// Keys are the hash of the session token: a read of Redis does not hand out
// live cookies.
type SessionStore struct {
	rdb redis.UniversalClient
}

// Sessions returns the session store on the store's Redis.
func (s *Store) Sessions() *SessionStore { return &SessionStore{rdb: s.rdb} }

func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return SessionPrefix + hex.EncodeToString(sum[:])
}

// FindCtx returns the data of a live session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, sessionKey(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("redisstore: find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores a session until expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ttl := time.Until(expiry)
	if ttl <= 0 {
		return s.DeleteCtx(ctx, token)
	}
	if err := s.rdb.Set(ctx, sessionKey(token), b, ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if err := s.rdb.Del(ctx, sessionKey(token)).Err(); err != nil {
		return fmt.Errorf("redisstore: delete session: %w", err)
	}
	return nil
}

// Find is FindCtx without a context (scs.Store).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context (scs.Store).
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context (scs.Store).
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
