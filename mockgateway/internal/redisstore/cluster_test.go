package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// The store on a real three-master Redis Cluster: every multi-key operation
// must stay on one hash slot (a CROSSSLOT error fails the test), and the
// global pieces (merchants, owner index, fault rules, reset) must work across
// nodes.
func TestStore_RedisCluster(t *testing.T) {
	addrs := redistest.Cluster(t)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	store := redisstore.New(rdb)
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", RefundDelay: time.Hour})

	// Merchants whose hash tags land on different slots, and so on
	// different nodes.
	var merchants []*gateway.Merchant
	for i := range 12 {
		m, err := svc.CreateMerchant(ctx, fmt.Sprint("shop ", i), "http://127.0.0.1:1/hook")
		if err != nil {
			t.Fatal(err)
		}
		merchants = append(merchants, m)
	}
	nodes := map[string]bool{}
	for _, m := range merchants {
		slot := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		n, err := slot.MasterForKey(ctx, "ps:{"+m.ID+"}:x")
		if err != nil {
			t.Fatal(err)
		}
		nodes[n.Options().Addr] = true
		_ = slot.Close()
	}
	t.Logf("12 merchants spread over %d of 3 nodes", len(nodes))

	for _, m := range merchants {
		// Concurrent creates with one out_trade_no: one payment.
		var wg sync.WaitGroup
		created := make(chan bool, 10)
		for range 10 {
			wg.Go(func() {
				_, c, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "C-1", Amount: 10000, Currency: "CNY", Method: "card", Subject: "x"})
				if err != nil {
					t.Errorf("create: %v", err)
				}
				created <- c
			})
		}
		wg.Wait()
		close(created)
		n := 0
		for c := range created {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s: %d creates won, want 1", m.ID, n)
		}
		p, err := svc.PaymentByOutTradeNo(ctx, m, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		// The unauthenticated cashier path: a global index, then the slot.
		if got, gm, err := svc.PublicPayment(ctx, p.ID); err != nil || got.ID != p.ID || gm.ID != m.ID {
			t.Fatalf("public payment: %v", err)
		}
		if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
			t.Fatal(err)
		}
		re, _, err := svc.CreateRefund(ctx, m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SettleRefund(ctx, m, re.ID, gateway.SettleSucceed, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Payment(ctx, m, p.ID); got.AmountRefunded != 10000 {
			t.Fatalf("amount_refunded %d", got.AmountRefunded)
		}
		ps, _, err := svc.ListPayments(ctx, m, gateway.PaymentFilter{}, gateway.ListQuery{Limit: 10})
		if err != nil || len(ps) != 1 {
			t.Fatalf("list: %d, %v", len(ps), err)
		}
		evs, _, err := store.ListEvents(ctx, m.ID, p.ID, gateway.ListQuery{Limit: 10}, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %d, %v", len(evs), err)
		}
		st, _, err := store.IdemBegin(ctx, m.ID, "k", "fp", time.Minute)
		if err != nil || st != gateway.IdemNew {
			t.Fatalf("idem: %v %v", st, err)
		}
		if err := store.IdemFinish(ctx, m.ID, "k", "fp", gateway.IdemAnswer{Status: 201, Body: []byte("{}")}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	// Claims across every merchant's queue (pipelined over the nodes).
	now := time.Now().Add(time.Minute)
	due, err := store.DueMerchants(ctx, gateway.QueueDeliver, now)
	if err != nil || len(due) != len(merchants) {
		t.Fatalf("due merchants: %d, %v", len(due), err)
	}
	for _, mid := range due {
		got, err := store.Claim(ctx, mid, gateway.QueueDeliver, now, time.Minute, 10)
		if err != nil || len(got) != 2 { // payment.succeeded and refund.succeeded
			t.Fatalf("claim %s: %v, %v", mid, got, err)
		}
		if n, err := store.MakeDue(ctx, mid, gateway.QueueDeliver, now); err != nil || n != 2 {
			t.Fatalf("make due %s: %d, %v", mid, n, err)
		}
	}

	rule, err := svc.CreateFaultRule(ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment}, "api_error=503", ptr(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	if sc, r, err := svc.TakeFault(ctx, gateway.CallFacts{Operation: gateway.OpCreatePayment}); err != nil || r == nil || r.ID != rule.ID || sc.APIError != 503 {
		t.Fatalf("take fault: %v %v %v", sc, r, err)
	}
	if _, r, _ := svc.TakeFault(ctx, gateway.CallFacts{Operation: gateway.OpCreatePayment}); r != nil {
		t.Fatal("one-shot rule applied twice")
	}

	demo := &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", APIKey: "sk_test_demo", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	if err := svc.Reset(ctx, demo); err != nil {
		t.Fatal(err)
	}
	ms, err := store.Merchants(ctx)
	if err != nil || len(ms) != 1 || ms[0].ID != gateway.DemoMerchantID {
		t.Fatalf("after reset: %d merchants, %v", len(ms), err)
	}
	var left atomic.Int64 // ForEachMaster calls back concurrently
	err = rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		n, err := c.DBSize(ctx).Result()
		left.Add(n)
		return err
	})
	if err != nil || left.Load() != 5 { // the demo merchant, the merchant set, its API key, the layout mark, the fault rules' version
		t.Fatalf("%d keys left after reset, want 5 (%v)", left.Load(), err)
	}
}

func ptr[T any](v T) *T { return &v }
