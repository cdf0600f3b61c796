package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// A native attempt keeps its headers but not its body, which is the
// envelope of the event's snapshot: SentBody encodes it again, byte for
// byte what the receiver got, tampered amount included.
func TestAttemptLog_ReproducibleBody(t *testing.T) {
	var mu sync.Mutex
	var got [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	e := newTestEnv(t, schedule(0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Gateway.RunWorkers(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	p := e.createPayment(map[string]any{"notify_url": hook.URL}, "Mock-Scenario", "notify_tamper_amount")
	want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")
	var ev *gateway.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		var l gatewayapi.List[gatewayapi.Event]
		e.api("GET", "/v1/events?object_id="+p.ID, nil).Decode(t, &l)
		if len(l.Data) == 1 && len(l.Data[0].Attempts) == 1 {
			var err error
			if ev, err = e.Svc.Event(context.Background(), e.Demo, l.Data[0].ID); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a := ev.Attempts[0]
	if a.Request == nil || !a.Request.Reproducible || a.Request.Body != "" || len(a.Request.Header) == 0 {
		t.Fatalf("attempt request %+v, want headers and no body", a.Request)
	}
	body, err := dispatcher.SentBody(e.Gateway.Notifiers()[native.Name], e.Demo, ev, a)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || string(got[0]) != string(body) {
		t.Fatalf("encoded again:\n%s\nsent:\n%s", body, got)
	}
	if !strings.Contains(string(body), `"amount":2000`) {
		t.Fatalf("the tampered amount is not in the body again: %s", body)
	}
}
