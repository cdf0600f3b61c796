package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// startNotifyGateway runs the binary with a short schedule.
func startNotifyGateway(t *testing.T, schedule string, env map[string]string) *gatewaytest.Gateway {
	t.Helper()
	e := map[string]string{"NOTIFY_SCHEDULE": schedule, "NOTIFY_TIMEOUT": "2s"}
	for k, v := range env {
		e[k] = v
	}
	return gatewaytest.Start(t, e)
}

// A notification is the event envelope, signed so that the official
// Standard Webhooks library accepts it, and its attempt is in the log.
func TestNotify_VerifiedByOfficialLibrary(t *testing.T) {
	g := startNotifyGateway(t, "0s,100ms", nil)
	var secret string
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return 500, nil, err.Error()
		}
		if err := wh.Verify(body, r.Header); err != nil {
			return 401, nil, "rejected: " + err.Error()
		}
		return 200, nil, `{"received":true}`
	})
	m := newNotifyMerchant(t, g, rc.URL+"/hook")
	secret = m.WebhookSecret
	before := time.Now()
	p := m.paid(t, "")

	ev := m.event(t, p.ID, gatewayapi.EventPaymentSucceeded)
	ev = m.waitEvent(t, ev.ID, 10*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })
	got := rc.deliveries()
	if len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("receiver got %d deliveries (%+v), want 1 accepted by the official library", len(got), got)
	}
	d := got[0]
	if d.ID() != ev.ID {
		t.Errorf("webhook-id %q, want the event id %q", d.ID(), ev.ID)
	}
	ts, err := strconv.ParseInt(d.Header.Get("webhook-timestamp"), 10, 64)
	if err != nil || ts < before.Unix()-1 || ts > time.Now().Unix()+1 {
		t.Errorf("webhook-timestamp %q is not the attempt's time", d.Header.Get("webhook-timestamp"))
	}
	if ct := d.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := d.Header.Get("User-Agent"); !strings.HasPrefix(ua, "PaySandbox-Webhooks/") {
		t.Errorf("User-Agent %q", ua)
	}
	// Our own verifier, as merchants use it, agrees.
	v, err := webhook.NewVerifier(m.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(d.Body, d.Header); err != nil {
		t.Errorf("shared/webhook rejects the delivery: %v", err)
	}
	env := d.Envelope(t)
	var obj gatewayapi.Payment
	if err := json.Unmarshal(env.Data.Object, &obj); err != nil {
		t.Fatal(err)
	}
	if env.ID != ev.ID || env.Object != "event" || env.Type != "payment.succeeded" || env.MerchantID != m.ID ||
		obj.ID != p.ID || obj.Status != "succeeded" || obj.Amount != 1999 {
		t.Errorf("body = %s", d.Body)
	}
	if len(ev.Attempts) != 1 {
		t.Fatalf("attempts = %+v", ev.Attempts)
	}
	a := ev.Attempts[0]
	if a.Number != 1 || a.StatusCode == nil || *a.StatusCode != 200 || a.URL != rc.URL+"/hook" || a.Error != nil ||
		a.ResponseBody != `{"received":true}` || a.Scenario != nil || a.DurationMS < 0 || a.At.Before(before.Add(-time.Second)) {
		t.Errorf("attempt = %+v", a)
	}
	if ev.NextAttemptAt != nil {
		t.Errorf("next_attempt_at = %v after delivery", ev.NextAttemptAt)
	}
}

