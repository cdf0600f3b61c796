package alipay_test

// Helpers of the tests that drive the real gateway binary with real Alipay
// SDKs: an isolated merchant with its Alipay credentials, a notification
// receiver that verifies with the SDK, and a browser for the cashier.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/smartwalle/alipay/v3"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// startGateway starts the real binary with delays shortened for tests:
// Alipay's notifications retried 300 ms apart, api_timeout held 1 s.
func startGateway(t *testing.T, extra map[string]string) *gatewaytest.Gateway {
	t.Helper()
	env := map[string]string{
		"NOTIFY_SCHEDULE_ALIPAY": "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms",
		"NOTIFY_TIMEOUT":         "3s",
		"FAULT_HOLD":             "1s",
		"REFUND_DELAY":           "200ms",
	}
	for k, v := range extra {
		env[k] = v
	}
	return gatewaytest.Start(t, env)
}

// alipayCredentials are a merchant's credentials as the admin API shows
// them under "alipay".
type alipayCredentials struct {
	AppID           string `json:"app_id"`
	AppPrivateKey   string `json:"app_private_key"`
	AppPublicKey    string `json:"app_public_key"`
	AlipayPublicKey string `json:"alipay_public_key"`
}

// merchant is an isolated merchant of a gateway, created through the admin
// API as a test suite would.
type merchant struct {
	ID     string            `json:"id"`
	APIKey string            `json:"api_key"`
	Alipay alipayCredentials `json:"alipay"`

	g *gatewaytest.Gateway
}

func newMerchant(t *testing.T, g *gatewaytest.Gateway, notifyURL string) *merchant {
	t.Helper()
	var m merchant
	status, body := adminCall(t, g, "POST", "/admin/api/merchants", map[string]string{"name": "Alipay test " + t.Name(), "notify_url": notifyURL}, &m)
	if status != http.StatusCreated {
		t.Fatalf("create merchant: %d %s", status, body)
	}
	m.g = g
	return &m
}

// adminCall sends an admin API request and decodes the answer into out
// (when not nil); it returns the status and the raw body.
func adminCall(t *testing.T, g *gatewaytest.Gateway, method, p string, in, out any) (int, []byte) {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := g.Request(context.Background(), method, p, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, p, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// gatewayURL is where SDKs send requests.
func (m *merchant) gatewayURL() string { return m.g.URL + "/gateway.do" }

// client is smartwalle/alipay configured only through its public options:
// the merchant's app_id and app private key, the sandbox gateway pointed
// at this gateway, and the platform's public key.
func (m *merchant) client(t *testing.T) *sdk.Client {
	t.Helper()
	return sdkClient(t, m.Alipay.AppID, m.Alipay.AppPrivateKey, m.Alipay.AlipayPublicKey, m.gatewayURL())
}

func sdkClient(t *testing.T, appID, privateKey, alipayPublicKey, gatewayURL string) *sdk.Client {
	t.Helper()
	c, err := sdk.New(appID, privateKey, false, sdk.WithSandboxGateway(gatewayURL))
	if err != nil {
		t.Fatalf("sdk.New: %v", err)
	}
	if err := c.LoadAliPayPublicKey(alipayPublicKey); err != nil {
		t.Fatalf("LoadAliPayPublicKey: %v", err)
	}
	return c
}

// native is the merchant's client of the native API (events, helpers).
func (m *merchant) native() *gatewayclient.Client { return gatewayclient.New(m.g.URL, m.APIKey) }

// payment reads a payment through the native API.
func (m *merchant) payment(t *testing.T, id string) *gatewayapi.Payment {
	t.Helper()
	p, err := m.native().GetPayment(context.Background(), id)
	if err != nil {
		t.Fatalf("get payment %s: %v", id, err)
	}
	return p
}

// paymentCount is how many payments the merchant has.
func (m *merchant) paymentCount(t *testing.T) int {
	t.Helper()
	l, err := m.native().ListPayments(context.Background(), gatewayclient.ListPaymentsParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Data)
}

// events lists the notifications of an object, oldest first.
func (m *merchant) events(t *testing.T, objectID string) []gatewayapi.Event {
	t.Helper()
	l, err := m.native().ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: objectID})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]gatewayapi.Event, len(l.Data))
	for i, ev := range l.Data {
		out[len(l.Data)-1-i] = ev
	}
	return out
}

var seq atomic.Int64

