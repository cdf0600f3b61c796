package gateway_test

import (
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// paid creates and pays a payment of amount.
func (f *fixture) paid(amount int64) *gateway.Payment {
	f.t.Helper()
	p := f.create(gateway.CreatePaymentInput{Amount: amount})
	res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Payment
}

func (f *fixture) refund(p *gateway.Payment, no string, amount int64, settle gateway.RefundSettlement, scenario string) *gateway.Refund {
	f.t.Helper()
	sc, err := gateway.ParseScenario(scenario)
	if err != nil {
		f.t.Fatal(err)
	}
	re, created, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{
		PaymentID: p.ID, OutRefundNo: no, Amount: &amount, Settle: settle, Scenario: sc,
	})
	if err != nil || !created {
		f.t.Fatalf("refund %s: %v (created %v)", no, err, created)
	}
	return re
}

// runTimers runs every timer due at the clock's now.
func (f *fixture) runTimers() {
	f.t.Helper()
	for _, m := range f.claim(gateway.QueueTimer) {
		if err := f.svc.RunTimer(f.ctx, f.m.ID, m); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) paymentNow(id string) *gateway.Payment {
	f.t.Helper()
	p, err := f.svc.Payment(f.ctx, f.m, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) refundNow(id string) *gateway.Refund {
	f.t.Helper()
	re, err := f.svc.Refund(f.ctx, f.m, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return re
}

// The refund state machine of DESIGN §3, in every settlement mode an
// adapter may choose (DESIGN §10).
func TestRefund_StateMachine(t *testing.T) {
	t.Run("OnlySucceededPayments", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		_, _, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R"})
		wantCode(t, err, gateway.PaymentNotRefundable)
	})
	t.Run("ReserveCapAndReplay", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.paid(1000)
		re := f.refund(p, "R-1", 600, gateway.SettleLater, "")
		if got := f.paymentNow(p.ID); got.Reserved != 600 || got.Refundable() != 400 {
			t.Fatalf("reserved %d refundable %d", got.Reserved, got.Refundable())
		}
		_, _, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-2", Amount: ptr(int64(401))})
		wantCode(t, err, gateway.AmountExceedsRefundable)
		again, created, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-1", Amount: ptr(int64(600))})
		if err != nil || created || again.ID != re.ID {
			t.Fatalf("replay: %v %v %v", again, created, err)
		}
		_, _, err = f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-1", Amount: ptr(int64(100))})
		wantCode(t, err, gateway.OutRefundNoConflict)
		_, _, err = f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-1"})
		wantCode(t, err, gateway.OutRefundNoConflict)
	})
	t.Run("SettleLater", func(t *testing.T) {
		f := newFixtureWith(t, nil) // RefundDelay 1m
		p := f.paid(1000)
		ok := f.refund(p, "R-ok", 300, gateway.SettleLater, "")
		bad := f.refund(p, "R-bad", 200, gateway.SettleLater, "refund_fail=REFUND_REJECTED")
		slow := f.refund(p, "R-slow", 100, gateway.SettleLater, "refund_delay=5m")
		stuck := f.refund(p, "R-stuck", 50, gateway.SettleLater, "refund_stuck")
		f.clock.Set(f.t0.Add(59 * time.Second))
		f.runTimers()
		if f.refundNow(ok.ID).Status != gateway.RefundPending {
			t.Fatal("settled before REFUND_DELAY")
		}
		f.clock.Set(f.t0.Add(time.Minute))
		f.runTimers()
		if got := f.refundNow(ok.ID); got.Status != gateway.RefundSucceeded || !got.SettledAt.Equal(f.t0.Add(time.Minute)) {
			t.Fatalf("ok refund %+v", got)
		}
		if got := f.refundNow(bad.ID); got.Status != gateway.RefundFailed || got.FailureCode != "REFUND_REJECTED" || got.FailureMessage == "" {
			t.Fatalf("failing refund %+v", got)
		}
		if f.refundNow(slow.ID).Status != gateway.RefundPending {
			t.Fatal("refund_delay=5m settled after 1m")
		}
		f.clock.Set(f.t0.Add(5 * time.Minute))
		f.runTimers()
		if f.refundNow(slow.ID).Status != gateway.RefundSucceeded {
			t.Fatal("refund_delay=5m did not settle after 5m")
		}
		f.clock.Set(f.t0.Add(24 * time.Hour))
		f.runTimers()
		if f.refundNow(stuck.ID).Status != gateway.RefundPending {
			t.Fatal("refund_stuck settled by itself")
		}
		// 300 + 100 refunded, the failed 200 released, the stuck 50 reserved.
		if got := f.paymentNow(p.ID); got.AmountRefunded != 400 || got.Reserved != 50 {
			t.Fatalf("refunded %d reserved %d, want 400 and 50", got.AmountRefunded, got.Reserved)
		}
		if _, err := f.svc.SettleRefund(f.ctx, f.m, stuck.ID, gateway.SettleFail, ""); err != nil {
			t.Fatal(err)
		}
		if got := f.refundNow(stuck.ID); got.FailureCode != "refund_rejected" {
			t.Fatalf("forced failure code %q, want refund_rejected", got.FailureCode)
		}
		_, err := f.svc.SettleRefund(f.ctx, f.m, stuck.ID, gateway.SettleSucceed, "")
		wantCode(t, err, gateway.RefundNotPending)
		// Native notifies settlements, not creations.
		if got := f.eventTypes(ok.ID); !sameStrings(got, []string{gateway.EventRefundSucceeded}) {
			t.Fatalf("events of a refund %v", got)
		}
	})
	t.Run("SettleInCall", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.paid(1000)
		ok := f.refund(p, "R-ok", 300, gateway.SettleInCall, "")
		if ok.Status != gateway.RefundSucceeded || ok.SettledAt == nil {
			t.Fatalf("not settled inside the call: %+v", ok)
		}
		bad := f.refund(p, "R-bad", 200, gateway.SettleInCall, "refund_fail=SYSTEM_BUSY")
		if bad.Status != gateway.RefundFailed || bad.FailureCode != "SYSTEM_BUSY" {
			t.Fatalf("refund_fail not settled inside the call: %+v", bad)
		}
		slow := f.refund(p, "R-slow", 100, gateway.SettleInCall, "refund_delay=10s")
		stuck := f.refund(p, "R-stuck", 100, gateway.SettleInCall, "refund_stuck")
		if slow.Status != gateway.RefundPending || stuck.Status != gateway.RefundPending {
			t.Fatalf("delay/stuck settled inside the call: %s %s", slow.Status, stuck.Status)
		}
		if got := f.paymentNow(p.ID); got.AmountRefunded != 300 || got.Reserved != 200 {
			t.Fatalf("refunded %d reserved %d", got.AmountRefunded, got.Reserved)
		}
		f.clock.Set(f.t0.Add(10 * time.Second))
		f.runTimers()
		if f.refundNow(slow.ID).Status != gateway.RefundSucceeded || f.refundNow(stuck.ID).Status != gateway.RefundPending {
			t.Fatal("after 10s the delayed refund settles and the stuck one does not")
		}
		// A replay of a settled refund's number answers it again.
		again, created, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-ok", Amount: ptr(int64(300)), Settle: gateway.SettleInCall})
		if err != nil || created || again.ID != ok.ID || again.Status != gateway.RefundSucceeded {
			t.Fatalf("replay: %+v %v %v", again, created, err)
		}
	})
	t.Run("SettleInCallUnlessScenario", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.paid(1000)
		plain := f.refund(p, "R-plain", 300, gateway.SettleInCallUnlessScenario, "")
		failing := f.refund(p, "R-fail", 200, gateway.SettleInCallUnlessScenario, "refund_fail")
		if plain.Status != gateway.RefundSucceeded || failing.Status != gateway.RefundPending {
			t.Fatalf("plain %s, with refund_fail %s; want succeeded and pending", plain.Status, failing.Status)
		}
		f.clock.Set(f.t0.Add(time.Minute))
		f.runTimers()
		if got := f.refundNow(failing.ID); got.Status != gateway.RefundFailed || got.FailureCode != "refund_rejected" {
			t.Fatalf("refund_fail later: %+v", got)
		}
	})
}

