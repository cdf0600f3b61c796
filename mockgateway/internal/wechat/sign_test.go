package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// decrypt opens a resource with the APIv3 key, as a merchant does.
func decrypt(apiv3Key string, r resource) ([]byte, error) {
	block, err := aes.NewCipher([]byte(apiv3Key))
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sealed, err := base64.StdEncoding.DecodeString(r.Ciphertext)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, []byte(r.Nonce), sealed, []byte(r.AssociatedData))
}

func TestParseAuthorization(t *testing.T) {
	const sig = "c2lnbmF0dXJlLCB3aXRoIGNvbW1hcz0="
	for name, tc := range map[string]struct {
		header string
		want   authorization
		err    string // part of the refusal's issue or message
	}{
		"SDKOrder": {
			header: `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="abc",timestamp="1700000000",serial_no="ABC123",signature="` + sig + `"`,
			want:   authorization{MchID: "1900000001", NonceStr: "abc", Timestamp: "1700000000", SerialNo: "ABC123", Signature: sig},
		},
		"AnyOrderAndSpaces": {
			header: `WECHATPAY2-SHA256-RSA2048 signature="` + sig + `", serial_no="ABC123" ,timestamp="1700000000",nonce_str="abc",mchid="1900000001"`,
			want:   authorization{MchID: "1900000001", NonceStr: "abc", Timestamp: "1700000000", SerialNo: "ABC123", Signature: sig},
		},
		"Unquoted": {
			header: `WECHATPAY2-SHA256-RSA2048 mchid=1900000001,nonce_str=abc,timestamp=1700000000,serial_no=ABC123,signature=xyz`,
			want:   authorization{MchID: "1900000001", NonceStr: "abc", Timestamp: "1700000000", SerialNo: "ABC123", Signature: "xyz"},
		},
		"Missing":       {header: "", err: "缺少Authorization"},
		"OtherScheme":   {header: `Bearer sk_test_x`, err: "Bearer"},
		"NoNonce":       {header: `WECHATPAY2-SHA256-RSA2048 mchid="1",timestamp="1",serial_no="S",signature="x"`, err: "nonce_str"},
		"EmptyNonce":    {header: `WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="",timestamp="1",serial_no="S",signature="x"`, err: "nonce_str"},
		"NoSignature":   {header: `WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="S"`, err: "signature"},
		"Twice":         {header: `WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",timestamp="1",serial_no="S",signature="x"`, err: "twice"},
		"UnclosedQuote": {header: `WECHATPAY2-SHA256-RSA2048 nonce_str="n",mchid="1`, err: "closing quote"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := parseAuthorization(tc.header)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %q as %+v", tc.header, got)
			}
			if err.Status != http.StatusUnauthorized || err.Code != CodeSignError {
				t.Fatalf("refused with %d %s, want 401 SIGN_ERROR", err.Status, err.Code)
			}
			if text := err.Message + " " + err.Detail.Issue; !strings.Contains(text, tc.err) {
				t.Fatalf("refusal %q does not mention %q", text, tc.err)
			}
		})
	}
}

