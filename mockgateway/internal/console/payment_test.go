package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestConsole_PaymentActions(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()

	t.Run("Succeed", func(t *testing.T) {
		p := e.payment(gateway.CreatePaymentInput{})
		r := b.follow("/admin/payments/"+p.ID+"/succeed", nil)
		wantContains(t, r, "Payment "+p.ID+" succeeded.", "Succeeded (paid)")
		if got := e.get(p.ID); got.Status != gateway.PaymentSucceeded {
			t.Fatalf("status %s, want succeeded", got.Status)
		}
		// Again: refused with the reason, nothing changed.
		r = b.follow("/admin/payments/"+p.ID+"/succeed", nil)
		wantContains(t, r, `class="flash bad"`, "Could not mark the payment paid: Payment "+p.ID+" is succeeded, not pending.")
		r = b.follow("/admin/payments/"+p.ID+"/close", nil)
		wantContains(t, r, "has succeeded and cannot be closed")
	})

	t.Run("FailWithACode", func(t *testing.T) {
		p := e.payment(gateway.CreatePaymentInput{})
		r := b.follow("/admin/payments/"+p.ID+"/fail", url.Values{"code": {"insufficient_funds"}})
		wantContains(t, r, "declined with insufficient_funds", "Declined: insufficient_funds")
		got := e.get(p.ID)
		if got.Status != gateway.PaymentPending || got.LastError == nil || got.LastError.Code != "insufficient_funds" {
			t.Fatalf("payment %+v, want pending with last_error insufficient_funds", got)
		}
	})

	t.Run("FailWithABadCodeChangesNothing", func(t *testing.T) {
		p := e.payment(gateway.CreatePaymentInput{})
		r := b.post("/admin/payments/"+p.ID+"/fail", url.Values{"code": {"not a code!"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, `value="not a code!"`, "A failure code is 1 to 64 letters")
		if got := e.get(p.ID); got.LastError != nil {
			t.Fatalf("a refused decline changed the payment: %+v", got.LastError)
		}
	})

	t.Run("ExpireAndClose", func(t *testing.T) {
		p := e.payment(gateway.CreatePaymentInput{})
		wantContains(t, b.follow("/admin/payments/"+p.ID+"/expire", nil), "Payment "+p.ID+" expired.", "Closed by expiry")
		if got := e.get(p.ID); got.Status != gateway.PaymentClosed || !got.Expired {
			t.Fatalf("payment %s expired %v, want closed by expiry", got.Status, got.Expired)
		}
		q := e.payment(gateway.CreatePaymentInput{})
		wantContains(t, b.follow("/admin/payments/"+q.ID+"/close", nil), "Payment "+q.ID+" closed.")
		wantContains(t, b.follow("/admin/payments/"+q.ID+"/close", nil), "already closed; nothing changed")
	})

	t.Run("UnknownPayment", func(t *testing.T) {
		wantStatus(t, b.get("/admin/payments/pay_nope"), http.StatusNotFound)
		wantStatus(t, b.post("/admin/payments/pay_nope/succeed", nil), http.StatusNotFound)
	})

	t.Run("ActionsAreInTheRequestLog", func(t *testing.T) {
		p := e.payment(gateway.CreatePaymentInput{})
		b.follow("/admin/payments/"+p.ID+"/expire", nil)
		var line string
		for _, l := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, "/admin/payments/"+p.ID+"/expire") {
				line = l
			}
		}
		for _, want := range []string{`"console_session":"`, `"console_action":"expire"`, `"payment":"` + p.ID + `"`, `"merchant":"m_demo"`} {
			if !strings.Contains(line, want) {
				t.Fatalf("request log line %q lacks %s", line, want)
			}
		}
	})
}

