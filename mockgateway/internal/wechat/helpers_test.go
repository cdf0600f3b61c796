package wechat_test

// Helpers of the tests that run the real gateway binary and talk to it
// with WeChat Pay's own SDKs, unmodified.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/paysandbox/paysandbox/mockgateway/internal/wechat"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// fastEnv shortens every delay a flow waits for: notification retries a
// few hundred milliseconds apart and refunds that settle at once.
var fastEnv = map[string]string{
	"NOTIFY_SCHEDULE_WECHAT": "0s,300ms,300ms,300ms,300ms,300ms",
	"REFUND_DELAY":           "200ms",
}

func startGateway(t *testing.T, extra map[string]string) *gatewaytest.Gateway {
	t.Helper()
	env := map[string]string{}
	for k, v := range fastEnv {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	g := gatewaytest.Start(t, env)
	t.Cleanup(func() {
		// The binary is built with the race detector when the tests are:
		// a race it found fails the test that drove it there.
		err := g.Stop()
		if strings.Contains(g.Log(), "DATA RACE") {
			t.Errorf("the gateway reported a data race (exit %v):\n%s", err, g.Log())
		} else if err != nil {
			t.Errorf("the gateway did not stop cleanly: %v", err)
		}
	})
	return g
}

// merchant is a merchant as the admin API shows it.
type merchant struct {
	ID     string             `json:"id"`
	APIKey string             `json:"api_key"`
	Wechat wechat.Credentials `json:"wechat"`

	merchantKey *rsa.PrivateKey
	platformKey *rsa.PublicKey
}

// admin sends an admin API request and decodes the answer into out (when
// not nil), failing unless the status is want.
func admin(t *testing.T, g *gatewaytest.Gateway, method, path string, body any, want int, out any) []byte {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := g.Request(context.Background(), method, path, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, path, resp.StatusCode, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, got)
		}
	}
	return got
}

// newMerchant creates a merchant and loads its WeChat Pay keys as a
// developer would, from the PEM the admin API hands out.
func newMerchant(t *testing.T, g *gatewaytest.Gateway) *merchant {
	t.Helper()
	var m merchant
	admin(t, g, "POST", "/admin/api/merchants", map[string]string{"name": "WeChat shop " + t.Name()}, http.StatusCreated, &m)
	m.load(t)
	return &m
}

// demoMerchant is the seeded merchant of a test's own gateway: its
// credentials were generated at start, so using it costs no key
// generation (slow under the race detector).
func demoMerchant(t *testing.T, g *gatewaytest.Gateway) *merchant {
	t.Helper()
	var m merchant
	admin(t, g, "GET", "/admin/api/merchants/m_demo", nil, http.StatusOK, &m)
	m.load(t)
	return &m
}

func (m *merchant) load(t *testing.T) {
	t.Helper()
	var err error
	if m.merchantKey, err = utils.LoadPrivateKey(m.Wechat.MerchantPrivateKey); err != nil {
		t.Fatalf("merchant_private_key: %v", err)
	}
	if m.platformKey, err = utils.LoadPublicKey(m.Wechat.PlatformPublicKey); err != nil {
		t.Fatalf("platform_public_key: %v", err)
	}
}

// apiHost is the host wechatpay-go writes into every URL.
const apiHost = "api.mch.weixin.qq.com"

