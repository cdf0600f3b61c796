package redisstore

import (
	"context"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/shared/redistest"
)

// Concurrent callers share pipelines, each gets its own command's answer,
// and the lanes stop when idle and start again for the next caller.
func TestBatcher(t *testing.T) {
	rdb := redistest.Client(t)
	b := newBatcher(rdb)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			var cmd *redis.IntCmd
			b.do(ctx, func(p redis.Pipeliner) { cmd = p.Incr(ctx, "bt:n") })
			if cmd.Err() != nil || cmd.Val() < 1 || cmd.Val() > 200 {
				t.Errorf("caller %d: %v %d", i, cmd.Err(), cmd.Val())
			}
		})
	}
	wg.Wait()
	if n := rdb.Get(ctx, "bt:n").Val(); n != "200" {
		t.Fatalf("counter %s, want 200", n)
	}
	if r := b.running.Load(); r < 1 || r > batchLanes {
		t.Fatalf("%d lanes running, want 1 to %d", r, batchLanes)
	}
}
