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
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestFlow_PayByQRCode is the whole happy path over HTTP: sign in, cart,
// checkout, choose Alipay, the QR code is shown, the customer pays (the
// gateway's test helper), the signed notification arrives and the result
// page says the order is paid.
func TestFlow_PayByQRCode(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("1", "3")
	_, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	p, err := f.api.GetPaymentByOutTradeNo(context.Background(), no+"-1")
	if err != nil {
		t.Fatalf("no gateway payment for attempt 1: %v", err)
	}
	if p.Amount != 6800+12800 || p.Currency != "CNY" || p.Method != "alipay" || p.NotifyURL != f.url+"/webhooks/gateway" || p.ReturnURL != f.url+"/orders/"+no+"/return" {
		t.Errorf("gateway payment = %+v", p)
	}
	if left := time.Until(p.ExpiresAt); left < 29*time.Minute || left > 30*time.Minute {
		t.Errorf("payment expires in %v, want the order's remaining ~30m", left)
	}
	for _, want := range []string{p.QRCodeURL, p.PayURL, `http-equiv="refresh"`, "¥196.00"} {
		if !strings.Contains(body, want) {
			t.Errorf("payment page lacks %q", want)
		}
	}
	if _, err := f.api.SucceedPayment(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	f.eventually(10*time.Second, "result page never said paid", func() bool {
		_, body := alice.get("/orders/" + no + "/result")
		return strings.Contains(body, "Payment received")
	})
	resp, _ := alice.get("/orders/" + no + "/pay")
	if resp.Request.URL.Path != "/orders/"+no+"/result" {
		t.Errorf("payment page of a paid order ended at %s, want the result page", resp.Request.URL.Path)
	}
	o := f.order(no)
	if o.Status != shop.OrderPaid || o.PaidAttemptID != f.attempts(no)[0].ID {
		t.Errorf("order = %s paid by %d", o.Status, o.PaidAttemptID)
	}
	tl := f.timeline(no)
	if !strings.Contains(tl, "paid | gateway notification: Paid by attempt 1 (Alipay, "+p.ID+"), confirmed by notification evt_") {
		t.Errorf("timeline does not say how it was paid:\n%s", tl)
	}
	if _, body := alice.get("/orders/" + no); !strings.Contains(body, "confirmed by notification") || !strings.Contains(body, "Paid") {
		t.Errorf("order page lacks the timeline")
	}
}

// TestFlow_DeclineRetryAndSwitch: a declined card payment is retried on the
// same attempt; switching to WeChat closes it at the gateway and opens
// attempt 2, which pays the order.
func TestFlow_DeclineRetryAndSwitch(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("5")
	resp, _ := alice.post("/orders/"+no+"/pay", url.Values{"method": {"card"}})
	first, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != first.PayURL {
		t.Fatalf("card payment: status %d to %q, want a redirect to the cashier %s", resp.StatusCode, resp.Header.Get("Location"), first.PayURL)
	}
	if _, err := f.api.FailPayment(ctx, first.ID, "card_declined"); err != nil {
		t.Fatal(err)
	}
	f.eventually(10*time.Second, "decline never reached the shop", func() bool { return f.attempts(no)[0].LastErrorCode == "card_declined" })
	if _, body := alice.get("/orders/" + no + "/pay"); !strings.Contains(body, "was declined (card_declined") {
		t.Error("payment page does not tell about the decline")
	}
	resp, _ = alice.post("/orders/"+no+"/pay", url.Values{"method": {"card"}})
	if resp.Header.Get("Location") != first.PayURL || len(f.attempts(no)) != 1 {
		t.Fatalf("retry after decline: to %q with %d attempts; want the same attempt", resp.Header.Get("Location"), len(f.attempts(no)))
	}
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
	attempts := f.attempts(no)
	if len(attempts) != 2 || attempts[0].Status != shop.AttemptClosed || attempts[1].Method != "wechat" || attempts[1].OutTradeNo != no+"-2" {
		t.Fatalf("attempts after switching = %+v", attempts)
	}
	if p, _ := f.api.GetPayment(ctx, first.ID); p.Status != gatewayapi.PaymentClosed {
		t.Errorf("attempt 1 at the gateway is %s, want closed", p.Status)
	}
	if _, err := f.api.SucceedPayment(ctx, attempts[1].PaymentID); err != nil {
		t.Fatal(err)
	}
	f.eventually(10*time.Second, "order never paid by attempt 2", func() bool { return f.order(no).Status == shop.OrderPaid })
	if o := f.order(no); o.PaidAttemptID != attempts[1].ID {
		t.Errorf("paid by attempt id %d, want %d", o.PaidAttemptID, attempts[1].ID)
	}
}

// TestFlow_DroppedNotificationReconciled: the gateway drops every
// notification of the payment (notify_drop); the reconciler reads the
// payment and the order ends paid anyway.
func TestFlow_DroppedNotificationReconciled(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 500 * time.Millisecond }, "notify_drop")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("6")
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
	p, err := f.api.GetPaymentByOutTradeNo(context.Background(), no+"-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Scenario == nil || *p.Scenario != "notify_drop" {
		t.Fatalf("payment scenario = %v, want notify_drop", p.Scenario)
	}
	if _, err := f.api.SucceedPayment(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	f.eventually(15*time.Second, "order never paid through reconciliation", func() bool { return f.order(no).Status == shop.OrderPaid })
	tl := f.timeline(no)
	if !strings.Contains(tl, "paid | reconciler: Paid by attempt 1 (WeChat Pay, "+p.ID+"), confirmed by reconciliation with the gateway.") {
		t.Errorf("timeline:\n%s", tl)
	}
	events, err := f.api.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: p.ID, Type: gatewayapi.EventPaymentSucceeded})
	if err != nil || len(events.Data) != 1 {
		t.Fatalf("events = %+v, %v", events, err)
	}
	for _, a := range events.Data[0].Attempts {
		if a.StatusCode != nil {
			t.Errorf("a notification attempt reached the shop (%d); the test proves nothing", *a.StatusCode)
		}
	}
}

