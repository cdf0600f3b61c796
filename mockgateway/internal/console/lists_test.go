package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestConsole_PaymentList(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	other, err := e.Svc.CreateMerchant(t.Context(), "Other shop", "")
	if err != nil {
		t.Fatal(err)
	}
	wx, _, err := e.Svc.CreatePayment(t.Context(), other, gateway.CreatePaymentInput{Protocol: gateway.ProtocolWechat, OutTradeNo: "WX-1",
		Amount: 100, Currency: "CNY", Method: gateway.MethodWechat, Subject: "Tea",
		Refs: map[string]string{"wechat.transaction_id": "4200000000202612020000000001"}})
	if err != nil {
		t.Fatal(err)
	}
	pi, _, err := e.Svc.CreatePayment(t.Context(), other, gateway.CreatePaymentInput{Protocol: gateway.ProtocolStripe, OutTradeNo: "pi_3abc",
		Amount: 100, Currency: "USD", Method: gateway.MethodCard, Subject: "Tea",
		Refs: map[string]string{"stripe.payment_intent": "pi_3abc", "stripe.charge": "ch_3abc"}})
	if err != nil {
		t.Fatal(err)
	}
	var demo []*gateway.Payment
	for i := range 60 {
		in := gateway.CreatePaymentInput{OutTradeNo: fmt.Sprintf("LIST-%02d", i)}
		if i%2 == 0 {
			demo = append(demo, e.paid(in))
		} else {
			demo = append(demo, e.payment(in))
		}
	}

	t.Run("NewestFirstInPagesAcrossMerchants", func(t *testing.T) {
		first := b.get("/admin/payments")
		wantStatus(t, first, http.StatusOK)
		if n := strings.Count(first.Body, `<td><a href="/admin/payments/pay_`); n != 50 {
			t.Fatalf("first page has %d rows, want 50", n)
		}
		wantContains(t, first, demo[59].ID, "Older »")
		wantLacks(t, first, wx.ID)
		next := between(first.Body, `<a href="`, `" rel="next"`)
		second := b.get(strings.ReplaceAll(next, "&amp;", "&"))
		if n := strings.Count(second.Body, `<td><a href="/admin/payments/pay_`); n != 12 {
			t.Fatalf("second page has %d rows, want 12", n)
		}
		wantContains(t, second, wx.ID, pi.ID, demo[0].ID, "« Newest")
		wantLacks(t, second, "Older »")
	})

	t.Run("Filters", func(t *testing.T) {
		r := b.get("/admin/payments?merchant=" + other.ID)
		wantContains(t, r, wx.ID, pi.ID)
		wantLacks(t, r, demo[0].ID)
		r = b.get("/admin/payments?protocol=wechat")
		wantContains(t, r, wx.ID)
		wantLacks(t, r, pi.ID, demo[0].ID)
		r = b.get("/admin/payments?status=succeeded&method=card&merchant=m_demo")
		if n := strings.Count(r.Body, `<td><a href="/admin/payments/pay_`); n != 30 {
			t.Fatalf("%d succeeded card payments of m_demo, want 30", n)
		}
		wantLacks(t, r, demo[1].ID)
		r = b.get("/admin/payments?status=bogus")
		wantContains(t, r, "Unknown Status “bogus”: ignored")
	})

	t.Run("SearchByAnyIdAcrossMerchants", func(t *testing.T) {
		for _, tc := range []struct{ q, want string }{
			{"LIST-07", demo[7].ID},
			{demo[8].ID, demo[8].ID},
			{"4200000000202612020000000001", wx.ID},
			{"pi_3abc", pi.ID},
			{"ch_3abc", pi.ID},
		} {
			r := b.get("/admin/payments?q=" + tc.q)
			wantContains(t, r, tc.want)
			if n := strings.Count(r.Body, `<td><a href="/admin/payments/pay_`); n != 1 {
				t.Fatalf("search %s: %d rows, want 1", tc.q, n)
			}
			// The header's search box goes straight to the one payment.
			s := b.get("/admin/search?q=" + tc.q)
			if s.Status != http.StatusSeeOther || s.Location != "/admin/payments/"+tc.want {
				t.Fatalf("search %s: %d to %q", tc.q, s.Status, s.Location)
			}
		}
		r := b.get("/admin/search?q=nothing-here")
		wantContains(t, r, "Nothing on this gateway has the id")
		r = b.get("/admin/payments?q=nothing-here")
		wantContains(t, r, "No payment matches")
		s := b.get("/admin/search?q=" + other.ID)
		if s.Location != "/admin/merchants/"+other.ID {
			t.Fatalf("a merchant id goes to %q", s.Location)
		}
	})

	t.Run("RefundsAndEventsLists", func(t *testing.T) {
		p := demo[10]
		re, _, err := e.Svc.CreateRefund(context.Background(), e.Demo, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "RF-10"})
		if err != nil {
			t.Fatal(err)
		}
		r := b.get("/admin/refunds")
		wantContains(t, r, re.ID, "RF-10")
		wantLacks(t, b.get("/admin/refunds?status=failed"), re.ID)
		wantContains(t, b.get("/admin/refunds?method=card"), re.ID)
		wantLacks(t, b.get("/admin/refunds?method=alipay"), re.ID)
		wantContains(t, b.get("/admin/refunds?q=RF-10"), re.ID)
		wantContains(t, b.get("/admin/refunds?q=LIST-10"), re.ID)
		// A search keeps the other filters, the method (of the payment) too.
		wantContains(t, b.get("/admin/refunds?q=RF-10&method=card"), re.ID)
		wantLacks(t, b.get("/admin/refunds?q=RF-10&method=alipay"), re.ID)
		s := b.get("/admin/search?q=RF-10")
		if s.Location != "/admin/payments/"+p.ID+"#"+re.ID {
			t.Fatalf("search RF-10 goes to %q", s.Location)
		}
		ev := b.get("/admin/events?type=payment.succeeded")
		wantContains(t, ev, "<td>payment.succeeded")
		wantLacks(t, ev, "<td>payment.failed")
		wantContains(t, b.get("/admin/events?delivery=failed"), "<td>payment.succeeded")
		wantLacks(t, b.get("/admin/events?delivery=delivered"), "<td>payment.succeeded")
	})
}

func between(s, from, to string) string {
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(s[:j], from)
	return s[i+len(from) : j]
}
