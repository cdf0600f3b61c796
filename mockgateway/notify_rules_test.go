package main

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// Fault rules with operation "notify" shape the notifications of the
// objects they match, count one hit per event and count down remaining —
// how QA breaks a shop's notifications without touching the shop.
func TestNotify_FaultRules(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"NOTIFY_SCHEDULE": "0s,100ms,100ms,100ms", "TIME_SCALE": "0.2"})
	m, cr := scenarioSetup(t, g, nil)
	ctx := context.Background()

	create := func(otn string, amount int64) *gatewayapi.Payment {
		p, err := m.c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: otn, Amount: amount, Method: "wechat", Subject: "Tea"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.c.SucceedPayment(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		return p
	}

	drop := g.AddFault(map[string]any{
		"match": map[string]any{"merchant_id": m.ID, "operation": "notify", "out_trade_no_prefix": "QA-"}, "scenario": "notify_drop=2", "remaining": 1,
	})
	settle := func(p *gatewayapi.Payment) {
		ev := m.event(t, p.ID, "payment.succeeded")
		m.waitEvent(t, ev.ID, 20*time.Second, "delivery of "+p.OutTradeNo, delivered)
	}
	// One at a time: two first attempts due together race for the one
	// application the rule has left, and either may win.
	hit := create("QA-1", 1999)
	settle(hit)
	again := create("QA-2", 1999) // the rule is used up by now
	other := create("PROD-1", 1999)
	settle(again)
	settle(other)
	ev := m.getEvent(t, m.event(t, hit.ID, "payment.succeeded").ID)
	if len(ev.Attempts) != 3 || attemptScenario(ev.Attempts[0]) != "notify_drop" || attemptScenario(ev.Attempts[1]) != "notify_drop" || ev.Attempts[2].StatusCode == nil {
		t.Fatalf("QA-1 attempts = %+v, want two dropped by the rule then one sent", ev.Attempts)
	}
	for _, p := range []*gatewayapi.Payment{again, other} {
		if ev := m.getEvent(t, m.event(t, p.ID, "payment.succeeded").ID); len(ev.Attempts) != 1 || attemptScenario(ev.Attempts[0]) != "" {
			t.Errorf("%s attempts = %+v, want one clean attempt", p.OutTradeNo, ev.Attempts)
		}
	}
	if r := g.Faults()[drop.ID]; r.Hits != 1 || r.Remaining == nil || *r.Remaining != 0 {
		t.Errorf("rule after use: %+v", r)
	}

	// A hold from a rule moves the first attempt; deliver_due releases it.
	hold := g.AddFault(map[string]any{
		"match": map[string]any{"merchant_id": m.ID, "operation": "notify", "method": "wechat", "out_trade_no_prefix": "HOLD-"}, "scenario": "notify_delay=1h",
	})
	before := cr.count()
	held := create("HOLD-1", 1999)
	hev := m.event(t, held.ID, "payment.succeeded")
	m.waitEvent(t, hev.ID, 10*time.Second, "the rule's hold", func(e *gatewayapi.Event) bool {
		return e.NextAttemptAt != nil && e.NextAttemptAt.Sub(e.CreatedAt) > 10*time.Minute
	})
	if cr.count() != before {
		t.Fatalf("a held notification was sent")
	}
	if _, err := m.c.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	done := m.waitEvent(t, hev.ID, 10*time.Second, "release by deliver_due", delivered)
	if attemptScenario(done.Attempts[0]) != "notify_delay" {
		t.Errorf("attempt scenario = %q, want notify_delay", attemptScenario(done.Attempts[0]))
	}
	if r := g.Faults()[hold.ID]; r.Hits != 1 || r.Remaining != nil {
		t.Errorf("hold rule: %+v, want one hit per event and no limit", r)
	}
}
