package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// The tests run the real gateway binary and talk to it with the official
// stripe-go SDK, unmodified, pointed at the STRIPE_ADDR listener through
// its documented backend URL option, and receive its webhooks in a real
// HTTP server that verifies them with the SDK's webhook.ConstructEvent.

// fastEnv shortens every delay the tests wait for.
var fastEnv = map[string]string{
	"NOTIFY_SCHEDULE_STRIPE": "0s,150ms,150ms,150ms,150ms",
	"REFUND_DELAY":           "200ms",
}

func startGateway(t *testing.T) *gatewaytest.Gateway {
	t.Helper()
	return gatewaytest.Start(t, fastEnv)
}

// stripeCreds are a merchant's Stripe credentials as the admin API shows
// them.
type stripeCreds struct {
	SecretKey      string `json:"secret_key"`
	PublishableKey string `json:"publishable_key"`
	WebhookSecret  string `json:"webhook_secret"`
	APIVersion     string `json:"api_version"`
}

type merchantJSON struct {
	ID     string      `json:"id"`
	APIKey string      `json:"api_key"`
	Stripe stripeCreds `json:"stripe"`
}

// newMerchant creates an isolated merchant whose webhooks go to notifyURL.
func newMerchant(t *testing.T, g *gatewaytest.Gateway, notifyURL string) merchantJSON {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": "Stripe shop", "notify_url": notifyURL})
	var m merchantJSON
	doJSON(t, g, http.MethodPost, "/admin/api/merchants", body, http.StatusCreated, &m)
	if !strings.HasPrefix(m.Stripe.SecretKey, "sk_test_") || !strings.HasPrefix(m.Stripe.WebhookSecret, "whsec_") {
		t.Fatalf("merchant without Stripe credentials: %+v", m)
	}
	return m
}

func doJSON(t *testing.T, g *gatewaytest.Gateway, method, path string, body []byte, want int, out any) {
	t.Helper()
	resp, err := g.Request(context.Background(), method, path, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

// recorder is an http.RoundTripper that records the requests it carries,
// to see what the SDK sent (its retries and their idempotency keys).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path, IdempotencyKey string
	Status                       int
	Replayed                     bool
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	rec := recorded{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key")}
	if err == nil {
		rec.Status = resp.StatusCode
		rec.Replayed = resp.Header.Get("Idempotent-Replayed") == "true"
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// newClient returns a stripe-go client of the merchant's secret key,
// pointed at base (the STRIPE_ADDR listener), its requests recorded.
func newClient(base, key string) (*stripe.Client, *recorder) {
	rec := &recorder{}
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(base),
		HTTPClient:        &http.Client{Transport: rec, Timeout: 30 * time.Second},
		MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return stripe.NewClient(key, stripe.WithBackends(backends)), rec
}

// receiver is a merchant's webhook endpoint: it verifies each delivery
// with webhook.ConstructEvent and answers 400 to one it rejects, as a
// careful Stripe integration does.
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
}

type delivery struct {
	Event stripe.Event
	Err   error
	Body  []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	ev, err := webhook.ConstructEvent(body, req.Header.Get("Stripe-Signature"), secret)
	r.mu.Lock()
	r.got = append(r.got, delivery{Event: ev, Err: err, Body: body})
	r.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// waitFor waits until the accepted deliveries include every type wanted
// for an object (by the id of data.object), and returns them.
func (r *receiver) waitFor(objectID string, types ...string) []delivery {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var out []delivery
		seen := map[string]bool{}
		for _, d := range r.deliveries() {
			if d.Err == nil && objectOf(d.Event) == objectID {
				out = append(out, d)
				seen[string(d.Event.Type)] = true
			}
		}
		all := true
		for _, typ := range types {
			all = all && seen[typ]
		}
		if all {
			return out
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("webhooks for %s: want %v; got %s", objectID, types, r.summary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCount waits until n accepted deliveries of one type for an object
// have arrived, and returns them.
func (r *receiver) waitCount(objectID, typ string, n int) []delivery {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var out []delivery
		for _, d := range r.deliveries() {
			if d.Err == nil && objectOf(d.Event) == objectID && string(d.Event.Type) == typ {
				out = append(out, d)
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d %s webhooks for %s, want %d; got %s", len(out), typ, objectID, n, r.summary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *receiver) summary() string {
	var b strings.Builder
	for _, d := range r.deliveries() {
		b.WriteString("\n  " + string(d.Event.Type) + " " + objectOf(d.Event))
		if d.Err != nil {
			b.WriteString(" rejected: " + d.Err.Error())
		}
	}
	return b.String()
}

func objectOf(ev stripe.Event) string {
	if ev.Data == nil {
		return ""
	}
	id, _ := ev.Data.Object["id"].(string)
	return id
}

// stripeErr unwraps a *stripe.Error or fails.
func stripeErr(t *testing.T, err error) *stripe.Error {
	t.Helper()
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *stripe.Error", err, err)
	}
	return se
}

var returnLinkRe = regexp.MustCompile(`<a class="button primary" href="([^"]+)">Return to merchant</a>`)

// payOnCashier pays a payment page as a browser would: the card form
// posted from the page's own origin, the redirect followed to the result
// page; it returns the "Return to merchant" link.
func payOnCashier(t *testing.T, g *gatewaytest.Gateway, payURL, card string) string {
	t.Helper()
	form := url.Values{"number": {card}, "expiry": {"12/34"}, "cvc": {"123"}, "name": {"Li Lei"}}
	req, _ := http.NewRequest(http.MethodPost, payURL+"/pay", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", g.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cashier pay: %d %s", resp.StatusCode, page)
	}
	m := returnLinkRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no return link on the result page:\n%s", page)
	}
	return html.UnescapeString(string(m[1]))
}

// raw sends a request as any HTTP client would (the Node and Python SDKs
// send exactly such form bodies), with the secret key as a Bearer token.
func raw(t *testing.T, method, u, key, form string, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != "" {
		if method == http.MethodGet {
			u += "?" + form
		} else {
			body = strings.NewReader(form)
		}
	}
	req, _ := http.NewRequest(method, u, body)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, u, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header, out
}

// errOf returns the error object of a Stripe error body.
func errOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %v", body)
	}
	return e
}
