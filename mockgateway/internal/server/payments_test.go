package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

func TestPaymentCreate(t *testing.T) {
	e := newTestEnv(t, nil)
	r := e.api("POST", "/v1/payments", map[string]any{
		"out_trade_no": "ORD-1", "amount": 1999, "method": "alipay", "subject": "Green tea",
		"description": "500 g", "notify_url": "https://shop.test/hook", "return_url": "https://shop.test/back?x=1",
		"metadata": map[string]string{"order": "1"},
	})
	want(t, r, http.StatusCreated, "")
	if r.Header.Get("Request-Id") == "" {
		t.Error("no Request-Id header")
	}
	var p gatewayapi.Payment
	r.Decode(t, &p)
	if !strings.HasPrefix(p.ID, "pay_") || p.Object != "payment" || p.MerchantID != "m_demo" || p.Status != "pending" ||
		p.Currency != "CNY" || p.Amount != 1999 || p.Metadata["order"] != "1" || p.LastError != nil || p.Scenario != nil {
		t.Errorf("payment = %+v", p)
	}
	if p.PayURL != "http://gateway.test/pay/"+p.ID || p.QRCode != p.PayURL || p.QRCodeURL != "http://gateway.test/qr/"+p.ID+".png" {
		t.Errorf("urls = %q %q %q", p.PayURL, p.QRCode, p.QRCodeURL)
	}
	if got := p.ExpiresAt.Sub(p.CreatedAt); got != 900*time.Second {
		t.Errorf("default expiry = %v, want 900s", got)
	}

	t.Run("SameOutTradeNoSameParams", func(t *testing.T) {
		r := e.api("POST", "/v1/payments", map[string]any{"out_trade_no": "ORD-1", "amount": 1999, "method": "alipay", "subject": "Other subject"})
		want(t, r, http.StatusOK, "")
		var again gatewayapi.Payment
		r.Decode(t, &again)
		if again.ID != p.ID {
			t.Errorf("got %s, want the existing %s", again.ID, p.ID)
		}
	})
	t.Run("SameOutTradeNoOtherAmount", func(t *testing.T) {
		r := e.api("POST", "/v1/payments", map[string]any{"out_trade_no": "ORD-1", "amount": 2000, "method": "alipay", "subject": "Green tea"})
		want(t, r, http.StatusConflict, "out_trade_no_conflict")
		if r.Err().Param != "out_trade_no" {
			t.Errorf("param = %q", r.Err().Param)
		}
	})
}