// TestFlow_ReturnReadsTheGateway: the notification is lost, the customer
// comes back from the cashier with a signed return URL; the shop verifies
// it, reads the payment from the gateway and shows success. A tampered
// return link changes nothing.
func TestFlow_ReturnReadsTheGateway(t *testing.T) {
	f := startFlow(t, nil, nil, "notify_drop")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("4")
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"unionpay"}})
	p, err := f.api.GetPaymentByOutTradeNo(context.Background(), no+"-1")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := webhook.NewSigner(f.gw.WebhookSecret)
	forged, _ := webhook.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	ret := webhook.Return{PaymentID: p.ID, OutTradeNo: p.OutTradeNo, Status: "succeeded", Timestamp: time.Now()}
	bad, _ := forged.SignReturnURL(p.ReturnURL, ret)
	if resp, _ := alice.get(strings.TrimPrefix(bad, f.url)); resp.StatusCode != http.StatusBadRequest || f.order(no).Status != shop.OrderPendingPayment {
		t.Fatalf("forged return: status %d, order %s; want 400 and unchanged", resp.StatusCode, f.order(no).Status)
	}
	// A genuine "succeeded" return while the gateway still says pending is
	// only a hint: the order stays unpaid.
	good, _ := signer.SignReturnURL(p.ReturnURL, ret)
	if _, body := alice.get(strings.TrimPrefix(good, f.url)); !strings.Contains(body, "Waiting for your payment") || f.order(no).Status != shop.OrderPendingPayment {
		t.Fatalf("return before paying: order %s\n%s", f.order(no).Status, body)
	}
	if _, err := f.api.SucceedPayment(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	resp, body := alice.get(strings.TrimPrefix(good, f.url))
	if resp.Request.URL.Path != "/orders/"+no+"/result" || !strings.Contains(body, "Payment received") {
		t.Fatalf("return after paying ended at %s\n%s", resp.Request.URL, body)
	}
	if tl := f.timeline(no); !strings.Contains(tl, "paid | return from cashier: Paid by attempt 1 (UnionPay") {
		t.Errorf("timeline:\n%s", tl)
	}
}

// TestFlow_CancelClosesTheGatewayPayment: cancelling closes the open
// gateway payment first, so nothing can be paid afterwards.
func TestFlow_CancelClosesTheGatewayPayment(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("2")
	alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	_, body := alice.post("/orders/"+no+"/cancel", nil)
	if !strings.Contains(body, "was cancelled") || f.order(no).Status != shop.OrderClosed {
		t.Fatalf("cancel: order %s\n%s", f.order(no).Status, body)
	}
	p, _ := f.api.GetPaymentByOutTradeNo(context.Background(), no+"-1")
	if p.Status != gatewayapi.PaymentClosed {
		t.Errorf("gateway payment %s, want closed", p.Status)
	}
	if _, err := f.api.SucceedPayment(context.Background(), p.ID); err == nil {
		t.Error("the gateway accepted a payment for a cancelled order")
	}
	if resp, _ := alice.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}}); resp.Request.URL.Path != "/orders/"+no+"/result" {
		t.Errorf("paying a closed order ended at %s", resp.Request.URL.Path)
	}
	if resp, body := alice.get("/readyz"); resp.StatusCode != 200 {
		t.Errorf("readyz = %d %s with the gateway up", resp.StatusCode, body)
	}
	f.gw.Stop()
	if resp, _ := alice.get("/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz = %d with the gateway down, want 503", resp.StatusCode)
	}
	if resp, _ := alice.get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz = %d, want 200 while the process is up", resp.StatusCode)
	}
}

// TestFlow_ExpiryFindsTheLostPayment: the order's time runs out while its
// notification is lost; closing it at the gateway reveals that it was paid,
// so the order becomes paid instead of closed.
func TestFlow_ExpiryFindsTheLostPayment(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.OrderTTL = 2 * time.Second }, "notify_drop")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	paid := alice.order("1")
	alice.post("/orders/"+paid+"/pay", url.Values{"method": {"alipay"}})
	unpaid := alice.order("2")
	alice.post("/orders/"+unpaid+"/pay", url.Values{"method": {"card"}})
	p, _ := f.api.GetPaymentByOutTradeNo(context.Background(), paid+"-1")
	if _, err := f.api.SucceedPayment(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	f.eventually(10*time.Second, "expired orders never settled", func() bool {
		return f.order(paid).Status != shop.OrderPendingPayment && f.order(unpaid).Status != shop.OrderPendingPayment
	})
	if got := f.order(paid).Status; got != shop.OrderPaid {
		t.Errorf("paid order = %s, want paid\n%s", got, f.timeline(paid))
	}
	if got := f.order(unpaid).Status; got != shop.OrderClosed {
		t.Errorf("unpaid order = %s, want closed", got)
	}
	if tl := f.timeline(unpaid); !strings.Contains(tl, "expired | reconciler: Closed: not paid by its deadline") {
		t.Errorf("timeline:\n%s", tl)
	}
	if q, _ := f.api.GetPaymentByOutTradeNo(context.Background(), unpaid+"-1"); q.Status != gatewayapi.PaymentClosed {
		t.Errorf("unpaid order's gateway payment is %s, want closed", q.Status)
	}
}