// orderNo returns a fresh out_trade_no.
func orderNo(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

// paymentID is the payment id at the end of a cashier URL.
func paymentID(t *testing.T, cashierURL string) string {
	t.Helper()
	u, err := url.Parse(cashierURL)
	if err != nil || !strings.HasPrefix(u.Path, "/pay/pay_") {
		t.Fatalf("%q is not a cashier URL", cashierURL)
	}
	return path.Base(u.Path)
}

// browser is a customer's browser on the cashier: it does not follow
// redirects, so each step can be checked.
var browser = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get fetches a URL with the browser.
func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	res, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// openCashier opens a cashier page, as a buyer scanning the QR code does.
func openCashier(t *testing.T, cashierURL string) {
	t.Helper()
	if res, body := get(t, cashierURL); res.StatusCode != http.StatusOK {
		t.Fatalf("cashier %s: %d\n%s", cashierURL, res.StatusCode, body)
	}
}

// payOnCashier opens the cashier page and presses "pay", as a browser
// would, and returns the result page.
func payOnCashier(t *testing.T, cashierURL string) string {
	t.Helper()
	openCashier(t, cashierURL)
	res, err := browser.PostForm(cashierURL+"/pay", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay on %s: status %d", cashierURL, res.StatusCode)
	}
	loc, err := res.Location()
	if err != nil {
		t.Fatal(err)
	}
	page, body := get(t, loc.String())
	if page.StatusCode != http.StatusOK {
		t.Fatalf("result page: %d", page.StatusCode)
	}
	return body
}

// notice is one notification a receiver got.
type notice struct {
	Form   url.Values
	N      *sdk.Notification
	Err    error // the SDK's verdict on the signature
	Answer string
	At     time.Time
}

// receiver is a merchant's notification endpoint built on the SDK: it
// verifies each notification with DecodeNotification and answers what
// answer decides — by default "success" for a verified notification and
// "fail" otherwise, as a merchant's handler does.
type receiver struct {
	*httptest.Server
	client *sdk.Client

	mu     sync.Mutex
	got    []notice
	answer func(n int, nt *sdk.Notification, err error) string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

// use sets the client that verifies (the merchant's, once it exists).
func (rc *receiver) use(c *sdk.Client) {
	rc.mu.Lock()
	rc.client = c
	rc.mu.Unlock()
}

// setAnswer replaces the answering rule.
func (rc *receiver) setAnswer(f func(n int, nt *sdk.Notification, err error) string) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	client, answer, n := rc.client, rc.answer, len(rc.got)+1
	rc.mu.Unlock()
	nt, err := client.DecodeNotification(r.Context(), r.PostForm)
	text := "fail"
	if answer != nil {
		text = answer(n, nt, err)
	} else if err == nil {
		text = "success"
	}
	rc.mu.Lock()
	rc.got = append(rc.got, notice{Form: r.PostForm, N: nt, Err: err, Answer: text, At: time.Now()})
	rc.mu.Unlock()
	_, _ = io.WriteString(w, text)
}

// notices returns what the receiver got so far.
func (rc *receiver) notices() []notice {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]notice(nil), rc.got...)
}

// of returns the notices about one trade.
func (rc *receiver) of(outTradeNo string) []notice {
	var out []notice
	for _, n := range rc.notices() {
		if n.Form.Get("out_trade_no") == outTradeNo {
			out = append(out, n)
		}
	}
	return out
}

// waitFor polls until cond holds for the notices of a trade, failing after
// 15 s.
func (rc *receiver) waitFor(t *testing.T, outTradeNo, what string, cond func([]notice) bool) []notice {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := rc.of(outTradeNo)
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s of %s; got %s", what, outTradeNo, describe(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describe(ns []notice) string {
	var b bytes.Buffer
	for i, n := range ns {
		fmt.Fprintf(&b, "\n  %d: %s %s refund_fee=%s verified=%v answer=%s", i+1, n.Form.Get("trade_status"),
			n.Form.Get("total_amount"), n.Form.Get("refund_fee"), n.Err == nil, n.Answer)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// waitEvent polls the native events of an object until cond holds.
func (m *merchant) waitEvent(t *testing.T, objectID, what string, cond func([]gatewayapi.Event) bool) []gatewayapi.Event {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := m.events(t, objectID)
		if cond(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			raw, _ := json.MarshalIndent(evs, "", " ")
			t.Fatalf("waiting for %s of %s; events %s", what, objectID, raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantCode fails unless an SDK answer carries the code and sub_code.
func wantCode(t *testing.T, what string, e sdk.Error, err error, code, subCode string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if string(e.Code) != code || e.SubCode != subCode {
		t.Fatalf("%s: %s %s %q, want %s %s", what, e.Code, e.SubCode, e.SubMsg, code, subCode)
	}
}