func TestPaymentCreate_Validation(t *testing.T) {
	e := newTestEnv(t, nil)
	valid := func(overrides map[string]any, drop ...string) map[string]any {
		b := map[string]any{"out_trade_no": "V-1", "amount": 100, "method": "card", "subject": "Tea"}
		for k, v := range overrides {
			b[k] = v
		}
		for _, k := range drop {
			delete(b, k)
		}
		return b
	}
	tests := []struct {
		name  string
		body  any
		code  string
		param string
	}{
		{"MissingAmount", valid(nil, "amount"), "parameter_missing", "amount"},
		{"MissingOutTradeNo", valid(nil, "out_trade_no"), "parameter_missing", "out_trade_no"},
		{"MissingMethod", valid(nil, "method"), "parameter_missing", "method"},
		{"MissingSubject", valid(nil, "subject"), "parameter_missing", "subject"},
		{"ZeroAmount", valid(map[string]any{"amount": 0}), "parameter_invalid", "amount"},
		{"HugeAmount", valid(map[string]any{"amount": 10000000001}), "parameter_invalid", "amount"},
		{"FractionalAmount", valid(map[string]any{"amount": 19.99}), "parameter_invalid", "amount"},
		{"StringAmount", valid(map[string]any{"amount": "100"}), "parameter_invalid", "amount"},
		{"BadCurrency", valid(map[string]any{"currency": "GBP"}), "parameter_invalid", "currency"},
		{"BadMethod", valid(map[string]any{"method": "paypal"}), "parameter_invalid", "method"},
		{"BadOutTradeNo", valid(map[string]any{"out_trade_no": "a b"}), "parameter_invalid", "out_trade_no"},
		{"LongOutTradeNo", valid(map[string]any{"out_trade_no": strings.Repeat("a", 65)}), "parameter_invalid", "out_trade_no"},
		{"LongSubject", valid(map[string]any{"subject": strings.Repeat("a", 257)}), "parameter_invalid", "subject"},
		{"ShortExpiry", valid(map[string]any{"expires_in": 59}), "parameter_invalid", "expires_in"},
		{"LongExpiry", valid(map[string]any{"expires_in": 86401}), "parameter_invalid", "expires_in"},
		{"BadNotifyURL", valid(map[string]any{"notify_url": "ftp://x/y"}), "parameter_invalid", "notify_url"},
		{"RelativeReturnURL", valid(map[string]any{"return_url": "/back"}), "parameter_invalid", "return_url"},
		{"TooMuchMetadata", valid(map[string]any{"metadata": func() map[string]string {
			m := map[string]string{}
			for i := range 21 {
				m[fmt.Sprint("k", i)] = "v"
			}
			return m
		}()}), "parameter_invalid", "metadata"},
		{"LongMetadataValue", valid(map[string]any{"metadata": map[string]string{"k": strings.Repeat("v", 501)}}), "parameter_invalid", "metadata"},
		{"UnknownField", valid(map[string]any{"amout": 5}), "parameter_unknown", "amout"},
		{"MalformedJSON", `{"out_trade_no": "V-1",`, "invalid_json", ""},
		{"NotAnObject", `[1,2]`, "invalid_json", ""},
		{"TrailingGarbage", `{"out_trade_no":"V-1","amount":100,"method":"card","subject":"Tea"} x`, "invalid_json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.api("POST", "/v1/payments", tt.body)
			want(t, r, http.StatusBadRequest, tt.code)
			if got := r.Err(); got.Param != tt.param || got.Message == "" || got.Type != "invalid_request_error" {
				t.Errorf("error = %+v, want param %q", got, tt.param)
			}
		})
	}
	// Nothing was created by any of them.
	r := e.api("GET", "/v1/payments", nil)
	var l gatewayapi.List[gatewayapi.Payment]
	r.Decode(t, &l)
	if len(l.Data) != 0 {
		t.Errorf("%d payments created by invalid requests", len(l.Data))
	}

	t.Run("BodyTooLarge", func(t *testing.T) {
		big := `{"subject":"` + strings.Repeat("a", 1<<20) + `"}`
		want(t, e.api("POST", "/v1/payments", big), http.StatusRequestEntityTooLarge, "body_too_large")
	})
	t.Run("HumanMessage", func(t *testing.T) {
		r := e.api("POST", "/v1/payments", valid(map[string]any{"amount": 19.99}))
		if !strings.Contains(r.Err().Message, "amount must be") {
			t.Errorf("message = %q", r.Err().Message)
		}
	})
}

func TestAuthAndIsolation(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(nil)

	want(t, e.do("GET", "/v1/payments/"+p.ID, "", nil), http.StatusUnauthorized, "invalid_api_key")
	want(t, e.do("GET", "/v1/payments/"+p.ID, "sk_test_wrong", nil), http.StatusUnauthorized, "invalid_api_key")

	r := e.do("POST", "/admin/api/merchants", testAdminToken, map[string]any{"name": "Other shop"})
	want(t, r, http.StatusCreated, "")
	var other gatewayapi.Merchant
	r.Decode(t, &other)
	if !strings.HasPrefix(other.ID, "m_") || !strings.HasPrefix(other.APIKey, "sk_test_") || !strings.HasPrefix(other.WebhookSecret, "whsec_") {
		t.Fatalf("merchant = %+v", other)
	}
	want(t, e.do("GET", "/v1/payments/"+p.ID, other.APIKey, nil), http.StatusNotFound, "resource_missing")
	want(t, e.do("GET", "/v1/payments?out_trade_no="+p.OutTradeNo, other.APIKey, nil), http.StatusNotFound, "resource_missing")
	want(t, e.do("POST", "/v1/payments/"+p.ID+"/close", other.APIKey, nil), http.StatusNotFound, "resource_missing")
	want(t, e.do("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", other.APIKey, nil), http.StatusNotFound, "resource_missing")
	r = e.do("GET", "/v1/payments", other.APIKey, nil)
	var l gatewayapi.List[gatewayapi.Payment]
	r.Decode(t, &l)
	if len(l.Data) != 0 {
		t.Errorf("other merchant lists %d payments", len(l.Data))
	}
	// The same out_trade_no is free for another merchant.
	r = e.do("POST", "/v1/payments", other.APIKey, map[string]any{"out_trade_no": p.OutTradeNo, "amount": 5, "method": "card", "subject": "x"})
	want(t, r, http.StatusCreated, "")

	r = e.do("GET", "/v1/merchant", other.APIKey, nil)
	var me gatewayapi.Merchant
	r.Decode(t, &me)
	if me.ID != other.ID || me.APIKey != "" || me.WebhookSecret != "" {
		t.Errorf("GET /v1/merchant = %s", r.Body)
	}
}

