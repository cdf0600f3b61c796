package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// checkedDelivery is what a careful merchant's receiver concluded about one
// notification.
type checkedDelivery struct {
	hookDelivery
	VerifyErr error
	Amount    int64
}

// carefulReceiver behaves like a well-behaved merchant: 401 for a bad
// signature or timestamp, 422 when the amount is not the order's (1999),
// 204 otherwise. answer, when set, overrides the status of a valid one.
type carefulReceiver struct {
	*notifyReceiver
	mu      sync.Mutex
	checked []checkedDelivery
}

func newCarefulReceiver(t *testing.T, secret *string, answer func(n int) int) *carefulReceiver {
	t.Helper()
	cr := &carefulReceiver{}
	cr.notifyReceiver = newNotifyReceiver(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		c := checkedDelivery{hookDelivery: hookDelivery{At: time.Now(), Header: r.Header.Clone(), Body: body}}
		v, err := webhook.NewVerifier(*secret)
		if err != nil {
			return 500, nil, err.Error()
		}
		c.VerifyErr = v.Verify(body, r.Header)
		var env gatewayapi.Envelope
		var obj struct {
			Amount int64 `json:"amount"`
		}
		if json.Unmarshal(body, &env) == nil {
			_ = json.Unmarshal(env.Data.Object, &obj)
		}
		c.Amount = obj.Amount
		status := http.StatusNoContent
		switch {
		case c.VerifyErr != nil:
			status = http.StatusUnauthorized
		case c.Amount != 1999:
			status = http.StatusUnprocessableEntity
		case answer != nil:
			status = answer(n)
		}
		c.Status = status
		cr.mu.Lock()
		cr.checked = append(cr.checked, c)
		cr.mu.Unlock()
		return status, nil, ""
	})
	return cr
}

func (cr *carefulReceiver) deliveries() []checkedDelivery {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return append([]checkedDelivery(nil), cr.checked...)
}

// scenarioSetup gives a subtest its own merchant and careful receiver on the
// shared gateway.
func scenarioSetup(t *testing.T, g *gatewaytest.Gateway, answer func(n int) int) (*notifyMerchant, *carefulReceiver) {
	t.Helper()
	var secret string
	cr := newCarefulReceiver(t, &secret, answer)
	m := newNotifyMerchant(t, g, cr.URL)
	secret = m.WebhookSecret
	return m, cr
}

func delivered(e *gatewayapi.Event) bool { return e.DeliveryStatus == "delivered" }

