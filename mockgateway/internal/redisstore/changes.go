package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// changesChannel carries a message whenever merchants or fault rules
// change, so every gateway process on this Redis can keep them in memory
// between changes (gateway.ChangeFeed). Fault rule scripts publish from
// Lua, in the same step as the change.
const changesChannel = Prefix + "changes"

// watchPing is how long the subscription may be silent before it is
// pinged; without an answer to the ping by the next one it counts as lost.
// A subscription lost without a word (a failed-over node, a dropped
// connection) is so noticed within two of these.
const watchPing = 2 * time.Second

// Backoff between attempts to subscribe again while Redis is away.
const (
	watchBackoffMin = 50 * time.Millisecond
	watchBackoffMax = 2 * time.Second
)

// publishChange tells every process that merchants or fault rules changed.
func (s *Store) publishChange(ctx context.Context) error {
	if err := s.rdb.Publish(ctx, changesChannel, "1").Err(); err != nil {
		return fmt.Errorf("redisstore: publish change: %w", err)
	}
	return nil
}

// Watch subscribes to the changes channel until ctx ends: live(true) once
// subscribed (and again after every reconnection), changed() per message,
// live(false) whenever the subscription is lost or goes silent.
func (s *Store) Watch(ctx context.Context, changed func(), live func(bool)) error {
	defer live(false)
	backoff := watchBackoffMin
	for ctx.Err() == nil {
		s.watchOnce(ctx, changed, live, &backoff)
		live(false)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, watchBackoffMax)
	}
	return nil
}

// watchOnce runs one subscription until it fails or goes silent.
func (s *Store) watchOnce(ctx context.Context, changed func(), live func(bool), backoff *time.Duration) {
	sub := s.rdb.Subscribe(ctx, changesChannel)
	defer sub.Close()
	// A read blocked on the subscription does not watch ctx: closing the
	// subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := sub.ReceiveTimeout(ctx, watchPing)
		var ne net.Error
		switch {
		case err != nil && errors.As(err, &ne) && ne.Timeout() && !pinged:
			// Silent for a while: make sure it is still there.
			if err := sub.Ping(ctx); err != nil {
				return
			}
			pinged = true
			continue
		case err != nil:
			return // lost, or silent even to a ping
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				*backoff = watchBackoffMin
				live(true)
			}
		case *redis.Message:
			changed()
		}
	}
}
