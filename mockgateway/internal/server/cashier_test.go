package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

const shopReturn = "https://shop.test/return?order=42&lang=zh"

func TestCashier_CardOutcomes(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, tc := range []struct {
		number string
		code   string // "" succeeds
	}{
		{"4242424242424242", ""},
		{"4242 4242 4242 4242", ""}, // spaces as a person types them
		{"4000000000000002", "card_declined"},
		{"4000000000009995", "insufficient_funds"},
		{"4000000000000069", "expired_card"},
		{"4000000000000119", "processing_error"},
		{"5555555555554444", ""}, // any other Luhn-valid number
	} {
		t.Run(strings.ReplaceAll(tc.number, " ", "_"), func(t *testing.T) {
			p := e.createPayment(map[string]any{"method": "card", "return_url": shopReturn})
			res := e.follow(e.page("POST", "/pay/"+p.ID+"/pay", cardValues(tc.number)))
			if res.Status != http.StatusOK {
				t.Fatalf("result status %d: %s", res.Status, res.Body)
			}
			digits := strings.ReplaceAll(tc.number, " ", "")
			mustNotContain(t, res.Body, digits)

			got := e.payment(p.ID)
			types, objs := e.events(gateway.DemoMerchantID, p.ID)
			ret, q := verifyReturn(t, returnLink(t, res.Body), e.Demo.WebhookSecret)
			if tc.code == "" {
				mustContain(t, res.Body, "Payment complete", "•••• "+digits[len(digits)-4:])
				if got.Status != gatewayapi.PaymentSucceeded || got.LastError != nil || got.PaidAt == nil {
					t.Errorf("payment = %s %+v, want succeeded", got.Status, got.LastError)
				}
				if !slices.Equal(types, []string{gatewayapi.EventPaymentSucceeded}) {
					t.Errorf("events = %v, want [payment.succeeded]", types)
				}
				if ret.Status != "succeeded" || ret.ErrorCode != "" {
					t.Errorf("return = %+v, want succeeded", ret)
				}
				return
			}
			mustContain(t, res.Body, "Payment declined", tc.code, gateway.FailureMessage(tc.code), `href="/pay/`+p.ID+`">Try again`)
			if got.Status != gatewayapi.PaymentPending || got.LastError == nil || got.LastError.Code != tc.code {
				t.Errorf("payment = %s %+v, want pending with %s", got.Status, got.LastError, tc.code)
			}
			if !slices.Equal(types, []string{gatewayapi.EventPaymentFailed}) || objs[0].LastError == nil || objs[0].LastError.Code != tc.code {
				t.Errorf("events = %v %+v, want one payment.failed with %s", types, objs, tc.code)
			}
			if ret.Status != "pending" || ret.ErrorCode != tc.code {
				t.Errorf("return = %+v, want pending with %s", ret, tc.code)
			}
			if ret.PaymentID != p.ID || ret.OutTradeNo != p.OutTradeNo || q.Get("order") != "42" || q.Get("lang") != "zh" {
				t.Errorf("return query %v lacks the payment or the merchant's own parameters", q)
			}
		})
	}
}

// The return redirect: the button and the meta refresh go to the merchant's
// return_url with its own parameters kept and §4's signed ones added.
func TestCashier_ReturnRedirect(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "alipay", "return_url": shopReturn})
	res := e.follow(e.page("POST", "/pay/"+p.ID+"/pay", url.Values{}))
	link := returnLink(t, res.Body)
	if link == "" || metaRefresh(res.Body) != link {
		t.Fatalf("button %q and meta refresh %q differ or are missing:\n%s", link, metaRefresh(res.Body), res.Body)
	}
	if !strings.HasPrefix(link, "https://shop.test/return?") {
		t.Errorf("return link %q does not go to the return_url", link)
	}
	ret, q := verifyReturn(t, link, e.Demo.WebhookSecret)
	if ret.PaymentID != p.ID || ret.OutTradeNo != p.OutTradeNo || ret.Status != "succeeded" || q.Get("order") != "42" || q.Get("lang") != "zh" {
		t.Errorf("return = %+v, query %v", ret, q)
	}
	if _, ok := q["error_code"]; ok {
		t.Errorf("error_code present after a success: %v", q)
	}

	t.Run("TamperedStatusFails", func(t *testing.T) {
		u, _ := url.Parse(link)
		q := u.Query()
		q.Set("status", "closed")
		v := mustVerifier(t, e.Demo.WebhookSecret)
		if _, err := v.VerifyReturn(q); err == nil {
			t.Error("a changed status still verified")
		}
	})

	t.Run("SignedWithTheMerchantsOwnSecret", func(t *testing.T) {
		r := e.do("POST", "/admin/api/merchants", e.Admin, map[string]any{"name": "Other Shop"})
		want(t, r, http.StatusCreated, "")
		var other struct{ APIKey, WebhookSecret string }
		other.APIKey, other.WebhookSecret = jsonField(t, r.Body, "api_key"), jsonField(t, r.Body, "webhook_secret")
		r = e.do("POST", "/v1/payments", other.APIKey, map[string]any{
			"out_trade_no": "other-1", "amount": 500, "method": "wechat", "subject": "Cake", "return_url": "http://other.test/back",
		})
		want(t, r, http.StatusCreated, "")
		var op gatewayapi.Payment
		r.Decode(t, &op)
		res := e.follow(e.page("POST", "/pay/"+op.ID+"/pay", url.Values{}))
		mustContain(t, res.Body, "Other Shop", "¥5.00")
		link := returnLink(t, res.Body)
		verifyReturn(t, link, other.WebhookSecret)
		u, _ := url.Parse(link)
		if _, err := mustVerifier(t, e.Demo.WebhookSecret).VerifyReturn(u.Query()); err == nil {
			t.Error("another merchant's return link verifies with the demo secret")
		}
	})

	t.Run("NoReturnURL", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "wechat"})
		res := e.follow(e.page("POST", "/pay/"+p.ID+"/pay", url.Values{}))
		mustContain(t, res.Body, "Payment complete")
		if returnLink(t, res.Body) != "" || metaRefresh(res.Body) != "" {
			t.Errorf("a return redirect without a return_url:\n%s", res.Body)
		}
	})
}

