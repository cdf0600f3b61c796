package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// The events endpoints against a running dispatcher, every answer checked
// against docs/openapi.yaml.
func TestEvents_Endpoints(t *testing.T) {
	var calls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "not yet", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	e := newTestEnv(t, schedule(0, 50*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&dispatcher.Dispatcher{Core: e.Svc, Queue: e.Store, Notifiers: e.Gateway.Notifiers(), Timeout: 2 * time.Second, Interval: 20 * time.Millisecond}).Run(ctx)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })

	p := e.createPayment(map[string]any{"notify_url": hook.URL})
	want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")

	var list gatewayapi.List[gatewayapi.Event]
	r := e.api("GET", "/v1/events?object_id="+p.ID+"&type=payment.succeeded", nil)
	want(t, r, http.StatusOK, "")
	r.Decode(t, &list)
	if len(list.Data) != 1 || list.HasMore {
		t.Fatalf("events of %s = %+v", p.ID, list)
	}
	id := list.Data[0].ID

	var ev gatewayapi.Event
	deadline := time.Now().Add(10 * time.Second)
	for ev.DeliveryStatus != gatewayapi.DeliveryDelivered {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %+v", ev)
		}
		time.Sleep(20 * time.Millisecond)
		r = e.api("GET", "/v1/events/"+id, nil)
		want(t, r, http.StatusOK, "")
		r.Decode(t, &ev)
	}
	if len(ev.Attempts) != 2 || *ev.Attempts[0].StatusCode != 500 || ev.Attempts[0].ResponseBody != "not yet\n" || *ev.Attempts[1].StatusCode != 204 {
		t.Fatalf("attempts = %+v", ev.Attempts)
	}

	r = e.api("POST", "/v1/events/"+id+"/redeliver", nil)
	want(t, r, http.StatusAccepted, "")
	r.Decode(t, &ev)
	if ev.ID != id {
		t.Fatalf("redeliver answered %s", r.Body)
	}
	r = e.api("POST", "/v1/test_helpers/events/deliver_due", "{}")
	want(t, r, http.StatusOK, "")

	want(t, e.api("GET", "/v1/events/evt_missing", nil), http.StatusNotFound, gateway.ResourceMissing)
	want(t, e.api("POST", "/v1/events/evt_missing/redeliver", nil), http.StatusNotFound, gateway.ResourceMissing)
	want(t, e.api("GET", "/v1/events?type=nope", nil), http.StatusBadRequest, gateway.ParameterInvalid)
	want(t, e.api("GET", "/v1/events?delivery_status=nope", nil), http.StatusBadRequest, gateway.ParameterInvalid)
	want(t, e.api("POST", "/v1/events/"+id+"/redeliver", `{"now":true}`), http.StatusBadRequest, gateway.ParameterUnknown)
	want(t, e.api("GET", "/v1/events/"+id, nil, "Mock-Scenario", "notify_drop"), http.StatusBadRequest, gateway.ScenarioInvalid)
}
