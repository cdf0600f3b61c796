package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// boomAdapter is the echo protocol with a notifier that panics.
type boomAdapter struct{ *echoAdapter }

func (boomAdapter) Encode(*gateway.Delivery, time.Time) (http.Header, []byte, error) {
	panic("boom: the notifier failed")
}

// TestPanics_CountedInMetrics (DESIGN §12): a panic in a background
// worker is recovered and counted in /metrics, and the gateway goes on
// serving.
func TestPanics_CountedInMetrics(t *testing.T) {
	p := echoProtocol()
	p.New = func(d server.Deps) server.Adapter { return boomAdapter{newEchoAdapter(d).(*echoAdapter)} }
	e := newTestEnv(t, func(c *server.Config) {
		c.Protocols = append(c.Protocols, p)
		c.PollInterval = 20 * time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Gateway.RunWorkers(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	t.Cleanup(hook.Close)

	pay, _, err := e.Svc.CreatePayment(ctx, e.Demo, gateway.CreatePaymentInput{Protocol: echoName, OutTradeNo: "BOOM-1", Amount: 100,
		Currency: "CNY", Method: gateway.MethodCard, Subject: "Tea", NotifyURL: hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.SucceedPayment(ctx, e.Demo, pay.ID); err != nil {
		t.Fatal(err)
	}
	const line = `paysandbox_gateway_panics_total{component="dispatcher worker"} `
	deadline := time.Now().Add(10 * time.Second)
	for {
		body := string(e.do("GET", "/metrics", "", nil).Body)
		if i := strings.Index(body, line); i >= 0 && !strings.HasPrefix(body[i+len(line):], "0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted the worker's panic:\n%s", grepLines(body, "panics"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := e.do("GET", "/readyz", "", nil); r.Status != http.StatusOK {
		t.Fatalf("after the panic /readyz answered %d", r.Status)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
