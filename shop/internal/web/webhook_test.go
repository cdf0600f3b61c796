package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

func TestWebhook_RefusesBadSignatures(t *testing.T) {
	e := newEnv(t, "")
	o, a := e.pendingOrder("alice@example.com", 1999)
	body := event("evt_forged", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)
	other, _ := webhook.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	tests := []struct {
		name   string
		signer *webhook.Signer
		ts     time.Time
	}{
		{"forged with another secret", other, time.Now()},
		{"stale timestamp", e.signer, time.Now().Add(-10 * time.Minute)},
		{"timestamp from the future", e.signer, time.Now().Add(10 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.notify(tt.signer, "evt_forged", tt.ts, body); got != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", got)
			}
		})
	}
	t.Run("body changed after signing", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/webhooks/gateway", strings.NewReader(strings.Replace(string(body), "1999", "1", 1)))
		req.Header = e.signer.Headers("evt_forged", time.Now(), body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", resp.StatusCode)
		}
	})
	if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
		t.Errorf("order = %s after refused notifications, want pending_payment", got)
	}
	// One note for the four refusals: they came within a minute.
	refused := e.rejections(o.ID, 1)
	if len(refused) != 1 || !refused[0].Flagged || !refused[0].Internal || !strings.Contains(refused[0].Message.String(), "signature does not match") ||
		strings.Contains(refused[0].Message.String(), "evt_forged") {
		t.Fatalf("refused entries = %+v, want one flagged support-only note saying why, without the unverified id", refused)
	}
	// A refused delivery is not recorded: the genuine one with the same id
	// is still applied.
	if got := e.notify(e.signer, "evt_forged", time.Now(), body); got != http.StatusOK {
		t.Fatalf("genuine delivery: status %d, want 200", got)
	}
	if got := e.order(o.No).Status; got != shop.OrderPaid {
		t.Errorf("order = %s, want paid", got)
	}
}

func TestWebhook_Sequences(t *testing.T) {
	type delivery struct {
		id, typ, status string
		mod             func(*gatewayapi.Payment)
		want            int
	}
	tamper := func(p *gatewayapi.Payment) { p.Amount = 1 }
	tests := []struct {
		name       string
		deliveries []delivery
		wantOrder  string
		wantKinds  map[string]int // timeline entries of a kind
		flagged    int
	}{
		{"paid once", []delivery{{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200}},
			shop.OrderPaid, map[string]int{shop.KindPaid: 1}, 0},
		{"duplicate delivery applied once", []delivery{
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
		}, shop.OrderPaid, map[string]int{shop.KindPaid: 1, shop.KindNotificationIgnored: 2}, 0},
		{"tampered amount refused, genuine retry applied", []delivery{
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", tamper, 422},
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
		}, shop.OrderPaid, map[string]int{shop.KindNotificationRejected: 1, shop.KindPaid: 1}, 1},
		{"tampered amount alone leaves the order unpaid", []delivery{
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", tamper, 422},
		}, shop.OrderPendingPayment, map[string]int{shop.KindNotificationRejected: 1, shop.KindPaid: 0}, 1},
		{"other currency refused", []delivery{
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", func(p *gatewayapi.Payment) { p.Currency = "USD" }, 422},
		}, shop.OrderPendingPayment, map[string]int{shop.KindNotificationRejected: 1}, 1},
		{"other merchant refused", []delivery{
			{"evt_1", gatewayapi.EventPaymentSucceeded, "succeeded", func(p *gatewayapi.Payment) { p.MerchantID = "m_other" }, 422},
		}, shop.OrderPendingPayment, map[string]int{shop.KindNotificationRejected: 1}, 1},
		{"decline keeps the order payable", []delivery{
			{"evt_1", gatewayapi.EventPaymentFailed, "pending", nil, 200},
		}, shop.OrderPendingPayment, map[string]int{shop.KindPaymentDeclined: 1}, 0},
		{"decline then success", []delivery{
			{"evt_1", gatewayapi.EventPaymentFailed, "pending", nil, 200},
			{"evt_2", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
		}, shop.OrderPaid, map[string]int{shop.KindPaymentDeclined: 1, shop.KindPaid: 1}, 0},
		{"out of order: the older decline arrives after success", []delivery{
			{"evt_2", gatewayapi.EventPaymentSucceeded, "succeeded", nil, 200},
			{"evt_1", gatewayapi.EventPaymentFailed, "pending", nil, 200},
		}, shop.OrderPaid, map[string]int{shop.KindPaid: 1, shop.KindPaymentDeclined: 0, shop.KindNotificationIgnored: 1}, 0},
	}
	e := newEnv(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, a := e.pendingOrder("alice@example.com", 1999)
			for i, d := range tt.deliveries {
				id := o.No + "-" + d.id // webhook ids are unique per gateway
				body := event(id, d.typ, a, d.status, d.mod)
				if got := e.notify(e.signer, id, time.Now(), body); got != d.want {
					t.Fatalf("delivery %d (%s %s): status %d, want %d", i+1, d.id, d.typ, got, d.want)
				}
			}
			if got := e.order(o.No).Status; got != tt.wantOrder {
				t.Errorf("order = %s, want %s", got, tt.wantOrder)
			}
			for kind, n := range tt.wantKinds {
				if got := len(e.entries(o.ID, kind)); got != n {
					t.Errorf("%s entries = %d, want %d", kind, got, n)
				}
			}
			all, _ := e.db.Timeline(context.Background(), o.ID)
			flagged := 0
			for _, en := range all {
				if en.Flagged {
					flagged++
				}
			}
			if flagged != tt.flagged {
				t.Errorf("flagged entries = %d, want %d: %+v", flagged, tt.flagged, all)
			}
		})
	}
}

