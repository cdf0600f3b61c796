package web

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
	"github.com/paysandbox/paysandbox/templates"
)

// TestSecurityHeaders: every answer — pages for visitors, customers and
// support, static files, redirects, errors, the webhook — forbids framing
// and MIME sniffing and restricts what the page may load.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, "")
	o, _ := e.pendingOrder("alice@example.com", 1999)
	visitor, alice, support := e.browser(), e.browser(), e.browser()
	alice.signIn("alice@example.com", "alice-sandbox")
	support.signIn("support@example.com", "support-sandbox")
	check := func(t *testing.T, resp *http.Response) {
		t.Helper()
		policy := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s %s (%d): Content-Security-Policy %q lacks %q", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, policy, want)
			}
		}
		if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "unsafe-eval") {
			t.Errorf("%s: the policy allows inline code: %q", resp.Request.URL.Path, policy)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options = %q, want nosniff", resp.Request.Method, resp.Request.URL.Path, got)
		}
	}
	for _, tt := range []struct {
		who  *browser
		path string
	}{
		{visitor, "/"}, {visitor, "/products/green-tea"}, {visitor, "/cart"}, {visitor, "/signin"}, {visitor, "/signup"},
		{visitor, "/static/shop.css"}, {visitor, "/healthz"}, {visitor, "/no-such-page"}, {visitor, "/orders"},
		{alice, "/orders"}, {alice, "/orders/" + o.No}, {alice, "/orders/" + o.No + "/pay"}, {alice, "/orders/" + o.No + "/result"},
		{alice, "/notifications"}, {alice, "/checkout"}, {alice, "/admin"},
		{support, "/admin"}, {support, "/admin/failed"}, {support, "/admin/orders"}, {support, "/admin/orders/" + o.No},
	} {
		resp, _ := tt.who.get(tt.path)
		check(t, resp)
	}
	resp, _ := visitor.post("/signin", nil)
	check(t, resp)
	// An unsigned notification, and a form posted from another site.
	resp, err := http.Post(e.http.URL+"/webhooks/gateway", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check(t, resp)
	resp, _ = alice.post("/orders/"+o.No+"/cancel", nil, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post answered %d, want 403", resp.StatusCode)
	}
	check(t, resp)
}

// TestSecurityHeaders_QRCodeFromTheGateway: the payment page may show the
// gateway's QR image, and nothing else from elsewhere.
func TestSecurityHeaders_QRCodeFromTheGateway(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	u := e.user("alice@example.com")
	o, err := e.db.CreateOrder(ctx, sqlite.NewOrder{UserID: u.ID, Actor: "test", Currency: "CNY", TTL: time.Hour,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}}, NewNo: func() (string, error) { return "PS-QR", nil }})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.db.StartAttempt(ctx, o.No, u.ID, "wechat", "", "test", sqlite.Lease{})
	if err != nil {
		t.Fatal(err)
	}
	qr := "http://gw.example:8081/qr/pay_qr.png"
	if _, err := e.db.AttemptCreated(ctx, plan.Attempt.ID, sqlite.GatewayPayment{PaymentID: "pay_qr", PayURL: "http://gw.example:8081/pay/pay_qr",
		QRCodeURL: qr, ExpiresAt: o.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("alice@example.com", "alice-sandbox")
	resp, body := b.get("/orders/PS-QR/pay")
	if !strings.Contains(body, `src="`+qr+`"`) {
		t.Fatalf("the payment page does not show the QR code:\n%s", body)
	}
	policy := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(policy, "img-src 'self' http://gw.example:8081;") || !strings.Contains(policy, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want images from the gateway's origin too", policy)
	}
	if resp, _ := b.get("/orders"); strings.Contains(resp.Header.Get("Content-Security-Policy"), "gw.example") {
		t.Errorf("another page allows the gateway's images: %q", resp.Header.Get("Content-Security-Policy"))
	}
}

// TestTemplates_NoInlineScriptOrStyle: the policy forbids inline scripts,
// event handler attributes and style attributes, so no page template may
// rely on them (they would silently stop working).
func TestTemplates_NoInlineScriptOrStyle(t *testing.T) {
	forbidden := map[string]*regexp.Regexp{
		"inline script":   regexp.MustCompile(`(?i)<script(\s[^>]*)?>`),
		"style element":   regexp.MustCompile(`(?i)<style[\s>]`),
		"style attribute": regexp.MustCompile(`(?i)\sstyle\s*=`),
		"event handler":   regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
		"javascript: URL": regexp.MustCompile(`(?i)javascript:`),
	}
	scriptWithSrc := regexp.MustCompile(`(?i)<script\s[^>]*\bsrc\s*=`)
	n := 0
	err := fs.WalkDir(templates.Shop, "shop", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		raw, err := fs.ReadFile(templates.Shop, path)
		if err != nil {
			return err
		}
		for what, re := range forbidden {
			for _, m := range re.FindAllString(string(raw), -1) {
				if what == "inline script" && scriptWithSrc.MatchString(m) {
					continue
				}
				t.Errorf("%s: %s %q is blocked by the Content-Security-Policy", path, what, m)
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("read %d templates (%v); the test looked at nothing", n, err)
	}
}
