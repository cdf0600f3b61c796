package server_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/mockgateway/internal/timers"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// paidPayment creates and pays a payment of amount.
func (e *testEnv) paidPayment(amount int64) gatewayapi.Payment {
	e.t.Helper()
	p := e.createPayment(map[string]any{"amount": amount})
	r := e.api("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil)
	want(e.t, r, http.StatusOK, "")
	r.Decode(e.t, &p)
	return p
}

func (e *testEnv) getPayment(id string) gatewayapi.Payment {
	e.t.Helper()
	var p gatewayapi.Payment
	r := e.api("GET", "/v1/payments/"+id, nil)
	want(e.t, r, http.StatusOK, "")
	r.Decode(e.t, &p)
	return p
}

func TestRefundCreate(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.paidPayment(10000)

	r := e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-1", "amount": 3000, "reason": "damaged"})
	want(t, r, http.StatusCreated, "")
	var re gatewayapi.Refund
	r.Decode(t, &re)
	if re.Status != "pending" || re.Amount != 3000 || re.PaymentID != p.ID || re.OutTradeNo != p.OutTradeNo || re.Currency != "CNY" || re.Reason != "damaged" {
		t.Fatalf("refund = %+v", re)
	}

	t.Run("ByOutTradeNoDefaultAmount", func(t *testing.T) {
		r := e.api("POST", "/v1/refunds", map[string]any{"out_trade_no": p.OutTradeNo, "out_refund_no": "R-2"})
		want(t, r, http.StatusCreated, "")
		var all gatewayapi.Refund
		r.Decode(t, &all)
		if all.Amount != 7000 {
			t.Errorf("default amount = %d, want the 7000 still refundable", all.Amount)
		}
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-3", "amount": 1}), http.StatusBadRequest, "amount_exceeds_refundable")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-4"}), http.StatusBadRequest, "amount_exceeds_refundable")
	})
	t.Run("SameOutRefundNo", func(t *testing.T) {
		r := e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-1", "amount": 3000})
		want(t, r, http.StatusOK, "")
		var again gatewayapi.Refund
		r.Decode(t, &again)
		if again.ID != re.ID {
			t.Errorf("got %s, want %s", again.ID, re.ID)
		}
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-1", "amount": 2999}), http.StatusConflict, "out_refund_no_conflict")
		// An absent amount matches only an absent amount.
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-1"}), http.StatusConflict, "out_refund_no_conflict")
		r = e.api("POST", "/v1/refunds", map[string]any{"out_trade_no": p.OutTradeNo, "out_refund_no": "R-2"})
		want(t, r, http.StatusOK, "")
		other := e.paidPayment(500)
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": other.ID, "out_refund_no": "R-1", "amount": 3000}), http.StatusConflict, "out_refund_no_conflict")
	})
	t.Run("Validation", func(t *testing.T) {
		want(t, e.api("POST", "/v1/refunds", map[string]any{"out_refund_no": "R-9"}), http.StatusBadRequest, "parameter_missing")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_trade_no": p.OutTradeNo, "out_refund_no": "R-9"}), http.StatusBadRequest, "parameter_invalid")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID}), http.StatusBadRequest, "parameter_missing")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R 9"}), http.StatusBadRequest, "parameter_invalid")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "R-9", "amount": 0}), http.StatusBadRequest, "parameter_invalid")
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": "pay_nope", "out_refund_no": "R-9"}), http.StatusNotFound, "resource_missing")
	})
	t.Run("NotRefundable", func(t *testing.T) {
		pending := e.createPayment(nil)
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": pending.ID, "out_refund_no": "R-10"}), http.StatusConflict, "payment_not_refundable")
	})
	t.Run("GetAndList", func(t *testing.T) {
		r := e.api("GET", "/v1/refunds/"+re.ID, nil)
		want(t, r, http.StatusOK, "")
		r = e.api("GET", "/v1/refunds?out_refund_no=R-1", nil)
		want(t, r, http.StatusOK, "")
		var one gatewayapi.Refund
		r.Decode(t, &one)
		if one.ID != re.ID {
			t.Errorf("by out_refund_no = %s", one.ID)
		}
		want(t, e.api("GET", "/v1/refunds?out_refund_no=none", nil), http.StatusNotFound, "resource_missing")
		var l gatewayapi.List[gatewayapi.Refund]
		e.api("GET", "/v1/refunds?payment_id="+p.ID, nil).Decode(t, &l)
		if len(l.Data) != 2 || l.Data[1].ID != re.ID {
			t.Errorf("list by payment = %+v", l.Data)
		}
		want(t, e.api("GET", "/v1/refunds?status=done", nil), http.StatusBadRequest, "parameter_invalid")
	})
}