func TestWebhook_ConcurrentIdenticalApplyOnce(t *testing.T) {
	e := newEnv(t, "")
	o, a := e.pendingOrder("alice@example.com", 1999)
	body := event("evt_race", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	ts := time.Now()
	for i := range n {
		wg.Go(func() { statuses[i] = e.notify(e.signer, "evt_race", ts, body) })
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("delivery %d: status %d, want 200", i, st)
		}
	}
	if got := len(e.entries(o.ID, shop.KindPaid)); got != 1 {
		t.Errorf("paid entries = %d, want 1", got)
	}
	if got := len(e.entries(o.ID, shop.KindNotificationIgnored)); got != n-1 {
		t.Errorf("duplicate entries = %d, want %d", got, n-1)
	}
	if got := e.order(o.No); got.Status != shop.OrderPaid || got.PaidAttemptID != a.ID {
		t.Errorf("order = %s paid by %d, want paid by %d", got.Status, got.PaidAttemptID, a.ID)
	}
}

func TestWebhook_IrrelevantAndRefund(t *testing.T) {
	e := newEnv(t, "")
	t.Run("unknown out_trade_no is acknowledged", func(t *testing.T) {
		ghost := &shop.Attempt{PaymentID: "pay_x", OutTradeNo: "SOMEONE-ELSE-1", Amount: 5, Currency: "CNY", Method: "card"}
		if got := e.notify(e.signer, "evt_ghost", time.Now(), event("evt_ghost", gatewayapi.EventPaymentSucceeded, ghost, "succeeded", nil)); got != 200 {
			t.Errorf("status = %d, want 200", got)
		}
	})
	t.Run("payment after the order was closed is refunded", func(t *testing.T) {
		o, a := e.pendingOrder("alice@example.com", 2500)
		if got := e.notify(e.signer, "evt_c", time.Now(), event("evt_c", gatewayapi.EventPaymentClosed, a, "closed", nil)); got != 200 {
			t.Fatalf("closed: status %d", got)
		}
		if _, err := e.db.CloseOrder(context.Background(), o.ID, shop.CloseCancelled, "customer alice@example.com"); err != nil {
			t.Fatal(err)
		}
		if got := e.notify(e.signer, "evt_s", time.Now(), event("evt_s", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)); got != 200 {
			t.Fatalf("succeeded: status %d", got)
		}
		if got := e.order(o.No).Status; got != shop.OrderRefunding {
			t.Errorf("order = %s, want refunding", got)
		}
		refunds, _ := e.db.Refunds(context.Background(), o.ID)
		if len(refunds) != 1 || refunds[0].Amount != 2500 || refunds[0].Status != shop.RefundCreating || refunds[0].OutRefundNo != a.OutTradeNo+"-auto" {
			t.Errorf("refunds = %+v, want one queued refund of 2500", refunds)
		}
		if en := e.entries(o.ID, shop.KindAutoRefund); len(en) != 1 || !strings.Contains(en[0].Message.String(), "after the order was closed") {
			t.Errorf("auto refund entries = %+v", en)
		}
	})
}

