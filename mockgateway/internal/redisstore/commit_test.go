package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A payment's out_trade_no claim lives as long as the payment: every write
// of the payment renews both.
func TestCommit_RenewsMerchantNumberTTL(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	svc := gateway.NewService(redisstore.New(rdb), gateway.Config{PublicURL: "http://gw.test", DataRetention: time.Hour})
	m := newMerchant(t, svc, "ttl")
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "TTL-1", Amount: 100, Currency: "CNY", Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	claim := "ps:{" + m.ID + "}:otn:TTL-1"
	// Age the claim, then change the payment.
	if err := rdb.PExpire(ctx, claim, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, claim).Val(); ttl < 59*time.Minute {
		t.Fatalf("claim TTL %v after a write, want renewed to about 1h", ttl)
	}
}

// A commit that creates an object is recognized on a resend by the
// object's unique name; only other commits write a token key of their own
// (one key made and expired per create saved). A conflicting create marks
// no due work: on a standalone Redis the marks are part of the commit.
func TestCommit_TokensAndMarks(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	svc := gateway.NewService(redisstore.New(rdb), gateway.Config{PublicURL: "http://gw.test"})
	m := newMerchant(t, svc, "tok")
	tokens := func() int {
		t.Helper()
		keys, err := rdb.Keys(ctx, "ps:{"+m.ID+"}:ct:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	in := gateway.CreatePaymentInput{OutTradeNo: "TOK-1", Amount: 100, Method: "card", Subject: "x"}
	p, created, err := svc.CreatePayment(ctx, m, in)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if n := tokens(); n != 0 {
		t.Fatalf("a create wrote %d commit tokens, want none", n)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	if n := tokens(); n != 1 {
		t.Fatalf("a change of a payment wrote %d commit tokens, want 1", n)
	}

	timers := "ps:due:" + gateway.QueueTimer
	if rdb.ZScore(ctx, timers, m.ID).Err() != nil {
		t.Fatal("a create scheduling its expiry did not mark its merchant")
	}
	if err := rdb.ZRem(ctx, timers, m.ID).Err(); err != nil {
		t.Fatal(err)
	}
	if _, created, err := svc.CreatePayment(ctx, m, in); err != nil || created {
		t.Fatalf("the same create again: created %v, %v", created, err)
	}
	if err := rdb.ZScore(ctx, timers, m.ID).Err(); err == nil {
		t.Fatal("a create that conflicted (nothing written) marked its merchant as having due work")
	}
}

// REDIS_URL may name a cluster-mode Redis of one shard: it serves every
// key to a plain client but refuses a script touching two slots. Commits
// still apply, and their due work is still marked (apart from the script).
func TestCommit_OneShardClusterBehindAPlainClient(t *testing.T) {
	opt, err := redis.ParseURL(redistest.OneShardCluster(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	svc := gateway.NewService(redisstore.New(rdb), gateway.Config{PublicURL: "http://gw.test"})
	m := newMerchant(t, svc, "one-shard")
	for i := range 2 {
		p, created, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("OS-%d", i), Amount: 1, Method: "card", Subject: "x"})
		if err != nil || !created {
			t.Fatalf("create %d: created %v, %v", i, created, err)
		}
		if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{gateway.QueueTimer, gateway.QueueDeliver} {
		if err := rdb.ZScore(ctx, "ps:due:"+q, m.ID).Err(); err != nil {
			t.Errorf("no mark of due work on %s: %v", q, err)
		}
	}
}

// A list index drops the ids older than its TTL: not on every write (one
// in 16 trims), but surely within a few hundred.
func TestCommit_IndexTrimmed(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	now := time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)
	svc := gateway.NewService(redisstore.New(rdb), gateway.Config{PublicURL: "http://gw.test", DataRetention: time.Hour, Now: func() time.Time { return now }})
	m := newMerchant(t, svc, "trim")
	create := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			if _, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("%s-%d", prefix, i), Amount: 1, Method: "card", Subject: "x"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	index := "ps:{" + m.ID + "}:idx:pay"
	create("OLD", 5)
	now = now.Add(2 * time.Hour)
	// (15/16)^300: the chance that none of 300 writes trims is 4e-9.
	create("NEW", 300)
	ids, err := rdb.ZRange(ctx, index, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 300 {
		t.Fatalf("the index holds %d ids after 5 creates past the retention and 300 within it; want the 300", len(ids))
	}
}

// paidPayment creates a payment of m and pays it: its payment.succeeded
// notification is on the merchant's deliver queue.
func paidPayment(t *testing.T, svc *gateway.Service, m *gateway.Merchant, outTradeNo string) *gateway.Payment {
	t.Helper()
	ctx := context.Background()
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: outTradeNo, Amount: 1, Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// newMerchant creates a merchant of svc for a test.
func newMerchant(t *testing.T, svc *gateway.Service, name string) *gateway.Merchant {
	t.Helper()
	m, err := svc.CreateMerchant(context.Background(), name, "http://127.0.0.1:9/hook")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A list forgets the index entries of objects that expired, those of a
// page in one call, and still fills its page from the live ones.
func TestList_ForgetsExpiredInOneCall(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	store := redisstore.New(rdb)
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	m := newMerchant(t, svc, "expired")
	var live []string
	for i := range 30 {
		p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("EXP-%d", i), Amount: 1, Method: "card", Subject: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			live = append(live, p.ID)
			continue
		}
		// As if its TTL had run out before the index was trimmed.
		if err := rdb.Del(ctx, "ps:{"+m.ID+"}:pay:"+p.ID).Err(); err != nil {
			t.Fatal(err)
		}
	}
	zrems := redistest.Calls(t, rdb, "zrem")
	got, more, err := store.ListPayments(ctx, m.ID, gateway.ListQuery{Limit: 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(live) || more {
		t.Fatalf("listed %d payments (more %v), want the %d live ones", len(got), more, len(live))
	}
	if n := redistest.Calls(t, rdb, "zrem") - zrems; n != 1 {
		t.Fatalf("%d ZREM calls forgot the page's 20 expired entries, want 1", n)
	}
	left, err := rdb.ZCard(ctx, "ps:{"+m.ID+"}:idx:pay").Result()
	if err != nil {
		t.Fatal(err)
	}
	if left != int64(len(live)) {
		t.Fatalf("the index keeps %d entries, want the %d live ones", left, len(live))
	}
}
