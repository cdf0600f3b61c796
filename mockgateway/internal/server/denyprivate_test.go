package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// With NOTIFY_DENY_PRIVATE a private notify_url is refused when it is
// given, and a private address is refused when a notification would connect
// to it (the merchant's default URL, or a name that moved): the attempt log
// says why and the receiver gets nothing (DESIGN §12).
func TestDenyPrivate(t *testing.T) {
	var got atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	t.Cleanup(hook.Close)
	e := newTestEnv(t, func(c *server.Config) {
		c.DenyPrivate = true
		c.Schedules = nil
		c.PollInterval = 20 * time.Millisecond
		c.Demo.NotifyURL = hook.URL // set by configuration, not checked: refused at delivery
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Gateway.RunWorkers(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	for _, url := range []string{hook.URL, "http://10.0.0.1/hook", "http://[::1]:9/hook", "http://169.254.169.254/"} {
		body := map[string]any{"out_trade_no": "DP-" + strings.NewReplacer(":", "", "/", "", ".", "", "[", "", "]", "").Replace(url), "amount": 100, "method": "card", "subject": "Tea", "notify_url": url}
		r := e.api("POST", "/v1/payments", body)
		want(t, r, http.StatusBadRequest, "parameter_invalid")
		if r.Err().Param != "notify_url" || !strings.Contains(r.Err().Message, "NOTIFY_DENY_PRIVATE") {
			t.Fatalf("%s: %+v", url, r.Err())
		}
	}
	want(t, e.do("POST", "/admin/api/merchants", e.Admin, map[string]any{"name": "x", "notify_url": hook.URL}), http.StatusBadRequest, "parameter_invalid")

	p := e.createPayment(nil) // no notify_url: the merchant's (private) one
	want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		var l gatewayapi.List[gatewayapi.Event]
		e.api("GET", "/v1/events?object_id="+p.ID, nil).Decode(t, &l)
		if len(l.Data) == 1 && len(l.Data[0].Attempts) > 0 {
			a := l.Data[0].Attempts[0]
			if a.StatusCode != nil || a.Error == nil || !strings.Contains(*a.Error, "NOTIFY_DENY_PRIVATE") {
				t.Fatalf("attempt %+v, want refused by NOTIFY_DENY_PRIVATE", a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attempt recorded: %+v", l.Data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.Load() != 0 {
		t.Fatalf("the private receiver got %d requests", got.Load())
	}
}
