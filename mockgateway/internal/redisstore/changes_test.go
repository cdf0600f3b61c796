package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// watchCounts runs Watch and counts what it reports.
type watchCounts struct{ ups, downs, changes atomic.Int64 }

func watch(t *testing.T, store *redisstore.Store) *watchCounts {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &watchCounts{}
	go func() {
		defer close(done)
		_ = store.Watch(ctx, func() { w.changes.Add(1) }, func(live bool) {
			if live {
				w.ups.Add(1)
			} else {
				w.downs.Add(1)
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "subscribed", func() bool { return w.ups.Load() > 0 }, 5*time.Second)
	return w
}

func waitFor(t *testing.T, what string, cond func() bool, limit time.Duration) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
	}
}

// While Redis is away the change feed waits between attempts to subscribe
// again (it does not spin on refused connections), and it is live again
// once Redis is back.
func TestWatch_BacksOffWhileRedisIsDown(t *testing.T) {
	srv := redistest.Server(t)
	opt, err := redis.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	w := watch(t, redisstore.New(rdb))
	srv.Kill()
	waitFor(t, "lost", func() bool { return w.downs.Load() > 0 }, 5*time.Second)
	before := w.downs.Load()
	time.Sleep(time.Second)
	if n := w.downs.Load() - before; n > 20 {
		t.Fatalf("%d failed subscriptions in one second: the feed spins", n)
	}
}

// freezer forwards to Redis until frozen, then swallows everything
// without closing: a connection lost without a word. (The proxy closes a
// side only when the other ends, and Redis keeps an idle connection open.)
type freezer struct {
	*redistest.Proxy
	frozen atomic.Bool
}

func newFreezer(t *testing.T, target string) *freezer {
	f := &freezer{}
	forward := func([]byte) bool { return !f.frozen.Load() }
	f.Proxy = redistest.NewProxy(t, target, func() redistest.ProxyHooks {
		return redistest.ProxyHooks{ToServer: forward, ToClient: forward}
	})
	return f
}

// A subscription that goes silent (no FIN, nothing) counts as lost within
// two pings, so the cache is not trusted while changes could be missed.
func TestWatch_NoticesASilentSubscription(t *testing.T) {
	opt, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	f := newFreezer(t, opt.Addr)
	opt.Addr = f.Addr()
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	w := watch(t, redisstore.New(rdb))
	f.frozen.Store(true)
	start := time.Now()
	waitFor(t, "silent subscription noticed", func() bool { return w.downs.Load() > 0 }, 10*time.Second)
	t.Logf("noticed after %v", time.Since(start).Round(time.Millisecond))
}