func TestCashier_CardFormErrors(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, tc := range []struct {
		name, field string
		form        url.Values
	}{
		{"LuhnInvalid", "number", cardValues("4242424242424241")},
		{"TooShort", "number", cardValues("42424242")},
		{"Letters", "number", cardValues("4242abcd42424242")},
		{"Empty", "number", cardValues("")},
		{"ExpiryFormat", "expiry", url.Values{"number": {"4242424242424242"}, "expiry": {"1234"}, "cvc": {"123"}}},
		{"ExpiryMonth", "expiry", url.Values{"number": {"4242424242424242"}, "expiry": {"13/34"}, "cvc": {"123"}}},
		{"ExpiryPast", "expiry", url.Values{"number": {"4242424242424242"}, "expiry": {"01/20"}, "cvc": {"123"}}},
		{"CVC", "cvc", url.Values{"number": {"4242424242424242"}, "expiry": {"12/34"}, "cvc": {"12"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.createPayment(map[string]any{"method": "card", "return_url": shopReturn})
			r := e.page("POST", "/pay/"+p.ID+"/pay", tc.form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.Status, r.Body)
			}
			// The error is next to its field and the input is kept, so the
			// customer corrects rather than retypes.
			mustContain(t, r.Body, `id="`+tc.field+`-err"`, `aria-describedby="`+tc.field+`-err"`)
			for _, f := range []string{"number", "expiry", "cvc"} {
				mustContain(t, r.Body, `name="`+f+`" value="`+tc.form.Get(f)+`"`)
			}
			got := e.payment(p.ID)
			if got.Status != gatewayapi.PaymentPending || got.LastError != nil {
				t.Errorf("payment changed: %s %+v", got.Status, got.LastError)
			}
			if types, _ := e.events(gateway.DemoMerchantID, p.ID); len(types) != 0 {
				t.Errorf("events = %v, want none", types)
			}
		})
	}
}

