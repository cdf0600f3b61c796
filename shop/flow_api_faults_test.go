package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestFlow_GatewayAPIFaults makes the gateway's API misbehave while the shop
// creates a payment. Faults that happen after the payment was made
// (api_error_after_commit, api_malformed) are absorbed by retrying under the
// same Idempotency-Key: one attempt, one gateway payment. A gateway that
// keeps failing leaves the attempt waiting, and the next click, once the
// gateway is back, continues it with the same out_trade_no.
func TestFlow_GatewayAPIFaults(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	for _, scenario := range []string{"api_error_after_commit=500", "api_malformed", "api_latency=200ms"} {
		t.Run(scenario, func(t *testing.T) {
			f.setScenario(scenario)
			no := alice.order("1")
			_, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
			attempts := f.attempts(no)
			if len(attempts) != 1 || attempts[0].Status != shop.AttemptPending || !strings.Contains(body, attempts[0].QRCodeURL) {
				t.Fatalf("attempts = %+v\n%s", attempts, body)
			}
			list, err := f.api.ListPayments(ctx, gatewayclient.ListPaymentsParams{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range list.Data {
				if strings.HasPrefix(p.OutTradeNo, no) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("gateway payments for %s = %d, want 1", no, n)
			}
		})
	}
	t.Run("api_error=503 on every try", func(t *testing.T) {
		f.setScenario("api_error=503")
		no := alice.order("1")
		_, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
		if !strings.Contains(body, "could not be reached") {
			t.Errorf("page does not say the provider is unreachable")
		}
		if a := f.attempts(no); len(a) != 1 || a[0].Status != shop.AttemptCreating {
			t.Fatalf("attempts = %+v, want one still being created", a)
		}
		f.setScenario("")
		alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
		a := f.attempts(no)
		if len(a) != 1 || a[0].Status != shop.AttemptPending || a[0].OutTradeNo != no+"-1" {
			t.Fatalf("after the gateway recovered: attempts = %+v", a)
		}
	})
}
