package dispatcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/timers"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// BenchmarkIdleTick measures what the dispatcher and the timers cost per
// poll when nothing is due, with 10 to 10 000 merchants that each have a
// pending payment (a timer and a notification due far in the future). It
// reports x-ping, the tick's time over a Redis PING round trip measured in
// the same run, and redis-cmds, the commands Redis processed per tick (which
// machine noise cannot move). DESIGN §10: the cost must not grow with idle
// merchants.
func BenchmarkIdleTick(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("merchants=%d", n), func(b *testing.B) {
			tick, rdb := idleFixture(b, n)
			ctx := context.Background()
			const pings = 2000
			start := time.Now()
			for range pings {
				if err := rdb.Ping(ctx).Err(); err != nil {
					b.Fatal(err)
				}
			}
			ping := time.Since(start) / pings
			cmdsBefore := redistest.Commands(b, rdb)
			b.ResetTimer()
			start = time.Now()
			for range b.N {
				tick()
			}
			per := time.Since(start) / time.Duration(b.N)
			b.StopTimer()
			b.ReportMetric(float64(per)/float64(ping), "x-ping")
			b.ReportMetric(float64(redistest.Commands(b, rdb)-cmdsBefore-1)/float64(b.N), "redis-cmds")
		})
	}
}

// The idle cost, in Redis commands (which machine noise cannot move), is
// the same with 10 and with 300 idle merchants (DESIGN §10, issue 18);
// BenchmarkIdleTick measures it up to 10 000.
func TestIdleTick_FlatInMerchants(t *testing.T) {
	per := map[int]int64{}
	for _, n := range []int{10, 300} {
		tick, rdb := idleFixture(t, n)
		before := redistest.Commands(t, rdb)
		for range 5 {
			tick()
		}
		per[n] = redistest.Commands(t, rdb) - before - 1
	}
	if per[10] <= 0 || per[300] != per[10] {
		t.Fatalf("Redis commands for 5 idle ticks: %d with 10 merchants, %d with 300; want the same, above 0", per[10], per[300])
	}
}

// idleFixture makes n merchants that each have a pending payment (a timer
// and a notification due far in the future), and returns one idle tick of
// the dispatcher and the timers over them, and the Redis client.
func idleFixture(tb testing.TB, n int) (tick func(), rdb *redis.Client) {
	tb.Helper()
	rdb = redistest.Client(tb)
	store := redisstore.New(rdb)
	now := time.Now()
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: gateway.Schedule{time.Hour}})
	ctx := context.Background()
	for i := range n {
		m, err := svc.CreateMerchant(ctx, "idle", "http://127.0.0.1:9/hook")
		if err != nil {
			tb.Fatal(err)
		}
		p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprint("I-", i), Amount: 1, Method: "card", Subject: "x", ExpiresIn: time.Hour})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := svc.FailPayment(ctx, m, p.ID, "card_declined"); err != nil {
			tb.Fatal(err) // a payment.failed notification due in an hour
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &Dispatcher{Core: svc, Queue: store, Log: log, SweepEvery: 24 * time.Hour, Now: func() time.Time { return now }}
	d.defaults()
	d.lastSweep = now
	r := &timers.Runner{Core: svc, Queue: store, Log: log, SweepEvery: 24 * time.Hour, Now: func() time.Time { return now }}
	if _, err := r.Tick(ctx); err != nil { // the first tick sweeps once
		tb.Fatal(err)
	}
	return func() {
		if more, err := d.tick(ctx); err != nil || more {
			tb.Fatal(more, err)
		}
		if more, err := r.Tick(ctx); err != nil || more {
			tb.Fatal(more, err)
		}
	}, rdb
}