// TestWebhook_UnverifiedNotesCarryNoAttackerText: anyone can post an
// unsigned "notification" naming an order number. The shop may note the
// refusal for QA, but in its own words only (nothing from the body or the
// headers), for support's eyes only, and at most once a minute per order,
// so it cannot be used to write to a customer's page or flood a timeline.
func TestWebhook_UnverifiedNotesCarryNoAttackerText(t *testing.T) {
	e := newEnv(t, "")
	var skew atomic.Int64
	e.db.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	o, a := e.pendingOrder("alice@example.com", 1999)
	const lure = "Call 400-123-4567 for your refund"
	forge := func(i int) int {
		t.Helper()
		body := event("evt_x", "payment.succeeded "+lure, a, "succeeded", nil)
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/webhooks/gateway", strings.NewReader(string(body)))
		req.Header.Set("webhook-id", fmt.Sprintf("evt_%d %s", i, lure))
		req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		req.Header.Set("webhook-signature", "v1,bm90IGEgc2lnbmF0dXJl")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 20 {
		if got := forge(i); got != http.StatusUnauthorized {
			t.Fatalf("unsigned notification %d: status %d, want 401", i, got)
		}
	}
	notes := e.rejections(o.ID, 1)
	if len(notes) != 1 {
		t.Fatalf("notes after 20 unsigned posts within a minute = %d, want 1: %+v", len(notes), notes)
	}
	if n := notes[0]; strings.Contains(n.Message.String(), "400-123") || strings.Contains(n.Message.String(), "evt_") || !n.Internal || !n.Flagged ||
		!strings.Contains(n.Message.String(), "signature does not match") {
		t.Errorf("note = %+v, want flagged, support-only, in the shop's own words", n)
	}
	alice := e.browser()
	alice.signIn("alice@example.com", "alice-sandbox")
	if _, body := alice.get("/orders/" + o.No); strings.Contains(body, "400-123") || strings.Contains(body, "Refused a notification") {
		t.Errorf("the customer's order page shows the refused notification:\n%s", body)
	}
	sam := e.browser()
	sam.signIn("support@example.com", "support-sandbox")
	if _, body := sam.get("/admin/orders/" + o.No); !strings.Contains(body, "Refused a notification") || strings.Contains(body, "400-123") {
		t.Errorf("the back office does not show the note, or shows the lure:\n%s", body)
	}
	skew.Store(int64(61 * time.Second))
	forge(99)
	if n := len(e.rejections(o.ID, 2)); n != 2 {
		t.Errorf("notes a minute later = %d, want 2", n)
	}
	if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
		t.Errorf("order = %s, want unchanged", got)
	}
}

// TestWebhook_StoreBusyIsRetried: while another connection holds the
// database's write lock (a real SQLite lock, not a stand-in), applying a
// notification fails. The shop answers 5xx so the gateway tries again, and
// does not record the webhook-id, so the retry is applied rather than taken
// for a duplicate.
func TestWebhook_StoreBusyIsRetried(t *testing.T) {
	e := newEnvDB(t, "", []sqlite.Option{sqlite.WithBusyTimeout(100 * time.Millisecond)})
	ctx := context.Background()
	o, a := e.pendingOrder("alice@example.com", 1999)
	locker, err := sql.Open("sqlite", "file:"+e.path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	lock, err := locker.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	body := event("evt_busy", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil)
	if got := e.notify(e.signer, "evt_busy", time.Now(), body); got < 500 {
		t.Errorf("notification while the store is locked: status %d, want 5xx", got)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	var recorded int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM processed_webhooks WHERE webhook_id = ?`, "evt_busy").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != 0 {
		t.Fatalf("webhook-id recorded although the notification was not applied")
	}
	if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
		t.Fatalf("order = %s after the failed delivery, want unchanged", got)
	}
	if got := e.notify(e.signer, "evt_busy", time.Now(), body); got != http.StatusOK {
		t.Fatalf("retry: status %d, want 200", got)
	}
	if got := e.order(o.No).Status; got != shop.OrderPaid || len(e.entries(o.ID, shop.KindNotificationIgnored)) != 0 {
		t.Errorf("order = %s after the retry (duplicate notes: %d), want paid by the retry itself", got, len(e.entries(o.ID, shop.KindNotificationIgnored)))
	}
}

// TestWebhook_IrrelevantRetryIsDuplicate: a valid notification about
// nothing of ours (another integrator on the same merchant) is acknowledged
// and its webhook-id recorded, so the gateway's retry of it, with the same
// id, is answered as a duplicate rather than looked at again.
func TestWebhook_IrrelevantRetryIsDuplicate(t *testing.T) {
	e := newEnv(t, "")
	ghost := &shop.Attempt{PaymentID: "pay_other", OutTradeNo: "SOMEONE-ELSE-1", Amount: 5, Currency: "CNY", Method: "card"}
	foreign := &shop.Refund{GatewayRefundID: "re_other", OutRefundNo: "SOMEONE-ELSE-R1", Amount: 5, Currency: "CNY"}
	for _, tt := range []struct {
		id   string
		body []byte
	}{
		{"evt_ghost_payment", event("evt_ghost_payment", gatewayapi.EventPaymentSucceeded, ghost, "succeeded", nil)},
		{"evt_ghost_refund", refundEvent("evt_ghost_refund", gatewayapi.EventRefundSucceeded, foreign, "pay_other", nil)},
	} {
		t.Run(tt.id, func(t *testing.T) {
			if st, answer := e.notifyAnswer(e.signer, tt.id, time.Now(), tt.body); st != http.StatusOK || !strings.Contains(answer, `"ignored":true`) {
				t.Errorf("first delivery: %d %s, want 200 ignored", st, answer)
			}
			for try := 2; try <= 3; try++ {
				if st, answer := e.notifyAnswer(e.signer, tt.id, time.Now(), tt.body); st != http.StatusOK || !strings.Contains(answer, `"duplicate":true`) {
					t.Errorf("delivery %d: %d %s, want 200 duplicate", try, st, answer)
				}
			}
			var n int
			if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM processed_webhooks WHERE webhook_id = ?`, tt.id).Scan(&n); err != nil || n != 1 {
				t.Errorf("recorded %d times (%v), want once", n, err)
			}
		})
	}
}