func TestPaymentGetAndList(t *testing.T) {
	e := newTestEnv(t, nil)
	var ids []string
	for i := range 5 {
		p := e.createPayment(map[string]any{"out_trade_no": fmt.Sprint("L-", i), "method": []string{"card", "alipay"}[i%2]})
		ids = append(ids, p.ID)
		time.Sleep(2 * time.Millisecond) // distinct creation milliseconds: newest first is then exact
	}
	want(t, e.api("POST", "/v1/test_helpers/payments/"+ids[1]+"/succeed", nil), http.StatusOK, "")

	r := e.api("GET", "/v1/payments?out_trade_no=L-3", nil)
	want(t, r, http.StatusOK, "")
	var one gatewayapi.Payment
	r.Decode(t, &one)
	if one.ID != ids[3] {
		t.Errorf("by out_trade_no = %s, want %s", one.ID, ids[3])
	}
	want(t, e.api("GET", "/v1/payments?out_trade_no=nope", nil), http.StatusNotFound, "resource_missing")
	want(t, e.api("GET", "/v1/payments/pay_nope", nil), http.StatusNotFound, "resource_missing")

	page := func(q string) gatewayapi.List[gatewayapi.Payment] {
		t.Helper()
		r := e.api("GET", "/v1/payments"+q, nil)
		want(t, r, http.StatusOK, "")
		var l gatewayapi.List[gatewayapi.Payment]
		r.Decode(t, &l)
		if l.Object != "list" {
			t.Fatalf("object = %q", l.Object)
		}
		return l
	}
	l := page("?limit=2")
	if len(l.Data) != 2 || !l.HasMore || l.Data[0].ID != ids[4] || l.Data[1].ID != ids[3] {
		t.Fatalf("first page = %v has_more=%v", idsOf(l.Data), l.HasMore)
	}
	l = page("?limit=2&starting_after=" + ids[3])
	if len(l.Data) != 2 || !l.HasMore || l.Data[0].ID != ids[2] {
		t.Fatalf("second page = %v", idsOf(l.Data))
	}
	l = page("?limit=2&starting_after=" + ids[1])
	if len(l.Data) != 1 || l.HasMore || l.Data[0].ID != ids[0] {
		t.Fatalf("last page = %v has_more=%v", idsOf(l.Data), l.HasMore)
	}
	if l = page("?status=succeeded"); len(l.Data) != 1 || l.Data[0].ID != ids[1] {
		t.Errorf("status=succeeded = %v", idsOf(l.Data))
	}
	if l = page("?method=alipay"); len(l.Data) != 2 {
		t.Errorf("method=alipay = %v", idsOf(l.Data))
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?status=paid", "?method=cash"} {
		want(t, e.api("GET", "/v1/payments"+q, nil), http.StatusBadRequest, "parameter_invalid")
	}
}