func TestEncrypt_OpensOnlyWithKeyAndAssociatedData(t *testing.T) {
	key := gateway.RandomToken(32)
	r, err := encrypt(key, "transaction", []byte(`{"amount":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Algorithm != AlgorithmAESGCM || len(r.Nonce) != 12 {
		t.Fatalf("resource %+v", r)
	}
	if got, err := decrypt(key, r); err != nil || string(got) != `{"amount":1}` {
		t.Fatalf("decrypt: %q, %v", got, err)
	}
	other := r
	other.AssociatedData = "refund"
	if _, err := decrypt(key, other); err == nil {
		t.Fatal("opened with other associated data")
	}
	if _, err := decrypt(gateway.RandomToken(32), r); err == nil {
		t.Fatal("opened with another key")
	}
}

func TestAcknowledged(t *testing.T) {
	a := &Adapter{}
	for _, tc := range []struct {
		status int
		body   string
		want   bool
	}{
		{200, "", true},
		{204, "", true},
		{200, `{"code":"SUCCESS","message":"成功"}`, true},
		{200, "ok", true},
		{200, `{"code":"FAIL","message":"失败"}`, false},
		{204, `{"code":"fail"}`, false},
		{201, "", false},
		{202, "", false},
		{401, `{"code":"FAIL"}`, false},
		{500, "", false},
	} {
		if got := a.Acknowledged(tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("Acknowledged(%d, %q) = %v, want %v", tc.status, tc.body, got, tc.want)
		}
	}
}

// testMerchant is a merchant with freshly issued WeChat credentials.
func testMerchant(t *testing.T) (*gateway.Merchant, *Credentials) {
	t.Helper()
	m := &gateway.Merchant{ID: "m_test"}
	issued, err := (&issuer{pool: newKeyPool(0), now: time.Now}).IssueCredentials(m)
	if err != nil {
		t.Fatal(err)
	}
	m.Credentials = map[string]json.RawMessage{Name: issued.Raw}
	m.Secrets = map[string]json.RawMessage{Name: issued.Secret}
	var c Credentials
	if err := json.Unmarshal(issued.Raw, &c); err != nil {
		t.Fatal(err)
	}
	return m, &c
}

// The faults a notification can carry act on what is signed and sent:
// a bad signature and a stale timestamp are signed so, and a tampered
// amount is sent inside the encrypted plaintext while the signature is
// the original request's.
func TestEncode_Faults(t *testing.T) {
	m, creds := testMerchant(t)
	a := &Adapter{keys: &keyCache{}, stranger: sync.OnceValues(newStranger)}
	pub, err := parsePublicPEM(creds.PlatformPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	paid := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	ext, _ := json.Marshal(paymentExt{MchID: creds.MchID, AppID: creds.AppID, TradeType: TradeNative})
	ev := &gateway.Event{
		ID: "evt_1", Protocol: Name, Type: gateway.EventPaymentSucceeded, Topic: EventTransactionSuccess, CreatedAt: paid,
		Payment: &gateway.Payment{
			ID: "pay_1", Protocol: Name, OutTradeNo: "ORDER-1", Amount: 1999, Currency: "CNY", Status: gateway.PaymentSucceeded,
			PaidAt: &paid, Refs: map[string]string{refTransactionID: "4200000000000000000000000001"}, Ext: ext,
		},
	}
	now := time.Now()
	open := func(t *testing.T, h http.Header, body []byte) (sigOK bool, amount float64) {
		t.Helper()
		msg := answerMessage(mustInt(t, h.Get(HeaderTimestamp)), h.Get(HeaderNonce), body)
		sigOK = verifyMessage(pub, msg, h.Get(HeaderSignature)) == nil
		var n notification
		if err := json.Unmarshal(body, &n); err != nil {
			t.Fatal(err)
		}
		plain, err := decrypt(creds.APIv3Key, n.Resource)
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		var tx struct {
			Amount struct{ Total float64 } `json:"amount"`
		}
		if err := json.Unmarshal(plain, &tx); err != nil {
			t.Fatal(err)
		}
		if n.ID != ev.ID || n.EventType != EventTransactionSuccess || n.ResourceType != "encrypt-resource" || n.Resource.OriginalType != "transaction" {
			t.Fatalf("envelope %+v", n)
		}
		return sigOK, tx.Amount.Total
	}
	for name, tc := range map[string]struct {
		d         gateway.Delivery
		sigOK     bool
		amount    float64
		timestamp time.Time
	}{
		"Clean":          {d: gateway.Delivery{}, sigOK: true, amount: 1999, timestamp: now},
		"BadSignature":   {d: gateway.Delivery{BadSignature: true}, sigOK: false, amount: 1999, timestamp: now},
		"StaleTimestamp": {d: gateway.Delivery{StaleTimestamp: true}, sigOK: true, amount: 1999, timestamp: now.Add(-gateway.StaleTimestampAge)},
		"TamperAmount":   {d: gateway.Delivery{TamperAmount: true}, sigOK: false, amount: 2000, timestamp: now},
	} {
		t.Run(name, func(t *testing.T) {
			d := tc.d
			d.Merchant, d.Event = m, ev
			h, body, err := a.Encode(&d, now)
			if err != nil {
				t.Fatal(err)
			}
			if h.Get(HeaderSerial) != creds.PlatformPublicKeyID || h.Get(HeaderSignatureType) != SignatureType {
				t.Fatalf("headers %v", h)
			}
			if got := mustInt(t, h.Get(HeaderTimestamp)); got != tc.timestamp.Unix() {
				t.Errorf("timestamp %d, want %d", got, tc.timestamp.Unix())
			}
			sigOK, amount := open(t, h, body)
			if sigOK != tc.sigOK || amount != tc.amount {
				t.Fatalf("signature verifies %v, amount %v; want %v, %v", sigOK, amount, tc.sigOK, tc.amount)
			}
		})
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}
