package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// rawCall sends one request to the binary with no client retries and
// returns the answer, or the transport error.
func rawCall(g *gatewaytest.Gateway, key, method, path, body string, headers ...string) (int, http.Header, string, error) {
	req, _ := http.NewRequest(method, g.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(raw), nil
}

// The API-, payment- and refund-level scenarios of DESIGN §6 through the
// real binary, a real Redis and a real receiver, each asserting its effect
// and, where promised, that it left nothing behind. (The notify_* scenarios
// are in notify_scenarios_test.go.)
func TestScenarios_Binary(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{
		"NOTIFY_SCHEDULE": "0s,100ms", "TIME_SCALE": "0.1", "FAULT_HOLD": "1s", "REFUND_DELAY": "1s",
	})
	m, rc := scenarioSetup(t, g, nil)
	ctx := context.Background()
	body := func(otn string) string {
		return `{"out_trade_no":"` + otn + `","amount":1999,"method":"card","subject":"Tea"}`
	}
	exists := func(otn string) bool {
		_, err := m.c.GetPaymentByOutTradeNo(ctx, otn)
		return err == nil
	}

	t.Run("api_error", func(t *testing.T) {
		st, h, out, err := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-ERR"), "Mock-Scenario", "api_error=503", "Idempotency-Key", "s-err")
		if err != nil || st != 503 || !strings.Contains(out, "injected_fault") || h.Get("Retry-After") == "" {
			t.Fatalf("answer %d %s %v", st, out, err)
		}
		if exists("S-ERR") {
			t.Fatal("api_error created the payment")
		}
		if st, _, _, _ := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-ERR"), "Idempotency-Key", "s-err"); st != 201 {
			t.Fatalf("retry with the key: %d, want a fresh 201", st)
		}
	})
	t.Run("api_error_after_commit", func(t *testing.T) {
		st, _, _, err := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-AC"), "Mock-Scenario", "api_error_after_commit=502", "Idempotency-Key", "s-ac")
		if err != nil || st != 502 || !exists("S-AC") {
			t.Fatalf("answer %d %v, exists %v", st, err, exists("S-AC"))
		}
		st, h, out, _ := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-AC"), "Idempotency-Key", "s-ac")
		if st != 201 || h.Get("Idempotent-Replayed") != "true" || !strings.Contains(out, `"S-AC"`) {
			t.Fatalf("retry %d %q %s", st, h.Get("Idempotent-Replayed"), out)
		}
	})
	t.Run("api_latency", func(t *testing.T) {
		start := time.Now()
		st, _, _, err := rawCall(g, m.APIKey, "GET", "/v1/merchant", "", "Mock-Scenario", "api_latency=5s")
		if err != nil || st != 200 || time.Since(start) < 500*time.Millisecond {
			t.Fatalf("answer %d %v after %v, want 200 after ≥ 5s × 0.1", st, err, time.Since(start))
		}
	})
	t.Run("api_timeout", func(t *testing.T) {
		start := time.Now()
		_, _, _, err := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-TO"), "Mock-Scenario", "api_timeout")
		if err == nil || time.Since(start) < time.Second {
			t.Fatalf("err %v after %v, want no answer after FAULT_HOLD 1s", err, time.Since(start))
		}
		if exists("S-TO") {
			t.Fatal("api_timeout created the payment")
		}
	})
	t.Run("api_reset", func(t *testing.T) {
		_, _, _, err := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-RST"), "Mock-Scenario", "api_reset")
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("err %v, want connection reset", err)
		}
		if exists("S-RST") {
			t.Fatal("api_reset created the payment")
		}
	})
	t.Run("api_malformed", func(t *testing.T) {
		st, _, out, err := rawCall(g, m.APIKey, "POST", "/v1/payments", body("S-MAL"), "Mock-Scenario", "api_malformed")
		if err != nil || st != 200 || strings.HasSuffix(strings.TrimSpace(out), "}") || !exists("S-MAL") {
			t.Fatalf("answer %d %q %v", st, out, err)
		}
	})
	t.Run("auto_succeed", func(t *testing.T) {
		p, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: "S-AUTO", Amount: 1999, Method: "wechat", Subject: "Tea"}, gatewayclient.WithScenario("auto_succeed=3s"))
		if err != nil {
			t.Fatal(err)
		}
		ev := waitFor(t, m, p.ID, "payment.succeeded")
		m.waitEvent(t, ev.ID, 10*time.Second, "the notification", delivered)
		if got, _ := m.c.GetPayment(ctx, p.ID); got.Status != "succeeded" || got.PaidAt.Sub(got.CreatedAt) < 250*time.Millisecond {
			t.Fatalf("payment %s paid %v after creation, want ≥ 3s × 0.1", got.Status, got.PaidAt.Sub(got.CreatedAt))
		}
	})
	t.Run("auto_fail", func(t *testing.T) {
		p, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: "S-AF", Amount: 1999, Method: "card", Subject: "Tea"}, gatewayclient.WithScenario("auto_fail=insufficient_funds"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.c.SucceedPayment(ctx, p.ID)
		if err != nil || got.Status != "pending" || got.LastError == nil || got.LastError.Code != "insufficient_funds" {
			t.Fatalf("first pay: %+v %v", got, err)
		}
		waitFor(t, m, p.ID, "payment.failed")
		if got, err = m.c.SucceedPayment(ctx, p.ID); err != nil || got.Status != "succeeded" {
			t.Fatalf("second pay: %+v %v", got, err)
		}
	})

	paid := func(otn string) *gatewayapi.Payment {
		p, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: otn, Amount: 1999, Method: "alipay", Subject: "Tea"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.c.SucceedPayment(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		return p
	}
	refund := func(p *gatewayapi.Payment, orn, scenario string) *gatewayapi.Refund {
		re, err := m.c.CreateRefund(ctx, &gatewayclient.CreateRefundParams{PaymentID: p.ID, OutRefundNo: orn}, gatewayclient.WithScenario(scenario))
		if err != nil {
			t.Fatal(err)
		}
		return re
	}
	t.Run("refund_fail", func(t *testing.T) {
		p := paid("S-RF")
		re := refund(p, "S-RF-1", "refund_fail=REFUND_REJECTED")
		ev := waitFor(t, m, re.ID, "refund.failed")
		m.waitEvent(t, ev.ID, 10*time.Second, "the notification", delivered)
		got, _ := m.c.GetRefund(ctx, re.ID)
		if got.Status != "failed" || got.FailureCode == nil || *got.FailureCode != "REFUND_REJECTED" {
			t.Fatalf("refund %+v", got)
		}
		if pay, _ := m.c.GetPayment(ctx, p.ID); pay.AmountRefunded != 0 {
			t.Fatalf("amount_refunded %d after a failed refund", pay.AmountRefunded)
		}
	})
	t.Run("refund_delay", func(t *testing.T) {
		re := refund(paid("S-RD"), "S-RD-1", "refund_delay=10s") // 1s at TIME_SCALE 0.1, like REFUND_DELAY ×0.1 = 100ms
		waitFor(t, m, re.ID, "refund.succeeded")
		got, _ := m.c.GetRefund(ctx, re.ID)
		if got.SettledAt.Sub(got.CreatedAt) < 900*time.Millisecond {
			t.Fatalf("settled after %v, want ≥ 10s × 0.1", got.SettledAt.Sub(got.CreatedAt))
		}
	})
	t.Run("refund_stuck", func(t *testing.T) {
		re := refund(paid("S-RS"), "S-RS-1", "refund_stuck")
		time.Sleep(500 * time.Millisecond) // five times REFUND_DELAY × TIME_SCALE
		if got, _ := m.c.GetRefund(ctx, re.ID); got.Status != "pending" {
			t.Fatalf("stuck refund is %s", got.Status)
		}
		if got, err := m.c.SucceedRefund(ctx, re.ID); err != nil || got.Status != "succeeded" {
			t.Fatalf("helper settle: %+v %v", got, err)
		}
	})
	// The receiver saw signed, accepted notifications only.
	for _, d := range rc.deliveries() {
		if d.VerifyErr != nil {
			t.Errorf("a delivery failed verification: %v", d.VerifyErr)
		}
	}
}