// The events endpoints: filters, errors, deliver_due.
func TestNotify_EventsAPI(t *testing.T) {
	g := startNotifyGateway(t, "0s,1h", nil)
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		if strings.Contains(string(body), `"payment.failed"`) {
			return 500, nil, ""
		}
		return 204, nil, ""
	})
	m := newNotifyMerchant(t, g, rc.URL)
	ctx := context.Background()
	p := m.pending(t, "")
	if _, err := m.c.FailPayment(ctx, p.ID, "card_declined"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.c.SucceedPayment(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	other := m.paid(t, "")
	failed := m.event(t, p.ID, "payment.failed")
	succeeded := m.event(t, p.ID, "payment.succeeded")
	m.waitEvent(t, succeeded.ID, 10*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })
	failedNow := m.waitEvent(t, failed.ID, 10*time.Second, "first attempt", func(e *gatewayapi.Event) bool { return len(e.Attempts) == 1 })
	if failedNow.DeliveryStatus != "pending" || failedNow.NextAttemptAt == nil || time.Until(*failedNow.NextAttemptAt) < 30*time.Minute {
		t.Fatalf("after a 500: %s next %v, want pending an hour later", failedNow.DeliveryStatus, failedNow.NextAttemptAt)
	}

	ids := func(p gatewayclient.ListEventsParams) []string {
		t.Helper()
		l, err := m.c.ListEvents(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range l.Data {
			out = append(out, e.ID)
		}
		return out
	}
	all := ids(gatewayclient.ListEventsParams{})
	if len(all) != 3 || all[0] != m.event(t, other.ID, "payment.succeeded").ID {
		t.Errorf("all events = %v, want 3 newest first", all)
	}
	if got := ids(gatewayclient.ListEventsParams{ObjectID: p.ID}); !slices.Equal(got, []string{succeeded.ID, failed.ID}) {
		t.Errorf("object_id filter = %v", got)
	}
	if got := ids(gatewayclient.ListEventsParams{DeliveryStatus: "pending"}); !slices.Equal(got, []string{failed.ID}) {
		t.Errorf("delivery_status=pending = %v", got)
	}
	if got := ids(gatewayclient.ListEventsParams{Type: "payment.failed"}); !slices.Equal(got, []string{failed.ID}) {
		t.Errorf("type filter = %v", got)
	}
	page := ids(gatewayclient.ListEventsParams{Limit: 2})
	rest := ids(gatewayclient.ListEventsParams{Limit: 2, StartingAfter: page[1]})
	if len(page) != 2 || len(rest) != 1 || slices.Contains(page, rest[0]) {
		t.Errorf("pages %v then %v", page, rest)
	}
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/events?type=payment.exploded", 400, "parameter_invalid"},
		{"/v1/events?delivery_status=lost", 400, "parameter_invalid"},
		{"/v1/events?limit=0", 400, "parameter_invalid"},
		{"/v1/events/evt_nope", 404, "resource_missing"},
	} {
		status, body := m.api(t, "GET", tc.path, nil)
		if status != tc.status || !strings.Contains(string(body), tc.code) {
			t.Errorf("GET %s = %d %s, want %d %s", tc.path, status, body, tc.status, tc.code)
		}
	}
	if status, body := m.api(t, "POST", "/v1/events/evt_nope/redeliver", nil); status != 404 {
		t.Errorf("redeliver unknown = %d %s", status, body)
	}
	// Another merchant cannot see or redeliver this merchant's event.
	stranger := newNotifyMerchant(t, g, rc.URL)
	if status, _ := stranger.api(t, "GET", "/v1/events/"+failed.ID, nil); status != 404 {
		t.Errorf("another merchant's event answered %d, want 404", status)
	}

	// deliver_due pulls the hour-later retry forward.
	status, body := m.api(t, "POST", "/v1/test_helpers/events/deliver_due", nil)
	if status != 200 || string(body) != `{"scheduled":1}` {
		t.Fatalf("deliver_due = %d %s, want 200 {\"scheduled\":1}", status, body)
	}
	m.waitEvent(t, failed.ID, 10*time.Second, "second attempt", func(e *gatewayapi.Event) bool { return len(e.Attempts) == 2 })
}

