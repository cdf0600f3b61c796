package sqlite

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// paidOrder stores an order of user paid by its attempt 1 (pay_<no>).
func paidOrder(t *testing.T, db *DB, user *shop.User, no string) (*shop.Order, *shop.Attempt) {
	t.Helper()
	ctx := context.Background()
	o, err := newOrder(t, db, user.ID, time.Hour, no)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := db.StartAttempt(ctx, o.No, user.ID, "alipay", "", "test", Lease{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.AttemptCreated(ctx, plan.Attempt.ID, GatewayPayment{PaymentID: "pay_" + no, ExpiresAt: o.ExpiresAt})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyPayment(ctx, shop.PaymentFacts{PaymentID: a.PaymentID, MerchantID: "m_demo", OutTradeNo: a.OutTradeNo, Amount: a.Amount,
		Currency: a.Currency, Method: a.Method, Status: gatewayapi.PaymentSucceeded}, "m_demo", shop.Source{Actor: shop.ActorReconciler}); err != nil {
		t.Fatal(err)
	}
	if o, err = db.FindOrder(ctx, no); err != nil || o.Status != shop.OrderPaid {
		t.Fatalf("order = %+v, %v; want paid", o, err)
	}
	return o, a
}

var requestSeq atomic.Int64

func request(db *DB, o *shop.Order, user *shop.User, amount int64) (*shop.RefundRequest, error) {
	return db.CreateRefundRequest(context.Background(), NewRefundRequest{OrderNo: o.No, UserID: user.ID, Actor: "test", Amount: amount,
		Reason: "damaged", NewNo: func() (string, error) { return fmt.Sprintf("RF-T%d", requestSeq.Add(1)), nil }})
}

// refundFacts is what the gateway would say about refund r.
func refundFacts(r *shop.Refund, paymentID, status string) shop.RefundFacts {
	return shop.RefundFacts{RefundID: "re_" + r.OutRefundNo, MerchantID: "m_demo", OutRefundNo: r.OutRefundNo, PaymentID: paymentID,
		Amount: r.Amount, Currency: r.Currency, Status: status, FailureCode: "REFUND_REJECTED", EventType: "refund." + status}
}

func TestCreateRefundRequest_OneOpenPerOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	o, _ := paidOrder(t, db, alice, "PS-ONE")
	var wg sync.WaitGroup
	var ok, conflict atomic.Int32
	for range 8 {
		wg.Go(func() {
			_, err := request(db, o, alice, 100)
			switch shop.ErrorCode(err) {
			case "":
				ok.Add(1)
			case shop.ECONFLICT:
				conflict.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || conflict.Load() != 7 {
		t.Errorf("accepted %d, refused %d; want 1 and 7", ok.Load(), conflict.Load())
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderRefundRequested {
		t.Errorf("order = %s, want refund_requested", got.Status)
	}
	// The index holds even for a writer that skips the checks.
	_, err := db.SQL().Exec(`INSERT INTO refund_requests (request_no, order_id, user_id, amount, currency, reason, status, prev_order_status, created_at, updated_at)
		VALUES ('RF-RAW', ?, ?, 1, 'CNY', 'damaged', 'refunding', 'paid', 0, 0)`, o.ID, alice.ID)
	if !isUnique(err) {
		t.Errorf("a second open request was stored: %v", err)
	}
}

func TestApproveRefundRequest_Concurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	sam, _ := db.FindUserByEmail(ctx, "support@example.com")
	o, a := paidOrder(t, db, alice, "PS-TWICE")
	r, err := request(db, o, alice, 5000)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	refunds := make(chan *shop.Refund, 8)
	var conflicts atomic.Int32
	for range 8 {
		wg.Go(func() {
			ref, err := db.ApproveRefundRequest(ctx, r.No, sam, "ok")
			switch shop.ErrorCode(err) {
			case "":
				refunds <- ref
			case shop.ECONFLICT:
				conflicts.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	close(refunds)
	var got []*shop.Refund
	for ref := range refunds {
		got = append(got, ref)
	}
	if len(got) != 1 || conflicts.Load() != 7 {
		t.Fatalf("approvals = %d, conflicts = %d; want 1 and 7", len(got), conflicts.Load())
	}
	if got[0].OutRefundNo != r.No+"-1" || got[0].AttemptID != a.ID || got[0].Status != shop.RefundCreating || got[0].ID == 0 {
		t.Errorf("refund = %+v", got[0])
	}
	stored, _ := db.Refunds(ctx, o.ID)
	if len(stored) != 1 {
		t.Errorf("stored refunds = %+v, want one", stored)
	}
	if req, _ := db.FindRefundRequest(ctx, r.No); req.Attempt != 1 || req.Status != shop.RequestRefunding || req.DecidedBy != "Sam Support" {
		t.Errorf("request = %+v", req)
	}
	// The approving request sends the refund; the reconciler takes it over
	// only once it is older than its hand-off time.
	if q, _ := db.RefundsToCreate(ctx, got[0].CreatedAt.Add(-time.Millisecond), 10); len(q) != 0 {
		t.Errorf("the reconciler may send a refund support just approved: %+v", q)
	}
	if q, _ := db.RefundsToCreate(ctx, got[0].CreatedAt, 10); len(q) != 1 || q[0].OutRefundNo != r.No+"-1" {
		t.Errorf("the reconciler does not take over a refund left unsent: %+v", q)
	}
}

// TestRefundRequest_Lifecycle walks a request through the store: approved,
// failed at the gateway, retried, refunded; a duplicate notification adds
// nothing, and the customer's notices follow each step.
func TestRefundRequest_Lifecycle(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	sam, _ := db.FindUserByEmail(ctx, "support@example.com")
	o, a := paidOrder(t, db, alice, "PS-LIFE")
	r, _ := request(db, o, alice, 5000)
	first, err := db.ApproveRefundRequest(ctx, r.No, sam, "ok")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RefundCreated(ctx, first.ID, "re_"+first.OutRefundNo, "test"); err != nil {
		t.Fatal(err)
	}
	notif := func(id string) shop.Source { return shop.Source{Actor: shop.ActorNotification, WebhookID: id} }
	if _, err := db.ApplyRefund(ctx, refundFacts(first, a.PaymentID, shop.RefundFailed), "m_demo", notif("evt_fail")); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderRefundFailed {
		t.Errorf("order after failure = %s", got.Status)
	}
	failed, _ := db.FailedRefunds(ctx)
	if len(failed) != 1 || failed[0].Refund.OutRefundNo != first.OutRefundNo || failed[0].RequestNo != r.No || failed[0].Customer.Email != "alice@example.com" {
		t.Fatalf("failed refunds = %+v", failed)
	}
	second, err := db.RetryRefund(ctx, first.OutRefundNo, sam, "")
	if err != nil {
		t.Fatal(err)
	}
	if second.OutRefundNo != r.No+"-2" {
		t.Errorf("retry = %s, want %s-2", second.OutRefundNo, r.No)
	}
	if _, err := db.RetryRefund(ctx, first.OutRefundNo, sam, ""); shop.ErrorCode(err) != shop.ECONFLICT {
		t.Errorf("second retry: %v, want conflict", err)
	}
	if failed, _ := db.FailedRefunds(ctx); len(failed) != 0 {
		t.Errorf("failed refunds after the retry = %+v", failed)
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderRefunding {
		t.Errorf("order after retry = %s", got.Status)
	}
	for range 2 { // the second is a duplicate delivery
		if _, err := db.ApplyRefund(ctx, refundFacts(second, a.PaymentID, shop.RefundSucceeded), "m_demo", notif("evt_ok")); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.FindOrder(ctx, o.No)
	if got.Status != shop.OrderPartiallyRefunded || got.RefundedAmount != 5000 {
		t.Errorf("order = %s refunded %d; want partially_refunded 5000", got.Status, got.RefundedAmount)
	}
	notices, _ := db.Notices(ctx, alice.ID, 10)
	var kinds []string
	for _, n := range notices {
		kinds = append(kinds, n.Kind)
	}
	if fmt.Sprint(kinds) != fmt.Sprint([]string{shop.NoticeRefundSucceeded, shop.NoticeRefundDelayed, shop.NoticeRefundApproved}) {
		t.Errorf("notices (newest first) = %v", kinds)
	}
	// Reading marks only what was shown.
	if n, _ := db.UnreadNotices(ctx, alice.ID); n != 3 {
		t.Errorf("unread = %d, want 3", n)
	}
	if err := db.MarkNoticesRead(ctx, alice.ID, notices[1].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.UnreadNotices(ctx, alice.ID); n != 1 {
		t.Errorf("unread after reading the older two = %d, want 1", n)
	}
	if n, _ := db.UnreadNotices(ctx, sam.ID); n != 0 {
		t.Errorf("support has %d notices about alice's order", n)
	}

	// The rest can be asked for; a rejection returns to partially refunded.
	rest, err := request(db, got, alice, 8600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := request(db, got, alice, 1); shop.ErrorCode(err) != shop.ECONFLICT {
		t.Errorf("second open request: %v", err)
	}
	if err := db.RejectRefundRequest(ctx, rest.No, sam, "no"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderPartiallyRefunded {
		t.Errorf("order after rejection = %s", got.Status)
	}
	if _, err := request(db, got, alice, 8601); shop.ErrorField(err) != "amount" {
		t.Errorf("more than is left: %v, want an amount error", err)
	}
}

// TestRetryRefund_Automatic: a failed automatic refund of a closed order can
// be retried too; it gets the next number of its payment's automatic refunds.
func TestRetryRefund_Automatic(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	sam, _ := db.FindUserByEmail(ctx, "support@example.com")
	o, err := newOrder(t, db, alice.ID, time.Hour, "PS-LATE")
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "", "test", Lease{})
	a, _ := db.AttemptCreated(ctx, plan.Attempt.ID, GatewayPayment{PaymentID: "pay_late", ExpiresAt: o.ExpiresAt})
	facts := shop.PaymentFacts{PaymentID: a.PaymentID, MerchantID: "m_demo", OutTradeNo: a.OutTradeNo, Amount: a.Amount, Currency: a.Currency,
		Method: a.Method}
	facts.Status = gatewayapi.PaymentClosed
	_, _ = db.ApplyPayment(ctx, facts, "m_demo", shop.Source{Actor: "test"})
	if _, err := db.CloseOrder(ctx, o.ID, shop.CloseCancelled, "test"); err != nil {
		t.Fatal(err)
	}
	facts.Status = gatewayapi.PaymentSucceeded
	if _, err := db.ApplyPayment(ctx, facts, "m_demo", shop.Source{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	queued, _ := db.RefundsToCreate(ctx, time.Time{}, 10) // automatic: the reconciler's at once
	if len(queued) != 1 {
		t.Fatalf("queued = %+v", queued)
	}
	if err := db.RefundRefused(ctx, queued[0].ID, "risk_rejected", "no", "reconciler"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderRefundFailed {
		t.Fatalf("order = %s, want refund_failed", got.Status)
	}
	next, err := db.RetryRefund(ctx, queued[0].OutRefundNo, sam, "try again")
	if err != nil {
		t.Fatal(err)
	}
	if next.OutRefundNo != "PS-LATE-1-auto-2" || next.Kind != shop.RefundAuto || next.Amount != a.Amount {
		t.Errorf("retry = %+v", next)
	}
	if got, _ := db.FindOrder(ctx, o.No); got.Status != shop.OrderRefunding {
		t.Errorf("order after retry = %s, want refunding", got.Status)
	}
	tl, _ := db.Timeline(ctx, o.ID)
	if last := tl[len(tl)-1]; last.Actor != "support Sam Support" || last.Kind != shop.KindRefundRetried {
		t.Errorf("last entry = %+v", last)
	}
}
