package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// changesChannel carries a message whenever merchants or fault rules
// change, so every gateway process on this Redis can keep them in memory
// between changes (gateway.ChangeFeed). Fault rule scripts publish from
// Lua, in the same step as the change.
const changesChannel = Prefix + "changes"

// publishChange tells every process that merchants or fault rules changed.
func (s *Store) publishChange(ctx context.Context) error {
	if err := s.rdb.Publish(ctx, changesChannel, "1").Err(); err != nil {
		return fmt.Errorf("redisstore: publish change: %w", err)
	}
	return nil
}

// Watch subscribes to the changes channel until ctx ends: live(true) once
// subscribed (and again after every reconnection), changed() per message,
// live(false) whenever the subscription is lost.
func (s *Store) Watch(ctx context.Context, changed func(), live func(bool)) error {
	sub := s.rdb.Subscribe(ctx, changesChannel)
	defer live(false)
	// A read blocked on the subscription does not watch ctx: closing the
	// subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	defer stop()
	defer sub.Close()
	for {
		msg, err := sub.Receive(ctx)
		if err != nil {
			live(false)
			if ctx.Err() != nil {
				return nil
			}
			// Receive reconnects on the next call; until the confirmation
			// arrives nothing is trusted.
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			live(m.Kind == "subscribe")
		case *redis.Message:
			changed()
		}
	}
}
