package server_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

func TestCashier_MethodPages(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, tc := range []struct {
		method string
		shows  []string
	}{
		{"alipay", []string{"theme-alipay", "Alipay", `src="/qr/{id}.png?size=256"`, "in this browser", `data-poll="/pay/{id}/status"`}},
		{"wechat", []string{"theme-wechat", "WeChat Pay", `src="/qr/{id}.png?size=256"`, "in this browser"}},
		{"card", []string{"theme-card", `name="number"`, `name="expiry"`, `name="cvc"`, `name="name"`, `autocomplete="cc-number"`, "4000 0000 0000 9995"}},
		{"unionpay", []string{"theme-unionpay", "UnionPay", "6222 •••• •••• 0001", `name="sms_code" value="123456"`}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			p := e.createPayment(map[string]any{"method": tc.method, "subject": "Oolong <500g>", "expires_in": 600})
			r := e.page("GET", "/pay/"+p.ID, nil)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, type %q", r.Status, r.Header.Get("Content-Type"))
			}
			csp := r.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "script-src 'self'", "form-action 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			shows := append([]string{
				`<meta name="viewport"`, "Demo", "Oolong &lt;500g&gt;", "¥19.99", p.OutTradeNo,
				p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), "Pay within <strong>9 minutes</strong>", `data-countdown`,
				`action="/pay/{id}/fail"`, `action="/pay/{id}/cancel"`,
			}, tc.shows...)
			for _, code := range gateway.PaymentFailureCodes {
				shows = append(shows, `<option value="`+code+`"`)
			}
			for i := range shows {
				shows[i] = strings.ReplaceAll(shows[i], "{id}", p.ID)
			}
			mustContain(t, r.Body, shows...)
			// Works without JavaScript: no inline script, forms post directly.
			mustNotContain(t, r.Body, "<script>", "onclick=", "Oolong <500g>")
		})
	}

	t.Run("Currency", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "alipay", "currency": "USD", "amount": 100})
		mustContain(t, e.page("GET", "/pay/"+p.ID, nil).Body, "$1.00")
	})
}

func TestCashier_StatePages(t *testing.T) {
	e := newTestEnv(t, nil)

	t.Run("Paid", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "wechat", "return_url": shopReturn})
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")
		r := e.page("GET", "/pay/"+p.ID, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		mustContain(t, r.Body, "Already paid", "¥19.99")
		mustNotContain(t, r.Body, `action="/pay/`+p.ID+`/pay"`)
		ret, _ := verifyReturn(t, returnLink(t, r.Body), e.Demo.WebhookSecret)
		if ret.Status != "succeeded" {
			t.Errorf("return status %q", ret.Status)
		}
		// Paying again (an old tab) lands on this page and changes nothing.
		again := e.page("POST", "/pay/"+p.ID+"/pay", url.Values{})
		if again.Status != http.StatusSeeOther || again.Header.Get("Location") != "/pay/"+p.ID {
			t.Errorf("pay again: %d %q", again.Status, again.Header.Get("Location"))
		}
		if types, _ := e.events(gateway.DemoMerchantID, p.ID); len(types) != 1 {
			t.Errorf("events = %v, want one", types)
		}
	})

	t.Run("Closed", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "alipay", "return_url": shopReturn})
		want(t, e.api("POST", "/v1/payments/"+p.ID+"/close", nil), http.StatusOK, "")
		r := e.page("GET", "/pay/"+p.ID, nil)
		mustContain(t, r.Body, "Payment closed")
		mustNotContain(t, r.Body, `/qr/`+p.ID)
		ret, _ := verifyReturn(t, returnLink(t, r.Body), e.Demo.WebhookSecret)
		if ret.Status != "closed" {
			t.Errorf("return status %q", ret.Status)
		}
		for _, action := range []string{"pay", "fail", "cancel"} {
			r := e.page("POST", "/pay/"+p.ID+"/"+action, url.Values{"code": {"card_declined"}})
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/pay/"+p.ID {
				t.Errorf("%s on a closed payment: %d %q", action, r.Status, r.Header.Get("Location"))
			}
		}
		if got := e.payment(p.ID); got.Status != gatewayapi.PaymentClosed || got.LastError != nil {
			t.Errorf("payment = %s %+v", got.Status, got.LastError)
		}
	})

	t.Run("ExpiredByHelper", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "card"})
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/expire", nil), http.StatusOK, "")
		mustContain(t, e.page("GET", "/pay/"+p.ID, nil).Body, "Payment expired")
	})

	t.Run("Refunded", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "card", "amount": 1000})
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")
		refund := func(no string, amount int64) {
			r := e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": no, "amount": amount})
			want(t, r, http.StatusCreated, "")
			want(t, e.api("POST", "/v1/test_helpers/refunds/"+jsonField(t, r.Body, "id")+"/succeed", nil), http.StatusOK, "")
		}
		refund("r-1", 400)
		r := e.page("GET", "/pay/"+p.ID, nil)
		mustContain(t, r.Body, "Already paid", "¥4.00 of it has been refunded")
		refund("r-2", 600)
		r = e.page("GET", "/pay/"+p.ID, nil)
		mustContain(t, r.Body, "Payment refunded", "refunded in full", "¥10.00")
		mustNotContain(t, r.Body, "Already paid")
	})

	t.Run("UnknownID", func(t *testing.T) {
		for _, path := range []string{"/pay/pay_nope", "/pay/pay_nope/result?outcome=paid"} {
			r := e.page("GET", path, nil)
			if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: %d %q", path, r.Status, r.Header.Get("Content-Type"))
			}
			mustContain(t, r.Body, "Payment not found")
		}
		if r := e.page("POST", "/pay/pay_nope/pay", url.Values{}); r.Status != http.StatusNotFound {
			t.Errorf("POST pay: %d", r.Status)
		}
	})

	// A result URL that does not match the payment shows the payment's own
	// page: the gateway signs only what is true.
	t.Run("ResultMustMatchPayment", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "alipay", "return_url": shopReturn})
		for _, outcome := range []string{"paid", "declined", "bogus"} {
			r := e.page("GET", "/pay/"+p.ID+"/result?outcome="+outcome, nil)
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/pay/"+p.ID {
				t.Errorf("outcome=%s on a fresh pending payment: %d %q", outcome, r.Status, r.Header.Get("Location"))
			}
		}
	})
}

