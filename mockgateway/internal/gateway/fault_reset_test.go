package gateway_test

import (
	"context"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// After a reset the fault rules' version does not start again at a value
// a process cached: a rule made after the reset applies, also where the
// change feed is not live.
func TestFaultRules_ResetNeverRewindsTheVersion(t *testing.T) {
	ctx := context.Background()
	store := redisstore.New(redistest.Client(t))
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	demo := &gateway.Merchant{ID: "m_demo", Name: "Demo", APIKey: "sk_test_demo", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	if err := svc.SeedMerchant(ctx, demo); err != nil {
		t.Fatal(err)
	}
	facts := gateway.CallFacts{MerchantID: "m_demo", Protocol: gateway.ProtocolNative, Operation: gateway.OpCreatePayment}
	if _, err := svc.CreateFaultRule(ctx, gateway.FaultMatch{Operation: gateway.OpGetPayment}, "api_error=503", nil); err != nil {
		t.Fatal(err)
	}
	if _, r, _ := svc.TakeFault(ctx, facts); r != nil { // caches version 1: one get_payment rule
		t.Fatal("unexpected match")
	}
	if err := svc.Reset(ctx, demo); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateFaultRule(ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment}, "api_error=503", nil); err != nil {
		t.Fatal(err)
	}
	if _, r, err := svc.TakeFault(ctx, facts); err != nil || r == nil {
		t.Fatalf("the create_payment rule made after the reset does not apply (rule %v, err %v)", r, err)
	}
}
