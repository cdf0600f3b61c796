package web

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
	"github.com/paysandbox/paysandbox/templates"
)

type env struct {
	t      *testing.T
	path   string // the SQLite file
	db     *sqlite.DB
	srv    *Server
	http   *httptest.Server
	signer *webhook.Signer
}

// newEnv starts the shop's handlers on a real SQLite file and a real
// listener. The gateway is unreachable: these tests cover what the shop does
// on its own (the flow tests in package main use the real gateway).
func newEnv(t *testing.T, publicURL string, methods ...string) *env {
	t.Helper()
	return newEnvDB(t, publicURL, nil, methods...)
}

// newEnvDB is newEnv with options for opening the database.
func newEnvDB(t *testing.T, publicURL string, dbOpts []sqlite.Option, methods ...string) *env {
	t.Helper()
	return buildEnv(t, publicURL, dbOpts, nil, methods...)
}

// newEnvConfig is newEnv with the server's configuration changed by mod.
func newEnvConfig(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	return buildEnv(t, "", nil, mod)
}

func buildEnv(t *testing.T, publicURL string, dbOpts []sqlite.Option, mod func(*Config), methods ...string) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shop.db")
	db, err := sqlite.Open(context.Background(), path, append([]sqlite.Option{sqlite.WithSeedPasswordCost(bcrypt.MinCost)}, dbOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gw := gatewayclient.New("http://127.0.0.1:1", "sk_test_demo", gatewayclient.WithMaxAttempts(1))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if len(methods) == 0 {
		methods = gatewayapi.Methods
	}
	svc := payment.New(db, gw, payment.Config{MerchantID: gatewaytest.DemoMerchantID, PublicURL: "http://shop.test", Methods: methods, Log: log})
	v, err := webhook.NewVerifier(gatewaytest.DemoWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := fs.Sub(templates.Shop, "shop")
	static, _ := fs.Sub(templates.Static, "static")
	e := &env{t: t, path: path, db: db}
	e.http = httptest.NewUnstartedServer(nil)
	if publicURL == "" {
		publicURL = "http://" + e.http.Listener.Addr().String()
	}
	cfg := Config{Store: db, Payments: svc, Verifier: v, Sessions: db.NewSessionStore([]byte("0123456789abcdef0123")),
		Templates: pages, Static: static, PublicURL: publicURL, Log: log, OrderTTL: time.Hour,
		GatewayReady: func(context.Context) error { return nil }}
	if mod != nil {
		mod(&cfg)
	}
	e.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.http.Config.Handler = e.srv
	e.http.Start()
	t.Cleanup(e.http.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	e.signer, _ = webhook.NewSigner(gatewaytest.DemoWebhookSecret)
	return e
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see every answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	// accept is the browser's Accept-Language, "" for none.
	accept string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.http.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// browserIn is a browser whose Accept-Language asks for lang.
func (e *env) browserIn(lang string) *browser {
	b := e.browser()
	b.accept = lang
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	if b.accept != "" {
		req.Header.Set("Accept-Language", b.accept)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// post sends a form the way a browser on the shop's own page does.
func (b *browser) post(path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	resp, body := b.post("/signin", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: status %d\n%s", email, resp.StatusCode, body)
	}
}

func (e *env) user(email string) *shop.User {
	e.t.Helper()
	u, err := e.db.FindUserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

var orderSeq atomic.Int64

// pendingOrder places an order for a user with one open alipay attempt whose
// gateway payment is pay_<order>.
func (e *env) pendingOrder(email string, amount int64) (*shop.Order, *shop.Attempt) {
	e.t.Helper()
	ctx := context.Background()
	u := e.user(email)
	o, err := e.db.CreateOrder(ctx, sqlite.NewOrder{UserID: u.ID, Actor: shop.ActorCustomer(u.Email), Currency: "CNY", TTL: time.Hour,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: amount, Quantity: 1}},
		NewNo: func() (string, error) { return "PS-TEST-" + strconv.FormatInt(orderSeq.Add(1), 10), nil }})
	if err != nil {
		e.t.Fatal(err)
	}
	plan, err := e.db.StartAttempt(ctx, o.No, u.ID, "alipay", "", shop.ActorCustomer(u.Email), sqlite.Lease{})
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.db.AttemptCreated(ctx, plan.Attempt.ID, sqlite.GatewayPayment{PaymentID: "pay_" + o.No, PayURL: "http://gw/pay", ExpiresAt: o.ExpiresAt})
	if err != nil {
		e.t.Fatal(err)
	}
	return o, a
}

// event builds a notification body about attempt a.
func event(id, typ string, a *shop.Attempt, status string, mod func(*gatewayapi.Payment)) []byte {
	p := gatewayapi.Payment{ID: a.PaymentID, Object: "payment", MerchantID: gatewaytest.DemoMerchantID, OutTradeNo: a.OutTradeNo, Amount: a.Amount,
		Currency: a.Currency, Method: a.Method, Status: status}
	if typ == gatewayapi.EventPaymentFailed {
		p.LastError = &gatewayapi.PaymentError{Code: "card_declined", Message: "The card was declined."}
	}
	if mod != nil {
		mod(&p)
	}
	obj, _ := json.Marshal(p)
	body, _ := json.Marshal(gatewayapi.Envelope{ID: id, Object: "event", Type: typ, CreatedAt: time.Now().UTC(), MerchantID: gatewaytest.DemoMerchantID,
		Data: gatewayapi.EventData{Object: obj}})
	return body
}

// notify posts a notification signed by signer at ts and returns the status.
func (e *env) notify(signer *webhook.Signer, id string, ts time.Time, body []byte) int {
	e.t.Helper()
	status, _ := e.notifyAnswer(signer, id, ts, body)
	return status
}

// notifyAnswer is notify returning the answer's body too.
func (e *env) notifyAnswer(signer *webhook.Signer, id string, ts time.Time, body []byte) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/webhooks/gateway", strings.NewReader(string(body)))
	req.Header = signer.Headers(id, ts, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

func (e *env) order(no string) *shop.Order {
	e.t.Helper()
	o, err := e.db.FindOrder(context.Background(), no)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// entries returns the timeline entries of an order of one kind.
func (e *env) entries(orderID int64, kind string) []shop.TimelineEntry {
	e.t.Helper()
	all, err := e.db.Timeline(context.Background(), orderID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []shop.TimelineEntry
	for _, en := range all {
		if en.Kind == kind {
			out = append(out, en)
		}
	}
	return out
}

// rejections waits until order orderID has at least n refusal entries
// (notes about unverifiable notifications are written in the background,
// see Server.Run) and returns them all.
func (e *env) rejections(orderID int64, n int) []shop.TimelineEntry {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := e.entries(orderID, shop.KindNotificationRejected)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}
