package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// payMany creates and pays n payments, spread over the merchants (one per
// gateway process), from a few goroutines.
func payMany(t *testing.T, n int, ms ...*notifyMerchant) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := atomic.Int64{}
	for w := range 6 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				m := ms[(i+w)%len(ms)]
				p, err := m.c.CreatePayment(context.Background(), &gatewayclient.CreatePaymentParams{
					OutTradeNo: fmt.Sprintf("bulk-%04d", i), Amount: int64(100 + i), Method: "wechat", Subject: "Bulk",
				})
				if err == nil {
					_, err = m.c.SucceedPayment(context.Background(), p.ID)
				}
				if err != nil {
					errs <- err
					return
				}
				ids[i] = p.ID
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("creating payments: %v", err)
	}
	return ids
}

// undelivered counts the merchant's events that are not delivered yet.
func undelivered(t *testing.T, m *notifyMerchant) int {
	t.Helper()
	n := 0
	for _, status := range []string{"pending", "failed"} {
		l, err := m.c.ListEvents(context.Background(), gatewayclient.ListEventsParams{DeliveryStatus: status, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n += len(l.Data)
	}
	return n
}

// Crash test: hundreds of events are scheduled while the receiver is down,
// the gateway is killed with SIGKILL in the middle of deliveries, the
// receiver comes back, the gateway restarts on the same Redis: every event
// is delivered.
func TestNotify_CrashRestartDeliversEverything(t *testing.T) {
	const events = 300
	schedule := "0s" + strings.Repeat(",1s", 49) // 50 attempts, ~50s of retries
	g := gatewaytest.StartWith(t, gatewaytest.Options{Env: map[string]string{
		"NOTIFY_SCHEDULE": schedule, "NOTIFY_TIMEOUT": "1s", "NOTIFY_CONCURRENCY": "16",
	}})

	const (
		down = iota
		hang
		up
	)
	var (
		mode     atomic.Int64
		mu       sync.Mutex
		hanging  = map[string]int{} // webhook-id → requests hanging now
		accepted = map[string]int{}
		seen     = map[string]bool{}
	)
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		id := r.Header.Get("webhook-id")
		mu.Lock()
		seen[id] = true
		mu.Unlock()
		switch mode.Load() {
		case down:
			return http.StatusServiceUnavailable, nil, "down for maintenance"
		case hang:
			mu.Lock()
			hanging[id]++
			mu.Unlock()
			<-r.Context().Done() // until the gateway gives up or dies
			mu.Lock()
			hanging[id]--
			mu.Unlock()
			return http.StatusServiceUnavailable, nil, ""
		}
		mu.Lock()
		accepted[id]++
		mu.Unlock()
		return http.StatusNoContent, nil, ""
	})
	m := newNotifyMerchant(t, g, rc.URL)
	payMany(t, events, m)
	waitNotify(t, 60*time.Second, "every event to be attempted while the receiver is down", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == events
	})

	mode.Store(hang)
	inFlight := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for id, n := range hanging {
			if n > 0 {
				ids = append(ids, id)
			}
		}
		return ids
	}
	waitNotify(t, 30*time.Second, "deliveries in flight", func() bool { return len(inFlight()) >= 8 })
	// The requests in flight now are claimed under a lease and have no
	// recorded attempt: the crash must not lose them.
	atCrash := inFlight()
	g.Kill()
	killedAt := time.Now()
	mode.Store(up)
	g.Restart()
	restarted := time.Now()
	t.Logf("killed with %d deliveries in flight, restarted in %v", len(atCrash), restarted.Sub(killedAt).Round(time.Millisecond))

	waitNotify(t, 90*time.Second, "every event to be delivered after the restart", func() bool {
		mu.Lock()
		n := len(accepted)
		mu.Unlock()
		return n == events && undelivered(t, m) == 0
	})
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for _, c := range accepted {
		dups += c - 1
	}
	for _, id := range atCrash {
		if accepted[id] == 0 {
			t.Errorf("%s was in flight at the crash and never delivered", id)
		}
	}
	t.Logf("crash test: %d events, all delivered %v after the restart; %d duplicate deliveries (at least once allows them)",
		events, time.Since(restarted).Round(time.Millisecond), dups)
	if rc.count() < 2*events {
		t.Errorf("receiver saw %d requests, expected failures before the successes", rc.count())
	}
}

// Two gateway processes on one Redis share the deliveries of a burst: every
// event arrives, none twice.
func TestNotify_TwoReplicasNoDuplicates(t *testing.T) {
	const events = 300
	redisURL := redistest.URL(t)
	env := map[string]string{"NOTIFY_SCHEDULE": "0s,200ms,200ms,200ms,1s,1s,1s", "NOTIFY_TIMEOUT": "5s", "NOTIFY_CONCURRENCY": "8"}
	g1 := gatewaytest.StartWith(t, gatewaytest.Options{Env: env, RedisURL: redisURL})
	g2 := gatewaytest.StartWith(t, gatewaytest.Options{Env: env, RedisURL: redisURL})

	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		time.Sleep(5 * time.Millisecond) // a receiver that does some work
		mu.Lock()
		got[r.Header.Get("webhook-id")]++
		mu.Unlock()
		return http.StatusOK, nil, "ok"
	})
	m1 := newNotifyMerchant(t, g1, rc.URL)
	m2 := m1.on(g2)
	payMany(t, events, m1, m2)

	waitNotify(t, 60*time.Second, "every event to be delivered", func() bool {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		return n == events && undelivered(t, m1) == 0
	})
	mu.Lock()
	dups := 0
	for id, c := range got {
		if c > 1 {
			dups += c - 1
			t.Errorf("%s delivered %d times", id, c)
		}
	}
	mu.Unlock()
	t.Logf("two replicas: %d events, %d deliveries, duplicates = %d", events, rc.count(), dups)
	if dups != 0 {
		t.Fatalf("duplicates = %d, want 0 when no process dies", dups)
	}

	// Both processes did part of the work.
	const success = `paysandbox_gateway_notification_attempts_total{kind="scheduled",outcome="success"}`
	s1, s2 := scrapeMetric(t, g1, success), scrapeMetric(t, g2, success)
	t.Logf("replica 1 delivered %v, replica 2 delivered %v", s1, s2)
	if s1 <= 0 || s2 <= 0 || s1+s2 != events {
		t.Errorf("successes per replica %v + %v, want both > 0 and %d in all", s1, s2, events)
	}
}
