package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/timers"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newServiceOn returns a second Service on the same Redis: another process,
// or the same one after a restart.
func newServiceOn(t *testing.T, e *testEnv) *gateway.Service {
	t.Helper()
	return gateway.NewService(e.Store, e.Svc.Config())
}

// A pending payment closes by itself when it expires, also when the process
// that created it is gone.
func TestPaymentExpiry_ByTimer(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"expires_in": 60})
	paid := e.createPayment(map[string]any{"expires_in": 60})
	want(t, e.api("POST", "/v1/test_helpers/payments/"+paid.ID+"/succeed", nil), http.StatusOK, "")

	restarted := newServiceOn(t, e)
	at := time.Now()
	runner := &timers.Runner{Core: restarted, Queue: e.Store, Log: discardLog(), Now: func() time.Time { return at }}
	if _, err := runner.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.getPayment(p.ID); got.Status != "pending" {
		t.Fatalf("closed before expiry: %s", got.Status)
	}
	at = time.Now().Add(61 * time.Second)
	if _, err := runner.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := e.getPayment(p.ID)
	if got.Status != "closed" || got.ClosedAt == nil {
		t.Fatalf("after expiry: %s", got.Status)
	}
	if e.getPayment(paid.ID).Status != "succeeded" {
		t.Error("expiry touched a paid payment")
	}
	due, later, err := e.Store.QueueStats(context.Background(), "m_demo", gateway.QueueTimer, at.Add(time.Hour))
	if err != nil || due+later != 0 {
		t.Errorf("timers left on the queue: due %d later %d (%v)", due, later, err)
	}
}

// auto_succeed pays the payment by itself after its delay.
func TestAutoSucceed(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(nil, "Mock-Scenario", "auto_succeed=2s")
	if p.Scenario == nil || *p.Scenario != "auto_succeed=2s" {
		t.Fatalf("scenario = %v", p.Scenario)
	}
	runner := &timers.Runner{Core: e.Svc, Queue: e.Store, Log: discardLog(), Now: func() time.Time { return time.Now().Add(time.Second) }}
	_, _ = runner.Tick(context.Background())
	if e.getPayment(p.ID).Status != gatewayapi.PaymentPending {
		t.Fatal("paid before its delay")
	}
	runner.Now = func() time.Time { return time.Now().Add(3 * time.Second) }
	_, _ = runner.Tick(context.Background())
	if got := e.getPayment(p.ID); got.Status != gatewayapi.PaymentSucceeded {
		t.Fatalf("status %s after auto_succeed", got.Status)
	}
}
