package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// clock is an injected clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	svc   *gateway.Service
	store *redisstore.Store
	m     *gateway.Merchant
	t0    time.Time
}

// newFixture runs a Service on a real Redis with an injected clock, a
// schedule of 0s,10s,1m and a merchant with a notify URL.
func newFixture(t *testing.T, schedule string) *fixture {
	t.Helper()
	sch, err := gateway.ParseSchedule(schedule)
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureWith(t, func(c *gateway.Config) { c.Schedule = sch })
}

// newFixtureWith runs a Service on a real Redis with a fake clock that
// starts far from the real time — the core and its store run on the clock
// they are given, never the machine's — configured by cfg.
func newFixtureWith(t *testing.T, cfg func(*gateway.Config)) *fixture {
	t.Helper()
	t0 := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	f := &fixture{t: t, ctx: context.Background(), clock: &clock{t: t0}, t0: t0}
	f.store = redisstore.New(redistest.Client(t))
	c := gateway.Config{PublicURL: "http://gw.test", TimeScale: 1, RefundDelay: time.Minute, Now: f.clock.Now}
	if cfg != nil {
		cfg(&c)
	}
	f.svc = gateway.NewService(f.store, c)
	var err error
	f.m, err = f.svc.CreateMerchant(f.ctx, "Test shop", "http://127.0.0.1:9/hook")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// paidEvent creates and pays a payment and returns its payment.succeeded.
func (f *fixture) paidEvent(scenario string) *gateway.Event {
	f.t.Helper()
	p := f.payment(scenario)
	if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
		f.t.Fatal(err)
	}
	return f.onlyEvent(p.ID, gateway.EventPaymentSucceeded)
}

