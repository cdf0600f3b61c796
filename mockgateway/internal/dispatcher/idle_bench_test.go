package dispatcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
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
			rdb := redistest.Client(b)
			store := redisstore.New(rdb)
			now := time.Now()
			svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: gateway.Schedule{time.Hour}})
			ctx := context.Background()
			for i := range n {
				m, err := svc.CreateMerchant(ctx, "idle", "http://127.0.0.1:9/hook")
				if err != nil {
					b.Fatal(err)
				}
				p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprint("I-", i), Amount: 1, Method: "card", Subject: "x", ExpiresIn: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.FailPayment(ctx, m, p.ID, "card_declined"); err != nil {
					b.Fatal(err) // a payment.failed notification due in an hour
				}
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			d := &Dispatcher{Core: svc, Queue: store, Log: log, SweepEvery: 24 * time.Hour, Now: func() time.Time { return now }}
			d.defaults()
			d.lastSweep = now
			r := &timers.Runner{Core: svc, Queue: store, Log: log, SweepEvery: 24 * time.Hour, Now: func() time.Time { return now }}
			if _, err := r.Tick(ctx); err != nil { // the first tick sweeps once
				b.Fatal(err)
			}
			const pings = 2000
			start := time.Now()
			for range pings {
				if err := rdb.Ping(ctx).Err(); err != nil {
					b.Fatal(err)
				}
			}
			ping := time.Since(start) / pings
			cmdsBefore := processed(b, rdb)
			b.ResetTimer()
			start = time.Now()
			for range b.N {
				if more, err := d.tick(ctx); err != nil || more {
					b.Fatal(more, err)
				}
				if more, err := r.Tick(ctx); err != nil || more {
					b.Fatal(more, err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.StopTimer()
			b.ReportMetric(float64(per)/float64(ping), "x-ping")
			b.ReportMetric(float64(processed(b, rdb)-cmdsBefore-1)/float64(b.N), "redis-cmds")
		})
	}
}

// processed is the number of commands the Redis server has processed.
func processed(b *testing.B, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "stats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no total_commands_processed in INFO")
	return 0
}
