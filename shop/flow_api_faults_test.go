package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
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

// TestFlow_CancelWhileCreating: the gateway holds the create call of
// attempt 1 (api_latency) while the customer cancels in another tab. The
// cancel finds no payment yet (404), closes the attempt here and the order.
// When the create answer then arrives, the live gateway payment must not
// stay open: the shop closes it, so nothing can be paid for a closed order.
func TestFlow_CancelWhileCreating(t *testing.T) {
	f := startFlow(t, nil, nil, "api_latency=2s")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("3")
	paid := make(chan error, 1)
	go func() {
		_, _, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
		paid <- err
	}()
	f.eventually(5*time.Second, "attempt 1 never written", func() bool { return len(f.attempts(no)) == 1 })
	if _, body := alice.post("/orders/"+no+"/cancel", nil); f.order(no).Status != shop.OrderClosed {
		t.Fatalf("cancel while creating: order %s\n%s\n%s", f.order(no).Status, body, f.timeline(no))
	}
	if err := <-paid; err != nil {
		t.Fatal(err)
	}
	p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil {
		t.Fatalf("the delayed create made no payment, the test proves nothing: %v", err)
	}
	if p.Status != gatewayapi.PaymentClosed {
		t.Errorf("gateway payment of the cancelled order is %s, want closed", p.Status)
	}
	a := f.attempts(no)
	if len(a) != 1 || a[0].Status != shop.AttemptClosed || a[0].PaymentID != p.ID {
		t.Errorf("attempts = %+v, want attempt 1 closed with payment %s", a, p.ID)
	}
	if tl := f.timeline(no); !strings.Contains(tl, "Payment attempt 1 (Alipay) was created at the gateway as "+p.ID+" after it had been closed here") {
		t.Errorf("timeline:\n%s", tl)
	}
	if got := f.order(no).Status; got != shop.OrderClosed {
		t.Errorf("order = %s, want closed", got)
	}
}

// TestFlow_LostCreateAnswer: the gateway makes the payment but its answer
// is lost (api_error_after_commit with a shop that has no tries left), so
// the attempt stays "creating" without the payment's links. The reconciler
// reads the payment and moves the attempt to pending; the links come with
// it, so the QR code is shown and the card customer goes to the cashier.
func TestFlow_LostCreateAnswer(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 300 * time.Millisecond }, "notify_drop", func(o *options) {
		o.gatewayClient = append(o.gatewayClient, gatewayclient.WithMaxAttempts(1))
	})
	ctx := context.Background()
	f.gw.AddFault(map[string]any{"match": map[string]any{"operation": "create_payment"}, "scenario": "api_error_after_commit=500", "remaining": 2})
	alice := f.signIn("alice@example.com", "alice-sandbox")
	for _, method := range []string{"alipay", "card"} {
		t.Run(method, func(t *testing.T) {
			no := alice.order("1")
			if _, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {method}}); !strings.Contains(body, "could not be reached") {
				t.Fatalf("the create answer was not lost:\n%s", body)
			}
			p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
			if err != nil {
				t.Fatalf("no gateway payment behind the lost answer: %v", err)
			}
			f.eventually(10*time.Second, "attempt never reconciled", func() bool { return f.attempts(no)[0].Status == shop.AttemptPending })
			if a := f.attempts(no)[0]; a.PaymentID != p.ID || a.PayURL != p.PayURL || a.QRCodeURL != p.QRCodeURL {
				t.Errorf("attempt = %+v, want payment %s with pay_url %s and qr_code_url %s", a, p.ID, p.PayURL, p.QRCodeURL)
			}
			if method == "alipay" {
				if _, body := alice.get("/orders/" + no + "/pay"); !strings.Contains(body, `src="`+p.QRCodeURL+`"`) || !strings.Contains(body, p.PayURL) {
					t.Errorf("payment page lacks the QR code %s and link %s", p.QRCodeURL, p.PayURL)
				}
				return
			}
			st, loc, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {method}})
			if err != nil || st != http.StatusSeeOther || loc != p.PayURL {
				t.Errorf("paying by card again: %d to %q (%v), want the cashier %s", st, loc, err, p.PayURL)
			}
		})
	}
}