func TestConsole_Refunds(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	p := e.paid(gateway.CreatePaymentInput{Amount: 5000})
	path := "/admin/payments/" + p.ID

	t.Run("BadInputShowsBesideTheFieldAndChangesNothing", func(t *testing.T) {
		for _, tc := range []struct{ amount, scenario, want string }{
			{"abc", "", "Enter an amount such as"},
			{"50.01", "", "At most ¥50.00 can still be refunded."},
			{"1.234", "", "Enter an amount such as"},
			{"5", "refund_bogus", "unknown"},
			{"5", "api_error=503", "A refund takes only refund_* and notify_* names"},
		} {
			r := b.post(path+"/refund", url.Values{"amount": {tc.amount}, "scenario": {tc.scenario}, "reason": {"kept reason"}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r, `value="`+tc.amount+`"`, `value="kept reason"`, `aria-invalid="true"`)
			if !strings.Contains(strings.ToLower(r.Body), strings.ToLower(tc.want)) {
				t.Fatalf("amount %q scenario %q: the page lacks %q", tc.amount, tc.scenario, tc.want)
			}
		}
		if refunds := e.refunds(p.ID); len(refunds) != 0 {
			t.Fatalf("refused refunds created %d refunds", len(refunds))
		}
	})

	t.Run("PartialRefundThenSettleAStuckOneAsFailed", func(t *testing.T) {
		r := b.follow(path+"/refund", url.Values{"amount": {"12.50"}, "scenario": {"refund_stuck"}})
		wantContains(t, r, "of ¥12.50 created; it is pending", "Settle as failed", "refund_stuck")
		refunds := e.refunds(p.ID)
		if len(refunds) != 1 || refunds[0].Amount != 1250 || refunds[0].Status != gateway.RefundPending || refunds[0].Protocol != p.Protocol {
			t.Fatalf("refunds %+v, want one pending of 1250 through %s", refunds, p.Protocol)
		}
		re := refunds[0]
		// A bad code re-renders the page with the code kept.
		bad := b.post("/admin/refunds/"+re.ID+"/settle", url.Values{"m": {"m_demo"}, "outcome": {"failed"}, "code": {"no way"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantContains(t, bad, `value="no way"`, "A failure code is 1 to 64")
		r = b.follow("/admin/refunds/"+re.ID+"/settle", url.Values{"m": {"m_demo"}, "outcome": {"failed"}, "code": {"REFUND_REJECTED"}, "back": {path}})
		wantContains(t, r, "Refund "+re.ID+" failed with REFUND_REJECTED", "REFUND_REJECTED: ")
		if got := e.refunds(p.ID)[0]; got.Status != gateway.RefundFailed || got.FailureCode != "REFUND_REJECTED" {
			t.Fatalf("refund %s %s, want failed REFUND_REJECTED", got.Status, got.FailureCode)
		}
		// Settling it again is refused with the reason.
		r = b.follow("/admin/refunds/"+re.ID+"/settle", url.Values{"outcome": {"succeeded"}})
		wantContains(t, r, "Could not settle the refund: Refund "+re.ID+" is failed, not pending.")
		// Its amount is refundable again.
		if got := e.get(p.ID); got.Refundable() != 5000 {
			t.Fatalf("refundable %d after a failed refund, want 5000", got.Refundable())
		}
	})

	t.Run("SettleAsSucceeded", func(t *testing.T) {
		b.follow(path+"/refund", url.Values{"amount": {"10"}, "scenario": {"refund_stuck"}})
		re := e.refunds(p.ID)[0]
		r := b.follow("/admin/refunds/"+re.ID+"/settle", url.Values{"outcome": {"succeeded"}})
		wantContains(t, r, "Refund "+re.ID+" succeeded.")
		if got := e.get(p.ID); got.AmountRefunded != 1000 {
			t.Fatalf("refunded %d, want 1000", got.AmountRefunded)
		}
	})

	t.Run("AnUnpaidPaymentCannotBeRefunded", func(t *testing.T) {
		q := e.payment(gateway.CreatePaymentInput{})
		r := b.follow("/admin/payments/"+q.ID+"/refund", url.Values{"amount": {"1"}})
		wantContains(t, r, "Could not refund the payment: Payment "+q.ID+" is pending; only a succeeded payment can be refunded.")
	})
}

func TestConsole_PaymentPageRefreshesWhilePending(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	p := e.payment(gateway.CreatePaymentInput{})
	wantContains(t, b.get("/admin/payments/"+p.ID), `data-refresh="3"`, `<noscript><meta http-equiv="refresh" content="3"></noscript>`)
	b.follow("/admin/payments/"+p.ID+"/close", nil)
	// Closed, and its merchant has no notify URL: nothing is pending.
	wantLacks(t, b.get("/admin/payments/"+p.ID), "data-refresh")
}

// TestConsole_LatestDeclineInTime: a protocol that records no event for a
// decline (WeChat) still shows the latest one in the timeline, at the time
// it happened — after the cashier was opened, not at the payment's
// creation.
func TestConsole_LatestDeclineInTime(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	p := e.payment(gateway.CreatePaymentInput{Protocol: gateway.ProtocolWechat, Method: gateway.MethodWechat,
		Refs: map[string]string{"wechat.transaction_id": "4200000000202612020000000077"}})
	time.Sleep(5 * time.Millisecond)
	if _, err := e.Svc.MarkOpened(t.Context(), e.Demo, p.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := e.Svc.FailPayment(t.Context(), e.Demo, p.ID, "insufficient_funds"); err != nil {
		t.Fatal(err)
	}
	if got := e.get(p.ID); got.LastError == nil {
		t.Fatalf("no last error: %+v", got)
	}
	tl := between(b.get("/admin/payments/"+p.ID).Body, `<ol class="timeline" id="timeline">`, `</ol>`)
	opened, declined := strings.Index(tl, "Cashier page opened"), strings.Index(tl, "Declined (latest): insufficient_funds")
	if opened < 0 || declined < opened {
		t.Fatalf("timeline has the cashier opened at %d and the latest decline at %d, want the decline after; timeline:\n%s", opened, declined, tl)
	}
}
