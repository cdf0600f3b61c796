package dispatcher

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func testDelivery(t *testing.T) *gateway.Delivery {
	t.Helper()
	obj, _ := json.Marshal(gatewayapi.Payment{ID: "pay_1", Object: "payment", Amount: 1999, Currency: "CNY", Status: "succeeded"})
	body, _ := json.Marshal(gatewayapi.Envelope{ID: "evt_1", Object: "event", Type: "payment.succeeded",
		CreatedAt: time.Unix(1700000000, 0).UTC(), MerchantID: "m_1", Data: gatewayapi.EventData{Object: obj}})
	return &gateway.Delivery{
		Merchant: &gatewayapi.Merchant{ID: "m_1", WebhookSecret: testSecret},
		Event:    &gateway.EventRecord{ID: "evt_1", Body: body, URL: "http://shop.test/hook"},
	}
}

func TestBuild(t *testing.T) {
	now := time.Unix(1750000000, 0)
	v, err := webhook.NewVerifier(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
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
			d := testDelivery(t)
			tc.fault(d)
			n, err := build(d, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(n.body, n.header); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
			}
			if n.header.Get("webhook-id") != "evt_1" || n.header.Get("Content-Type") != "application/json" || n.header.Get("User-Agent") != UserAgent {
				t.Fatalf("headers = %v", n.header)
			}
			if n.url != "http://shop.test/hook" {
				t.Fatalf("url = %q", n.url)
			}
		})
	}
}

func TestTamperAmount(t *testing.T) {
	d := testDelivery(t)
	out, err := tamperAmount(d.Event.Body)
	if err != nil {
		t.Fatal(err)
	}
	var before, after gatewayapi.Envelope
	_ = json.Unmarshal(d.Event.Body, &before)
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	var pb, pa map[string]any
	_ = json.Unmarshal(before.Data.Object, &pb)
	_ = json.Unmarshal(after.Data.Object, &pa)
	if pa["amount"] != float64(2000) {
		t.Fatalf("tampered amount = %v, want 2000", pa["amount"])
	}
	delete(pa, "amount")
	delete(pb, "amount")
	a, _ := json.Marshal(pa)
	b, _ := json.Marshal(pb)
	if string(a) != string(b) || after.ID != before.ID || after.Type != before.Type || !after.CreatedAt.Equal(before.CreatedAt) {
		t.Fatalf("more than the amount changed:\n%s\n%s", d.Event.Body, out)
	}
	if _, err := tamperAmount([]byte(`{"data":{"object":{"id":"x"}}}`)); err == nil {
		t.Fatal("tampered an object without an amount")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"99999999", gateway.MaxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