// 500 three times, then 204: exactly four deliveries with one webhook-id,
// each attempt counted from the end of the one before.
func TestNotify_RetriesUntilAccepted(t *testing.T) {
	g := startNotifyGateway(t, "0s,200ms,200ms,200ms,200ms,200ms", map[string]string{"TIME_SCALE": "0.5"})
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		if n <= 3 {
			return 500, nil, "try again later"
		}
		return 204, nil, ""
	})
	m := newNotifyMerchant(t, g, rc.URL)
	p := m.paid(t, "")
	ev := m.event(t, p.ID, "payment.succeeded")
	ev = m.waitEvent(t, ev.ID, 15*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })

	got := rc.deliveries()
	if len(got) != 4 {
		t.Fatalf("receiver got %d deliveries, want 4", len(got))
	}
	for i, d := range got {
		if d.ID() != ev.ID {
			t.Errorf("delivery %d has webhook-id %q, want %q", i+1, d.ID(), ev.ID)
		}
	}
	if s := attemptStatuses(ev); !slices.Equal(s, []int{500, 500, 500, 204}) {
		t.Errorf("attempt statuses %v, want [500 500 500 204]", s)
	}
	for i := 1; i < len(ev.Attempts); i++ {
		prev, cur := ev.Attempts[i-1], ev.Attempts[i]
		gap := cur.At.Sub(prev.At.Add(time.Duration(prev.DurationMS) * time.Millisecond))
		if gap < 99*time.Millisecond { // 200ms × TIME_SCALE 0.5, less rounding
			t.Errorf("attempt %d came %v after the end of attempt %d, want ≥ 100ms", cur.Number, gap, prev.Number)
		}
	}
	if ev.Attempts[0].ResponseBody != "try again later" {
		t.Errorf("response_body %q", ev.Attempts[0].ResponseBody)
	}
	// Nothing is left on the schedule: no fifth delivery can come.
	if v := scrapeMetric(t, g, `paysandbox_gateway_notification_queue{queue="deliver",state="due"}`); v != 0 {
		t.Errorf("due deliveries = %v", v)
	}
	if v := scrapeMetric(t, g, `paysandbox_gateway_notification_queue{queue="deliver",state="scheduled"}`); v != 0 {
		t.Errorf("scheduled deliveries = %v", v)
	}
	if v := scrapeMetric(t, g, `paysandbox_gateway_notification_attempts_total{kind="scheduled",outcome="http_error"}`); v != 3 {
		t.Errorf("http_error attempts = %v, want 3", v)
	}
	if v := scrapeMetric(t, g, `paysandbox_gateway_notification_attempts_total{kind="scheduled",outcome="success"}`); v != 1 {
		t.Errorf("success attempts = %v, want 1", v)
	}
	if v := scrapeMetric(t, g, `paysandbox_gateway_notification_delivery_lag_seconds_count`); v != 1 {
		t.Errorf("delivery lag observations = %v, want 1", v)
	}
}

// A receiver that always fails sees one attempt per schedule entry; then
// the event is failed, and redelivery revives it once the receiver is back.
func TestNotify_FailedThenRedelivered(t *testing.T) {
	g := startNotifyGateway(t, "0s,50ms,50ms,50ms", nil)
	rc := newNotifyReceiver(t, func(int, *http.Request, []byte) (int, http.Header, string) { return 500, nil, "down" })
	m := newNotifyMerchant(t, g, rc.URL)
	p := m.paid(t, "")
	ev := m.event(t, p.ID, "payment.succeeded")
	ev = m.waitEvent(t, ev.ID, 15*time.Second, "failed", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "failed" })
	if n := rc.count(); n != 4 || len(ev.Attempts) != 4 {
		t.Fatalf("receiver got %d, log has %d attempts; want 4 (the schedule's length)", n, len(ev.Attempts))
	}
	if ev.NextAttemptAt != nil {
		t.Errorf("next_attempt_at = %v on a failed event", ev.NextAttemptAt)
	}

	redeliver := func() {
		t.Helper()
		status, body := m.api(t, "POST", "/v1/events/"+ev.ID+"/redeliver", nil)
		var got gatewayapi.Event
		if err := json.Unmarshal(body, &got); status != http.StatusAccepted || err != nil || got.ID != ev.ID {
			t.Fatalf("redeliver = %d %s, want 202 with the event", status, body)
		}
	}
	// Still failing: one more attempt, still failed.
	redeliver()
	ev = m.waitEvent(t, ev.ID, 10*time.Second, "fifth attempt", func(e *gatewayapi.Event) bool { return len(e.Attempts) == 5 })
	if ev.DeliveryStatus != "failed" || rc.count() != 5 {
		t.Fatalf("after a failed redelivery: %s, receiver %d", ev.DeliveryStatus, rc.count())
	}
	// Back up: the redelivery delivers it.
	rc.setAnswer(func(int, *http.Request, []byte) (int, http.Header, string) { return 200, nil, "ok" })
	redeliver()
	ev = m.waitEvent(t, ev.ID, 10*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })
	if s := attemptStatuses(ev); !slices.Equal(s, []int{500, 500, 500, 500, 500, 200}) {
		t.Errorf("attempt statuses %v", s)
	}
	for _, d := range rc.deliveries() {
		if d.ID() != ev.ID {
			t.Errorf("webhook-id %q, want %q on every attempt", d.ID(), ev.ID)
		}
	}
	if rc.count() != 6 {
		t.Errorf("receiver got %d deliveries, want 6", rc.count())
	}
}