// One subtest per notify_* scenario of DESIGN §6, each asserting the effect
// at the receiver and in the attempt log. Schedule 0s,100ms,100ms,100ms and
// TIME_SCALE 0.2: retries 20 ms apart, scenario durations a fifth.
func TestNotify_Scenarios(t *testing.T) {
	g := startNotifyGateway(t, "0s,100ms,100ms,100ms", map[string]string{"TIME_SCALE": "0.2"})

	t.Run("notify_drop=2", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_drop=2")
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "delivered", delivered)
		if n := len(cr.deliveries()); n != 1 {
			t.Fatalf("receiver got %d deliveries, want 1 (attempts 1 and 2 dropped)", n)
		}
		if len(ev.Attempts) != 3 {
			t.Fatalf("attempts = %+v, want 3", ev.Attempts)
		}
		for _, a := range ev.Attempts[:2] {
			if a.StatusCode != nil || a.Error == nil || *a.Error != "dropped by scenario" || attemptScenario(a) != "notify_drop" {
				t.Errorf("dropped attempt = %+v", a)
			}
		}
		if a := ev.Attempts[2]; a.StatusCode == nil || *a.StatusCode != 204 || a.Scenario != nil {
			t.Errorf("third attempt = %+v, want a plain 204", a)
		}
	})

	t.Run("notify_drop", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_drop")
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "failed",
			func(e *gatewayapi.Event) bool { return e.DeliveryStatus == "failed" })
		if n := len(cr.deliveries()); n != 0 {
			t.Fatalf("receiver got %d deliveries, want none", n)
		}
		if len(ev.Attempts) != 4 {
			t.Fatalf("%d attempts, want one dropped attempt per schedule slot (4)", len(ev.Attempts))
		}
		for _, a := range ev.Attempts {
			if a.StatusCode != nil || *a.Error != "dropped by scenario" || attemptScenario(a) != "notify_drop" {
				t.Errorf("attempt = %+v", a)
			}
		}
		// A redelivery asked for through the API is sent: that is how QA
		// recovers after testing the merchant's reconciliation.
		if status, body := m.api(t, "POST", "/v1/events/"+ev.ID+"/redeliver", nil); status != 202 {
			t.Fatalf("redeliver = %d %s", status, body)
		}
		m.waitEvent(t, ev.ID, 10*time.Second, "redelivered", delivered)
		if n := len(cr.deliveries()); n != 1 {
			t.Fatalf("receiver got %d deliveries after the redelivery, want 1", n)
		}
	})

	t.Run("notify_delay", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_delay=5s") // ×0.2 = 1s
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "delivered", delivered)
		a := ev.Attempts[0]
		if held := a.At.Sub(ev.CreatedAt); held < time.Second {
			t.Errorf("first attempt %v after creation, want ≥ 1s (5s × TIME_SCALE 0.2)", held)
		}
		if got := cr.deliveries(); len(got) != 1 || got[0].At.Sub(ev.CreatedAt) < time.Second {
			t.Errorf("receiver got %d deliveries, first %v after creation", len(got), got[0].At.Sub(ev.CreatedAt))
		}
		if attemptScenario(a) != "notify_delay" || len(ev.Attempts) != 1 {
			t.Errorf("attempts = %+v", ev.Attempts)
		}

		// A long hold is released at once by deliver_due.
		p2 := m.paid(t, "notify_delay=1h")
		held := m.event(t, p2.ID, "payment.succeeded")
		if held.NextAttemptAt == nil || time.Until(*held.NextAttemptAt) < 5*time.Minute {
			t.Fatalf("next_attempt_at = %v, want about 12 minutes away", held.NextAttemptAt)
		}
		if status, body := m.api(t, "POST", "/v1/test_helpers/events/deliver_due", nil); status != 200 || string(body) != `{"scheduled":1}` {
			t.Fatalf("deliver_due = %d %s", status, body)
		}
		ev2 := m.waitEvent(t, held.ID, 10*time.Second, "delivered after deliver_due", delivered)
		if attemptScenario(ev2.Attempts[0]) != "notify_delay" {
			t.Errorf("attempt = %+v", ev2.Attempts[0])
		}
	})

	t.Run("notify_duplicate=2", func(t *testing.T) {
		t.Parallel()
		// The copies are answered 500: they are recorded but never retried.
		m, cr := scenarioSetup(t, g, func(n int) int {
			if n == 1 {
				return 204
			}
			return 500
		})
		p := m.paid(t, "notify_duplicate=2")
		id := m.event(t, p.ID, "payment.succeeded").ID
		ev := m.waitEvent(t, id, 10*time.Second, "three attempts", func(e *gatewayapi.Event) bool { return len(e.Attempts) == 3 })
		got := cr.deliveries()
		if len(got) != 3 {
			t.Fatalf("receiver got %d deliveries, want the original and 2 copies", len(got))
		}
		for _, d := range got[1:] {
			if d.ID() != id || string(d.Body) != string(got[0].Body) || d.Header.Get("webhook-signature") != got[0].Header.Get("webhook-signature") {
				t.Errorf("copy differs from the delivery: %v", d.Header)
			}
		}
		if s := attemptStatuses(ev); !slices.Equal(s, []int{204, 500, 500}) {
			t.Errorf("statuses %v", s)
		}
		scen := []string{attemptScenario(ev.Attempts[0]), attemptScenario(ev.Attempts[1]), attemptScenario(ev.Attempts[2])}
		if !slices.Equal(scen, []string{"", "notify_duplicate", "notify_duplicate"}) {
			t.Errorf("attempt scenarios %q", scen)
		}
		if ev.DeliveryStatus != "delivered" || ev.NextAttemptAt != nil {
			t.Errorf("event %s next %v: failed copies must not be retried", ev.DeliveryStatus, ev.NextAttemptAt)
		}
	})

	t.Run("notify_bad_signature", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_bad_signature")
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "delivered", delivered)
		got := cr.deliveries()
		if len(got) != 2 || !errors.Is(got[0].VerifyErr, webhook.ErrNoMatchingSignature) || got[1].VerifyErr != nil {
			t.Fatalf("receiver got %+v, want a bad signature then a good one", got)
		}
		if got[0].ID() != got[1].ID() || string(got[0].Body) != string(got[1].Body) {
			t.Errorf("the retry is not the same notification")
		}
		if s := attemptStatuses(ev); !slices.Equal(s, []int{401, 204}) || attemptScenario(ev.Attempts[0]) != "notify_bad_signature" || ev.Attempts[1].Scenario != nil {
			t.Errorf("attempts = %+v", ev.Attempts)
		}
	})

	t.Run("notify_stale_timestamp", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_stale_timestamp")
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "delivered", delivered)
		got := cr.deliveries()
		if len(got) != 2 || !errors.Is(got[0].VerifyErr, webhook.ErrTimestampTooOld) || got[1].VerifyErr != nil {
			t.Fatalf("receiver got %+v, want a stale timestamp then a good one", got)
		}
		ts, _ := strconv.ParseInt(got[0].Header.Get("webhook-timestamp"), 10, 64)
		if age := got[0].At.Sub(time.Unix(ts, 0)); age < 9*time.Minute || age > 11*time.Minute {
			t.Errorf("stale timestamp is %v old, want 10 minutes", age)
		}
		// Validly signed for that old time: only the clock check catches it.
		v, _ := webhook.NewVerifier(m.WebhookSecret)
		v.Now = func() time.Time { return time.Unix(ts, 0) }
		if err := v.Verify(got[0].Body, got[0].Header); err != nil {
			t.Errorf("the stale delivery is not validly signed for its timestamp: %v", err)
		}
		if s := attemptStatuses(ev); !slices.Equal(s, []int{401, 204}) || attemptScenario(ev.Attempts[0]) != "notify_stale_timestamp" {
			t.Errorf("attempts = %+v", ev.Attempts)
		}
	})

	t.Run("notify_tamper_amount", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.paid(t, "notify_tamper_amount")
		ev := m.waitEvent(t, m.event(t, p.ID, "payment.succeeded").ID, 10*time.Second, "delivered", delivered)
		got := cr.deliveries()
		if len(got) != 2 || got[0].VerifyErr != nil || got[0].Amount == 1999 || got[0].Status != 422 || got[1].Amount != 1999 {
			t.Fatalf("receiver got %+v, want a validly signed wrong amount, then the right one", got)
		}
		// Only the amount differs.
		var first, second map[string]any
		_ = json.Unmarshal(got[0].Envelope(t).Data.Object, &first)
		_ = json.Unmarshal(got[1].Envelope(t).Data.Object, &second)
		delete(first, "amount")
		delete(second, "amount")
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(second)
		if string(a) != string(b) {
			t.Errorf("more than the amount was changed:\n%s\n%s", a, b)
		}
		if s := attemptStatuses(ev); !slices.Equal(s, []int{422, 204}) || attemptScenario(ev.Attempts[0]) != "notify_tamper_amount" {
			t.Errorf("attempts = %+v", ev.Attempts)
		}
	})

	t.Run("notify_out_of_order", func(t *testing.T) {
		t.Parallel()
		m, cr := scenarioSetup(t, g, nil)
		p := m.pending(t, "notify_out_of_order=5s") // ×0.2 = 1s
		ctx := context.Background()
		if _, err := m.c.FailPayment(ctx, p.ID, "insufficient_funds"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.c.SucceedPayment(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		older := m.event(t, p.ID, "payment.failed")
		newer := m.event(t, p.ID, "payment.succeeded")
		m.waitEvent(t, older.ID, 10*time.Second, "older delivered", delivered)
		m.waitEvent(t, newer.ID, 10*time.Second, "newer delivered", delivered)
		got := cr.deliveries()
		if len(got) != 2 || got[0].ID() != newer.ID || got[1].ID() != older.ID {
			t.Fatalf("receiver got %d deliveries in order %v, want payment.succeeded (%s) then payment.failed (%s)",
				len(got), []string{got[0].ID(), got[len(got)-1].ID()}, newer.ID, older.ID)
		}
		if held := got[0].At.Sub(older.CreatedAt); held < time.Second {
			t.Errorf("first notification sent %v after the first event, want ≥ 1s", held)
		}
		for _, id := range []string{older.ID, newer.ID} {
			ev := m.getEvent(t, id)
			if attemptScenario(ev.Attempts[0]) != "notify_out_of_order" {
				t.Errorf("%s attempt = %+v", ev.Type, ev.Attempts[0])
			}
		}
	})
}
