package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// The cashier through the real binary, as a customer's browser uses it: open
// pay_url, be declined by a test card, pay with 4242…, land on the result
// with a signed return link; the QR image is a PNG of the asked size; the
// card numbers never reach the gateway's log.
func TestBinary_Cashier(t *testing.T) {
	g := gatewaytest.Start(t, nil)
	ctx := context.Background()
	resp, err := g.Request(ctx, "POST", "/v1/payments", []byte(`{"out_trade_no":"cashier-1","amount":1999,"method":"card","subject":"Tea","return_url":"http://shop.test/back?order=7"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p gatewayapi.Payment
	decode(t, resp, http.StatusCreated, &p)

	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, http.Header, []byte) {
		t.Helper()
		res, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, body
	}
	pay := func(number string) string {
		t.Helper()
		res, err := browser.PostForm(g.URL+"/pay/"+p.ID+"/pay", url.Values{"number": {number}, "expiry": {"12/34"}, "cvc": {"123"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("pay with %s…: status %d", number[:4], res.StatusCode)
		}
		status, _, body := get(g.URL + res.Header.Get("Location"))
		if status != http.StatusOK {
			t.Fatalf("result page: status %d", status)
		}
		return string(body)
	}
	readBack := func() gatewayapi.Payment {
		t.Helper()
		resp, err := g.Request(ctx, "GET", "/v1/payments/"+p.ID, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got gatewayapi.Payment
		decode(t, resp, http.StatusOK, &got)
		return got
	}

	status, _, body := get(p.PayURL)
	if status != http.StatusOK || !bytes.Contains(body, []byte("¥19.99")) || !bytes.Contains(body, []byte(`name="number"`)) {
		t.Fatalf("cashier page: status %d\n%s", status, body)
	}

	if page := pay("4000000000009995"); !strings.Contains(page, "insufficient_funds") {
		t.Errorf("decline page lacks the code:\n%s", page)
	}
	if got := readBack(); got.Status != "pending" || got.LastError == nil || got.LastError.Code != "insufficient_funds" {
		t.Fatalf("after the declining card: %s %+v", got.Status, got.LastError)
	}

	page := pay("4242424242424242")
	if got := readBack(); got.Status != "succeeded" || got.LastError != nil {
		t.Fatalf("after 4242: %s %+v", got.Status, got.LastError)
	}
	m := regexp.MustCompile(`href="([^"]+)">Return to merchant`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no return link:\n%s", page)
	}
	link, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	v, _ := webhook.NewVerifier(g.WebhookSecret)
	ret, err := v.VerifyReturn(link.Query())
	if err != nil || ret.Status != "succeeded" || ret.PaymentID != p.ID || link.Query().Get("order") != "7" {
		t.Errorf("return link %s: %+v, %v", link, ret, err)
	}

	status, h, img := get(p.QRCodeURL + "?size=128")
	if status != http.StatusOK || h.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: status %d, type %q", status, h.Get("Content-Type"))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width != 128 || cfg.Height != 128 {
		t.Errorf("qr png: %+v, %v", cfg, err)
	}
	if status, _, _ := get(p.QRCodeURL + "?size=2000"); status != http.StatusBadRequest {
		t.Errorf("qr size 2000: status %d, want 400", status)
	}

	for _, n := range []string{"4000000000009995", "4242424242424242"} {
		if strings.Contains(g.Log(), n) {
			t.Errorf("card number %s in the gateway log", n)
		}
	}
}
