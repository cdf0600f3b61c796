package native

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func testDelivery() *gateway.Delivery {
	p := &gateway.Payment{ID: "pay_1", Protocol: Name, MerchantID: "m_1", Amount: 1999, Currency: "CNY", Status: "succeeded",
		Metadata: map[string]string{"order": "1"}, CreatedAt: time.Unix(1700000000, 0).UTC()}
	return &gateway.Delivery{
		Merchant: &gateway.Merchant{ID: "m_1", WebhookSecret: testSecret},
		Event: &gateway.Event{ID: "evt_1", MerchantID: "m_1", Protocol: Name, Type: "payment.succeeded", Topic: "payment.succeeded",
			ObjectID: "pay_1", Payment: p, URL: "http://shop.test/hook", CreatedAt: time.Unix(1700000000, 0).UTC()},
	}
}

func TestEncode(t *testing.T) {
	now := time.Unix(1750000000, 0)
	v, err := webhook.NewVerifier(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	a := &Adapter{}
	tests := []struct {
		name    string
		fault   func(*gateway.Delivery)
		wantErr error
	}{
		{"Clean", func(*gateway.Delivery) {}, nil},
		{"BadSignature", func(d *gateway.Delivery) { d.BadSignature = true }, webhook.ErrNoMatchingSignature},
		{"StaleTimestamp", func(d *gateway.Delivery) { d.StaleTimestamp = true }, webhook.ErrTimestampTooOld},
		{"TamperAmountIsValidlySigned", func(d *gateway.Delivery) { d.TamperAmount = true }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := testDelivery()
			tc.fault(d)
			h, body, err := a.Encode(d, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(body, h); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
			}
			if h.Get("webhook-id") != "evt_1" || h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != UserAgent {
				t.Fatalf("headers = %v", h)
			}
		})
	}
}

// notify_tamper_amount raises the amount by one minor unit and changes
// nothing else of the envelope.
func TestEncode_TamperAmount(t *testing.T) {
	now := time.Unix(1750000000, 0)
	a := &Adapter{}
	d := testDelivery()
	_, clean, err := a.Encode(d, now)
	if err != nil {
		t.Fatal(err)
	}
	d.TamperAmount = true
	_, tampered, err := a.Encode(d, now)
	if err != nil {
		t.Fatal(err)
	}
	var before, after gatewayapi.Envelope
	if err := json.Unmarshal(clean, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(tampered, &after); err != nil {
		t.Fatal(err)
	}
	var pb, pa map[string]any
	_ = json.Unmarshal(before.Data.Object, &pb)
	_ = json.Unmarshal(after.Data.Object, &pa)
	if pb["amount"] != float64(1999) || pa["amount"] != float64(2000) {
		t.Fatalf("amounts %v → %v, want 1999 → 2000", pb["amount"], pa["amount"])
	}
	delete(pa, "amount")
	delete(pb, "amount")
	x, _ := json.Marshal(pa)
	y, _ := json.Marshal(pb)
	if string(x) != string(y) || after.ID != before.ID || after.Type != before.Type || !after.CreatedAt.Equal(before.CreatedAt) {
		t.Fatalf("more than the amount changed:\n%s\n%s", clean, tampered)
	}
	if d.Event.Payment.Amount != 1999 {
		t.Fatal("tampering changed the stored snapshot")
	}
}

// A refund event's tampered amount is the refund's.
func TestEncode_TamperRefundAmount(t *testing.T) {
	d := testDelivery()
	d.Event.Refund = &gateway.Refund{ID: "re_1", Protocol: Name, PaymentID: "pay_1", Amount: 500, Currency: "CNY", Status: "succeeded"}
	d.Event.Type, d.Event.Topic, d.Event.ObjectID = "refund.succeeded", "refund.succeeded", "re_1"
	d.TamperAmount = true
	_, body, err := (&Adapter{}).Encode(d, time.Unix(1750000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Data struct {
			Object gatewayapi.Refund `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Data.Object.ID != "re_1" || env.Data.Object.Amount != 501 {
		t.Fatalf("refund in the envelope = %+v, want re_1 with 501", env.Data.Object)
	}
}

// A notification's body, encoded in one pass, is byte for byte the
// envelope the API shows for the event — payment and refund events, native
// and of another protocol (named by its core type).
func TestEnvelopeJSON_SameAsEnvelope(t *testing.T) {
	pay := testDelivery().Event
	re := testDelivery().Event
	paid := time.Unix(1700000100, 0).UTC()
	pay.Payment.PaidAt, pay.Payment.Locale = &paid, "zh-CN"
	pay.Payment.LastError = &gateway.PaymentError{Code: "card_declined", Message: "declined"}
	re.Refund = &gateway.Refund{ID: "re_1", Protocol: Name, PaymentID: "pay_1", Amount: 500, Currency: "CNY", Status: "failed",
		FailureCode: "refund_failed", FailureMessage: "no", SettledAt: &paid}
	re.Type, re.Topic, re.ObjectID = "refund.failed", "refund.failed", "re_1"
	alipay := testDelivery().Event
	alipay.Protocol, alipay.Type, alipay.Topic = gateway.ProtocolAlipay, "payment.succeeded", "TRADE_SUCCESS"
	for name, ev := range map[string]*gateway.Event{"payment": pay, "refund": re, "alipay": alipay} {
		t.Run(name, func(t *testing.T) {
			env, err := Envelope(ev)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EnvelopeJSON(ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("one-pass body differs:\n got %s\nwant %s", got, want)
			}
			if !json.Valid(got) || !strings.Contains(string(got), `"object":{"id":"`+ev.ObjectID+`"`) {
				t.Fatalf("body %s", got)
			}
		})
	}
}
