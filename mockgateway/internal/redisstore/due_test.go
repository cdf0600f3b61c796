package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// The dispatcher reads only the merchants with due work (DESIGN §10): a
// commit that schedules marks its merchant, a claim moves the mark to the
// merchant's next member or removes it, and Sweep restores a lost mark.
func TestStore_DueMerchants(t *testing.T) {
	rdb := redistest.Client(t)
	store := redisstore.New(rdb)
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: gateway.Schedule{0, time.Minute}, Now: func() time.Time { return now }})
	ctx := context.Background()
	var ms []*gateway.Merchant
	for range 5 {
		m := newMerchant(t, svc, "idle")
		ms = append(ms, m)
	}
	busy := ms[2]
	paidPayment(t, svc, busy, "D-1")
	due := func(at time.Time) []string {
		t.Helper()
		got, err := store.DueMerchants(ctx, gateway.QueueDeliver, at)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := due(now); !slices.Equal(got, []string{busy.ID}) {
		t.Fatalf("due merchants %v, want only %s", got, busy.ID)
	}
	claimed, err := store.Claim(ctx, busy.ID, gateway.QueueDeliver, now, 15*time.Second, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim %v %v", claimed, err)
	}
	if got := due(now); len(got) != 0 {
		t.Fatalf("due under the lease: %v", got)
	}
	if got := due(now.Add(15 * time.Second)); !slices.Equal(got, []string{busy.ID}) {
		t.Fatalf("due when the lease ends: %v", got)
	}
	// Delivered: the queue empties and the next claim drops the mark.
	d, ok, err := svc.PrepareDelivery(ctx, busy.ID, gateway.QueueDeliver, claimed[0], nil)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, _, err := svc.RecordAttempt(ctx, d, gateway.AttemptResult{At: now, StatusCode: 200, Acknowledged: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := store.Claim(ctx, busy.ID, gateway.QueueDeliver, now.Add(time.Hour), time.Second, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim of an empty queue: %v %v", got, err)
	}
	if n := rdb.ZCard(ctx, "ps:due:deliver").Val(); n != 0 {
		t.Fatalf("%d merchants still marked with an empty queue", n)
	}

	// A mark lost between a commit and its marking (a crash) comes back
	// with Sweep.
	paidPayment(t, svc, busy, "D-2")
	rdb.Del(ctx, "ps:due:deliver")
	if got := due(now); len(got) != 0 {
		t.Fatalf("due without marks: %v", got)
	}
	if err := store.Sweep(ctx, gateway.QueueDeliver); err != nil {
		t.Fatal(err)
	}
	if got := due(now); !slices.Equal(got, []string{busy.ID}) {
		t.Fatalf("after Sweep: %v", got)
	}

	// DueMerchantsOf answers for several queues at once, in their order: a
	// redelivery asked of another merchant's event is on its own queue.
	other := ms[4]
	p3 := paidPayment(t, svc, other, "D-3")
	evs, _, err := svc.ListEvents(ctx, other, gateway.EventFilter{ObjectID: p3.ID}, gateway.ListQuery{Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events of %s: %v %v", p3.ID, evs, err)
	}
	if _, err := svc.RedeliverEvent(ctx, other, evs[0].ID); err != nil {
		t.Fatal(err)
	}
	both, err := store.DueMerchantsOf(ctx, []string{gateway.QueueRedeliver, gateway.QueueDeliver}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{busy.ID, other.ID}
	slices.Sort(want)
	if len(both) != 2 || !slices.Equal(both[0], []string{other.ID}) || !slices.Equal(slices.Sorted(slices.Values(both[1])), want) {
		t.Fatalf("DueMerchantsOf(redeliver, deliver) = %v, want [[%s] %v]", both, other.ID, want)
	}
}

// A Redis that forgot the scripts (SCRIPT FLUSH, a restart) gets them
// again: the commit is applied once and its merchant is marked.
func TestStore_CommitAfterScriptFlush(t *testing.T) {
	rdb := redistest.Client(t)
	store := redisstore.New(rdb)
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	ctx := context.Background()
	m := newMerchant(t, svc, "flushed")
	for i := range 3 {
		if err := rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		p, created, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "F-" + string(rune('a'+i)), Amount: 1, Method: "card", Subject: "x"})
		if err != nil || !created {
			t.Fatalf("create after a flush: %v %v", created, err)
		}
		if err := rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := store.DueMerchants(ctx, gateway.QueueDeliver, time.Now().Add(time.Minute)); err != nil || !slices.Equal(got, []string{m.ID}) {
		t.Fatalf("due merchants %v %v", got, err)
	}
}

// A merchant's mark in the set of merchants with due work moves only
// earlier, with ZADD … LT (Redis 6.2 and later) and without it.
func TestCommit_DueMarkOnlyMovesEarlier(t *testing.T) {
	for _, lt := range []bool{true, false} {
		t.Run(map[bool]string{true: "ZaddLT", false: "ZscoreThenZadd"}[lt], func(t *testing.T) {
			rdb := redistest.Client(t)
			store := redisstore.New(rdb)
			if !lt {
				store.AssumeNoZaddLT()
			}
			now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
			svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Now: func() time.Time { return now }})
			ctx := context.Background()
			m := newMerchant(t, svc, "marks")
			// With LT a mark is one ZADD; without it a ZSCORE comes first.
			zscores := redistest.Calls(t, rdb, "zscore")
			defer func() {
				n := redistest.Calls(t, rdb, "zscore") - zscores
				if lt && n != 0 || !lt && n < 3 {
					t.Errorf("%d ZSCORE calls for three marks (ZADD LT: %v)", n, lt)
				}
			}()
			for i, tc := range []struct {
				expiresIn, want time.Duration
			}{{30 * time.Minute, 30 * time.Minute}, {10 * time.Minute, 10 * time.Minute}, {time.Hour, 10 * time.Minute}} {
				in := gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("MK-%d", i), Amount: 1, Method: "card", Subject: "x", ExpiresIn: tc.expiresIn}
				if _, _, err := svc.CreatePayment(ctx, m, in); err != nil {
					t.Fatal(err)
				}
				// Read with ZRANGE: the test's own reads are no ZSCORE.
				marks, err := rdb.ZRangeWithScores(ctx, "ps:due:"+gateway.QueueTimer, 0, -1).Result()
				if err != nil || len(marks) != 1 || marks[0].Member != m.ID {
					t.Fatalf("marks %v, %v; want one, of %s", marks, err, m.ID)
				}
				got := marks[0].Score
				if want := float64(now.Add(tc.want).UnixMilli()); got != want {
					t.Fatalf("after a payment expiring in %v the mark is %v, want now + %v", tc.expiresIn, time.UnixMilli(int64(got)).UTC(), tc.want)
				}
			}
		})
	}
}

// Whether Redis takes ZADD … LT is asked again when the scripts had to be
// loaded again (a flushed script cache: a failover or restart, perhaps to
// another version): a store that found no LT uses it after an upgrade.
func TestCommit_AsksForZaddLTAgainAfterScriptsReload(t *testing.T) {
	// A server of its own: SCRIPT FLUSH must not reach other tests (with
	// TEST_REDIS_URL, other packages share the server).
	opt, err := redis.ParseURL(redistest.Server(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb)
	store.AssumeNoZaddLT()
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	ctx := context.Background()
	m := newMerchant(t, svc, "lt-again")
	create := func(otn string) {
		t.Helper()
		if _, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: otn, Amount: 1, Method: "card", Subject: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	zscores := func() int { return redistest.Calls(t, rdb, "zscore") }
	before := zscores()
	create("LT-0")
	if zscores() == before {
		t.Fatal("a store that assumes no LT marked without ZSCORE")
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	create("LT-1") // NOSCRIPT: the scripts are loaded again
	before = zscores()
	create("LT-2")
	create("LT-3")
	if n := zscores() - before; n != 0 {
		t.Fatalf("%d ZSCORE calls after the scripts were loaded again on a Redis that takes LT, want 0", n)
	}
}