// TestWebhook_EnvelopeOfAnotherMerchant: a validly signed notification
// whose envelope names another merchant is refused like any mismatch, even
// when the payment inside names ours.
func TestWebhook_EnvelopeOfAnotherMerchant(t *testing.T) {
	e := newEnv(t, "")
	o, a := e.pendingOrder("alice@example.com", 1999)
	var env gatewayapi.Envelope
	if err := json.Unmarshal(event("evt_env", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil), &env); err != nil {
		t.Fatal(err)
	}
	env.MerchantID = "m_other"
	body, _ := json.Marshal(env)
	if got := e.notify(e.signer, "evt_env", time.Now(), body); got != http.StatusUnprocessableEntity {
		t.Errorf("status = %d, want 422", got)
	}
	if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
		t.Errorf("order = %s, want unchanged", got)
	}
	if n := e.entries(o.ID, shop.KindNotificationRejected); len(n) != 1 || !strings.Contains(n[0].Message.String(), `merchant "m_other"`) {
		t.Errorf("refusals = %+v", n)
	}
}

// TestWebhookAnswers: every outcome of the receiver has its answer in the
// one table; exactly the successes are 2xx (they record the webhook-id),
// and only the shop's own failure is a 5xx.
func TestWebhookAnswers(t *testing.T) {
	want := map[outcome]int{
		outcomeApplied: 200, outcomeDuplicate: 200, outcomeIgnored: 200, outcomeTooLarge: 413,
		outcomeUnverified: 401, outcomeMalformed: 400, outcomeMismatch: 422, outcomeFailed: 500,
	}
	for o := outcomeApplied; o <= outcomeFailed; o++ {
		a, ok := webhookAnswers[o]
		if !ok || a.status != want[o] {
			t.Errorf("outcome %d answers %d (in the table: %v), want %d", o, a.status, ok, want[o])
		}
		if (a.status < 300) != (a.body != nil) {
			t.Errorf("outcome %d: status %d with body %v; successes carry a body, failures an error", o, a.status, a.body)
		}
	}
	if len(webhookAnswers) != len(want) {
		t.Errorf("the table has %d outcomes, want %d", len(webhookAnswers), len(want))
	}
}

// TestWebhook_UnsignedIsReadOnly: a message whose signature does not
// verify is answered without touching the database. While another
// connection holds the write lock, an unsigned post naming a real order is
// refused at once (it neither takes nor waits for the lock) and nothing is
// written for it.
func TestWebhook_UnsignedIsReadOnly(t *testing.T) {
	e := newEnvDB(t, "", []sqlite.Option{sqlite.WithBusyTimeout(2 * time.Second)})
	ctx := context.Background()
	o, a := e.pendingOrder("alice@example.com", 1999)
	locker, err := sql.Open("sqlite", "file:"+e.path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	lock, err := locker.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := webhook.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	start := time.Now()
	got := e.notify(forger, "evt_unsigned", time.Now(), event("evt_unsigned", gatewayapi.EventPaymentSucceeded, a, "succeeded", nil))
	if took := time.Since(start); got != http.StatusUnauthorized || took > time.Second {
		t.Errorf("unsigned post while the store is locked: %d after %v; want 401 at once, not after the 2 s busy timeout", got, took)
	}
	// Keep the lock past the busy timeout: whatever wanted to write for
	// the message has given up by then.
	time.Sleep(2500*time.Millisecond - time.Since(start))
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.entries(o.ID, shop.KindNotificationRejected)); n != 0 {
		t.Errorf("%d notes written for the unsigned post made while the store was locked, want none", n)
	}
}