func idsOf(ps []gatewayapi.Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestPaymentTransitions(t *testing.T) {
	e := newTestEnv(t, nil)
	t.Run("Close", func(t *testing.T) {
		p := e.createPayment(nil)
		r := e.api("POST", "/v1/payments/"+p.ID+"/close", nil)
		want(t, r, http.StatusOK, "")
		r.Decode(t, &p)
		if p.Status != "closed" || p.ClosedAt == nil {
			t.Fatalf("closed = %+v", p)
		}
		r = e.api("POST", "/v1/payments/"+p.ID+"/close", "{}")
		want(t, r, http.StatusOK, "")
		var again gatewayapi.Payment
		r.Decode(t, &again)
		if !again.ClosedAt.Equal(*p.ClosedAt) {
			t.Errorf("closing twice changed closed_at")
		}
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusConflict, "payment_not_pending")
		want(t, e.api("POST", "/v1/payments/"+p.ID+"/close", `{"x":1}`), http.StatusBadRequest, "parameter_unknown")
	})
	t.Run("SucceedThenClose", func(t *testing.T) {
		p := e.createPayment(nil)
		r := e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil)
		want(t, r, http.StatusOK, "")
		r.Decode(t, &p)
		if p.Status != "succeeded" || p.PaidAt == nil {
			t.Fatalf("succeeded = %+v", p)
		}
		want(t, e.api("POST", "/v1/payments/"+p.ID+"/close", nil), http.StatusConflict, "payment_not_closable")
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusConflict, "payment_not_pending")
	})
	t.Run("FailStaysPending", func(t *testing.T) {
		p := e.createPayment(nil)
		r := e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/fail", map[string]any{"code": "insufficient_funds"})
		want(t, r, http.StatusOK, "")
		r.Decode(t, &p)
		if p.Status != "pending" || p.LastError == nil || p.LastError.Code != "insufficient_funds" || p.LastError.Message == "" {
			t.Fatalf("failed = %+v", p)
		}
		r = e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/fail", nil)
		r.Decode(t, &p)
		if p.LastError.Code != "card_declined" {
			t.Errorf("default fail code = %q", p.LastError.Code)
		}
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/fail", map[string]any{"code": "bad code!"}), http.StatusBadRequest, "parameter_invalid")
		r = e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil)
		r.Decode(t, &p)
		if p.Status != "succeeded" || p.LastError != nil {
			t.Errorf("paid after a decline = %+v", p)
		}
	})
	t.Run("Expire", func(t *testing.T) {
		p := e.createPayment(nil)
		r := e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/expire", nil)
		want(t, r, http.StatusOK, "")
		r.Decode(t, &p)
		if p.Status != "closed" {
			t.Fatalf("expired = %+v", p)
		}
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/expire", nil), http.StatusConflict, "payment_not_pending")
	})
	t.Run("ActionAfterExpiryTime", func(t *testing.T) {
		p := e.createPayment(map[string]any{"expires_in": 60})
		e.Advance(61 * time.Second)
		defer e.Advance(-61 * time.Second)
		want(t, e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil), http.StatusConflict, "payment_not_pending")
		r := e.api("GET", "/v1/payments/"+p.ID, nil)
		r.Decode(t, &p)
		if p.Status != "closed" {
			t.Errorf("a payment paid after its expiry is %s, want closed", p.Status)
		}
	})
}

// Concurrent creates with one out_trade_no make exactly one payment.
func TestPaymentCreate_ConcurrentOutTradeNo(t *testing.T) {
	e := newTestEnv(t, nil)
	const n = 30
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		ids      = map[string]bool{}
	)
	for range n {
		wg.Go(func() {
			r := e.api("POST", "/v1/payments", map[string]any{"out_trade_no": "RACE-1", "amount": 500, "method": "wechat", "subject": "Tea"})
			var p gatewayapi.Payment
			_ = jsonUnmarshal(r.Body, &p)
			mu.Lock()
			defer mu.Unlock()
			statuses[r.Status]++
			ids[p.ID] = true
		})
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != n-1 || len(ids) != 1 {
		t.Fatalf("statuses = %v, distinct ids = %d; want one 201, %d×200, one id", statuses, len(ids), n-1)
	}
	var l gatewayapi.List[gatewayapi.Payment]
	e.api("GET", "/v1/payments", nil).Decode(t, &l)
	if len(l.Data) != 1 {
		t.Fatalf("%d payments stored, want 1", len(l.Data))
	}
}

func TestUnknownRoute(t *testing.T) {
	e := newTestEnv(t, nil)
	want(t, e.api("GET", "/v1/nothing", nil), http.StatusNotFound, "resource_missing")
}

// Customer-facing text is refused when it holds control characters or
// bidirectional overrides (DESIGN §12), naming the field; nothing is
// created.
func TestCreatePayment_UnsafeText(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, tc := range []struct {
		field, value string
		ok           bool
	}{
		{"subject", "Invoice \u202Efdp.exe", false},
		{"subject", "Tea\r\nSet-Cookie: x", false},
		{"description", "2 × tea\n1 × cup", true},
		{"description", "ring \a", false},
		{"description", "\u2066hidden\u2069", false},
	} {
		body := map[string]any{"out_trade_no": "TXT-" + gateway.RandomToken(8), "amount": 100, "method": "card", "subject": "Tea"}
		body[tc.field] = tc.value
		r := e.api("POST", "/v1/payments", body)
		if tc.ok {
			want(t, r, http.StatusCreated, "")
			continue
		}
		want(t, r, http.StatusBadRequest, "parameter_invalid")
		if r.Err().Param != tc.field || !strings.Contains(r.Err().Message, "bidirectional") {
			t.Errorf("%s %q: %+v", tc.field, tc.value, r.Err())
		}
		want(t, e.api("GET", "/v1/payments?out_trade_no="+body["out_trade_no"].(string), nil), http.StatusNotFound, "resource_missing")
	}
	r := e.do("POST", "/admin/api/merchants", e.Admin, map[string]any{"name": "Shop\u202E"})
	want(t, r, http.StatusBadRequest, "parameter_invalid")
	if r.Err().Param != "name" {
		t.Errorf("merchant name: %+v", r.Err())
	}
}
