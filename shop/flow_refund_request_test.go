package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestFlow_RefundFull is the refund flow of docs/shop.md over HTTP with the
// real gateway: the customer asks for everything back, support approves
// from the queue with a note, the gateway refunds and notifies, the order is
// refunded, and the customer is told on the order page, on the refund page
// and in the notifications (with an unread count that clears once seen).
func TestFlow_RefundFull(t *testing.T) {
	// The timeline is checked for the "requested at the gateway" entry, so the
	// refund settles late enough for the create answer to be recorded first.
	f := startFlow(t, map[string]string{"REFUND_DELAY": "500ms"}, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no, p := alice.paidOrder("1", "3")

	_, body := alice.get("/orders/" + no)
	must(t, body, `href="/orders/`+no+`/refund"`, "Up to ¥196.00 can still be refunded")
	_, body = alice.get("/orders/" + no + "/refund")
	must(t, body, `value="196.00"`, "An item arrived damaged or defective")
	req := alice.requestRefund(no, "196.00", "damaged", "The teapot lid is cracked.")
	if got := f.order(no).Status; got != shop.OrderRefundRequested {
		t.Fatalf("order after the request = %s, want refund_requested", got)
	}
	_, body = alice.get("/refunds/" + req)
	must(t, body, "Refund requested", "waiting for customer service", "¥196.00")

	sam := f.signIn("support@example.com", "support-sandbox")
	_, body = sam.get("/admin")
	must(t, body, req, no, "Alice Wang", "alice@example.com", "¥196.00", "An item arrived damaged or defective: The teapot lid is cracked.")
	_, body = sam.get("/admin/refunds/" + req)
	must(t, body, "Refund request "+req+" for ¥196.00", "Paid by attempt 1 (Alipay, "+p.ID+")", "Approve and refund ¥196.00")

	resp, body := sam.decide(req, "approve", "Sorry about the lid.")
	if resp.Request.URL.Path != "/admin" || !strings.Contains(body, "approved: refund "+req+"-1 was sent to the gateway") {
		t.Fatalf("approval ended at %s\n%s", resp.Request.URL.Path, body)
	}
	f.eventually(10*time.Second, "order never refunded", func() bool { return f.order(no).Status == shop.OrderRefunded })

	r, err := f.api.GetRefundByOutRefundNo(ctx, req+"-1")
	if err != nil {
		t.Fatalf("no gateway refund %s-1: %v", req, err)
	}
	if r.PaymentID != p.ID || r.Amount != 19600 || r.Status != gatewayapi.RefundSucceeded || !strings.Contains(r.Reason, req) {
		t.Errorf("gateway refund = %+v", r)
	}
	if o := f.order(no); o.RefundedAmount != 19600 {
		t.Errorf("refunded amount = %d, want 19600", o.RefundedAmount)
	}
	if got := f.request(req); got.Status != shop.RequestRefunded || got.Attempt != 1 || got.DecidedBy != "Sam Support" {
		t.Errorf("request = %+v", got)
	}
	tl := f.timeline(no)
	for _, want := range []string{
		"refund_request_created | customer alice@example.com: Refund request " + req + " for ¥196.00",
		"refund_request_approved | support Sam Support: Refund request " + req + " approved: Sorry about the lid. Refund " + req + "-1 of ¥196.00 goes to the gateway.",
		"refund_requested_at_gateway | support Sam Support: Refund " + req + "-1 (" + r.ID + ") requested at the gateway",
		"refund_succeeded | gateway notification: Refund " + req + "-1 of ¥196.00 succeeded; reported by notification evt_",
		"¥196.00 of ¥196.00 refunded in total.",
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}

	// The customer is told: two notices (approved, refunded) until seen.
	_, body = alice.get("/orders/" + no)
	if got := unread(body); got != "2" {
		t.Errorf("unread count in the header = %s, want 2", got)
	}
	must(t, body, `state-refunded">Refunded`, "Sorry about the lid.", req)
	if strings.Contains(body, "Request a refund") {
		t.Error("a fully refunded order still offers a refund")
	}
	_, body = alice.get("/notifications")
	must(t, body, "Your refund request "+req+" for order "+no+" was approved: Sorry about the lid.",
		"Your refund of ¥196.00 for order "+no+" has been paid back", `<span class="badge">new</span>`)
	if _, body = alice.get("/orders"); unread(body) != "0" {
		t.Errorf("unread count after viewing the notifications = %s, want 0", unread(body))
	}
	_, body = alice.get("/refunds/" + req)
	must(t, body, "Refund completed", "¥196.00 of order "+no+" has been paid back")

	// Nothing is left to refund.
	resp, body = alice.post("/orders/"+no+"/refund", url.Values{"amount": {"1.00"}, "reason": {"damaged"}})
	if resp.Request.URL.Path != "/orders/"+no || !strings.Contains(body, "cannot be refunded") {
		t.Errorf("a request on a refunded order ended at %s", resp.Request.URL.Path)
	}
	if n := len(f.gatewayRefunds(p.ID)); n != 1 {
		t.Errorf("gateway refunds = %d, want 1", n)
	}
}

// TestFlow_RefundTwoPartials: a partial refund leaves the order partially
// refunded; the form then offers what is left, refuses more than that (the
// error next to the amount, the input kept), and the second refund of the
// rest makes the order refunded.
func TestFlow_RefundTwoPartials(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	no, p := alice.paidOrder("1", "3")

	for _, tt := range []struct{ amount, want string }{
		{"196.01", "Amount must be at most ¥196.00, what is left to refund of this order."},
		{"12.345", "Amount must be an amount in yuan, like 12.34."},
		{"0", "Amount must be at least ¥0.01."},
		{"-5", "Amount must be an amount in yuan, like 12.34."},
	} {
		resp, body := alice.post("/orders/"+no+"/refund", url.Values{"amount": {tt.amount}, "reason": {"wrong_item"}, "details": {"Green, not black."}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) ||
			!strings.Contains(body, `value="`+tt.amount+`"`) || !strings.Contains(body, "Green, not black.") {
			t.Errorf("amount %s: status %d; want 422 saying %q with the input kept", tt.amount, resp.StatusCode, tt.want)
		}
	}
	resp, body := alice.post("/orders/"+no+"/refund", url.Values{"amount": {"10"}, "reason": {"other"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Tell us the reason in a few words.") {
		t.Errorf("other without details: status %d", resp.StatusCode)
	}
	if got := f.order(no).Status; got != shop.OrderPaid {
		t.Fatalf("order after refused forms = %s, want paid", got)
	}

	first := alice.requestRefund(no, "68", "wrong_item", "The green tea was black tea.")
	sam.decide(first, "approve", "Refunding the tea.")
	f.eventually(10*time.Second, "first refund never applied", func() bool { return f.order(no).Status == shop.OrderPartiallyRefunded })
	if o := f.order(no); o.RefundedAmount != 6800 {
		t.Errorf("refunded after the first = %d, want 6800", o.RefundedAmount)
	}
	_, body = alice.get("/orders/" + no)
	must(t, body, "Partially refunded", "Refunded so far: ¥68.00 of ¥196.00", "Up to ¥128.00 can still be refunded")
	_, body = alice.get("/orders/" + no + "/refund")
	must(t, body, `value="128.00"`)
	resp, body = alice.post("/orders/"+no+"/refund", url.Values{"amount": {"128.01"}, "reason": {"damaged"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Amount must be at most ¥128.00") {
		t.Errorf("more than is left: status %d", resp.StatusCode)
	}

	second := alice.requestRefund(no, "128.00", "damaged", "")
	if got := f.request(second).PrevOrderStatus; got != shop.OrderPartiallyRefunded {
		t.Errorf("second request remembers %s, want partially_refunded", got)
	}
	sam.decide(second, "approve", "And the cups.")
	f.eventually(10*time.Second, "second refund never applied", func() bool { return f.order(no).Status == shop.OrderRefunded })
	if o := f.order(no); o.RefundedAmount != 19600 {
		t.Errorf("refunded after the second = %d, want 19600", o.RefundedAmount)
	}
	refunds := f.gatewayRefunds(p.ID)
	got := map[string]int64{}
	for _, r := range refunds {
		if r.Status != gatewayapi.RefundSucceeded {
			t.Errorf("gateway refund %s is %s", r.OutRefundNo, r.Status)
		}
		got[r.OutRefundNo] = r.Amount
	}
	if len(got) != 2 || got[first+"-1"] != 6800 || got[second+"-1"] != 12800 {
		t.Errorf("gateway refunds = %v, want %s-1: 6800 and %s-1: 12800", got, first, second)
	}
	if p, _ := f.api.GetPayment(context.Background(), p.ID); p.AmountRefunded != 19600 {
		t.Errorf("gateway payment amount_refunded = %d, want 19600", p.AmountRefunded)
	}
	tl := f.timeline(no)
	must(t, tl, "¥68.00 of ¥196.00 refunded in total.", "¥196.00 of ¥196.00 refunded in total.")
}

// TestFlow_RefundRejected: a rejection needs a note, returns the order to
// the state it had before the request (paid, then partially refunded) and
// tells the customer why; each decision carries the name of the support
// user who made it.
func TestFlow_RefundRejected(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	f.addSupportUser("wendy@example.com", "Wendy Support", "wendy-sandbox")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	wendy := f.signIn("wendy@example.com", "wendy-sandbox")
	no, p := alice.paidOrder("1", "3")

	req := alice.requestRefund(no, "30", "changed_mind", "")
	resp, body := wendy.decide(req, "reject", "   ")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Write a note") {
		t.Errorf("rejection without a note: status %d", resp.StatusCode)
	}
	resp, body = wendy.decide(req, "approve", "")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Write a note") {
		t.Errorf("approval without a note: status %d", resp.StatusCode)
	}
	if got := f.order(no).Status; got != shop.OrderRefundRequested {
		t.Fatalf("order after decisions without a note = %s", got)
	}
	resp, body = wendy.decide(req, "reject", "Opened tea cannot be returned.")
	if resp.Request.URL.Path != "/admin" || !strings.Contains(body, "rejected; the customer was told why") {
		t.Errorf("rejection ended at %s", resp.Request.URL.Path)
	}
	if got := f.order(no).Status; got != shop.OrderPaid {
		t.Errorf("order after rejection = %s, want paid again", got)
	}
	if r := f.request(req); r.Status != shop.RequestRejected || r.DecidedBy != "Wendy Support" || r.DecisionNote != "Opened tea cannot be returned." {
		t.Errorf("request = %+v", r)
	}
	_, body = alice.get("/notifications")
	must(t, body, "Your refund request "+req+" for order "+no+" (¥30.00) was not approved: Opened tea cannot be returned.")
	_, body = alice.get("/refunds/" + req)
	must(t, body, "Refund request not approved", "Their note: Opened tea cannot be returned.")
	// A decided request cannot be decided again.
	resp, body = sam.decide(req, "approve", "Changed my mind.")
	if !strings.Contains(body, "was already decided by Wendy Support") || f.order(no).Status != shop.OrderPaid {
		t.Errorf("second decision ended at %s, order %s", resp.Request.URL.Path, f.order(no).Status)
	}

	// From partially refunded, a rejection returns to partially refunded.
	part := alice.requestRefund(no, "20", "damaged", "A chipped cup.")
	sam.decide(part, "approve", "Refunding one cup.")
	f.eventually(10*time.Second, "partial refund never applied", func() bool { return f.order(no).Status == shop.OrderPartiallyRefunded })
	more := alice.requestRefund(no, "10", "other", "Shipping was slow.")
	wendy.decide(more, "reject", "Shipping costs are not refunded.")
	if got := f.order(no).Status; got != shop.OrderPartiallyRefunded {
		t.Errorf("order after the second rejection = %s, want partially_refunded", got)
	}
	if n := len(f.gatewayRefunds(p.ID)); n != 1 {
		t.Errorf("gateway refunds = %d, want only the approved one", n)
	}
	tl := f.timeline(no)
	for _, want := range []string{
		"refund_request_rejected | support Wendy Support: Refund request " + req + " for ¥30.00 rejected: Opened tea cannot be returned. The order is Paid again.",
		"refund_request_approved | support Sam Support: Refund request " + part + " approved: Refunding one cup.",
		"refund_request_rejected | support Wendy Support: Refund request " + more + " for ¥10.00 rejected: Shipping costs are not refunded. The order is Partially refunded again.",
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	_, body = sam.get("/admin/orders/" + no)
	must(t, body, "support Wendy Support", "support Sam Support", "Shipping costs are not refunded.")
}
