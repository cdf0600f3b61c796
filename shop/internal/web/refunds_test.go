package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// paidOrder places an order of a user and pays it with a genuine
// notification.
func (e *env) paidOrder(email string, amount int64) (*shop.Order, *shop.Attempt) {
	e.t.Helper()
	o, a := e.pendingOrder(email, amount)
	id := "evt_paid_" + o.No
	if got := e.notify(e.signer, id, time.Now(), event(id, gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)); got != http.StatusOK {
		e.t.Fatalf("payment notification: %d", got)
	}
	return e.order(o.No), a
}

// requested stores a customer's refund request for amount of order o.
func (e *env) requested(o *shop.Order, email string, amount int64) *shop.RefundRequest {
	e.t.Helper()
	r, err := e.db.CreateRefundRequest(context.Background(), sqlite.NewRefundRequest{OrderNo: o.No, UserID: e.user(email).ID, Actor: "test",
		Amount: amount, Reason: "damaged", NewNo: func() (string, error) { return "RF-" + o.No, nil }})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// refundEvent builds a notification body about refund r of payment pay.
func refundEvent(id, typ string, r *shop.Refund, pay string, mod func(*gatewayapi.Envelope, *gatewayapi.Refund)) []byte {
	status := strings.TrimPrefix(typ, "refund.")
	g := gatewayapi.Refund{ID: r.GatewayRefundID, Object: "refund", PaymentID: pay, OutRefundNo: r.OutRefundNo, Amount: r.Amount,
		Currency: r.Currency, Status: status}
	env := gatewayapi.Envelope{ID: id, Object: "event", Type: typ, CreatedAt: time.Now().UTC(), MerchantID: gatewaytest.DemoMerchantID}
	if mod != nil {
		mod(&env, &g)
	}
	env.Data.Object, _ = json.Marshal(g)
	body, _ := json.Marshal(env)
	return body
}

// TestRefundWebhook_VerifiedLikePayments: refund notifications are checked
// exactly like payment ones. Bad signatures and timestamps are 401; a
// validly signed message whose merchant, refund, amount or currency does not
// match is 422 with a flagged entry; neither changes the order or records
// the webhook-id, so the genuine delivery with the same id is applied once,
// and its duplicate is 200 without any change.
func TestRefundWebhook_VerifiedLikePayments(t *testing.T) {
	e := newEnv(t, "")
	// Refusals of unverified messages are noted once a minute per order:
	// each case below happens a minute after the one before.
	var skew atomic.Int64
	e.db.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	ctx := context.Background()
	o, a := e.paidOrder("alice@example.com", 1999)
	r := e.requested(o, "alice@example.com", 1999)
	ref, err := e.db.ApproveRefundRequest(ctx, r.No, e.user("support@example.com"), "ok")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RefundCreated(ctx, ref.ID, "re_1", "test"); err != nil {
		t.Fatal(err)
	}
	ref.GatewayRefundID = "re_1"
	forger, _ := webhook.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	const id = "evt_refund_ok"
	tests := []struct {
		name   string
		signer *webhook.Signer
		at     time.Time
		mod    func(*gatewayapi.Envelope, *gatewayapi.Refund)
		want   int
		says   string
	}{
		{"forged signature", forger, time.Now(), nil, http.StatusUnauthorized, "its signature does not match"},
		{"stale timestamp", e.signer, time.Now().Add(-6 * time.Minute), nil, http.StatusUnauthorized, "more than 5 minutes old"},
		{"other merchant", e.signer, time.Now(), func(env *gatewayapi.Envelope, _ *gatewayapi.Refund) { env.MerchantID = "m_other" },
			http.StatusUnprocessableEntity, `merchant "m_other"`},
		{"other refund", e.signer, time.Now(), func(_ *gatewayapi.Envelope, g *gatewayapi.Refund) { g.ID = "re_forged" },
			http.StatusUnprocessableEntity, `refund id "re_forged"`},
		{"tampered amount", e.signer, time.Now(), func(_ *gatewayapi.Envelope, g *gatewayapi.Refund) { g.Amount = 1 },
			http.StatusUnprocessableEntity, "amount ¥0.01 is not the refund's ¥19.99"},
		{"other currency", e.signer, time.Now(), func(_ *gatewayapi.Envelope, g *gatewayapi.Refund) { g.Currency = "USD" },
			http.StatusUnprocessableEntity, `currency "USD"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skew.Add(int64(shop.UnverifiedNoteEvery + time.Second))
			body := refundEvent(id, gatewayapi.EventRefundSucceeded, ref, a.PaymentID, tt.mod)
			before := len(e.entries(o.ID, shop.KindNotificationRejected))
			if got := e.notify(tt.signer, id, tt.at, body); got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
			refused := e.rejections(o.ID, before+1)
			if last := refused[len(refused)-1]; !last.Flagged || !strings.Contains(last.Message.String(), tt.says) {
				t.Errorf("last refusal = %+v, want flagged and saying %q", last, tt.says)
			}
			if got := e.order(o.No); got.Status != shop.OrderRefunding || got.RefundedAmount != 0 {
				t.Errorf("order = %s refunded %d, want unchanged", got.Status, got.RefundedAmount)
			}
		})
	}
	genuine := refundEvent(id, gatewayapi.EventRefundSucceeded, ref, a.PaymentID, nil)
	for range 2 {
		if got := e.notify(e.signer, id, time.Now(), genuine); got != http.StatusOK {
			t.Fatalf("genuine delivery: %d", got)
		}
	}
	if got := e.order(o.No); got.Status != shop.OrderRefunded || got.RefundedAmount != 1999 {
		t.Errorf("order = %s refunded %d, want refunded 1999 once", got.Status, got.RefundedAmount)
	}
	if n := len(e.entries(o.ID, shop.KindRefundSucceeded)); n != 1 {
		t.Errorf("refund_succeeded entries = %d, want 1", n)
	}
	if n := len(e.entries(o.ID, shop.KindNotificationIgnored)); n != 1 {
		t.Errorf("duplicate notes = %d, want 1", n)
	}
	if n, _ := e.db.UnreadNotices(ctx, e.user("alice@example.com").ID); n != 2 {
		t.Errorf("customer notices = %d, want 2 (approved, refunded)", n)
	}
}

// TestRefundForms_CrossOriginRefused: every refund and back-office form is
// protected against cross-site posts, and a refused post changes nothing.
func TestRefundForms_CrossOriginRefused(t *testing.T) {
	e := newEnv(t, "")
	o, _ := e.paidOrder("alice@example.com", 1999)
	other, _ := e.paidOrder("alice@example.com", 500)
	r := e.requested(other, "alice@example.com", 500)
	alice, sam := e.browser(), e.browser()
	alice.signIn("alice@example.com", "alice-sandbox")
	sam.signIn("support@example.com", "support-sandbox")
	posts := []struct {
		b    *browser
		path string
	}{
		{alice, "/orders/" + o.No + "/refund"},
		{sam, "/admin/refunds/" + r.No + "/approve"},
		{sam, "/admin/refunds/" + r.No + "/reject"},
		{sam, "/admin/failed/" + r.No + "-1/retry"},
	}
	form := url.Values{"amount": {"19.99"}, "reason": {"damaged"}, "note": {"from evil.example"}}
	for _, p := range posts {
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "", "Origin", "http://evil.example"}} {
			if resp, _ := p.b.post(p.path, form, h...); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: status %d, want 403", p.path, h, resp.StatusCode)
			}
		}
	}
	if got := e.order(o.No).Status; got != shop.OrderPaid {
		t.Errorf("order = %s, want paid (no request stored)", got)
	}
	if got, _ := e.db.FindRefundRequest(context.Background(), r.No); got.Status != shop.RequestPendingReview {
		t.Errorf("request = %s, want still pending review", got.Status)
	}
	// The same forms from the shop's own pages go through.
	if resp, _ := alice.post("/orders/"+o.No+"/refund", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin refund request: %d, want 303", resp.StatusCode)
	}
	if resp, _ := sam.post("/admin/refunds/"+r.No+"/reject", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin rejection: %d, want 303", resp.StatusCode)
	}
}

// TestBackOffice_GatewayDown: with the gateway unreachable an approval still
// stands; the refund is written with its number and waits for the
// reconciler, and support is told so. A refund the gateway refused can be
// retried from the review page. Every back-office page renders.
func TestBackOffice_GatewayDown(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	o, _ := e.paidOrder("alice@example.com", 1999)
	r := e.requested(o, "alice@example.com", 1500)
	sam := e.browser()
	sam.signIn("support@example.com", "support-sandbox")

	long := strings.Repeat("n", shop.MaxNote+1)
	resp, body := sam.post("/admin/refunds/"+r.No+"/approve", url.Values{"note": {long}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 1000 characters") || !strings.Contains(body, long) {
		t.Errorf("too long a note: status %d; want 422 with the error and the note kept", resp.StatusCode)
	}
	resp, _ = sam.post("/admin/refunds/"+r.No+"/approve", url.Values{"note": {"Approved while the gateway is down"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		t.Fatalf("approve: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := sam.get("/admin"); !strings.Contains(body, "could not be reached just now; refund "+r.No+"-1 will be sent automatically") {
		t.Errorf("queue page does not say the refund waits:\n%s", body)
	}
	refunds, _ := e.db.Refunds(ctx, o.ID)
	if len(refunds) != 1 || refunds[0].Status != shop.RefundCreating || refunds[0].OutRefundNo != r.No+"-1" {
		t.Fatalf("refunds = %+v, want %s-1 waiting to be created", refunds, r.No)
	}
	if got := e.order(o.No).Status; got != shop.OrderRefunding {
		t.Errorf("order = %s, want refunding", got)
	}

	if err := e.db.RefundRefused(ctx, refunds[0].ID, "payment_not_refundable", "Only succeeded payments can be refunded.", "reconciler"); err != nil {
		t.Fatal(err)
	}
	_, body = sam.get("/admin/refunds/" + r.No)
	if !strings.Contains(body, "Retry the refund") || !strings.Contains(body, "payment_not_refundable") {
		t.Errorf("review page of a failed refund lacks the retry:\n%s", body)
	}
	resp, _ = sam.post("/admin/failed/"+r.No+"-1/retry", url.Values{"return": {"/admin/refunds/" + r.No}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/refunds/"+r.No {
		t.Fatalf("retry: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if req, _ := e.db.FindRefundRequest(ctx, r.No); req.Attempt != 2 || req.Status != shop.RequestRefunding {
		t.Errorf("request after retry = %+v", req)
	}
	resp, _ = sam.post("/admin/failed/"+r.No+"-2/retry", url.Values{"return": {"https://evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/admin/failed" {
		t.Errorf("retry returning off the back office went to %q", loc)
	}
	for path, want := range map[string]string{
		"/admin":                       "No refund request is waiting",
		"/admin/failed":                "No failed refund is waiting",
		"/admin/orders":                o.No,
		"/admin/orders?status=paid":    "No orders in this state",
		"/admin/orders/" + o.No:        "Refund request " + r.No,
		"/admin/refunds/" + r.No:       r.No + "-2",
		"/admin/refunds/RF-NOPE":       "not found",
		"/admin/orders?status=nonsens": o.No,
	} {
		if _, body := sam.get(path); !strings.Contains(body, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
	}
}

// TestResult_PaidOrderBeingRefunded: the result page of an order that was
// paid says so whatever happened since (here: a refund in progress); an
// order that was closed before its payment arrived (refunded automatically,
// also "refunding") was never paid and does not say it was.
func TestResult_PaidOrderBeingRefunded(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	o, _ := e.paidOrder("alice@example.com", 1999)
	r := e.requested(o, "alice@example.com", 1999)
	if _, err := e.db.ApproveRefundRequest(ctx, r.No, e.user("support@example.com"), "ok"); err != nil {
		t.Fatal(err)
	}
	if got := e.order(o.No).Status; got != shop.OrderRefunding {
		t.Fatalf("order = %s, want refunding", got)
	}
	alice := e.browser()
	alice.signIn("alice@example.com", "alice-sandbox")
	if _, body := alice.get("/orders/" + o.No + "/result"); !strings.Contains(body, "Payment received") || strings.Contains(body, "Payment not completed") {
		t.Errorf("result page of a paid order being refunded:\n%s", body)
	}

	late, a := e.pendingOrder("alice@example.com", 2500)
	if got := e.notify(e.signer, "evt_late_c", time.Now(), event("evt_late_c", gatewayapi.EventPaymentClosed, a, "closed", nil)); got != 200 {
		t.Fatalf("closed: status %d", got)
	}
	if _, err := e.db.CloseOrder(ctx, late.ID, shop.CloseCancelled, "customer alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := e.notify(e.signer, "evt_late_s", time.Now(), event("evt_late_s", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)); got != 200 {
		t.Fatalf("succeeded: status %d", got)
	}
	if got := e.order(late.No).Status; got != shop.OrderRefunding {
		t.Fatalf("late order = %s, want refunding", got)
	}
	if _, body := alice.get("/orders/" + late.No + "/result"); strings.Contains(body, "Payment received") || !strings.Contains(body, "Payment not completed") {
		t.Errorf("result page of a closed order refunding a late payment:\n%s", body)
	}
}
