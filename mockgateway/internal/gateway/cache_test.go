package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// eventually polls cond for up to a second: the documented moment a
// change takes to reach another process.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Second {
			t.Fatalf("%s: not within 1s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// Two gateway processes on one Redis keep merchants and fault rules in
// memory; a change made through one reaches the other within the moment
// the change feed takes, and reaches the one that made it at once. A
// rotated API key stops working; a new fault rule applies.
func TestCache_ChangesReachEveryProcess(t *testing.T) {
	rdb := redistest.Client(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	newProcess := func() (*gateway.Service, *redisstore.Store) {
		store := redisstore.New(rdb)
		svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
		go func() { _ = svc.WatchChanges(ctx, store) }()
		return svc, store
	}
	a, _ := newProcess()
	b, _ := newProcess()
	demo := &gateway.Merchant{ID: "m_cache", Name: "Cache", APIKey: "sk_test_old", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	if err := a.SeedMerchant(ctx, demo); err != nil {
		t.Fatal(err)
	}
	// Let both feeds subscribe (they miss nothing that matters: every
	// lookup before that reads Redis).
	time.Sleep(50 * time.Millisecond)
	for _, svc := range []*gateway.Service{a, b} {
		if _, err := svc.Authenticate(ctx, "sk_test_old"); err != nil {
			t.Fatal(err)
		}
	}
	// Served from memory now: the key works even if Redis forgets it...
	if err := rdb.Del(ctx, "ps:merchant:m_cache").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, "sk_test_old"); err != nil {
		t.Fatalf("not served from memory: %v", err)
	}
	// ...until a change: b rotates the key (a restart with a new
	// DEMO_API_KEY), a hears of it.
	rotated := *demo
	rotated.APIKey = "sk_test_new"
	if err := b.SeedMerchant(ctx, &rotated); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, "sk_test_old"); gateway.ErrorCode(err) != gateway.InvalidAPIKey {
		t.Fatalf("the process that rotated the key still takes the old one: %v", err)
	}
	took := eventually(t, "old key refused by the other process", func() bool {
		_, err := a.Authenticate(ctx, "sk_test_old")
		return gateway.ErrorCode(err) == gateway.InvalidAPIKey
	})
	t.Logf("rotated key refused by the other process after %v", took)
	if m, err := a.Authenticate(ctx, "sk_test_new"); err != nil || m.ID != "m_cache" {
		t.Fatalf("new key: %v %v", m, err)
	}

	facts := gateway.CallFacts{MerchantID: "m_cache", Protocol: gateway.ProtocolNative, Operation: gateway.OpCreatePayment}
	if _, r, _ := a.TakeFault(ctx, facts); r != nil {
		t.Fatal("a rule before any was made")
	}
	if _, err := b.CreateFaultRule(ctx, gateway.FaultMatch{}, "api_error=503", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new rule applied by the other process", func() bool {
		_, r, err := a.TakeFault(ctx, facts)
		return err == nil && r != nil
	})
}
