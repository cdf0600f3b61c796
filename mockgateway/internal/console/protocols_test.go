package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The console is protocol-neutral: a payment made through Stripe's API is
// found by its pi_… id, shows its protocol's notifications under their own
// names, and a refund made in the console goes through its protocol.
func TestConsole_PaymentsOfEveryProtocol(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()

	t.Run("Stripe", func(t *testing.T) {
		var creds struct {
			SecretKey string `json:"secret_key"`
		}
		// Seeding gave the demo merchant its Stripe keys.
		demo, err := e.Svc.Merchant(t.Context(), "m_demo")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(demo.Credentials["stripe"], &creds); err != nil || creds.SecretKey == "" {
			t.Fatalf("stripe credentials %s: %v", demo.Credentials["stripe"], err)
		}
		form := url.Values{"amount": {"2000"}, "currency": {"usd"}, "payment_method": {"pm_card_visa"}, "confirm": {"true"}}
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/stripe/v1/payment_intents", strings.NewReader(form.Encode()))
		req.Header.Set("Authorization", "Bearer "+creds.SecretKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := e.browser().do(req)
		wantStatus(t, r, http.StatusOK)
		var pi struct{ ID, Status string }
		if err := json.Unmarshal([]byte(r.Body), &pi); err != nil || !strings.HasPrefix(pi.ID, "pi_") || pi.Status != "succeeded" {
			t.Fatalf("payment intent %s: %v", r.Body, err)
		}
		s := b.get("/admin/search?q=" + pi.ID)
		if s.Status != http.StatusSeeOther || !strings.HasPrefix(s.Location, "/admin/payments/pay_") {
			t.Fatalf("search %s: %d to %q", pi.ID, s.Status, s.Location)
		}
		page := b.get(s.Location)
		wantContains(t, page, "<dd>Stripe</dd>", "stripe.payment_intent", pi.ID, "payment_intent.succeeded", "Created through Stripe")
		r = b.follow(s.Location+"/refund", url.Values{"amount": {"5"}, "scenario": {"refund_stuck"}})
		wantContains(t, r, "of $5.00 created; it is pending")
		payID := strings.TrimPrefix(s.Location, "/admin/payments/")
		refunds := e.refunds(payID)
		if len(refunds) != 1 || refunds[0].Protocol != gateway.ProtocolStripe {
			t.Fatalf("refunds %+v, want one through stripe", refunds)
		}
	})

	t.Run("WeChat", func(t *testing.T) {
		p, _, err := e.Svc.CreatePayment(t.Context(), e.Demo, gateway.CreatePaymentInput{Protocol: gateway.ProtocolWechat, OutTradeNo: "WX-2",
			Amount: 100, Currency: "CNY", Method: gateway.MethodWechat, Subject: "Tea",
			Refs: map[string]string{"wechat.transaction_id": "4200000000202612020000000002"}})
		if err != nil {
			t.Fatal(err)
		}
		b.follow("/admin/payments/"+p.ID+"/succeed", nil)
		page := b.get("/admin/payments/" + p.ID)
		wantContains(t, page, "<dd>WeChat Pay</dd>", "4200000000202612020000000002", "TRANSACTION.SUCCESS")
		wantContains(t, b.get("/admin/events?protocol=wechat"), "<td>TRANSACTION.SUCCESS")
	})
}
