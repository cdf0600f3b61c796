package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// deliver posts a notification signed with the merchant's secret, as the
// gateway would, and returns the shop's status.
func (f *flow) deliver(id, typ string, p *gatewayapi.Payment) int {
	f.t.Helper()
	obj, _ := json.Marshal(p)
	body, _ := json.Marshal(gatewayapi.Envelope{ID: id, Object: "event", Type: typ, CreatedAt: time.Now().UTC(), MerchantID: p.MerchantID,
		Data: gatewayapi.EventData{Object: obj}})
	signer, _ := webhook.NewSigner(f.gw.WebhookSecret)
	req, _ := http.NewRequest(http.MethodPost, f.url+"/webhooks/gateway", bytes.NewReader(body))
	req.Header = signer.Headers(id, time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFlow_LatePaymentRefunded: a payment that succeeds for an order the
// customer already cancelled is refunded through the gateway's refund API,
// and the refund notification completes the order. The gateway cannot
// produce this on its own (the shop closes payments before closing orders),
// so the test plays a gateway that reported the payment closed by mistake:
// it delivers a validly signed payment.closed, then the truth.
//
// In the second variant the refund's notification is dropped too, and the
// reconciler settles the refund by reading it.
func TestFlow_LatePaymentRefunded(t *testing.T) {
	for _, tt := range []struct {
		name, refundScenario, settledBy string
		reconcileAfter                  time.Duration
	}{
		{"refund notification", "", "reported by notification evt_", time.Hour},
		{"refund notification dropped", "notify_drop", "reported by reconciliation with the gateway", 300 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = tt.reconcileAfter }, "notify_drop")
			f.setRefundScenario(tt.refundScenario)
			lateRefund(t, f, tt.settledBy)
		})
	}
}

func lateRefund(t *testing.T, f *flow, settledBy string) {
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("3")
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil {
		t.Fatal(err)
	}
	wrong := *p
	wrong.Status = gatewayapi.PaymentClosed
	if st := f.deliver("evt_wrong_close", gatewayapi.EventPaymentClosed, &wrong); st != 200 {
		t.Fatalf("closed notification: %d", st)
	}
	if _, body := alice.post("/orders/"+no+"/cancel", nil); f.order(no).Status != shop.OrderClosed {
		t.Fatalf("cancel: order %s\n%s", f.order(no).Status, body)
	}
	paid, err := f.api.SucceedPayment(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := f.deliver("evt_late_success", gatewayapi.EventPaymentSucceeded, paid); st != 200 {
		t.Fatalf("succeeded notification: %d", st)
	}
	f.eventually(15*time.Second, "late payment never refunded", func() bool { return f.order(no).Status == shop.OrderRefunded })
	r, err := f.api.GetRefundByOutRefundNo(ctx, no+"-1-auto")
	if err != nil {
		t.Fatalf("no gateway refund: %v", err)
	}
	if r.PaymentID != p.ID || r.Amount != p.Amount || r.Status != gatewayapi.RefundSucceeded {
		t.Errorf("gateway refund = %+v", r)
	}
	tl := f.timeline(no)
	for _, want := range []string{
		"auto_refund | gateway notification: Payment attempt 1 (Alipay, " + p.ID + ") succeeded after the order was closed",
		"refund_requested_at_gateway | reconciler: Refund " + no + "-1-auto (" + r.ID + ") requested at the gateway",
		"refund_succeeded |",
		settledBy,
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	if _, body := alice.get("/orders/" + no); !strings.Contains(body, "Refunded") || !strings.Contains(body, no+"-1-auto") {
		t.Error("order page does not show the refund")
	}
}

// TestFlow_SecondPaymentRefunded: two attempts of one order both succeed at
// the gateway. The first pays the order; the second is refunded
// automatically through the real gateway (docs/shop.md, "States and automatic refunds"), and the order stays
// paid by the first, with nothing counted as refunded of it. The gateway
// cannot produce this on its own (opening attempt 2 closes attempt 1), so the
// test plays a gateway that wrongly reported attempt 1 closed.
func TestFlow_SecondPaymentRefunded(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("4")
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	first, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil {
		t.Fatal(err)
	}
	wrong := *first
	wrong.Status = gatewayapi.PaymentClosed
	if st := f.deliver("evt_wrong_close_"+no, gatewayapi.EventPaymentClosed, &wrong); st != 200 {
		t.Fatalf("closed notification: %d", st)
	}
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
	second, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-2")
	if err != nil {
		t.Fatalf("no attempt 2 at the gateway: %v", err)
	}
	if _, err := f.api.SucceedPayment(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	f.eventually(10*time.Second, "order never paid by attempt 1", func() bool { return f.order(no).Status == shop.OrderPaid })
	if _, err := f.api.SucceedPayment(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	var refund *gatewayapi.Refund
	f.eventually(15*time.Second, "second payment never refunded at the gateway:\n"+f.timeline(no), func() bool {
		r, err := f.api.GetRefundByOutRefundNo(ctx, no+"-2-auto")
		refund = r
		return err == nil && r.Status == gatewayapi.RefundSucceeded && strings.Contains(f.timeline(no), "refund_succeeded |")
	})
	if refund.PaymentID != second.ID || refund.Amount != second.Amount {
		t.Errorf("gateway refund = %+v, want all of %s", refund, second.ID)
	}
	if list, err := f.api.ListRefunds(ctx, gatewayclient.ListRefundsParams{PaymentID: first.ID}); err != nil || len(list.Data) != 0 {
		t.Errorf("refunds of the paying payment = %+v, %v; want none", list, err)
	}
	o := f.order(no)
	if a := f.attempts(no); o.Status != shop.OrderPaid || o.PaidAttemptID != a[0].ID || o.RefundedAmount != 0 {
		t.Errorf("order = %s paid by %d, refunded %d; want paid by attempt 1 (%d), nothing refunded", o.Status, o.PaidAttemptID, o.RefundedAmount, a[0].ID)
	}
	tl := f.timeline(no)
	for _, want := range []string{
		"auto_refund | gateway notification: A second payment, attempt 2 (WeChat Pay, " + second.ID + "), succeeded although the order was already paid",
		"refund_requested_at_gateway | reconciler: Refund " + no + "-2-auto (" + refund.ID + ") requested at the gateway",
		"refund_succeeded | gateway notification: Refund " + no + "-2-auto",
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	if _, body := alice.get("/orders/" + no); !strings.Contains(body, "Request a refund") {
		t.Error("the paid order no longer offers the customer a refund")
	}
}
