package alipay_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	sdk "github.com/smartwalle/alipay/v3"
)

// answer is a gateway.do answer as it came, split as SDKs split it.
type answer struct {
	Status int
	Key    string // the response object's name
	Object json.RawMessage
	Sign   string
	Fields struct {
		Code    string `json:"code"`
		SubCode string `json:"sub_code"`
		SubMsg  string `json:"sub_msg"`
	}
	Raw string
}

// rawCall posts parameters to gateway.do as a form (plus a query string)
// and splits the answer.
func rawCall(t *testing.T, endpoint string, query, form url.Values, contentType string) answer {
	t.Helper()
	u := endpoint
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded;charset=utf-8"
	}
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	a := answer{Status: res.StatusCode, Raw: string(body)}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("answer is not JSON: %d %s", res.StatusCode, body)
	}
	for k, v := range top {
		if k == "sign" {
			_ = json.Unmarshal(v, &a.Sign)
			continue
		}
		a.Key, a.Object = k, v
	}
	if err := json.Unmarshal(a.Object, &a.Fields); err != nil {
		t.Fatalf("answer object: %v: %s", err, body)
	}
	return a
}

// verifyAnswer checks an answer's sign over the exact bytes of its object
// with the platform public key, as every SDK does.
func verifyAnswer(t *testing.T, a answer, alipayPublicKey string) error {
	t.Helper()
	block, _ := pem.Decode([]byte(alipayPublicKey))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(a.Sign)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(a.Object)
	return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, sum[:], sig)
}

// resign replaces a request's sign with a fresh one over its other
// parameters, made by the SDK with the merchant's key.
func resign(t *testing.T, c *sdk.Client, v url.Values) url.Values {
	t.Helper()
	v.Del("sign")
	sig, err := c.SignValues(v)
	if err != nil {
		t.Fatal(err)
	}
	v.Set("sign", base64.StdEncoding.EncodeToString(sig))
	return v
}

func newKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// Bad input gets Alipay's answer — never a 500 or a hang — with a sub_msg
// a developer can act on, signed once the app_id is known, and creates
// nothing.
func TestBadInput(t *testing.T) {
	g := startGateway(t, nil)
	m := newMerchant(t, g, "")
	client := m.client(t)
	ctx := context.Background()
	precreate := func(amount string) sdk.TradePreCreate {
		return sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: orderNo("bad"), TotalAmount: amount}}
	}
	signed := func(t *testing.T, p sdk.Param) url.Values {
		t.Helper()
		v, err := client.URLValues(p)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sdkError := func(t *testing.T, err error) *sdk.Error {
		t.Helper()
		var e *sdk.Error
		if !errors.As(err, &e) {
			t.Fatalf("the SDK got %v, want Alipay's error_response", err)
		}
		return e
	}

	t.Run("UnknownAppID", func(t *testing.T) {
		stranger := sdkClient(t, "2021000000000001", m.Alipay.AppPrivateKey, m.Alipay.AlipayPublicKey, m.gatewayURL())
		_, err := stranger.TradePreCreate(ctx, precreate("1.00"))
		if e := sdkError(t, err); e.Code != "40002" || e.SubCode != "isv.invalid-app-id" || !strings.Contains(e.SubMsg, "2021000000000001") {
			t.Fatalf("unknown app_id: %+v", e)
		}
	})

	t.Run("SignedWithAnotherKey", func(t *testing.T) {
		impostor := sdkClient(t, m.Alipay.AppID, newKeyPEM(t), m.Alipay.AlipayPublicKey, m.gatewayURL())
		_, err := impostor.TradePreCreate(ctx, precreate("1.00"))
		e := sdkError(t, err)
		if e.Code != "40002" || e.SubCode != "isv.invalid-signature" || !strings.Contains(e.SubMsg, "网关生成的验签字符串为：app_id="+m.Alipay.AppID) {
			t.Fatalf("another key: %+v", e)
		}
	})

	t.Run("TamperedParameter", func(t *testing.T) {
		v := signed(t, precreate("19.99"))
		v.Set("biz_content", strings.Replace(v.Get("biz_content"), "19.99", "0.01", 1))
		a := rawCall(t, m.gatewayURL(), nil, v, "")
		if a.Status != http.StatusOK || a.Key != "error_response" || a.Fields.Code != "40002" || a.Fields.SubCode != "isv.invalid-signature" {
			t.Fatalf("tampered: %s", a.Raw)
		}
		if err := verifyAnswer(t, a, m.Alipay.AlipayPublicKey); err != nil {
			t.Fatalf("the refusal is not signed by the platform key: %v\n%s", err, a.Raw)
		}
	})

	t.Run("MissingCommonParameters", func(t *testing.T) {
		for name, sub := range map[string]string{
			"app_id": "isv.missing-app-id", "method": "isv.missing-method", "sign": "isv.missing-signature",
			"sign_type": "isv.missing-signature-type", "timestamp": "isv.missing-timestamp", "version": "isv.missing-version",
		} {
			v := signed(t, precreate("1.00"))
			v.Del(name)
			a := rawCall(t, m.gatewayURL(), nil, v, "")
			if a.Key != "error_response" || a.Fields.Code != "40001" || a.Fields.SubCode != sub {
				t.Errorf("without %s: %s", name, a.Raw)
			}
		}
	})

	t.Run("InvalidCommonParameters", func(t *testing.T) {
		for _, tc := range []struct{ name, value, sub string }{
			{"sign_type", "RSA", "isv.invalid-signature-type"},
			{"method", "alipay.trade.pay", "isv.invalid-method"},
			{"timestamp", "2026/12/01 10:00", "isv.invalid-timestamp"},
			{"charset", "gbk", "isv.invalid-charset"},
			{"version", "2.0", "isv.invalid-version"},
			{"format", "XML", "isv.invalid-format"},
			{"encrypt_type", "AES", "isv.invalid-encrypt"},
		} {
			v := signed(t, precreate("1.00"))
			v.Set(tc.name, tc.value)
			a := rawCall(t, m.gatewayURL(), nil, resign(t, client, v), "")
			if a.Key != "error_response" || a.Fields.Code != "40002" || a.Fields.SubCode != tc.sub {
				t.Errorf("%s=%s: %s", tc.name, tc.value, a.Raw)
			} else if err := verifyAnswer(t, a, m.Alipay.AlipayPublicKey); err != nil {
				t.Errorf("%s=%s: refusal not signed: %v", tc.name, tc.value, err)
			}
		}
		// The SDK sees an unknown method as Alipay's error.
		err := client.Request(ctx, sdk.NewPayload("alipay.trade.pay"), &struct{ sdk.Error }{})
		if e := sdkError(t, err); e.SubCode != "isv.invalid-method" || !strings.Contains(e.SubMsg, "alipay.trade.precreate") {
			t.Fatalf("unknown method through the SDK: %+v", e)
		}
	})

	t.Run("QueryAndBodyDisagree", func(t *testing.T) {
		v := signed(t, precreate("1.00"))
		a := rawCall(t, m.gatewayURL(), url.Values{"app_id": {"2021000000000002"}}, v, "")
		if a.Key != "error_response" || a.Fields.Code != "40002" || !strings.Contains(a.Fields.SubMsg, "app_id") {
			t.Fatalf("app_id twice with different values: %s", a.Raw)
		}
		// The same value in both (as gopay repeats charset) is fine.
		a = rawCall(t, m.gatewayURL(), url.Values{"charset": {"utf-8"}}, v, "")
		if a.Fields.Code != "10000" {
			t.Fatalf("charset in both: %s", a.Raw)
		}
		a = rawCall(t, m.gatewayURL(), nil, signed(t, precreate("1.00")), "application/json")
		if a.Key != "error_response" || a.Fields.Code != "40002" || !strings.Contains(a.Fields.SubMsg, "x-www-form-urlencoded") {
			t.Fatalf("a JSON body: %s", a.Raw)
		}
	})

	before := m.paymentCount(t)

	t.Run("MalformedBizContent", func(t *testing.T) {
		for _, biz := range []string{`{"out_trade_no":`, `[1,2]`, `null`, `"text"`} {
			v := signed(t, precreate("1.00"))
			v.Set("biz_content", biz)
			a := rawCall(t, m.gatewayURL(), nil, resign(t, client, v), "")
			if a.Key != "alipay_trade_precreate_response" || a.Fields.Code != "40002" || a.Fields.SubCode != "isv.invalid-parameter" ||
				!strings.Contains(a.Fields.SubMsg, "biz_content") {
				t.Errorf("biz_content %s: %s", biz, a.Raw)
			} else if err := verifyAnswer(t, a, m.Alipay.AlipayPublicKey); err != nil {
				t.Errorf("biz_content %s: not signed: %v", biz, err)
			}
		}
		v := signed(t, precreate("1.00"))
		v.Del("biz_content")
		if a := rawCall(t, m.gatewayURL(), nil, resign(t, client, v), ""); a.Fields.Code != "40001" || !strings.Contains(a.Fields.SubMsg, "biz_content") {
			t.Errorf("without biz_content: %s", a.Raw)
		}
	})

	t.Run("Amounts", func(t *testing.T) {
		for _, amount := range []string{"19.999", "0", "0.00", "-1", "1e3", "100000000.01", "abc", " 1", "01.00", "1.", ".5", "+1"} {
			r, err := client.TradePreCreate(ctx, precreate(amount))
			if err != nil || r.Code != "40002" || r.SubCode != "isv.invalid-parameter" || !strings.Contains(r.SubMsg, "total_amount") {
				t.Errorf("total_amount %q: %+v %v", amount, r, err)
			}
		}
		for _, amount := range []string{"0.01", "100000000", "7", "7.5"} {
			r, err := client.TradePreCreate(ctx, precreate(amount))
			wantCode(t, "total_amount "+amount, r.Error, err, "10000", "")
		}
		r, err := client.TradePreCreate(ctx, precreate(""))
		wantCode(t, "no total_amount", r.Error, err, "40001", "isv.missing-parameter")
		rr, err := client.TradeRefund(ctx, sdk.TradeRefund{OutTradeNo: "none", RefundAmount: "1.001", OutRequestNo: "x"})
		if err != nil || rr.Code != "40002" || !strings.Contains(rr.SubMsg, "refund_amount") {
			t.Errorf("refund_amount 1.001: %+v %v", rr, err)
		}
		before += 4
	})

	t.Run("OtherBusinessParameters", func(t *testing.T) {
		for name, p := range map[string]sdk.TradePreCreate{
			"out_trade_no":    {Trade: sdk.Trade{Subject: "Tea", OutTradeNo: "has space", TotalAmount: "1.00"}},
			"subject":         {Trade: sdk.Trade{Subject: "Tea\u202e", OutTradeNo: orderNo("bad"), TotalAmount: "1.00"}},
			"notify_url":      {Trade: sdk.Trade{Subject: "Tea", OutTradeNo: orderNo("bad"), TotalAmount: "1.00", NotifyURL: "ftp://shop.test/n"}},
			"timeout_express": {Trade: sdk.Trade{Subject: "Tea", OutTradeNo: orderNo("bad"), TotalAmount: "1.00", TimeoutExpress: "1.5h"}},
		} {
			r, err := client.TradePreCreate(ctx, p)
			if err != nil || r.Code != "40002" || !strings.Contains(r.SubMsg, name) {
				t.Errorf("bad %s: %+v %v", name, r, err)
			}
		}
		r, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{OutTradeNo: orderNo("bad"), TotalAmount: "1.00"}})
		wantCode(t, "no subject", r.Error, err, "40001", "isv.missing-parameter")
		q, err := client.TradeQuery(ctx, sdk.TradeQuery{})
		wantCode(t, "query naming no trade", q.Error, err, "40001", "isv.missing-parameter")
	})

	if got := m.paymentCount(t); got != before {
		t.Fatalf("the merchant has %d payments, want %d: bad input created some", got, before)
	}
}