// Retry-After on a 429 or 503 pushes the next attempt to max(schedule,
// Retry-After × TIME_SCALE); on a 500 it is ignored.
func TestNotify_RetryAfter(t *testing.T) {
	g := startNotifyGateway(t, "0s,100ms,100ms,100ms", map[string]string{"TIME_SCALE": "0.5"})
	rc := newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		switch n {
		case 1:
			return 503, http.Header{"Retry-After": {"2"}}, ""
		case 2:
			return 429, http.Header{"Retry-After": {"1"}}, ""
		case 3:
			return 500, http.Header{"Retry-After": {"10"}}, ""
		}
		return 204, nil, ""
	})
	m := newNotifyMerchant(t, g, rc.URL)
	p := m.paid(t, "")
	ev := m.event(t, p.ID, "payment.succeeded")
	ev = m.waitEvent(t, ev.ID, 20*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })
	if s := attemptStatuses(ev); !slices.Equal(s, []int{503, 429, 500, 204}) {
		t.Fatalf("attempt statuses %v", s)
	}
	gap := func(i int) time.Duration {
		prev := ev.Attempts[i-1]
		return ev.Attempts[i].At.Sub(prev.At.Add(time.Duration(prev.DurationMS) * time.Millisecond))
	}
	const slack = 2 * time.Millisecond // millisecond rounding of at and duration_ms
	if d := gap(1); d < time.Second-slack || d > 3*time.Second {
		t.Errorf("after 503 Retry-After 2 (×0.5): next attempt %v later, want ≈1s", d)
	}
	if d := gap(2); d < 500*time.Millisecond-slack || d > 2*time.Second {
		t.Errorf("after 429 Retry-After 1 (×0.5): next attempt %v later, want ≈500ms", d)
	}
	if d := gap(3); d >= 1500*time.Millisecond {
		t.Errorf("after 500 Retry-After 10: next attempt %v later, want the schedule's 50ms", d)
	}
}

// Events and their attempts expire after EVENT_RETENTION, counted from
// their creation.
func TestNotify_EventRetention(t *testing.T) {
	g := startNotifyGateway(t, "0s", map[string]string{"EVENT_RETENTION": "2s"})
	rc := newNotifyReceiver(t, nil)
	m := newNotifyMerchant(t, g, rc.URL)
	p := m.paid(t, "")
	ev := m.event(t, p.ID, "payment.succeeded")
	m.waitEvent(t, ev.ID, 10*time.Second, "delivered", func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" })
	waitNotify(t, 15*time.Second, "the event to expire", func() bool {
		status, _ := m.api(t, "GET", "/v1/events/"+ev.ID, nil)
		return status == http.StatusNotFound
	})
	if age := time.Since(ev.CreatedAt); age < 1900*time.Millisecond {
		t.Errorf("expired %v after creation, want ≥ 2s", age)
	}
	l, err := m.c.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: p.ID})
	if err != nil || len(l.Data) != 0 {
		t.Fatalf("list after expiry = %+v, %v", l, err)
	}
	if _, err := m.c.GetPayment(context.Background(), p.ID); err != nil {
		t.Errorf("the payment (DATA_RETENTION) went too: %v", err)
	}
}
