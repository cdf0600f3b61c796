package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// flow is a real shop (every component, a real listener, a real SQLite
// file) talking over HTTP to a real mockgateway binary on a real Redis.
type flow struct {
	t   *testing.T
	gw  *gatewaytest.Gateway
	api *gatewayclient.Client // the test's own client, as the demo merchant
	app *app
	url string
	// scenario rides on every payment the shop creates (setScenario).
	scenario       atomic.Pointer[string]
	refundScenario atomic.Pointer[string]
	// lookupDelay holds back the answers to the shop's payment lookups by
	// out_trade_no (setLookupDelay).
	lookupDelay lookupDelay
}

// lookupDelay is a range of delays, in nanoseconds.
type lookupDelay struct{ lo, hi atomic.Int64 }

// scenarioTransport adds a Mock-Scenario header to the shop's payment
// creations: how a QA engineer makes the gateway misbehave for one shop
// without touching it. It can also hold back the answers to payment
// lookups by out_trade_no, as a slow network would: the gateway has read
// its state, and the shop learns it later.
type scenarioTransport struct {
	payments, refunds *atomic.Pointer[string]
	lookupDelay       *lookupDelay
}

func (s scenarioTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var sc *string
	switch {
	case r.Method != http.MethodPost:
	case r.URL.Path == "/v1/payments":
		sc = s.payments.Load()
	case r.URL.Path == "/v1/refunds":
		sc = s.refunds.Load()
	}
	if sc != nil && *sc != "" {
		r = r.Clone(r.Context())
		r.Header.Set(gatewayclient.HeaderScenario, *sc)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if lo, hi := s.lookupDelay.lo.Load(), s.lookupDelay.hi.Load(); hi > 0 && err == nil && r.Method == http.MethodGet &&
		r.URL.Path == "/v1/payments" && r.URL.Query().Has("out_trade_no") {
		time.Sleep(time.Duration(lo + rand.Int64N(hi-lo+1)))
	}
	return resp, err
}

// setLookupDelay holds back each answer to the shop's payment lookups by
// out_trade_no for a random time between lo and hi (0, 0: none).
func (f *flow) setLookupDelay(lo, hi time.Duration) {
	f.lookupDelay.lo.Store(int64(lo))
	f.lookupDelay.hi.Store(int64(hi))
}

// setScenario changes the scenario of the payments the shop creates next.
func (f *flow) setScenario(s string) { f.scenario.Store(&s) }

// setRefundScenario changes the scenario of the refunds the shop creates next.
func (f *flow) setRefundScenario(s string) { f.refundScenario.Store(&s) }

// startFlow starts a gateway and a shop. mod changes the shop's config;
// scenario, when set, rides on every payment the shop creates; seams change
// how the shop is built (options).
func startFlow(t *testing.T, gwEnv map[string]string, mod func(*config), scenario string, seams ...func(*options)) *flow {
	t.Helper()
	env := map[string]string{"NOTIFY_SCHEDULE": "0s,200ms,200ms,200ms", "REFUND_DELAY": "100ms"}
	for k, v := range gwEnv {
		env[k] = v
	}
	gw := gatewaytest.Start(t, env)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flow{t: t, gw: gw, url: "http://" + ln.Addr().String(),
		api: gatewayclient.New(gw.URL, gw.APIKey, gatewayclient.WithBackoff(10*time.Millisecond, 100*time.Millisecond))}
	cfg := config{
		Addr: ln.Addr().String(), PublicURL: f.url, DB: filepath.Join(t.TempDir(), "shop.db"), GatewayURL: gw.URL,
		APIKey: gw.APIKey, WebhookSecret: gw.WebhookSecret, Methods: []string{"alipay", "wechat", "unionpay", "card"},
		OrderTTL: 30 * time.Minute, ReconcileAfter: time.Hour, ReconcileEvery: 100 * time.Millisecond,
		SessionSecret: []byte("flow-test-session-secret"),
	}
	if mod != nil {
		mod(&cfg)
	}
	f.setScenario(scenario)
	opt := options{gatewayHTTP: &http.Client{Timeout: 10 * time.Second, Transport: scenarioTransport{&f.scenario, &f.refundScenario, &f.lookupDelay}},
		db: []sqlite.Option{sqlite.WithSeedPasswordCost(bcrypt.MinCost)}}
	for _, seam := range seams {
		seam(&opt)
	}
	logOut := io.Discard
	if testing.Verbose() {
		logOut = os.Stderr
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.app, err = newApp(ctx, cfg, slog.New(slog.NewTextHandler(logOut, nil)), opt)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.app.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shop stopped with %v", err)
		}
	})
	return f
}

// customer is a browser with cookies; it follows redirects inside the shop
// only, so a redirect to the gateway's cashier is visible to the test.
type customer struct {
	f *flow
	c *http.Client
}

func (f *flow) signIn(email, password string) *customer {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &customer{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), f.url) {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
	resp, body := c.post("/signin", url.Values{"email": {email}, "password": {password}})
	if resp.Request.URL.Path != "/" {
		f.t.Fatalf("sign in as %s ended at %s\n%s", email, resp.Request.URL, body)
	}
	return c
}

func (c *customer) do(req *http.Request) (*http.Response, string) {
	c.f.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *customer) get(path string) (*http.Response, string) {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.url+path, nil)
	return c.do(req)
}

func (c *customer) post(path string, form url.Values) (*http.Response, string) {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.f.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.f.url)
	return c.do(req)
}

// order puts products in the cart and checks out; it returns the order
// number read from the payment page's address.
func (c *customer) order(productIDs ...string) string {
	c.f.t.Helper()
	for _, id := range productIDs {
		c.post("/cart/add", url.Values{"product_id": {id}, "quantity": {"1"}})
	}
	resp, body := c.post("/checkout", url.Values{"name": {"Alice Wang"}, "email": {"alice@example.com"}, "phone": {"+86 138 0000 0000"},
		"address": {"1 West Lake Road"}, "city": {"Hangzhou"}, "postal_code": {"310000"}})
	parts := strings.Split(strings.Trim(resp.Request.URL.Path, "/"), "/")
	if resp.StatusCode != 200 || len(parts) != 3 || parts[2] != "pay" {
		c.f.t.Fatalf("checkout ended at %s with %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return parts[1]
}

// eventually polls cond until it holds or the timeout passes.
func (f *flow) eventually(timeout time.Duration, what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *flow) order(no string) *shop.Order {
	f.t.Helper()
	o, err := f.app.db.FindOrder(context.Background(), no)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *flow) attempts(no string) []shop.Attempt {
	f.t.Helper()
	a, err := f.app.db.Attempts(context.Background(), f.order(no).ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// timeline returns the order's timeline as "actor: message" lines.
func (f *flow) timeline(no string) string {
	f.t.Helper()
	entries, err := f.app.db.Timeline(context.Background(), f.order(no).ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Kind + " | " + e.Actor + ": " + e.Message.String() + "\n")
	}
	return b.String()
}
