package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/cashier"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/i18n/i18ntest"
)

// TestCashier_BothLanguages renders every cashier page — each method's
// page, the card form with errors, the result of paying, declining and
// cancelling, the pages of paid, refunded, closed and expired payments, and
// the not-found page — in English and in Chinese (by Accept-Language) and
// checks each is wholly in its language.
func TestCashier_BothLanguages(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			al := []string{"Accept-Language", lang}
			page := func(name string, r resp, status int, want map[string]string) {
				t.Helper()
				if r.Status != status {
					t.Errorf("%s: status %d, want %d", name, r.Status, status)
					return
				}
				i18ntest.CheckPage(t, name, string(r.Body), lang)
				if w := want[lang]; !strings.Contains(string(r.Body), w) {
					t.Errorf("%s (%s) lacks %q:\n%s", name, lang, w, i18ntest.VisibleText(string(r.Body)))
				}
				if !strings.Contains(string(r.Body), `data-testid="lang-zh-CN"`) {
					t.Errorf("%s: no language switcher", name)
				}
			}
			for method, want := range map[string]map[string]string{
				"alipay":   {"en": "Scan with Alipay on your phone.", "zh-CN": "请使用手机支付宝扫码支付。"},
				"wechat":   {"en": "(Scan in the Discover tab)", "zh-CN": "请使用手机微信支付扫码支付"},
				"card":     {"en": "Test card numbers", "zh-CN": "测试卡号"},
				"unionpay": {"en": "UnionPay debit card", "zh-CN": "银联借记卡"},
			} {
				p := e.createPayment(map[string]any{"method": method, "expires_in": 600})
				page(method, e.page("GET", "/pay/"+p.ID, nil, al...), http.StatusOK, want)
			}
			card := e.createPayment(map[string]any{"method": "card", "return_url": shopReturn})
			page("card form errors", e.page("POST", "/pay/"+card.ID+"/pay", url.Values{"number": {"1234"}, "expiry": {"1/2"}, "cvc": {"x"}}, al...),
				http.StatusUnprocessableEntity, map[string]string{"en": "A card number has 12 to 19 digits.", "zh-CN": "卡号应为 12 到 19 位数字。"})
			page("cancelled", followIn(e, al, e.page("POST", "/pay/"+card.ID+"/cancel", url.Values{}, al...)), http.StatusOK,
				map[string]string{"en": "Payment cancelled", "zh-CN": "支付已取消"})
			page("declined", followIn(e, al, e.page("POST", "/pay/"+card.ID+"/fail", url.Values{"code": {"insufficient_funds"}}, al...)), http.StatusOK,
				map[string]string{"en": "The account has insufficient funds.", "zh-CN": "账户余额不足。"})
			page("retry after a decline", e.page("GET", "/pay/"+card.ID, nil, al...), http.StatusOK,
				map[string]string{"en": "The last attempt was declined: The account has insufficient funds.", "zh-CN": "上一次支付被拒绝：账户余额不足。"})
			r := e.page("POST", "/pay/"+card.ID+"/pay", url.Values{"number": {"4242 4242 4242 4242"}, "expiry": {"12/34"}, "cvc": {"123"}}, al...)
			page("paid", followIn(e, al, r), http.StatusOK, map[string]string{"en": "with the card •••• 4242", "zh-CN": "您已使用银行卡 •••• 4242"})
			page("already paid", e.page("GET", "/pay/"+card.ID, nil, al...), http.StatusOK, map[string]string{"en": "Already paid", "zh-CN": "已支付"})

			refunded := e.createPayment(map[string]any{"method": "card", "amount": 1000})
			want(t, e.api("POST", "/v1/test_helpers/payments/"+refunded.ID+"/succeed", nil), http.StatusOK, "")
			rr := e.api("POST", "/v1/refunds", map[string]any{"payment_id": refunded.ID, "out_refund_no": "r-" + lang})
			want(t, rr, http.StatusCreated, "")
			want(t, e.api("POST", "/v1/test_helpers/refunds/"+jsonField(t, rr.Body, "id")+"/succeed", nil), http.StatusOK, "")
			page("refunded", e.page("GET", "/pay/"+refunded.ID, nil, al...), http.StatusOK, map[string]string{"en": "refunded in full", "zh-CN": "已全额退款"})

			closed := e.createPayment(map[string]any{"method": "alipay"})
			want(t, e.api("POST", "/v1/payments/"+closed.ID+"/close", nil), http.StatusOK, "")
			page("closed", e.page("GET", "/pay/"+closed.ID, nil, al...), http.StatusOK, map[string]string{"en": "Payment closed", "zh-CN": "支付已关闭"})
			expired := e.createPayment(map[string]any{"method": "wechat"})
			want(t, e.api("POST", "/v1/test_helpers/payments/"+expired.ID+"/expire", nil), http.StatusOK, "")
			page("expired", e.page("GET", "/pay/"+expired.ID, nil, al...), http.StatusOK, map[string]string{"en": "Payment expired", "zh-CN": "支付已过期"})
			page("not found", e.page("GET", "/pay/pay_nope", nil, al...), http.StatusNotFound, map[string]string{"en": "Payment not found", "zh-CN": "未找到支付"})
		})
	}
}

