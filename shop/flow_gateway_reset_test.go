package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// resetGateway wipes the gateway's state (POST /admin/api/reset), as a QA
// engineer would, or as a restart of its embedded Redis does: every payment
// and refund the shop knows of is gone.
func (f *flow) resetGateway() {
	f.t.Helper()
	resp, err := f.gw.Request(context.Background(), http.MethodPost, "/admin/api/reset", []byte("{}"), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		f.t.Fatalf("reset the gateway: %d %s", resp.StatusCode, b)
	}
}

// pendingAttempt orders a product and opens attempt 1 with method; it
// returns the order number and the attempt's gateway payment id.
func (c *customer) pendingAttempt(method string) (string, string) {
	c.f.t.Helper()
	no := c.order("2")
	c.post("/orders/"+no+"/pay", url.Values{"method": {method}})
	a := c.f.attempts(no)
	if len(a) != 1 || a[0].Status != shop.AttemptPending || a[0].PaymentID == "" {
		c.f.t.Fatalf("attempts of %s = %+v, want one pending with a payment", no, a)
	}
	return no, a[0].PaymentID
}

// forgotten is the timeline entry of an attempt closed because the gateway
// no longer knows its payment.
func forgotten(payID string) string {
	return "Payment attempt 1 closed: the gateway has no record of payment " + payID
}

// TestFlow_GatewayForgetsPayment: the gateway answers 404 for a payment the
// shop has (its state was reset). The attempt counts as closed, with a
// timeline note saying why, so the customer can cancel, pay again with the
// same or another method, and the order is not wedged.
func TestFlow_GatewayForgetsPayment(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")

	cancelled, payCancelled := alice.pendingAttempt("alipay")
	again, payAgain := alice.pendingAttempt("alipay")
	switched, paySwitched := alice.pendingAttempt("card")
	f.resetGateway()

	t.Run("cancel", func(t *testing.T) {
		_, body := alice.post("/orders/"+cancelled+"/cancel", nil)
		if got := f.order(cancelled).Status; got != shop.OrderClosed || !strings.Contains(body, "was cancelled") {
			t.Fatalf("order = %s after cancelling\n%s", got, body)
		}
		if tl := f.timeline(cancelled); !strings.Contains(tl, forgotten(payCancelled)) || !strings.Contains(tl, "cancelled | customer alice@example.com") {
			t.Errorf("timeline:\n%s", tl)
		}
	})
	for _, tt := range []struct{ name, no, payID, method string }{
		{"pay again with the same method", again, payAgain, "alipay"},
		{"pay again with another method", switched, paySwitched, "wechat"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, body := alice.post("/orders/"+tt.no+"/pay", url.Values{"method": {tt.method}})
			a := f.attempts(tt.no)
			if len(a) != 2 || a[0].Status != shop.AttemptClosed || a[1].Status != shop.AttemptPending || a[1].OutTradeNo != tt.no+"-2" {
				t.Fatalf("attempts = %+v\n%s", a, body)
			}
			if !strings.Contains(body, a[1].QRCodeURL) {
				t.Errorf("payment page lacks the new QR code %s", a[1].QRCodeURL)
			}
			if _, err := f.api.SucceedPayment(ctx, a[1].PaymentID); err != nil {
				t.Fatal(err)
			}
			f.eventually(10*time.Second, "order never paid by attempt 2", func() bool { return f.order(tt.no).Status == shop.OrderPaid })
			if tl := f.timeline(tt.no); !strings.Contains(tl, forgotten(tt.payID)) {
				t.Errorf("timeline:\n%s", tl)
			}
		})
	}
}

// TestFlow_GatewayForgetsPaymentExpiry: an order whose payment the gateway
// forgot still closes when its time is up; before, closing the payment
// answered 404 on every pass and the order stayed awaiting payment.
func TestFlow_GatewayForgetsPaymentExpiry(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.OrderTTL = 2 * time.Second }, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no, payID := alice.pendingAttempt("alipay")
	f.resetGateway()
	f.eventually(10*time.Second, "expired order never closed:\n"+f.timeline(no), func() bool { return f.order(no).Status == shop.OrderClosed })
	tl := f.timeline(no)
	for _, want := range []string{"attempt_closed | reconciler: " + forgotten(payID), "expired | reconciler: Closed: not paid by its deadline"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
}

// TestFlow_GatewayForgetsPaymentReconciled: the reconciler reads a pending
// attempt the gateway forgot; it closes it instead of failing on every pass,
// and the customer pays with a new attempt.
func TestFlow_GatewayForgetsPaymentReconciled(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 300 * time.Millisecond }, "notify_drop")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no, payID := alice.pendingAttempt("wechat")
	f.resetGateway()
	f.eventually(10*time.Second, "forgotten attempt never closed", func() bool { return f.attempts(no)[0].Status == shop.AttemptClosed })
	if tl := f.timeline(no); !strings.Contains(tl, "attempt_closed | reconciler: "+forgotten(payID)) {
		t.Errorf("timeline:\n%s", tl)
	}
	if got := f.order(no).Status; got != shop.OrderPendingPayment {
		t.Errorf("order = %s, want still awaiting payment", got)
	}
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
	if a := f.attempts(no); len(a) != 2 || a[1].Status != shop.AttemptPending {
		t.Fatalf("attempts after paying again = %+v", a)
	}
}

// TestFlow_GatewayForgetsRefund: after a reset the gateway answers 404 to
// creating a refund (its payment is gone) and to reading a pending one.
// Both are definite answers: the refund fails, the order is refund_failed
// and the refund is in support's failed list, instead of being retried for
// ever while the order stays refunding.
func TestFlow_GatewayForgetsRefund(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 300 * time.Millisecond }, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	created, _ := alice.paidOrder("1")
	createdReq := alice.requestRefund(created, "68", "changed_mind", "")
	read, _ := alice.paidOrder("2")
	readReq := alice.requestRefund(read, "299", "changed_mind", "")
	f.setRefundScenario("refund_stuck")
	sam.decide(readReq, "approve", "Refunding.")
	if r, err := f.api.GetRefundByOutRefundNo(context.Background(), readReq+"-1"); err != nil || r.Status != gatewayapi.RefundPending {
		t.Fatalf("refund %s-1 at the gateway = %+v, %v; want pending", readReq, r, err)
	}
	f.resetGateway()

	_, body := sam.decide(createdReq, "approve", "Refunding.")
	must(t, body, "approved, but the gateway refused refund "+createdReq+"-1 (resource_missing)")
	if got := f.order(created).Status; got != shop.OrderRefundFailed {
		t.Errorf("order whose refund could not be created = %s, want refund_failed\n%s", got, f.timeline(created))
	}
	f.eventually(10*time.Second, "forgotten pending refund never failed:\n"+f.timeline(read), func() bool {
		return f.order(read).Status == shop.OrderRefundFailed
	})
	if tl := f.timeline(read); !strings.Contains(tl, "refund_failed | reconciler: The gateway has no record of refund "+readReq+"-1") {
		t.Errorf("timeline:\n%s", tl)
	}
	_, body = sam.get("/admin/failed")
	must(t, body, createdReq+"-1", readReq+"-1", "resource_missing")
}
