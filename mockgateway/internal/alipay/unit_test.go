package alipay

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{
		"19.99": 1999, "20": 2000, "0.5": 50, "0.01": 1, "100000000": 10_000_000_000, "100000000.00": 10_000_000_000, "7.05": 705,
	} {
		if got, ok := parseYuan(in); !ok || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0", "0.00", "0.001", "19.999", "-1", "+1", "1e3", "01", "1.", ".5", " 1", "1 ", "100000000.01", "1,00", "１"} {
		if got, ok := parseYuan(in); ok {
			t.Errorf("parseYuan(%q) = %d, accepted", in, got)
		}
	}
	for fen, want := range map[int64]string{1: "0.01", 1999: "19.99", 2000: "20.00", 10_000_000_000: "100000000.00"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

// The string to sign (DESIGN §11.1): keys sorted, empty values dropped,
// skipped names left out, raw values.
func TestSignContent(t *testing.T) {
	v := url.Values{
		"sign": {"x"}, "sign_type": {"RSA2"}, "biz_content": {`{"a":"b c&d"}`}, "app_id": {"1"}, "empty": {""}, "method": {"m"},
	}
	if got, want := signContent(v, "sign"), `app_id=1&biz_content={"a":"b c&d"}&method=m&sign_type=RSA2`; got != want {
		t.Fatalf("request content %q, want %q", got, want)
	}
	if got, want := signContent(v, "sign", "sign_type"), `app_id=1&biz_content={"a":"b c&d"}&method=m`; got != want {
		t.Fatalf("notification content %q, want %q", got, want)
	}
}

func testKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParsePublicKey(t *testing.T) {
	k := testKey(t, 2048)
	pkix, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(&k.PublicKey)
	weak, _ := x509.MarshalPKIXPublicKey(&testKey(t, 1024).PublicKey)
	good := map[string]string{
		"PKIX PEM":       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})),
		"PKCS1 PEM":      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})),
		"bare base64":    base64.StdEncoding.EncodeToString(pkix),
		"wrapped base64": "  " + base64.StdEncoding.EncodeToString(pkix)[:64] + "\n" + base64.StdEncoding.EncodeToString(pkix)[64:] + "\n",
	}
	for name, in := range good {
		pub, err := parsePublicKey(in)
		if err != nil || pub.N.Cmp(k.N) != 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]string{
		"private key": privatePEM(k),
		"weak":        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: weak})),
		"garbage":     "not a key",
		"empty":       "",
	}
	for name, in := range bad {
		if _, err := parsePublicKey(in); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// The key pool hands out ready keys without waiting, generates the rest
// at once, and refills in the background only when asked to.
func TestKeyPool(t *testing.T) {
	key := testKey(t, 1024)
	var made atomic.Int64
	p := &keyPool{ready: make(chan *rsa.PrivateKey, poolSize), gen: func() (*rsa.PrivateKey, error) {
		made.Add(1)
		return key, nil
	}}
	keys, err := p.take(2, false)
	if err != nil || len(keys) != 2 || keys[0] == nil || keys[1] == nil {
		t.Fatalf("take from an empty pool: %v %v", keys, err)
	}
	time.Sleep(50 * time.Millisecond)
	if made.Load() != 2 || len(p.ready) != 0 {
		t.Fatalf("without refill: %d made, %d ready; want 2 and 0", made.Load(), len(p.ready))
	}
	if _, err := p.take(2, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pool to fill", func() bool { return len(p.ready) == poolSize && !p.filling.Load() })
	before := made.Load()
	if _, err := p.take(2, false); err != nil {
		t.Fatal(err)
	}
	if made.Load() != before || len(p.ready) != poolSize-2 {
		t.Fatalf("a take from a full pool generated %d keys, left %d", made.Load()-before, len(p.ready))
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ks, err := p.take(2, true); err != nil || len(ks) != 2 {
				t.Errorf("concurrent take: %v", err)
			}
		})
	}
	wg.Wait()
	waitFor(t, "the pool to fill again", func() bool { return len(p.ready) == poolSize && !p.filling.Load() })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ext(t *testing.T, api string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(paymentExt{API: api})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Which changes are notified, and as what (DESIGN §11.1).
func TestTopics(t *testing.T) {
	now := time.Now()
	pre := &gateway.Payment{Protocol: Name, Ext: ext(t, methodPrecreate), Amount: 1000, Status: gateway.PaymentClosed}
	scanned := &gateway.Payment{Protocol: Name, Ext: ext(t, methodPrecreate), Amount: 1000, Status: gateway.PaymentClosed, OpenedAt: &now}
	page := &gateway.Payment{Protocol: Name, Ext: ext(t, methodPagePay), Amount: 1000, Status: gateway.PaymentClosed}
	partly := &gateway.Payment{Protocol: Name, Amount: 1000, AmountRefunded: 400, Status: gateway.PaymentSucceeded}
	fully := &gateway.Payment{Protocol: Name, Amount: 1000, AmountRefunded: 1000, Status: gateway.PaymentSucceeded}
	for _, tc := range []struct {
		name string
		ch   gateway.Change
		want string
	}{
		{"Paid", gateway.Change{Type: gateway.EventPaymentSucceeded, Payment: partly}, statusSuccess},
		{"Declined", gateway.Change{Type: gateway.EventPaymentFailed, Payment: page}, ""},
		{"UnscannedPrecreateExpired", gateway.Change{Type: gateway.EventPaymentClosed, Payment: pre}, ""},
		{"ScannedPrecreateClosed", gateway.Change{Type: gateway.EventPaymentClosed, Payment: scanned}, statusClosed},
		{"PagePayClosed", gateway.Change{Type: gateway.EventPaymentClosed, Payment: page}, statusClosed},
		{"RefundCreated", gateway.Change{Type: gateway.EventRefundCreated, Payment: partly, Refund: &gateway.Refund{}}, ""},
		{"PartlyRefunded", gateway.Change{Type: gateway.EventRefundSucceeded, Payment: partly, Refund: &gateway.Refund{}}, statusSuccess},
		{"FullyRefunded", gateway.Change{Type: gateway.EventRefundSucceeded, Payment: fully, Refund: &gateway.Refund{}}, statusClosed},
		{"RefundFailed", gateway.Change{Type: gateway.EventRefundFailed, Payment: partly, Refund: &gateway.Refund{}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(topics(tc.ch), ","); got != tc.want {
				t.Fatalf("topics = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExpiresIn(t *testing.T) {
	// 2031-03-04 10:00:00 in Beijing.
	now := time.Date(2031, 3, 4, 2, 0, 0, 0, time.UTC)
	call := func(biz string) *call {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(biz), &m); err != nil {
			t.Fatal(err)
		}
		return &call{biz: m}
	}
	for biz, want := range map[string]time.Duration{
		`{}`:                                    0,
		`{"timeout_express":"90m"}`:             90 * time.Minute,
		`{"timeout_express":"2h"}`:              2 * time.Hour,
		`{"timeout_express":"15d"}`:             15 * 24 * time.Hour,
		`{"timeout_express":"1c"}`:              14 * time.Hour,
		`{"time_expire":"2031-03-04 10:30:00"}`: 30 * time.Minute,
		`{"time_expire":"2031-03-04 11:00"}`:    time.Hour,
		`{"time_expire":"2031-03-04 10:05:00","timeout_express":"2h"}`: 5 * time.Minute,
	} {
		got, err := call(biz).expiresIn(now)
		if err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", biz, got, err, want)
		}
	}
	for _, biz := range []string{
		`{"timeout_express":"1.5h"}`, `{"timeout_express":"16d"}`, `{"timeout_express":"0m"}`, `{"timeout_express":"2c"}`,
		`{"time_expire":"2031-03-04 09:00:00"}`, `{"time_expire":"2031-03-04 10:00:30"}`, `{"time_expire":"tomorrow"}`,
	} {
		if got, err := call(biz).expiresIn(now); err == nil {
			t.Errorf("%s accepted: %s", biz, got)
		}
	}
}

// testMerchant is a merchant with Alipay credentials issued by the
// adapter's issuer (keys from a fixed test key, for speed).
func testMerchant(t *testing.T) *gateway.Merchant {
	t.Helper()
	app, platform := testKey(t, 2048), testKey(t, 2048)
	keys := []*rsa.PrivateKey{app, platform}
	var n atomic.Int64
	is := &issuer{pool: &keyPool{ready: make(chan *rsa.PrivateKey, poolSize), gen: func() (*rsa.PrivateKey, error) {
		return keys[n.Add(1)-1], nil
	}}}
	// take generates the two side by side: which goroutine gets which key
	// does not matter, they differ.
	issued, err := is.IssueCredentials(&gateway.Merchant{ID: gateway.DemoMerchantID})
	if err != nil {
		t.Fatal(err)
	}
	return &gateway.Merchant{ID: "m_1", Credentials: map[string]json.RawMessage{Name: issued.Raw}, Secrets: map[string]json.RawMessage{Name: issued.Secret}}
}

// A notification as the notifier encodes it, verified with the platform's
// public key over every field but sign and sign_type; the delivery's
// faults change what they should and nothing else.
func TestEncode(t *testing.T) {
	m := testMerchant(t)
	keys, err := keysOf(m)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2031, 3, 4, 2, 0, 0, 0, time.UTC)
	paid := at.Add(time.Minute)
	settled := at.Add(2 * time.Minute)
	p := &gateway.Payment{ID: "pay_1", Protocol: Name, OutTradeNo: "o-1", Amount: 1999, AmountRefunded: 500, Subject: "Tea",
		Status: gateway.PaymentSucceeded, Refs: map[string]string{refTradeNo: "2031030422000000000000000001"},
		Ext: ext(t, methodPrecreate), CreatedAt: at, PaidAt: &paid, OpenedAt: &at}
	re := &gateway.Refund{ID: "re_1", Protocol: Name, Amount: 300, Status: gateway.RefundSucceeded, SettledAt: &settled, Ext: json.RawMessage(`{"out_request_no":"r2"}`)}
	delivery := func(refund bool) *gateway.Delivery {
		ev := &gateway.Event{ID: "evt_1", Protocol: Name, Type: gateway.EventPaymentSucceeded, Topic: statusSuccess, Payment: p}
		if refund {
			ev.Type, ev.Refund = gateway.EventRefundSucceeded, re
		}
		return &gateway.Delivery{Merchant: m, Event: ev}
	}
	encode := func(d *gateway.Delivery) url.Values {
		t.Helper()
		h, body, err := (&Adapter{}).Encode(d, at.Add(3*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("Content-Type") != "application/x-www-form-urlencoded; charset=utf-8" {
			t.Fatalf("content type %q", h.Get("Content-Type"))
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	valid := func(v url.Values) bool {
		return verify(&keys.platform.PublicKey, []byte(signContent(v, "sign", "sign_type")), v.Get("sign")) == nil
	}

	clean := encode(delivery(false))
	if !valid(clean) {
		t.Fatal("a clean notification does not verify")
	}
	for k, want := range map[string]string{
		"notify_id": "evt_1", "notify_type": "trade_status_sync", "trade_status": "TRADE_SUCCESS", "total_amount": "19.99",
		"receipt_amount": "19.99", "buyer_pay_amount": "19.99", "gmt_payment": "2031-03-04 10:01:00", "notify_time": "2031-03-04 10:03:00",
		"app_id": keys.creds.AppID, "trade_no": "2031030422000000000000000001", "out_trade_no": "o-1", "sign_type": "RSA2",
	} {
		if got := clean.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if clean.Has("refund_fee") || clean.Has("gmt_close") {
		t.Errorf("a payment notification carries refund or close fields: %v", clean)
	}

	d := delivery(false)
	d.BadSignature = true
	if bad := encode(d); valid(bad) || len(bad.Get("sign")) != len(clean.Get("sign")) {
		t.Fatal("notify_bad_signature: the signature verifies, or is not shaped like one")
	}
	d = delivery(false)
	d.StaleTimestamp = true
	if stale := encode(d); !valid(stale) || stale.Get("notify_time") != "2031-03-04 09:53:00" {
		t.Fatalf("notify_stale_timestamp: notify_time %q, valid %v", stale.Get("notify_time"), valid(stale))
	}
	d = delivery(false)
	d.TamperAmount = true
	tampered := encode(d)
	if !valid(tampered) || tampered.Get("total_amount") != "20.00" || tampered.Get("receipt_amount") != "20.00" || tampered.Get("buyer_pay_amount") != "20.00" {
		t.Fatalf("notify_tamper_amount on a payment: %v (valid %v)", tampered, valid(tampered))
	}
	if p.Amount != 1999 {
		t.Fatal("tampering changed the stored snapshot")
	}

	refund := encode(delivery(true))
	if !valid(refund) || refund.Get("refund_fee") != "5.00" || refund.Get("out_biz_no") != "r2" || refund.Get("gmt_refund") != "2031-03-04 10:02:00.000" {
		t.Fatalf("refund notification %v", refund)
	}
	d = delivery(true)
	d.TamperAmount = true
	if tr := encode(d); !valid(tr) || tr.Get("refund_fee") != "5.01" || tr.Get("total_amount") != "19.99" {
		t.Fatalf("notify_tamper_amount on a refund: refund_fee %q total %q", tr.Get("refund_fee"), tr.Get("total_amount"))
	}
}
