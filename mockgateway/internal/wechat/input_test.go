package wechat_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// signedRequest is a hand-made APIv3 request, for what an SDK will not
// send: a stale timestamp, a body changed after signing, a mchid the
// header does not name.
type signedRequest struct {
	method, uri string
	body        []byte
	mchid       string
	serial      string
	key         *rsa.PrivateKey
	ts          time.Time
	// signedBody, when set, is what the signature covers instead of body.
	signedBody []byte
	noAuth     bool
}

// answer is a WeChat Pay answer: status, error code and detail, and
// whether its signature verified with the merchant's platform key.
type answer struct {
	Status int
	Code   string
	Field  string
	Body   string
	Signed bool
}

func (r signedRequest) do(t *testing.T, g *gatewaytest.Gateway, m *merchant) answer {
	t.Helper()
	if r.mchid == "" {
		r.mchid = m.Wechat.MchID
	}
	if r.serial == "" {
		r.serial = m.Wechat.MerchantSerialNo
	}
	if r.key == nil {
		r.key = m.merchantKey
	}
	if r.ts.IsZero() {
		r.ts = time.Now()
	}
	if r.signedBody == nil {
		r.signedBody = r.body
	}
	req, err := http.NewRequest(r.method, g.URL+r.uri, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if !r.noAuth {
		nonce, _ := utils.GenerateNonce()
		msg := fmt.Sprintf(consts.SignatureMessageFormat, r.method, r.uri, r.ts.Unix(), nonce, r.signedBody)
		sig, err := utils.SignSHA256WithRSA(msg, r.key)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", fmt.Sprintf(consts.HeaderAuthorizationFormat, "WECHATPAY2-SHA256-RSA2048", r.mchid, nonce, r.ts.Unix(), r.serial, sig))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	a := answer{Status: res.StatusCode, Body: string(body)}
	var e struct {
		Code   string
		Detail struct{ Field string }
	}
	_ = json.Unmarshal(body, &e)
	a.Code, a.Field = e.Code, e.Detail.Field
	res.Body = io.NopCloser(bytes.NewReader(body))
	v := validators.NewWechatPayResponseValidator(verifiers.NewSHA256WithRSAPubkeyVerifier(m.Wechat.PlatformPublicKeyID, *m.platformKey))
	a.Signed = v.Validate(context.Background(), res) == nil
	return a
}

// prepayBody is a valid native prepay body with some fields changed
// (a nil value removes the field).
func prepayBody(m *merchant, change map[string]any) []byte {
	b := map[string]any{
		"appid": m.Wechat.AppID, "mchid": m.Wechat.MchID, "description": "Pu'er tea", "out_trade_no": "IN-GOOD-1",
		"notify_url": "http://127.0.0.1:9/notify", "amount": map[string]any{"total": 1999, "currency": "CNY"},
	}
	for k, v := range change {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	out, _ := json.Marshal(b)
	return out
}

// Bad input and bad signatures are each the WeChat Pay error a developer
// expects — never a 500 — and create nothing.
func TestInput_RefusedWithWechatErrors(t *testing.T) {
	g := startGateway(t, nil)
	m := demoMerchant(t, g)
	const prepayURI = "/v3/pay/transactions/native"
	post := func(body []byte) signedRequest { return signedRequest{method: "POST", uri: prepayURI, body: body} }
	tooBig := map[string]any{"total": 10_000_000_001}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		req    signedRequest
		status int
		code   string
		field  string
		signed bool
	}{
		{"MalformedJSON", post([]byte(`{"appid":`)), 400, "PARAM_ERROR", "", true},
		{"EmptyBody", post(nil), 400, "PARAM_ERROR", "", true},
		{"NoDescription", post(prepayBody(m, map[string]any{"description": nil})), 400, "PARAM_ERROR", "/description", true},
		{"NullOutTradeNo", post(prepayBody(m, map[string]any{"out_trade_no": nil})), 400, "PARAM_ERROR", "/out_trade_no", true},
		{"NoNotifyURL", post(prepayBody(m, map[string]any{"notify_url": nil})), 400, "PARAM_ERROR", "/notify_url", true},
		{"NoAmount", post(prepayBody(m, map[string]any{"amount": nil})), 400, "PARAM_ERROR", "/amount", true},
		{"ZeroAmount", post(prepayBody(m, map[string]any{"amount": map[string]any{"total": 0}})), 400, "PARAM_ERROR", "/amount/total", true},
		{"AmountOverLimit", post(prepayBody(m, map[string]any{"amount": tooBig})), 400, "PARAM_ERROR", "/amount/total", true},
		{"AmountAsText", post(prepayBody(m, map[string]any{"amount": map[string]any{"total": "1999"}})), 400, "PARAM_ERROR", "/amount/total", true},
		{"OtherCurrency", post(prepayBody(m, map[string]any{"amount": map[string]any{"total": 1, "currency": "USD"}})), 400, "PARAM_ERROR", "/amount/currency", true},
		{"ShortOutTradeNo", post(prepayBody(m, map[string]any{"out_trade_no": "A1"})), 400, "PARAM_ERROR", "/out_trade_no", true},
		{"ControlCharacter", post(prepayBody(m, map[string]any{"description": "tea\u202e"})), 400, "PARAM_ERROR", "/description", true},
		{"PastExpiry", post(prepayBody(m, map[string]any{"time_expire": "2020-01-01T00:00:00+08:00"})), 400, "PARAM_ERROR", "/time_expire", true},
		{"OtherAppID", post(prepayBody(m, map[string]any{"appid": "wx0000000000000000"})), 400, "APPID_MCHID_NOT_MATCH", "/appid", true},
		{"H5WithoutScene", signedRequest{method: "POST", uri: "/v3/pay/transactions/h5", body: prepayBody(m, nil)}, 400, "PARAM_ERROR", "/scene_info", true},
		{"JSAPIWithoutPayer", signedRequest{method: "POST", uri: "/v3/pay/transactions/jsapi", body: prepayBody(m, nil)}, 400, "PARAM_ERROR", "/payer", true},

		{"NoAuthorization", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, nil), noAuth: true}, 401, "SIGN_ERROR", "", false},
		{"UnknownMchID", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, map[string]any{"mchid": "1999999999"}), mchid: "1999999999"}, 401, "SIGN_ERROR", "", false},
		{"StaleTimestamp", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, nil), ts: time.Now().Add(-6 * time.Minute)}, 401, "SIGN_ERROR", "", true},
		{"FutureTimestamp", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, nil), ts: time.Now().Add(6 * time.Minute)}, 401, "SIGN_ERROR", "", true},
		{"WrongKey", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, nil), key: otherKey}, 401, "SIGN_ERROR", "", true},
		{"WrongSerial", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, nil), serial: "0123456789ABCDEF"}, 401, "SIGN_ERROR", "", true},
		{"BodyChangedAfterSigning", signedRequest{method: "POST", uri: prepayURI, body: prepayBody(m, map[string]any{"amount": map[string]any{"total": 1}}), signedBody: prepayBody(m, nil)}, 401, "SIGN_ERROR", "", true},
		{"BodyNamesOtherMchID", post(prepayBody(m, map[string]any{"mchid": "1000000001"})), 401, "SIGN_ERROR", "", true},
		{"QueryNamesOtherMchID", signedRequest{method: "GET", uri: "/v3/pay/transactions/out-trade-no/IN-GOOD-1?mchid=1000000001"}, 401, "SIGN_ERROR", "", true},

		{"QueryWithoutMchID", signedRequest{method: "GET", uri: "/v3/pay/transactions/out-trade-no/IN-GOOD-1"}, 400, "PARAM_ERROR", "mchid", true},
		{"QueryUnknownOrder", signedRequest{method: "GET", uri: "/v3/pay/transactions/out-trade-no/IN-NOPE-1?mchid=" + m.Wechat.MchID}, 404, "ORDER_NOT_EXIST", "", true},
		{"QueryUnknownTransaction", signedRequest{method: "GET", uri: "/v3/pay/transactions/id/4200000000000000000000000000?mchid=" + m.Wechat.MchID}, 404, "ORDER_NOT_EXIST", "", true},
		{"CloseUnknownOrder", signedRequest{method: "POST", uri: "/v3/pay/transactions/out-trade-no/IN-NOPE-1/close", body: []byte(`{"mchid":"` + m.Wechat.MchID + `"}`)}, 404, "ORDER_NOT_EXIST", "", true},
		{"RefundUnknownOrder", signedRequest{method: "POST", uri: "/v3/refund/domestic/refunds", body: []byte(`{"out_trade_no":"IN-NOPE-1","out_refund_no":"R1","amount":{"refund":1,"total":1,"currency":"CNY"}}`)}, 404, "RESOURCE_NOT_EXISTS", "", true},
		{"RefundWithoutAmount", signedRequest{method: "POST", uri: "/v3/refund/domestic/refunds", body: []byte(`{"out_trade_no":"IN-NOPE-1","out_refund_no":"R1"}`)}, 400, "PARAM_ERROR", "/amount", true},
		{"RefundMoreThanTotal", signedRequest{method: "POST", uri: "/v3/refund/domestic/refunds", body: []byte(`{"out_trade_no":"IN-NOPE-1","out_refund_no":"R1","amount":{"refund":2,"total":1,"currency":"CNY"}}`)}, 400, "PARAM_ERROR", "/amount/refund", true},
		{"RefundQueryUnknown", signedRequest{method: "GET", uri: "/v3/refund/domestic/refunds/R-NOPE"}, 404, "RESOURCE_NOT_EXISTS", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.req.do(t, g, m)
			if a.Status != tc.status || a.Code != tc.code || a.Field != tc.field {
				t.Fatalf("answered %d %s (field %q), want %d %s (field %q)\n%s", a.Status, a.Code, a.Field, tc.status, tc.code, tc.field, a.Body)
			}
			if a.Signed != tc.signed {
				t.Fatalf("answer signed %v, want %v (signed once the merchant is known)", a.Signed, tc.signed)
			}
		})
	}
	if list := payments(t, g, m); len(list) != 0 {
		t.Fatalf("refused requests created payments: %+v", list)
	}

	// Business rules, on a real order.
	client := publicKeyClient(t, g, m)
	pay := native.NativeApiService{Client: client}
	ctx := context.Background()
	pre, _, err := pay.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Pu'er tea"),
		OutTradeNo: core.String("IN-REUSE-1"), NotifyUrl: core.String("http://127.0.0.1:9/notify"), Amount: &native.Amount{Total: core.Int64(100)},
	})
	if err != nil {
		t.Fatal(err)
	}
	refund := func(body string) answer {
		return signedRequest{method: "POST", uri: "/v3/refund/domestic/refunds", body: []byte(body)}.do(t, g, m)
	}
	for _, tc := range []struct {
		name   string
		do     func() answer
		status int
		code   string
	}{
		{"ReusedWithOtherAmount", func() answer {
			return post(prepayBody(m, map[string]any{"out_trade_no": "IN-REUSE-1", "description": "Pu'er tea", "amount": map[string]any{"total": 200}})).do(t, g, m)
		}, 400, "INVALID_REQUEST"},
		{"ReusedWithOtherTradeType", func() answer {
			return signedRequest{method: "POST", uri: "/v3/pay/transactions/jsapi", body: prepayBody(m, map[string]any{
				"out_trade_no": "IN-REUSE-1", "amount": map[string]any{"total": 100}, "payer": map[string]any{"openid": "o1"},
			})}.do(t, g, m)
		}, 400, "INVALID_REQUEST"},
		{"RefundUnpaid", func() answer {
			return refund(`{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-UNPAID","amount":{"refund":1,"total":100,"currency":"CNY"}}`)
		}, 400, "INVALID_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := tc.do(); a.Status != tc.status || a.Code != tc.code || !a.Signed {
				t.Fatalf("answered %d %s (signed %v), want %d %s\n%s", a.Status, a.Code, a.Signed, tc.status, tc.code, a.Body)
			}
		})
	}
	cashierPay(t, g, *pre.CodeUrl)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"RefundOtherTotal", `{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-1","amount":{"refund":10,"total":99,"currency":"CNY"}}`, 400, "INVALID_REQUEST"},
		{"RefundAccepted", `{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-1","amount":{"refund":60,"total":100,"currency":"CNY"}}`, 200, ""},
		{"RefundReplayed", `{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-1","amount":{"refund":60,"total":100,"currency":"CNY"}}`, 200, ""},
		{"RefundNumberReusedWithOtherAmount", `{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-1","amount":{"refund":30,"total":100,"currency":"CNY"}}`, 400, "INVALID_REQUEST"},
		{"RefundOverRefundable", `{"out_trade_no":"IN-REUSE-1","out_refund_no":"R-2","amount":{"refund":50,"total":100,"currency":"CNY"}}`, 400, "INVALID_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := refund(tc.body); a.Status != tc.status || a.Code != tc.code || !a.Signed {
				t.Fatalf("answered %d %s (signed %v), want %d %s\n%s", a.Status, a.Code, a.Signed, tc.status, tc.code, a.Body)
			}
		})
	}
	t.Run("ClosePaid", func(t *testing.T) {
		a := signedRequest{method: "POST", uri: "/v3/pay/transactions/out-trade-no/IN-REUSE-1/close", body: []byte(`{"mchid":"` + m.Wechat.MchID + `"}`)}.do(t, g, m)
		if a.Status != http.StatusForbidden || a.Code != "ORDERPAID" || !a.Signed {
			t.Fatalf("closing a paid order: %d %s (signed %v)\n%s", a.Status, a.Code, a.Signed, a.Body)
		}
	})
	t.Run("PrepayPaid", func(t *testing.T) {
		a := post(prepayBody(m, map[string]any{"out_trade_no": "IN-REUSE-1", "amount": map[string]any{"total": 100}})).do(t, g, m)
		if a.Status != http.StatusForbidden || a.Code != "ORDERPAID" {
			t.Fatalf("prepay of a paid order: %d %s\n%s", a.Status, a.Code, a.Body)
		}
	})
	if list := payments(t, g, m); len(list) != 1 || list[0].OutTradeNo != "IN-REUSE-1" {
		t.Fatalf("payments after the refusals: %+v, want IN-REUSE-1 alone", list)
	}
	if list := refundsOf(t, g, m); len(list) != 1 || list[0].OutRefundNo != "R-1" || list[0].Amount != 60 {
		t.Fatalf("refunds after the refusals: %+v, want R-1 of 60 alone", list)
	}
	if strings.Contains(g.Log(), "level=ERROR") {
		t.Errorf("the gateway logged errors:\n%s", g.Log())
	}
}