// redirect is an http.RoundTripper that sends WeChat Pay's API host to the
// gateway. wechatpay-go has no base-URL option (every service builds its
// URL from consts.WechatPayAPIServer); its documented option.WithHTTPClient
// is the one way in, so the client is given a transport that changes only
// scheme and host. The path, query and headers — and so the signature —
// are untouched.
type redirect struct {
	target *url.URL
	next   http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != apiHost {
		return nil, fmt.Errorf("test transport: unexpected host %s", req.URL.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = r.target.Scheme, r.target.Host, ""
	return r.next.RoundTrip(out)
}

func gatewayHTTPClient(t *testing.T, g *gatewaytest.Gateway) *http.Client {
	t.Helper()
	u, err := url.Parse(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: redirect{target: u, next: http.DefaultTransport}}
}

// publicKeyClient is wechatpay-go in platform-public-key mode.
func publicKeyClient(t *testing.T, g *gatewaytest.Gateway, m *merchant) *core.Client {
	t.Helper()
	client, err := core.NewClient(context.Background(),
		option.WithWechatPayPublicKeyAuthCipher(m.Wechat.MchID, m.Wechat.MerchantSerialNo, m.merchantKey, m.Wechat.PlatformPublicKeyID, m.platformKey),
		option.WithHTTPClient(gatewayHTTPClient(t, g)))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// notification is one request a receiver got, as the SDK parsed it.
type notification struct {
	Header http.Header
	Body   []byte
	// Err is set when the SDK refused it (signature, timestamp,
	// decryption); the receiver then answered 401 with {"code":"FAIL"}.
	Err       error
	ID        string
	EventType string
	Plaintext map[string]any
}

// receiver is a merchant's notification endpoint: a real HTTP server whose
// handler is the SDK's notify.Handler, answering 204 to what it accepts
// and 401 FAIL to what it refuses, as WeChat Pay asks.
type receiver struct {
	*httptest.Server
	handler *notify.Handler
	mu      sync.Mutex
	got     []notification
}

func newReceiver(t *testing.T, apiv3Key string, verifier auth.Verifier) *receiver {
	t.Helper()
	h, err := notify.NewRSANotifyHandler(apiv3Key, verifier)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{handler: h}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func publicKeyReceiver(t *testing.T, m *merchant) *receiver {
	t.Helper()
	return newReceiver(t, m.Wechat.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(m.Wechat.PlatformPublicKeyID, *m.platformKey))
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	n := notification{Header: r.Header.Clone(), Body: body}
	content := map[string]any{}
	req, err := rc.handler.ParseNotifyRequest(r.Context(), r, &content)
	if err != nil {
		n.Err = err
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"code":"FAIL","message":"验签失败"}`)
	} else {
		n.ID, n.EventType, n.Plaintext = req.ID, req.EventType, content
		w.WriteHeader(http.StatusNoContent)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, n)
	rc.mu.Unlock()
}

func (rc *receiver) all() []notification {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]notification(nil), rc.got...)
}

// wait returns what the receiver got once cond holds, or fails after a
// while.
func (rc *receiver) wait(t *testing.T, what string, cond func([]notification) bool) []notification {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rc.all()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; received %s", what, describe(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// accepted waits for the SDK to accept a notification of eventType about
// an object and returns it.
func (rc *receiver) accepted(t *testing.T, eventType, key, value string) notification {
	t.Helper()
	var found notification
	rc.wait(t, eventType+" with "+key+"="+value, func(got []notification) bool {
		for _, n := range got {
			if n.Err == nil && n.EventType == eventType && n.Plaintext[key] == value {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

func describe(got []notification) string {
	var b strings.Builder
	for i, n := range got {
		fmt.Fprintf(&b, "\n  %d: %s %s err=%v", i+1, n.EventType, n.ID, n.Err)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// cashierPay pays an order on the cashier as a browser does: open the
// page the code_url points at, then press pay.
func cashierPay(t *testing.T, g *gatewaytest.Gateway, payURL string) {
	t.Helper()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(payURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cashier page %s: status %d\n%s", payURL, res.StatusCode, page)
	}
	req, _ := http.NewRequest("POST", payURL+"/pay", strings.NewReader(url.Values{}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", g.URL)
	res, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cashier pay: status %d, want 303", res.StatusCode)
	}
}

// paymentID is the core payment id a cashier URL names.
func paymentID(t *testing.T, payURL string) string {
	t.Helper()
	i := strings.LastIndex(payURL, "/pay/")
	if i < 0 {
		t.Fatalf("%q is not a cashier URL", payURL)
	}
	return payURL[i+len("/pay/"):]
}

// events lists a payment's or refund's events through the native API with
// the merchant's API key.
func events(t *testing.T, g *gatewaytest.Gateway, m *merchant, objectID string) []gatewayapi.Event {
	t.Helper()
	req, _ := http.NewRequest("GET", g.URL+"/v1/events?object_id="+objectID, nil)
	req.Header.Set("Authorization", "Bearer "+m.APIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var l gatewayapi.List[gatewayapi.Event]
	if err := json.NewDecoder(res.Body).Decode(&l); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("events of %s: status %d, %v", objectID, res.StatusCode, err)
	}
	return l.Data
}

// createRule adds a fault rule through the admin API.
func createRule(t *testing.T, g *gatewaytest.Gateway, match map[string]any, scenario string, remaining int) {
	t.Helper()
	admin(t, g, "POST", "/admin/api/faults", map[string]any{"match": match, "scenario": scenario, "remaining": remaining}, http.StatusCreated, nil)
}

// apiError returns the SDK's error for an answer that was not 2xx.
func apiError(t *testing.T, err error) *core.APIError {
	t.Helper()
	var ae *core.APIError
	if err == nil {
		t.Fatal("the call succeeded; want an error answer")
	}
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an APIError", err)
	}
	return ae
}
