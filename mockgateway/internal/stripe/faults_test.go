package stripe_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
)

// Fault rules matched on protocol stripe act on the subset's calls. A 503
// or 502 (what stands in front of the API answers) makes stripe-go retry
// with the same Idempotency-Key, and the retry pays exactly once: after
// api_error nothing had happened, after api_error_after_commit the retry
// is answered from the key. A 500 is Stripe's own api_error, which
// stripe-go does not retry (it retries no well-formed Stripe error).
func TestSDK_FaultRulesAndRetries(t *testing.T) {
	g, m, sc, rec, _ := setup(t)
	ctx := context.Background()
	create := func() (*stripe.PaymentIntent, error) {
		return sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
			Amount: stripe.Int64(1200), Currency: stripe.String("usd"), PaymentMethod: stripe.String("pm_card_visa"), Confirm: stripe.Bool(true),
		})
	}
	posts := func() []recorded {
		var out []recorded
		for _, r := range rec.requests() {
			if r.Method == http.MethodPost {
				out = append(out, r)
			}
		}
		rec.mu.Lock()
		rec.reqs = nil
		rec.mu.Unlock()
		return out
	}

	// A native rule does not touch the Stripe subset.
	g.AddFault(map[string]any{"match": map[string]any{"protocol": "native", "operation": "create_payment"}, "scenario": "api_error=503"})

	for _, sc := range []string{"api_error=503", "api_error_after_commit=502"} {
		t.Run(sc, func(t *testing.T) {
			rule := g.AddFault(map[string]any{"match": map[string]any{"protocol": "stripe", "operation": "create_payment", "merchant_id": m.ID}, "scenario": sc, "remaining": 1})
			pi, err := create()
			if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded {
				t.Fatalf("create through the fault: %+v, %v", pi, err)
			}
			reqs := posts()
			if len(reqs) != 2 || reqs[0].Status < 500 || reqs[1].Status != 200 || reqs[0].IdempotencyKey == "" || reqs[0].IdempotencyKey != reqs[1].IdempotencyKey {
				t.Fatalf("requests %+v: want a 5xx then a 200 under one Idempotency-Key", reqs)
			}
			if replayed := reqs[1].Replayed; replayed != strings.HasPrefix(sc, "api_error_after_commit") {
				t.Fatalf("retry replayed %v after %s", replayed, sc)
			}
			if hits := g.Faults()[rule.ID].Hits; hits != 1 {
				t.Fatalf("rule hits %d, want 1", hits)
			}
		})
	}
	t.Run("api_error=500", func(t *testing.T) {
		g.AddFault(map[string]any{"match": map[string]any{"protocol": "stripe", "operation": "create_payment", "merchant_id": m.ID}, "scenario": "api_error=500", "remaining": 1})
		_, err := create()
		se := stripeErr(t, err)
		if se.HTTPStatusCode != 500 || se.Type != stripe.ErrorTypeAPI || !strings.Contains(se.Msg, "api_error") {
			t.Fatalf("500: %+v", se)
		}
		if reqs := posts(); len(reqs) != 1 {
			t.Fatalf("stripe-go sent %d requests after a 500 api_error, want 1 (it does not retry one)", len(reqs))
		}
	})
	// Exactly one intent per create that got through: two, none from the 500.
	n := 0
	for pi, err := range sc.V1PaymentIntents.List(ctx, nil).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if pi.Status != stripe.PaymentIntentStatusSucceeded {
			t.Fatalf("intent %s is %s", pi.ID, pi.Status)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d intents, want 2", n)
	}

	t.Run("GetPayment", func(t *testing.T) {
		pi, err := create()
		if err != nil {
			t.Fatal(err)
		}
		g.AddFault(map[string]any{"match": map[string]any{"protocol": "stripe", "operation": "get_payment", "merchant_id": m.ID}, "scenario": "api_error=429", "remaining": 1})
		_, err = sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
		if se := stripeErr(t, err); se.HTTPStatusCode != 429 || se.Code != "rate_limit" {
			t.Fatalf("429: %+v", se)
		}
		if _, err := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); err != nil {
			t.Fatalf("after the rule: %v", err)
		}
	})
}

