package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Amending a pending payment: what it asks for changes, nothing is
// notified, and once it is no longer pending nothing may change.
func TestService_AmendPayment(t *testing.T) {
	f := newFixtureWith(t, nil)
	p := f.create(gateway.CreatePaymentInput{Metadata: map[string]string{"order": "1"}, Ext: json.RawMessage(`{"v":1}`)})

	got, err := f.svc.AmendPayment(f.ctx, f.m, p.ID, gateway.AmendPaymentInput{
		Amount: ptr(int64(2500)), Description: ptr("two teas"), Metadata: map[string]string{"order": "2"}, Ext: json.RawMessage(`{"v":2}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Amount != 2500 || got.Description != "two teas" || got.Metadata["order"] != "2" || string(got.Ext) != `{"v":2}` {
		t.Fatalf("amended %+v", got)
	}
	stored, err := f.svc.Payment(f.ctx, f.m, p.ID)
	if err != nil || stored.Amount != 2500 || string(stored.Ext) != `{"v":2}` || stored.Version <= p.Version {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	if evs := f.eventTypes(p.ID); len(evs) != 0 {
		t.Fatalf("amending recorded events %v", evs)
	}

	t.Run("NilFieldsKeep", func(t *testing.T) {
		got, err := f.svc.AmendPayment(f.ctx, f.m, p.ID, gateway.AmendPaymentInput{})
		if err != nil || got.Amount != 2500 || got.Metadata["order"] != "2" || string(got.Ext) != `{"v":2}` {
			t.Fatalf("empty amend changed %+v, %v", got, err)
		}
	})
	t.Run("AmountOutOfRange", func(t *testing.T) {
		for _, a := range []int64{0, -1, gateway.MaxAmount + 1} {
			_, err := f.svc.AmendPayment(f.ctx, f.m, p.ID, gateway.AmendPaymentInput{Amount: ptr(a)})
			wantCode(t, err, gateway.ParameterInvalid)
		}
	})
	t.Run("NotPending", func(t *testing.T) {
		if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.AmendPayment(f.ctx, f.m, p.ID, gateway.AmendPaymentInput{Amount: ptr(int64(1))})
		wantCode(t, err, gateway.PaymentNotPending)
		if again, _ := f.svc.Payment(f.ctx, f.m, p.ID); again.Amount != 2500 {
			t.Fatalf("a refused amend changed the amount to %d", again.Amount)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := f.svc.AmendPayment(f.ctx, f.m, "pay_nope", gateway.AmendPaymentInput{})
		wantCode(t, err, gateway.ResourceMissing)
	})
}

// A pay action through an API changes the adapter's data in the same
// commit as its outcome, so the event's snapshot carries it.
func TestService_AttemptPayment(t *testing.T) {
	extFor := func(_ *gateway.Payment, code string) (json.RawMessage, error) {
		return json.Marshal(map[string]string{"outcome": "paid:" + code})
	}
	t.Run("Declined", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		res, err := f.svc.AttemptPayment(f.ctx, f.m, p.ID, gateway.PayAttempt{FailCode: "insufficient_funds", Ext: extFor})
		if err != nil || res.FailedCode != "insufficient_funds" || res.Payment.Status != gateway.PaymentPending ||
			res.Payment.LastError == nil || res.Payment.LastError.Code != "insufficient_funds" {
			t.Fatalf("declined attempt %+v, %v", res, err)
		}
		ev := f.onlyEvent(p.ID, gateway.EventPaymentFailed)
		if string(ev.Payment.Ext) != `{"outcome":"paid:insufficient_funds"}` {
			t.Fatalf("event snapshot ext %s", ev.Payment.Ext)
		}
	})
	t.Run("Paid", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		res, err := f.svc.AttemptPayment(f.ctx, f.m, p.ID, gateway.PayAttempt{Ext: extFor})
		if err != nil || res.FailedCode != "" || res.Payment.Status != gateway.PaymentSucceeded || res.Payment.PaidAt == nil {
			t.Fatalf("paid attempt %+v, %v", res, err)
		}
		ev := f.onlyEvent(p.ID, gateway.EventPaymentSucceeded)
		if string(ev.Payment.Ext) != `{"outcome":"paid:"}` {
			t.Fatalf("event snapshot ext %s", ev.Payment.Ext)
		}
		_, err = f.svc.AttemptPayment(f.ctx, f.m, p.ID, gateway.PayAttempt{})
		wantCode(t, err, gateway.PaymentNotPending)
	})
	t.Run("AutoFailOnce", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.payment("auto_fail=expired_card")
		res, err := f.svc.AttemptPayment(f.ctx, f.m, p.ID, gateway.PayAttempt{Ext: extFor})
		if err != nil || res.FailedCode != "expired_card" || string(res.Payment.Ext) != `{"outcome":"paid:expired_card"}` {
			t.Fatalf("first attempt under auto_fail %+v, %v", res, err)
		}
		res, err = f.svc.AttemptPayment(f.ctx, f.m, p.ID, gateway.PayAttempt{Ext: extFor})
		if err != nil || res.FailedCode != "" || res.Payment.Status != gateway.PaymentSucceeded {
			t.Fatalf("second attempt %+v, %v", res, err)
		}
	})
}

// A list can keep only the payments with a protocol id of one kind.
func TestService_ListPaymentsByRefKind(t *testing.T) {
	f := newFixtureWith(t, nil)
	withRef := f.create(gateway.CreatePaymentInput{Refs: map[string]string{"x.session": "S1"}})
	f.create(gateway.CreatePaymentInput{})
	got, more, err := f.svc.ListPayments(f.ctx, f.m, gateway.PaymentFilter{RefKind: "x.session"}, gateway.ListQuery{Limit: 10})
	if err != nil || more || len(got) != 1 || got[0].ID != withRef.ID {
		t.Fatalf("by ref kind: %v more %v err %v", got, more, err)
	}
}
