package gateway_test

import (
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// Fault rules are read from Redis once per change, not on every call: the
// list is read again only after a rule is created, deleted or used up.
func TestFaultRules_ReadOncePerChange(t *testing.T) {
	f := newFixtureWith(t, nil)
	rdb := f.store.Client()
	zranges := func() int { return redistest.Calls(t, rdb, "zrange") }
	one := int64(1)
	if _, err := f.svc.CreateFaultRule(f.ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment, Method: gateway.MethodWechat}, "api_error=503", &one); err != nil {
		t.Fatal(err)
	}
	facts := gateway.CallFacts{MerchantID: f.m.ID, Protocol: gateway.ProtocolNative, Operation: gateway.OpCreatePayment, Method: gateway.MethodCard}
	before := zranges()
	for range 50 {
		if sc, r, err := f.svc.TakeFault(f.ctx, facts); err != nil || r != nil || !sc.IsZero() {
			t.Fatalf("card call matched a wechat rule: %v %v", r, err)
		}
	}
	if n := zranges() - before; n > 1 {
		t.Fatalf("50 calls read the rule list %d times, want at most once", n)
	}
	// The rule is used up by a matching call: it changes the version, is
	// not applied again, and expires.
	facts.Method = gateway.MethodWechat
	if sc, r, err := f.svc.TakeFault(f.ctx, facts); err != nil || r == nil || sc.APIError != 503 {
		t.Fatalf("matching call: %v %v %v", sc, r, err)
	}
	if _, r, err := f.svc.TakeFault(f.ctx, facts); err != nil || r != nil {
		t.Fatalf("used-up rule applied again: %v %v", r, err)
	}
	if zranges() == before {
		// Using the rule up changed the version: the list was read again.
		t.Fatal("no read of the rule list counted: the count above proves nothing")
	}
	rules, err := f.svc.FaultRules(f.ctx)
	if err != nil || len(rules) != 1 || rules[0].Hits != 1 || *rules[0].Remaining != 0 {
		t.Fatalf("rules after use: %+v %v", rules, err)
	}
	ttl := rdb.PTTL(f.ctx, "ps:{faults}:rule:"+rules[0].ID).Val()
	if ttl <= 0 || ttl > 24*time.Hour {
		t.Fatalf("used-up rule TTL %v, want (0, 24h]", ttl)
	}
	// A rule made after the cache was filled applies to the next call.
	if _, err := f.svc.CreateFaultRule(f.ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment}, "api_error=502", nil); err != nil {
		t.Fatal(err)
	}
	if sc, r, err := f.svc.TakeFault(f.ctx, facts); err != nil || r == nil || sc.APIError != 502 {
		t.Fatalf("new rule not applied at once: %v %v %v", sc, r, err)
	}
}
