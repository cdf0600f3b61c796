package server_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// noRedirect lets a test see every redirect of the cashier's
// post/redirect/get flow instead of following it blindly.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// page sends a browser-like request to a cashier path: a GET, or a POST of
// form when form is not nil. headers are name, value pairs.
func (e *testEnv) page(method, path string, form url.Values, headers ...string) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// follow checks that r is a 303 to a cashier path and fetches that page.
func (e *testEnv) follow(r resp) resp {
	e.t.Helper()
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("status %d, want 303: %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/pay/") {
		e.t.Fatalf("redirect to %q, want a cashier path", loc)
	}
	return e.page("GET", loc, nil)
}

// payment reads a payment back through the /v1 API.
func (e *testEnv) payment(id string) gatewayapi.Payment {
	e.t.Helper()
	r := e.api("GET", "/v1/payments/"+id, nil)
	want(e.t, r, http.StatusOK, "")
	var p gatewayapi.Payment
	r.Decode(e.t, &p)
	return p
}

// events returns the types of a payment's events, oldest first, and the
// payment each carried.
func (e *testEnv) events(merchantID, paymentID string) ([]string, []gatewayapi.Payment) {
	e.t.Helper()
	evs, _, err := e.Store.ListEvents(context.Background(), merchantID, paymentID, gateway.ListQuery{Limit: 100}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	var types []string
	var objs []gatewayapi.Payment
	for i := len(evs) - 1; i >= 0; i-- {
		types = append(types, evs[i].Type)
		objs = append(objs, native.Payment(evs[i].Payment))
	}
	return types, objs
}

func cardValues(number string) url.Values {
	return url.Values{"number": {number}, "expiry": {"12/34"}, "cvc": {"123"}, "name": {"Li Lei"}}
}

var (
	returnLinkRe  = regexp.MustCompile(`<a class="button primary" href="([^"]+)">Return to merchant</a>`)
	metaRefreshRe = regexp.MustCompile(`<meta http-equiv="refresh" content="3;url=([^"]+)">`)
)

// returnLink is the "Return to merchant" URL of a page, or "".
func returnLink(t *testing.T, body []byte) string {
	t.Helper()
	m := returnLinkRe.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// metaRefresh is the URL a page's meta refresh goes to, or "".
func metaRefresh(body []byte) string {
	m := metaRefreshRe.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// verifyReturn checks a return redirect with the merchant's secret, the way
// a merchant would, and returns what it says and its whole query.
func verifyReturn(t *testing.T, link, secret string) (webhook.Return, url.Values) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("return link %q: %v", link, err)
	}
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.VerifyReturn(u.Query())
	if err != nil {
		t.Fatalf("verify %q: %v", link, err)
	}
	return r, u.Query()
}

// mustContain fails unless body contains every string.
func mustContain(t *testing.T, body []byte, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(string(body), s) {
			t.Errorf("page lacks %q:\n%s", s, body)
		}
	}
}

func mustNotContain(t *testing.T, body []byte, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(string(body), s) {
			t.Errorf("page contains %q:\n%s", s, body)
		}
	}
}

func mustVerifier(t *testing.T, secret string) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonField returns one string field of a JSON object.
func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("no %s in %s", name, body)
	}
	return s
}