// A client whose key is not the merchant's is refused by the SDK's own
// request signing path too.
func TestInput_WrongKeyThroughSDK(t *testing.T) {
	g := startGateway(t, nil)
	m := demoMerchant(t, g)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	client, err := core.NewClient(context.Background(),
		option.WithWechatPayPublicKeyAuthCipher(m.Wechat.MchID, m.Wechat.MerchantSerialNo, otherKey, m.Wechat.PlatformPublicKeyID, m.platformKey),
		option.WithHTTPClient(gatewayHTTPClient(t, g)))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = (&native.NativeApiService{Client: client}).QueryOrderByOutTradeNo(context.Background(),
		native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("ANY-ORDER-1"), Mchid: core.String(m.Wechat.MchID)})
	if ae := apiError(t, err); ae.StatusCode != http.StatusUnauthorized || ae.Code != "SIGN_ERROR" {
		t.Fatalf("wrong key: %d %s", ae.StatusCode, ae.Code)
	}
}

func payments(t *testing.T, g *gatewaytest.Gateway, m *merchant) []gatewayapi.Payment {
	t.Helper()
	var l gatewayapi.List[gatewayapi.Payment]
	nativeGet(t, g, m, "/v1/payments?limit=100", &l)
	return l.Data
}

func refundsOf(t *testing.T, g *gatewaytest.Gateway, m *merchant) []gatewayapi.Refund {
	t.Helper()
	var l gatewayapi.List[gatewayapi.Refund]
	nativeGet(t, g, m, "/v1/refunds?limit=100", &l)
	return l.Data
}

func nativeGet(t *testing.T, g *gatewaytest.Gateway, m *merchant, path string, out any) {
	t.Helper()
	resp, err := g.Request(context.Background(), "GET", path, nil, http.Header{"Authorization": {"Bearer " + m.APIKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
}
