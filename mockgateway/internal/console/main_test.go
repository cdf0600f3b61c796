package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/alipay"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/mockgateway/internal/stripe"
	"github.com/paysandbox/paysandbox/mockgateway/internal/wechat"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	redistest.Main(m)
}

const adminToken = "adm_console_test_token_0123456789"

// env is a real gateway — every protocol the binary has, on a real Redis —
// served over real HTTP, as the QA engineer's browser reaches it.
type env struct {
	t    testing.TB
	URL  string
	Svc  *gateway.Service
	Demo *gateway.Merchant
	logs *syncbuf.Buffer
	g    *server.Gateway
}

// runWorkers runs the dispatcher and the timers until the test ends, so
// notifications go out and refunds settle.
func (e *env) runWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.g.RunWorkers(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

// fastNotify retries native notifications after 300 ms and polls often.
func fastNotify(c *server.Config) {
	c.Schedules = map[string]gateway.Schedule{native.Name: {0, 300 * time.Millisecond, 300 * time.Millisecond}}
	c.PollInterval = 50 * time.Millisecond
}

func newEnv(t testing.TB, tweaks ...func(*server.Config)) *env {
	t.Helper()
	rdb := redistest.Client(t)
	store := redisstore.New(rdb)
	e := &env{t: t, logs: &syncbuf.Buffer{}}
	e.Demo = &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", APIKey: "sk_test_demo",
		WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	cfg := server.Config{
		PublicURL: "http://gateway.test", AdminToken: adminToken, Demo: e.Demo,
		TimeScale: 1, RefundDelay: time.Hour, FaultHold: 2 * time.Second, OpenAPI: docs.OpenAPI,
		Log:       slog.New(slog.NewJSONHandler(e.logs, nil)),
		Protocols: []server.Protocol{native.Protocol(), stripe.Protocol(), wechat.Protocol(), alipay.Protocol()},
	}
	for _, tw := range tweaks {
		tw(&cfg)
	}
	g, err := server.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.g = g
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	e.URL, e.Svc = srv.URL, g.Service
	return e
}

// browser is a QA engineer's browser: a cookie jar, no automatic
// redirects (tests look at them), and same-origin form posts.
type browser struct {
	e      *env
	client *http.Client
	// lang, when set, is the browser's Accept-Language.
	lang string
}

// in makes the browser ask for a language (Accept-Language).
func (b *browser) in(lang string) *browser {
	b.lang = lang
	return b
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn is a browser with a console session.
func (e *env) signedIn() *browser {
	b := e.browser()
	r := b.post("/admin/signin", url.Values{"token": {adminToken}})
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("sign in: status %d: %s", r.Status, r.Body)
	}
	return b
}

type page struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(raw), Location: res.Header.Get("Location")}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	return b.do(req)
}

// post submits a form as a browser does from one of the console's pages.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.e.URL)
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// follow posts and then opens where the answer redirects, as a browser does.
func (b *browser) follow(path string, form url.Values) page {
	b.e.t.Helper()
	r := b.post(path, form)
	if r.Status != http.StatusSeeOther {
		b.e.t.Fatalf("POST %s: status %d, want 303: %s", path, r.Status, r.Body)
	}
	return b.get(r.Location)
}

func wantStatus(t testing.TB, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.Status, status, p.Body)
	}
}

func wantContains(t testing.TB, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page lacks %q; body:\n%s", s, p.Body)
		}
	}
}

func wantLacks(t testing.TB, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page has %q, want it absent", s)
		}
	}
}

// payment creates a native payment of the demo merchant through the core.
func (e *env) payment(in gateway.CreatePaymentInput) *gateway.Payment {
	e.t.Helper()
	if in.OutTradeNo == "" {
		in.OutTradeNo = "ord-" + gateway.RandomToken(10)
	}
	if in.Amount == 0 {
		in.Amount = 1999
	}
	if in.Method == "" {
		in.Method = gateway.MethodCard
	}
	if in.Subject == "" {
		in.Subject = "Tea"
	}
	p, _, err := e.Svc.CreatePayment(context.Background(), e.Demo, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// paid is a succeeded payment.
func (e *env) paid(in gateway.CreatePaymentInput) *gateway.Payment {
	e.t.Helper()
	p := e.payment(in)
	res, err := e.Svc.SucceedPayment(context.Background(), e.Demo, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Payment
}

// get reads a payment of the demo merchant.
func (e *env) get(id string) *gateway.Payment {
	e.t.Helper()
	p, err := e.Svc.Payment(context.Background(), e.Demo, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// refunds lists the refunds of a payment of the demo merchant.
func (e *env) refunds(paymentID string) []*gateway.Refund {
	e.t.Helper()
	rs, _, err := e.Svc.ListRefunds(context.Background(), e.Demo, gateway.RefundFilter{PaymentID: paymentID}, gateway.ListQuery{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}