// A pending payment past its expires_at is expired to the customer even
// before the expiry timer closes it, and cannot be paid.
func TestCashier_ExpiredBeforeTimer(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "alipay", "expires_in": 60, "return_url": shopReturn})
	e.Advance(61 * time.Second)
	r := e.page("GET", "/pay/"+p.ID, nil)
	mustContain(t, r.Body, "Payment expired")
	mustNotContain(t, r.Body, `action="/pay/`+p.ID+`/pay"`)
	ret, _ := verifyReturn(t, returnLink(t, r.Body), e.Demo.WebhookSecret)
	if ret.Status != "closed" {
		t.Errorf("return status %q, want closed", ret.Status)
	}
	if r := e.page("POST", "/pay/"+p.ID+"/pay", url.Values{}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/pay/"+p.ID {
		t.Errorf("pay after expiry: %d %q", r.Status, r.Header.Get("Location"))
	}
	if got := e.payment(p.ID); got.Status == gatewayapi.PaymentSucceeded {
		t.Error("an expired payment was paid")
	}
}

func TestCashier_StatusPoll(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "alipay"})
	if r := e.page("GET", "/pay/"+p.ID+"/status", nil); r.Status != http.StatusOK || jsonField(t, r.Body, "status") != "pending" {
		t.Errorf("pending: %d %s", r.Status, r.Body)
	}
	want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusOK, "")
	if r := e.page("GET", "/pay/"+p.ID+"/status", nil); jsonField(t, r.Body, "status") != "paid" {
		t.Errorf("paid: %s", r.Body)
	}
	if r := e.page("GET", "/pay/pay_nope/status", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown: %d", r.Status)
	}
}

func TestCashier_Static(t *testing.T) {
	e := newTestEnv(t, nil)
	for path, typ := range map[string]string{"/static/gateway.css": "text/css", "/static/gateway.js": "javascript"} {
		r := e.page("GET", path, nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), typ) || len(r.Body) == 0 {
			t.Errorf("%s: %d %q", path, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := e.page("GET", "/static/nope.css", nil); r.Status != http.StatusNotFound {
		t.Errorf("missing file: %d", r.Status)
	}
}

// Card numbers never reach the log, and no page but the form itself shows
// more than the last four digits.
func TestCashier_NeverLogsCardNumbers(t *testing.T) {
	e := newTestEnv(t, nil)
	var buf syncbuf.Buffer
	e.cfg.Log = slog.New(slog.NewTextHandler(&buf, nil))
	e.start()

	numbers := []string{"4242424242424242", "4000000000009995", "4242424242424241", "5555555555554444"}
	for _, n := range numbers {
		p := e.createPayment(map[string]any{"method": "card"})
		r := e.page("POST", "/pay/"+p.ID+"/pay", cardValues(n))
		if r.Status == http.StatusSeeOther {
			r = e.follow(r)
			mustNotContain(t, r.Body, n)
		}
	}
	log := buf.String()
	if !strings.Contains(log, "path=/pay/") {
		t.Fatalf("the requests were not logged at all:\n%s", log)
	}
	for _, n := range numbers {
		if strings.Contains(log, n) || strings.Contains(log, n[:12]) {
			t.Errorf("card number %s in the log:\n%s", n, log)
		}
	}
}