// A protocol that notifies refund creations gets refund.created events;
// the refund's notifications go to its URL, then its payment's.
func TestRefund_CreatedEventAndURL(t *testing.T) {
	f := newFixtureWith(t, func(c *gateway.Config) {
		c.Protocols = map[string]gateway.ProtocolRules{"chatty": {Topics: func(ch gateway.Change) []string { return []string{ch.Type} }}}
	})
	p := f.create(gateway.CreatePaymentInput{NotifyURL: "http://pay.test/hook"})
	if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
		t.Fatal(err)
	}
	re, _, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{Protocol: "chatty", PaymentID: p.ID, OutRefundNo: "R", Settle: gateway.SettleInCall})
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := f.svc.ListEvents(f.ctx, f.m, gateway.EventFilter{ObjectID: re.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	for _, ev := range evs {
		if ev.URL != "http://pay.test/hook" || ev.Protocol != "chatty" {
			t.Fatalf("event %s goes to %q (%s), want the payment's URL", ev.Type, ev.URL, ev.Protocol)
		}
	}
	if got := f.eventTypes(re.ID); !sameStrings(got, []string{gateway.EventRefundCreated, gateway.EventRefundSucceeded}) &&
		!sameStrings(got, []string{gateway.EventRefundSucceeded, gateway.EventRefundCreated}) {
		t.Fatalf("events %v", got)
	}
}