// TestCashier_LanguageChoice: the cashier speaks the person's own choice
// on the gateway's pages, else the payment's locale (the language of the
// merchant's page that sent the customer), else the browser's.
func TestCashier_LanguageChoice(t *testing.T) {
	e := newTestEnv(t, nil)
	zh := e.createPayment(map[string]any{"method": "alipay", "locale": "zh-CN"})
	en := e.createPayment(map[string]any{"method": "alipay", "locale": "en"})
	none := e.createPayment(map[string]any{"method": "alipay"})
	if zh.Locale == nil || *zh.Locale != "zh-CN" || none.Locale != nil {
		t.Errorf("locale on the wire: %v and %v, want zh-CN and null", zh.Locale, none.Locale)
	}
	var got gatewayapi.Payment
	e.api("GET", "/v1/payments/"+zh.ID, nil).Decode(t, &got)
	if got.Locale == nil || *got.Locale != "zh-CN" {
		t.Errorf("GET answers locale %v, want zh-CN", got.Locale)
	}
	lang := func(p gatewayapi.Payment, headers ...string) string {
		t.Helper()
		body := string(e.page("GET", "/pay/"+p.ID, nil, headers...).Body)
		for _, l := range i18n.Languages {
			if strings.Contains(body, `<html lang="`+l+`">`) {
				return l
			}
		}
		return "none"
	}
	for _, tt := range []struct {
		name    string
		p       gatewayapi.Payment
		headers []string
		want    string
	}{
		{"the payment's locale over the browser", zh, []string{"Accept-Language", "en-US,en"}, i18n.Chinese},
		{"the payment's locale over the browser (en)", en, []string{"Accept-Language", "zh-CN,zh"}, i18n.English},
		{"no locale: the browser", none, []string{"Accept-Language", "zh-CN,zh;q=0.9"}, i18n.Chinese},
		{"no locale, no header: English", none, nil, i18n.English},
		{"the person's choice over the locale", zh, []string{"Cookie", cashier.LangCookie + "=en"}, i18n.English},
	} {
		if got := lang(tt.p, tt.headers...); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}

	// The switcher remembers the choice and goes back to the page.
	r := e.page("POST", "/lang", url.Values{"lang": {"en"}, "next": {"/pay/" + zh.ID}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/pay/"+zh.ID || !strings.Contains(r.Header.Get("Set-Cookie"), cashier.LangCookie+"=en") {
		t.Errorf("switch: %d to %q, cookie %q", r.Status, r.Header.Get("Location"), r.Header.Get("Set-Cookie"))
	}
	if r := e.page("POST", "/lang", url.Values{"lang": {"en"}, "next": {"//evil.example/"}}); r.Header.Get("Location") != "/" {
		t.Errorf("switch to another site went to %q", r.Header.Get("Location"))
	}
	if r := e.page("POST", "/lang", url.Values{"lang": {"en"}}, "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
		t.Errorf("a cross-site switch: %d, want 403", r.Status)
	}

	// A locale the cashier does not speak is refused, naming the field;
	// the API's message stays English.
	bad := e.api("POST", "/v1/payments", map[string]any{"out_trade_no": "loc-bad", "amount": 100, "method": "card", "subject": "Tea", "locale": "fr"},
		"Accept-Language", "zh-CN")
	want(t, bad, http.StatusBadRequest, "parameter_invalid")
	if d := bad.Err(); d.Param != "locale" || !strings.Contains(d.Message, "locale must be one of: en, zh-CN") {
		t.Errorf("bad locale: %+v", d)
	}
}

// followIn is follow for a browser that sends headers with every request.
func followIn(e *testEnv, headers []string, r resp) resp {
	e.t.Helper()
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/pay/") {
		e.t.Fatalf("status %d to %q, want 303 to a cashier path: %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return e.page("GET", r.Header.Get("Location"), nil, headers...)
}
