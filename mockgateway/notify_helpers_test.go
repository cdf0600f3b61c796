package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// hookDelivery is one notification request a receiver got.
type hookDelivery struct {
	At     time.Time
	Header http.Header
	Body   []byte
	Status int // what the notifyReceiver answered
}

// ID is the delivery's webhook-id.
func (d hookDelivery) ID() string { return d.Header.Get("webhook-id") }

// Envelope decodes the body.
func (d hookDelivery) Envelope(t *testing.T) gatewayapi.Envelope {
	t.Helper()
	var env gatewayapi.Envelope
	if err := json.Unmarshal(d.Body, &env); err != nil {
		t.Fatalf("hookDelivery body %s: %v", d.Body, err)
	}
	return env
}

// notifyReceiver is a real HTTP server standing in for a merchant's webhook
// endpoint. answer decides each response from the request's position (1 for
// the first) and the request; nil answers 204.
type notifyReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []hookDelivery
	answer func(n int, r *http.Request, body []byte) (status int, header http.Header, body2 string)
}

func newNotifyReceiver(t *testing.T, answer func(n int, r *http.Request, body []byte) (int, http.Header, string)) *notifyReceiver {
	t.Helper()
	rc := &notifyReceiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *notifyReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.got) + 1
	answer := rc.answer
	rc.mu.Unlock()
	status, header, text := http.StatusNoContent, http.Header(nil), ""
	if answer != nil {
		status, header, text = answer(n, r, body)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, hookDelivery{At: time.Now(), Header: r.Header.Clone(), Body: body, Status: status})
	rc.mu.Unlock()
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// setAnswer replaces the answering rule.
func (rc *notifyReceiver) setAnswer(f func(n int, r *http.Request, body []byte) (int, http.Header, string)) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

// deliveries returns a copy of what the receiver got so far.
func (rc *notifyReceiver) deliveries() []hookDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookDelivery(nil), rc.got...)
}

func (rc *notifyReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// notifyMerchant is an isolated merchant of a gateway with its own receiver.
type notifyMerchant struct {
	gatewayapi.Merchant
	c *gatewayclient.Client
	g *gatewaytest.Gateway
}

// newNotifyMerchant creates a merchant through the admin API whose default
// notify_url is notifyURL.
func newNotifyMerchant(t *testing.T, g *gatewaytest.Gateway, notifyURL string) *notifyMerchant {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": "Notify test " + t.Name(), "notify_url": notifyURL})
	resp, err := g.Request(context.Background(), "POST", "/admin/api/merchants", body, nil)
	if err != nil {
		t.Fatal(err)
	}
	var m gatewayapi.Merchant
	decode(t, resp, http.StatusCreated, &m)
	return &notifyMerchant{Merchant: m, g: g, c: gatewayclient.New(g.URL, m.APIKey)}
}

// on returns the same merchant talking to another gateway process.
func (m *notifyMerchant) on(g *gatewaytest.Gateway) *notifyMerchant {
	return &notifyMerchant{Merchant: m.Merchant, g: g, c: gatewayclient.New(g.URL, m.APIKey)}
}

// paid creates a payment (with a Mock-Scenario when scenario is set) and
// pays it through the test helper: one payment.succeeded event.
func (m *notifyMerchant) paid(t *testing.T, scenario string) *gatewayapi.Payment {
	t.Helper()
	p := m.pending(t, scenario)
	if _, err := m.c.SucceedPayment(context.Background(), p.ID); err != nil {
		t.Fatalf("succeed %s: %v", p.ID, err)
	}
	return p
}

var notifySeq struct {
	sync.Mutex
	n int
}

func (m *notifyMerchant) pending(t *testing.T, scenario string) *gatewayapi.Payment {
	t.Helper()
	notifySeq.Lock()
	notifySeq.n++
	n := notifySeq.n
	notifySeq.Unlock()
	var opts []gatewayclient.RequestOption
	if scenario != "" {
		opts = append(opts, gatewayclient.WithScenario(scenario))
	}
	p, err := m.c.CreatePayment(context.Background(), &gatewayclient.CreatePaymentParams{
		OutTradeNo: fmt.Sprintf("ntf-%d-%d", time.Now().UnixNano(), n), Amount: 1999, Method: "alipay", Subject: "Tea",
	}, opts...)
	if err != nil {
		t.Fatalf("create payment (%q): %v", scenario, err)
	}
	return p
}

// event returns the only event of an object with the given type.
func (m *notifyMerchant) event(t *testing.T, objectID, typ string) *gatewayapi.Event {
	t.Helper()
	l, err := m.c.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: objectID, Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Data) != 1 {
		t.Fatalf("%d %s events of %s, want 1", len(l.Data), typ, objectID)
	}
	return &l.Data[0]
}

func (m *notifyMerchant) getEvent(t *testing.T, id string) *gatewayapi.Event {
	t.Helper()
	ev, err := m.c.GetEvent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// waitEvent polls an event until cond holds, failing after timeout.
func (m *notifyMerchant) waitEvent(t *testing.T, id string, timeout time.Duration, what string, cond func(*gatewayapi.Event) bool) *gatewayapi.Event {
	t.Helper()
	var ev *gatewayapi.Event
	waitNotify(t, timeout, what, func() bool {
		ev = m.getEvent(t, id)
		return cond(ev)
	})
	return ev
}

// api sends a raw /v1 request as the merchant and returns status and body.
func (m *notifyMerchant) api(t *testing.T, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, m.g.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// waitNotify polls cond every 20ms until it holds, failing after timeout.
func waitNotify(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// attemptStatuses lists the status codes of an attempt log (0 for none).
func attemptStatuses(ev *gatewayapi.Event) []int {
	out := make([]int, len(ev.Attempts))
	for i, a := range ev.Attempts {
		if a.StatusCode != nil {
			out[i] = *a.StatusCode
		}
	}
	return out
}

// attemptScenario is the scenario an attempt names, "" for none.
func attemptScenario(a gatewayapi.Attempt) string {
	if a.Scenario == nil {
		return ""
	}
	return *a.Scenario
}

// scrapeMetric returns the value of one sample of the gateway's /metrics whose
// line starts with prefix (name and labels), or -1 when there is none.
func scrapeMetric(t *testing.T, g *gatewaytest.Gateway, prefix string) float64 {
	t.Helper()
	resp, err := http.Get(g.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %d: %s", resp.StatusCode, raw)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, prefix+" ") {
			var v float64
			if _, err := fmt.Sscan(strings.TrimPrefix(line, prefix+" "), &v); err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return v
		}
	}
	return -1
}