// notify_* scenarios shape Stripe webhooks as they shape every protocol's:
// a bad signature and a stale timestamp are refused by ConstructEvent and
// the retry is accepted; a tampered amount is validly signed; duplicates
// carry the same event id; dropped attempts are not sent.
func TestSDK_NotifyScenarios(t *testing.T) {
	_, _, sc, _, recv := setup(t)
	ctx := context.Background()
	pay := func(scenario string) *stripe.PaymentIntent {
		t.Helper()
		p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(800), Currency: stripe.String("usd"), PaymentMethod: stripe.String("pm_card_visa"), Confirm: stripe.Bool(true)}
		p.Headers = http.Header{"Mock-Scenario": {scenario}}
		pi, err := sc.V1PaymentIntents.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return pi
	}
	of := func(id string) []delivery {
		var out []delivery
		for _, d := range recv.deliveries() {
			if strings.Contains(string(d.Body), `"id":"`+id+`"`) {
				out = append(out, d)
			}
		}
		return out
	}
	wait := func(id string, n int) []delivery {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for len(of(id)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries for %s, want %d:%s", len(of(id)), id, n, recv.summary())
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // two more schedule slots: nothing else may come
		return of(id)
	}
	for _, name := range []string{"notify_bad_signature", "notify_stale_timestamp"} {
		t.Run(name, func(t *testing.T) {
			pi := pay(name)
			got := wait(pi.ID, 2)
			if len(got) != 2 || got[0].Err == nil || got[1].Err != nil || got[1].Event.Type != "payment_intent.succeeded" {
				t.Fatalf("deliveries %+v: want one refused by ConstructEvent, then one accepted", got)
			}
		})
	}
	t.Run("notify_tamper_amount", func(t *testing.T) {
		pi := pay("notify_tamper_amount")
		got := wait(pi.ID, 1)
		if len(got) != 1 || got[0].Err != nil || got[0].Event.Data.Object["amount"].(float64) != 801 {
			t.Fatalf("tampered delivery %+v: want a valid signature over amount 801", got)
		}
	})
	t.Run("notify_duplicate", func(t *testing.T) {
		pi := pay("notify_duplicate=2")
		got := wait(pi.ID, 3)
		if len(got) != 3 || got[0].Event.ID != got[1].Event.ID || got[1].Event.ID != got[2].Event.ID {
			t.Fatalf("duplicates %+v: want three deliveries of one event", got)
		}
	})
	t.Run("notify_drop", func(t *testing.T) {
		pi := pay("notify_drop=2")
		got := wait(pi.ID, 1)
		ev, err := sc.V1Events.Retrieve(ctx, got[0].Event.ID, nil)
		if len(got) != 1 || err != nil || ev.PendingWebhooks != 0 {
			t.Fatalf("after two dropped attempts: %d deliveries, event %+v, %v", len(got), ev, err)
		}
	})
}

// Refund scenarios: refund_fail and refund_delay leave the refund pending
// at creation (refund.created), then settle it (refund.updated, and
// charge.refunded only when it succeeded).
func TestSDK_RefundScenarios(t *testing.T) {
	_, _, sc, _, recv := setup(t)
	ctx := context.Background()
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(3000), Currency: stripe.String("hkd"), PaymentMethod: stripe.String("pm_card_visa"), Confirm: stripe.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	refund := func(scenario string) *stripe.Refund {
		t.Helper()
		p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1000)}
		p.Headers = http.Header{"Mock-Scenario": {scenario}}
		re, err := sc.V1Refunds.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if re.Status != stripe.RefundStatusPending {
			t.Fatalf("refund under %s is %s, want pending", scenario, re.Status)
		}
		return re
	}
	failed := refund("refund_fail=insufficient_balance")
	delayed := refund("refund_delay=300ms")
	created := recv.waitCount(failed.ID, "refund.created", 1)[0].Event.Data.Object
	updated := recv.waitCount(failed.ID, "refund.updated", 1)[0].Event.Data.Object
	if created["status"] != "pending" || updated["status"] != "failed" || updated["failure_reason"] != "insufficient_funds" {
		t.Fatalf("failed refund's events: created %v, updated %v", created, updated)
	}
	recv.waitFor(delayed.ID, "refund.created", "refund.updated")
	re, err := sc.V1Refunds.Retrieve(ctx, delayed.ID, nil)
	if err != nil || re.Status != stripe.RefundStatusSucceeded {
		t.Fatalf("delayed refund %+v, %v", re, err)
	}
	refunded := recv.waitFor(pi.LatestCharge.ID, "charge.refunded")
	if len(refunded) != 1 || refunded[0].Event.Data.Object["amount_refunded"].(float64) != 1000 {
		t.Fatalf("charge.refunded %d times (want once, for the delayed refund): %s", len(refunded), recv.summary())
	}
}