// Thirty concurrent refunds of 700 on a payment of 10000: exactly 14 are
// accepted, the rest refused with amount_exceeds_refundable, never another
// error, and once settled amount_refunded is 9800.
func TestRefundCreate_ConcurrentCap(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.paidPayment(10000)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted []string
		refused  int
	)
	for i := range 30 {
		wg.Go(func() {
			r := e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": fmt.Sprint("CAP-", i), "amount": 700})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.Status == http.StatusCreated:
				var re gatewayapi.Refund
				_ = jsonUnmarshal(r.Body, &re)
				accepted = append(accepted, re.ID)
			case r.Status == http.StatusBadRequest && r.Err().Code == "amount_exceeds_refundable":
				refused++
			default:
				t.Errorf("unexpected answer %d %s", r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	if len(accepted) != 14 || refused != 16 {
		t.Fatalf("accepted %d, refused %d; want 14 and 16", len(accepted), refused)
	}
	for _, id := range accepted {
		want(t, e.api("POST", "/v1/test_helpers/refunds/"+id+"/succeed", nil), http.StatusOK, "")
	}
	if got := e.getPayment(p.ID); got.AmountRefunded != 9800 || got.Status != "succeeded" {
		t.Fatalf("after settling: amount_refunded %d status %s, want 9800 succeeded", got.AmountRefunded, got.Status)
	}
}

func TestRefundSettlement(t *testing.T) {
	e := newTestEnv(t, nil)
	t.Run("FailReleasesReservation", func(t *testing.T) {
		p := e.paidPayment(1000)
		var re gatewayapi.Refund
		e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "F-1"}).Decode(t, &re)
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "F-2", "amount": 1}), http.StatusBadRequest, "amount_exceeds_refundable")
		r := e.api("POST", "/v1/test_helpers/refunds/"+re.ID+"/fail", map[string]any{"code": "insufficient_balance"})
		want(t, r, http.StatusOK, "")
		r.Decode(t, &re)
		if re.Status != "failed" || re.FailureCode == nil || *re.FailureCode != "insufficient_balance" || re.SettledAt == nil {
			t.Fatalf("failed refund = %+v", re)
		}
		want(t, e.api("POST", "/v1/test_helpers/refunds/"+re.ID+"/succeed", nil), http.StatusConflict, "refund_not_pending")
		// The amount is free again.
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "F-3", "amount": 1000}), http.StatusCreated, "")
		if got := e.getPayment(p.ID); got.AmountRefunded != 0 {
			t.Errorf("amount_refunded after a failed refund = %d", got.AmountRefunded)
		}
	})
	t.Run("FullRefundStaysSucceeded", func(t *testing.T) {
		p := e.paidPayment(1000)
		var re gatewayapi.Refund
		e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "S-1"}).Decode(t, &re)
		want(t, e.api("POST", "/v1/test_helpers/refunds/"+re.ID+"/succeed", nil), http.StatusOK, "")
		got := e.getPayment(p.ID)
		if got.Status != "succeeded" || got.AmountRefunded != 1000 {
			t.Fatalf("fully refunded = %s %d", got.Status, got.AmountRefunded)
		}
		want(t, e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "S-2"}), http.StatusBadRequest, "amount_exceeds_refundable")
	})
}

// Refunds settle by themselves after REFUND_DELAY through the Redis
// schedule; a new process (a restart) finds the settlement and a second run
// does not settle twice.
func TestRefundSettlement_ByTimerAcrossRestart(t *testing.T) {
	e := newTestEnv(t, func(c *server.Config) { c.RefundDelay = 2 * time.Second })
	p := e.paidPayment(1000)
	var ok, failing gatewayapi.Refund
	e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "T-1", "amount": 400}).Decode(t, &ok)
	e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "T-2", "amount": 100}, "Mock-Scenario", "refund_fail=REFUND_REJECTED").Decode(t, &failing)
	if failing.Scenario == nil || *failing.Scenario != "refund_fail=REFUND_REJECTED" {
		t.Fatalf("scenario not stored: %+v", failing.Scenario)
	}

	// A process that started after the refunds were created.
	restarted := newServiceOn(t, e)
	runner := &timers.Runner{Core: restarted, Queue: e.Store, Log: discardLog(), Now: func() time.Time { return time.Now() }}
	if _, err := runner.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.getPayment(p.ID); got.AmountRefunded != 0 {
		t.Fatalf("settled before REFUND_DELAY: %d", got.AmountRefunded)
	}
	runner.Now = func() time.Time { return time.Now().Add(3 * time.Second) }
	for range 2 {
		if _, err := runner.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Once more with the lease long gone: nothing left to settle twice.
	runner.Now = func() time.Time { return time.Now().Add(time.Hour) }
	if _, err := runner.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.getPayment(p.ID); got.AmountRefunded != 400 {
		t.Fatalf("amount_refunded = %d, want 400", got.AmountRefunded)
	}
	var r1, r2 gatewayapi.Refund
	e.api("GET", "/v1/refunds/"+ok.ID, nil).Decode(t, &r1)
	e.api("GET", "/v1/refunds/"+failing.ID, nil).Decode(t, &r2)
	if r1.Status != "succeeded" || r2.Status != "failed" || r2.FailureCode == nil || *r2.FailureCode != "REFUND_REJECTED" {
		t.Fatalf("refunds = %s, %s %v", r1.Status, r2.Status, r2.FailureCode)
	}
}