func TestCashier_UnionPay(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "unionpay"})

	r := e.page("POST", "/pay/"+p.ID+"/pay", url.Values{"sms_code": {"12ab"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad code: status %d, want 422", r.Status)
	}
	mustContain(t, r.Body, `id="sms-err"`, `value="12ab"`)
	if got := e.payment(p.ID); got.Status != gatewayapi.PaymentPending {
		t.Fatalf("a bad SMS code changed the payment: %s", got.Status)
	}

	res := e.follow(e.page("POST", "/pay/"+p.ID+"/pay", url.Values{"sms_code": {"654321"}}))
	mustContain(t, res.Body, "Payment complete")
	if got := e.payment(p.ID); got.Status != gatewayapi.PaymentSucceeded {
		t.Errorf("status = %s, want succeeded", got.Status)
	}
}

func TestCashier_FailWithCode(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, method := range gatewayapi.Methods {
		t.Run(method, func(t *testing.T) {
			p := e.createPayment(map[string]any{"method": method, "return_url": shopReturn})
			res := e.follow(e.page("POST", "/pay/"+p.ID+"/fail", url.Values{"code": {"risk_rejected"}}))
			mustContain(t, res.Body, "Payment declined", "risk_rejected", gateway.FailureMessage("risk_rejected"))
			got := e.payment(p.ID)
			if got.Status != gatewayapi.PaymentPending || got.LastError == nil || got.LastError.Code != "risk_rejected" {
				t.Errorf("payment = %s %+v", got.Status, got.LastError)
			}
			types, objs := e.events(gateway.DemoMerchantID, p.ID)
			if !slices.Equal(types, []string{gatewayapi.EventPaymentFailed}) || objs[0].LastError.Code != "risk_rejected" {
				t.Errorf("events = %v", types)
			}
			ret, _ := verifyReturn(t, returnLink(t, res.Body), e.Demo.WebhookSecret)
			if ret.Status != "pending" || ret.ErrorCode != "risk_rejected" {
				t.Errorf("return = %+v", ret)
			}

			// Trying again: the cashier is back, telling what happened.
			again := e.page("GET", "/pay/"+p.ID, nil)
			mustContain(t, again.Body, "The last attempt was declined", `action="/pay/`+p.ID+`/pay"`)
		})
	}

	t.Run("UnknownCode", func(t *testing.T) {
		p := e.createPayment(map[string]any{"method": "alipay"})
		r := e.page("POST", "/pay/"+p.ID+"/fail", url.Values{"code": {"bogus"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.Status)
		}
		mustContain(t, r.Body, `id="code-err"`)
		if got := e.payment(p.ID); got.LastError != nil {
			t.Errorf("last_error = %+v, want none", got.LastError)
		}
	})
}

func TestCashier_Cancel(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "card", "return_url": shopReturn})
	before, _ := e.Store.Payment(t.Context(), gateway.DemoMerchantID, p.ID)

	res := e.follow(e.page("POST", "/pay/"+p.ID+"/cancel", url.Values{}))
	mustContain(t, res.Body, "Payment cancelled")
	ret, q := verifyReturn(t, returnLink(t, res.Body), e.Demo.WebhookSecret)
	if ret.Status != "pending" || ret.ErrorCode != "" || q.Get("order") != "42" {
		t.Errorf("return = %+v %v, want pending without error_code", ret, q)
	}
	if metaRefresh(res.Body) == "" {
		t.Error("no meta refresh back to the merchant")
	}
	after, _ := e.Store.Payment(t.Context(), gateway.DemoMerchantID, p.ID)
	if after.Version != before.Version || after.Status != gatewayapi.PaymentPending || after.LastError != nil {
		t.Errorf("cancel changed the payment: version %d → %d, %s %+v", before.Version, after.Version, after.Status, after.LastError)
	}
	if types, _ := e.events(gateway.DemoMerchantID, p.ID); len(types) != 0 {
		t.Errorf("events = %v, want none", types)
	}
	mustContain(t, e.page("GET", "/pay/"+p.ID, nil).Body, `action="/pay/`+p.ID+`/pay"`)
}

// An auto_fail scenario turns the first pay action into its decline; the
// second pays.
func TestCashier_AutoFail(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, method := range []string{"alipay", "card"} {
		t.Run(method, func(t *testing.T) {
			p := e.createPayment(map[string]any{"method": method}, "Mock-Scenario", "auto_fail=insufficient_funds")
			form := url.Values{}
			if method == "card" {
				form = cardValues("4242424242424242")
			}
			res := e.follow(e.page("POST", "/pay/"+p.ID+"/pay", form))
			mustContain(t, res.Body, "Payment declined", "insufficient_funds")
			if got := e.payment(p.ID); got.Status != gatewayapi.PaymentPending || got.LastError == nil || got.LastError.Code != "insufficient_funds" {
				t.Fatalf("after the first pay: %s %+v", got.Status, got.LastError)
			}
			res = e.follow(e.page("POST", "/pay/"+p.ID+"/pay", form))
			mustContain(t, res.Body, "Payment complete")
			if got := e.payment(p.ID); got.Status != gatewayapi.PaymentSucceeded {
				t.Errorf("after the second pay: %s", got.Status)
			}
			types, _ := e.events(gateway.DemoMerchantID, p.ID)
			if !slices.Equal(types, []string{gatewayapi.EventPaymentFailed, gatewayapi.EventPaymentSucceeded}) {
				t.Errorf("events = %v", types)
			}
		})
	}
}

func TestCashier_CrossOriginRefused(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "card", "return_url": shopReturn})
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"SecFetchSiteCrossSite", []string{"Sec-Fetch-Site", "cross-site"}},
		{"SecFetchSiteSameSite", []string{"Sec-Fetch-Site", "same-site"}},
		{"ForeignOrigin", []string{"Origin", "https://evil.example"}},
	} {
		for _, action := range []string{"pay", "fail", "cancel"} {
			t.Run(tc.name+"/"+action, func(t *testing.T) {
				form := cardValues("4242424242424242")
				form.Set("code", "card_declined")
				r := e.page("POST", "/pay/"+p.ID+"/"+action, form, tc.headers...)
				if r.Status != http.StatusForbidden {
					t.Fatalf("status %d, want 403: %s", r.Status, r.Body)
				}
				mustContain(t, r.Body, "Request refused")
			})
		}
	}
	if got := e.payment(p.ID); got.Status != gatewayapi.PaymentPending || got.LastError != nil {
		t.Errorf("a refused post changed the payment: %s %+v", got.Status, got.LastError)
	}
	if types, _ := e.events(gateway.DemoMerchantID, p.ID); len(types) != 0 {
		t.Errorf("events = %v, want none", types)
	}

	// The browser's own same-origin post goes through.
	r := e.page("POST", "/pay/"+p.ID+"/pay", cardValues("4242424242424242"), "Sec-Fetch-Site", "same-origin", "Origin", e.URL)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("same-origin post: status %d: %s", r.Status, r.Body)
	}
}