func (f *fixture) payment(scenario string) *gateway.Payment {
	f.t.Helper()
	sc, err := gateway.ParseScenario(scenario)
	if err != nil {
		f.t.Fatal(err)
	}
	p, _, err := f.svc.CreatePayment(f.ctx, f.m, gateway.CreatePaymentInput{
		OutTradeNo: gateway.RandomToken(12), Amount: 1999, Method: "card", Subject: "Tea", Scenario: sc.Stored(),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) onlyEvent(objectID, typ string) *gateway.Event {
	f.t.Helper()
	evs, _, err := f.svc.ListEvents(f.ctx, f.m, gateway.EventFilter{ObjectID: objectID, Type: typ}, gateway.ListQuery{Limit: 10})
	if err != nil || len(evs) != 1 {
		f.t.Fatalf("events of %s (%s): %d, %v", objectID, typ, len(evs), err)
	}
	return evs[0]
}

func (f *fixture) event(id string) *gateway.Event {
	f.t.Helper()
	ev, err := f.svc.Event(f.ctx, f.m, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

// claim claims the members of queue due at the clock's now.
func (f *fixture) claim(queue string) []string {
	f.t.Helper()
	got, err := f.store.Claim(f.ctx, f.m.ID, queue, f.clock.Now(), 15*time.Second, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// attempt claims exactly one member of queue at now, prepares and records
// an attempt with res (its At set to now).
func (f *fixture) attempt(queue string, res gateway.AttemptResult) (*gateway.Event, bool) {
	f.t.Helper()
	members := f.claim(queue)
	if len(members) != 1 {
		f.t.Fatalf("claimed %v from %s at %s, want one member", members, queue, f.clock.Now())
	}
	d, ok, err := f.svc.PrepareDelivery(f.ctx, f.m.ID, queue, members[0], nil)
	if err != nil || !ok {
		f.t.Fatalf("PrepareDelivery = %v, %v", ok, err)
	}
	res.At = f.clock.Now()
	// The native rule: any 2xx acknowledges.
	res.Acknowledged = res.StatusCode >= 200 && res.StatusCode < 300
	ev, first, err := f.svc.RecordAttempt(f.ctx, d, res)
	if err != nil {
		f.t.Fatal(err)
	}
	return ev, first
}

// due reports how many members of queue are due at t and later.
func (f *fixture) due(queue string, t time.Time) (int64, int64) {
	f.t.Helper()
	due, later, err := f.store.QueueStats(f.ctx, f.m.ID, queue, t)
	if err != nil {
		f.t.Fatal(err)
	}
	return due, later
}

func TestService_RecordAttempt_Schedule(t *testing.T) {
	f := newFixture(t, "0s,10s,1m")
	ev := f.paidEvent("")
	if ev.NextAttemptAt == nil || !ev.NextAttemptAt.Equal(f.t0) {
		t.Fatalf("first attempt at %v, want creation time %v", ev.NextAttemptAt, f.t0)
	}

	// Attempt 1 fails after 2 s: attempt 2 is due 10 s after its end.
	ev, first := f.attempt(gateway.QueueDeliver, gateway.AttemptResult{Duration: 2 * time.Second, StatusCode: 500, ResponseBody: "boom"})
	want := f.t0.Add(12 * time.Second)
	if first || ev.DeliveryStatus != "pending" || ev.NextAttemptAt == nil || !ev.NextAttemptAt.Equal(want) {
		t.Fatalf("after attempt 1: status %s next %v first %v; want pending %v", ev.DeliveryStatus, ev.NextAttemptAt, first, want)
	}
	if due, _ := f.due(gateway.QueueDeliver, want.Add(-time.Millisecond)); due != 0 {
		t.Fatalf("due before its time: %d", due)
	}
	if due, _ := f.due(gateway.QueueDeliver, want); due != 1 {
		t.Fatalf("due at its time: %d, want 1", due)
	}
	a := ev.Attempts[0]
	if a.Number != 1 || *a.StatusCode != 500 || a.DurationMS != 2000 || a.ResponseBody != "boom" || a.Error != "" || a.Scenario != "" || a.URL != f.m.NotifyURL {
		t.Fatalf("attempt 1 = %+v", a)
	}

	// Attempt 2: a 503 with Retry-After 90 s beats the schedule's 1 m.
	f.clock.Set(want)
	ev, _ = f.attempt(gateway.QueueDeliver, gateway.AttemptResult{Duration: 500 * time.Millisecond, StatusCode: 503, RetryAfter: 90 * time.Second})
	want = want.Add(500*time.Millisecond + 90*time.Second)
	if ev.NextAttemptAt == nil || !ev.NextAttemptAt.Equal(want) {
		t.Fatalf("after a 503 with Retry-After: next %v, want %v", ev.NextAttemptAt, want)
	}

	// Attempt 3 is the last: the event fails and leaves the schedule.
	f.clock.Set(want)
	ev, _ = f.attempt(gateway.QueueDeliver, gateway.AttemptResult{Duration: time.Second, Err: "connection refused"})
	if ev.DeliveryStatus != "failed" || ev.NextAttemptAt != nil || ev.Scheduled != 3 || len(ev.Attempts) != 3 {
		t.Fatalf("after the last attempt: %s next %v scheduled %d attempts %d", ev.DeliveryStatus, ev.NextAttemptAt, ev.Scheduled, len(ev.Attempts))
	}
	if a := ev.Attempts[2]; a.StatusCode != nil || a.Error != "connection refused" {
		t.Fatalf("attempt 3 = %+v", a)
	}
	if due, later := f.due(gateway.QueueDeliver, want); due+later != 0 {
		t.Fatalf("still scheduled: %d due, %d later", due, later)
	}

	// A redelivery that fails leaves it failed; one that succeeds delivers it.
	if _, err := f.svc.RedeliverEvent(f.ctx, f.m, ev.ID); err != nil {
		t.Fatal(err)
	}
	ev, _ = f.attempt(gateway.QueueRedeliver, gateway.AttemptResult{StatusCode: 502})
	if ev.DeliveryStatus != "failed" || len(ev.Attempts) != 4 {
		t.Fatalf("after a failed redelivery: %s, %d attempts", ev.DeliveryStatus, len(ev.Attempts))
	}
	if _, err := f.svc.RedeliverEvent(f.ctx, f.m, ev.ID); err != nil {
		t.Fatal(err)
	}
	ev, first = f.attempt(gateway.QueueRedeliver, gateway.AttemptResult{StatusCode: 204})
	if ev.DeliveryStatus != "delivered" || !first || ev.Scheduled != 3 || ev.Attempts[4].Number != 5 {
		t.Fatalf("after a good redelivery: %s first %v scheduled %d attempts %+v", ev.DeliveryStatus, first, ev.Scheduled, ev.Attempts)
	}
	if due, later := f.due(gateway.QueueRedeliver, want.Add(time.Hour)); due+later != 0 {
		t.Fatalf("redelivery queue not empty: %d", due+later)
	}
}

func TestService_RedeliverPending(t *testing.T) {
	f := newFixture(t, "0s,10s,1m")
	f.paidEvent("")
	ev, _ := f.attempt(gateway.QueueDeliver, gateway.AttemptResult{StatusCode: 500})
	next := *ev.NextAttemptAt

	t.Run("FailureKeepsSchedule", func(t *testing.T) {
		if _, err := f.svc.RedeliverEvent(f.ctx, f.m, ev.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := f.attempt(gateway.QueueRedeliver, gateway.AttemptResult{StatusCode: 500})
		if got.DeliveryStatus != "pending" || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(next) || got.Scheduled != 1 {
			t.Fatalf("got %s next %v scheduled %d, want pending %v 1", got.DeliveryStatus, got.NextAttemptAt, got.Scheduled, next)
		}
		if due, _ := f.due(gateway.QueueDeliver, next); due != 1 {
			t.Fatalf("scheduled attempt gone: due %d", due)
		}
	})
	t.Run("TwoRequestsTwoAttempts", func(t *testing.T) {
		for range 2 {
			if _, err := f.svc.RedeliverEvent(f.ctx, f.m, ev.ID); err != nil {
				t.Fatal(err)
			}
		}
		if due, _ := f.due(gateway.QueueRedeliver, f.clock.Now()); due != 2 {
			t.Fatalf("redelivery requests queued: %d, want 2", due)
		}
	})
	t.Run("SuccessUnschedules", func(t *testing.T) {
		members := f.claim(gateway.QueueRedeliver)
		for i, m := range members {
			d, ok, err := f.svc.PrepareDelivery(f.ctx, f.m.ID, gateway.QueueRedeliver, m, nil)
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			_, first, err := f.svc.RecordAttempt(f.ctx, d, gateway.AttemptResult{At: f.clock.Now(), StatusCode: 200, Acknowledged: true})
			if err != nil || first != (i == 0) {
				t.Fatalf("redelivery %d: first %v, %v", i, first, err)
			}
		}
		got := f.event(ev.ID)
		if got.DeliveryStatus != "delivered" || got.NextAttemptAt != nil {
			t.Fatalf("got %s next %v", got.DeliveryStatus, got.NextAttemptAt)
		}
		if due, later := f.due(gateway.QueueDeliver, next); due+later != 0 {
			t.Fatalf("delivered event still scheduled")
		}
		// A scheduled claim that was already in flight is dropped quietly.
		if _, ok, err := f.svc.PrepareDelivery(f.ctx, f.m.ID, gateway.QueueDeliver, ev.ID, nil); ok || err != nil {
			t.Fatalf("PrepareDelivery of a delivered event = %v, %v", ok, err)
		}
	})
}

func TestService_AttemptLogCapped(t *testing.T) {
	f := newFixture(t, "0s")
	ev := f.paidEvent("")
	d := gateway.PlanDelivery(ev, gateway.AttemptRedelivery)
	d.Merchant = f.m
	for range gateway.MaxAttemptsKept + 10 {
		if _, _, err := f.svc.RecordAttempt(f.ctx, d, gateway.AttemptResult{At: f.clock.Now(), StatusCode: 500}); err != nil {
			t.Fatal(err)
		}
	}
	got := f.event(ev.ID)
	if n := len(got.Attempts); n != gateway.MaxAttemptsKept {
		t.Fatalf("kept %d attempts, want %d", n, gateway.MaxAttemptsKept)
	}
	if first, last := got.Attempts[0].Number, got.Attempts[len(got.Attempts)-1].Number; first != 11 || last != 60 {
		t.Fatalf("kept attempts %d..%d, want 11..60", first, last)
	}
}

func TestService_NotifyHolds(t *testing.T) {
	t.Run("notify_delay", func(t *testing.T) {
		f := newFixture(t, "0s,10s")
		ev := f.paidEvent("notify_delay=30s")
		if want := f.t0.Add(30 * time.Second); ev.NextAttemptAt == nil || !ev.NextAttemptAt.Equal(want) {
			t.Fatalf("first attempt at %v, want %v", ev.NextAttemptAt, want)
		}
		n, err := f.svc.DeliverDue(f.ctx, f.m)
		if err != nil || n != 1 {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		got, _ := f.attempt(gateway.QueueDeliver, gateway.AttemptResult{StatusCode: 204})
		if got.DeliveryStatus != "delivered" || got.Attempts[0].Scenario != "notify_delay" {
			t.Fatalf("got %s %+v", got.DeliveryStatus, got.Attempts)
		}
	})
	t.Run("notify_out_of_order", func(t *testing.T) {
		f := newFixture(t, "0s,10s")
		p := f.payment("notify_out_of_order=5s")
		if _, err := f.svc.FailPayment(f.ctx, f.m, p.ID, "card_declined"); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(f.t0.Add(time.Second))
		if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
			t.Fatal(err)
		}
		older := f.onlyEvent(p.ID, gateway.EventPaymentFailed)
		newer := f.onlyEvent(p.ID, gateway.EventPaymentSucceeded)

		// Nothing is due inside the window.
		f.clock.Set(f.t0.Add(5*time.Second - time.Millisecond))
		if got := f.claim(gateway.QueueDeliver); len(got) != 0 {
			t.Fatalf("claimed %v inside the hold", got)
		}
		// At the end of the window the older one comes due, but the newer
		// one must go first: it is pulled forward, the older one waits.
		f.clock.Set(f.t0.Add(5 * time.Second))
		got := f.claim(gateway.QueueDeliver)
		if len(got) != 1 || got[0] != older.ID {
			t.Fatalf("claimed %v, want the older event", got)
		}
		if _, ok, err := f.svc.PrepareDelivery(f.ctx, f.m.ID, gateway.QueueDeliver, older.ID, nil); ok || err != nil {
			t.Fatalf("older event sent before the newer: %v, %v", ok, err)
		}
		ev, _ := f.attempt(gateway.QueueDeliver, gateway.AttemptResult{StatusCode: 200})
		if ev.ID != newer.ID || ev.Attempts[0].Scenario != "notify_out_of_order" {
			t.Fatalf("sent %s (%+v) first, want the newer %s", ev.ID, ev.Attempts, newer.ID)
		}
		f.clock.Set(f.clock.Now().Add(100 * time.Millisecond))
		ev, _ = f.attempt(gateway.QueueDeliver, gateway.AttemptResult{StatusCode: 200})
		if ev.ID != older.ID {
			t.Fatalf("sent %s second, want the older %s", ev.ID, older.ID)
		}
	})
}