// waitFor waits for the only event of a type on an object and returns it.
func waitFor(t *testing.T, m *notifyMerchant, objectID, typ string) *gatewayapi.Event {
	t.Helper()
	var ev *gatewayapi.Event
	waitNotify(t, 10*time.Second, typ+" of "+objectID, func() bool {
		l, err := m.c.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: objectID, Type: typ})
		if err != nil || len(l.Data) == 0 {
			return false
		}
		ev = &l.Data[0]
		return true
	})
	return ev
}

// Refund notifications go to the refund's notify_url, else the payment's,
// else the merchant's (DESIGN §4).
func TestNotify_RefundURLFallback(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"NOTIFY_SCHEDULE": "0s", "REFUND_DELAY": "100ms"})
	merchantRc := newNotifyReceiver(t, nil)
	paymentRc := newNotifyReceiver(t, nil)
	refundRc := newNotifyReceiver(t, nil)
	m := newNotifyMerchant(t, g, merchantRc.URL)
	ctx := context.Background()

	withURL, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: "FB-1", Amount: 1000, Method: "card", Subject: "Tea", NotifyURL: paymentRc.URL})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: "FB-2", Amount: 1000, Method: "card", Subject: "Tea"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*gatewayapi.Payment{withURL, plain} {
		if _, err := m.c.SucceedPayment(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	own, err := m.c.CreateRefund(ctx, &gatewayclient.CreateRefundParams{PaymentID: withURL.ID, OutRefundNo: "FB-1-a", Amount: 100, NotifyURL: refundRc.URL})
	if err != nil {
		t.Fatal(err)
	}
	inherits, err := m.c.CreateRefund(ctx, &gatewayclient.CreateRefundParams{PaymentID: withURL.ID, OutRefundNo: "FB-1-b", Amount: 100})
	if err != nil {
		t.Fatal(err)
	}
	merchants, err := m.c.CreateRefund(ctx, &gatewayclient.CreateRefundParams{PaymentID: plain.ID, OutRefundNo: "FB-2-a"})
	if err != nil {
		t.Fatal(err)
	}
	wantAt := map[string]*notifyReceiver{own.ID: refundRc, inherits.ID: paymentRc, merchants.ID: merchantRc}
	for id, rc := range wantAt {
		ev := waitFor(t, m, id, "refund.succeeded")
		m.waitEvent(t, ev.ID, 10*time.Second, "delivery of "+id, delivered)
		found := false
		for _, d := range rc.deliveries() {
			if d.ID() == ev.ID {
				found = true
			}
		}
		if !found {
			t.Errorf("refund %s's notification did not reach %s", id, rc.URL)
		}
	}
}
