package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// events returns the types of an object's stored events, oldest first.
func (f *fixture) eventTypes(objectID string) []string {
	f.t.Helper()
	evs, _, err := f.svc.ListEvents(f.ctx, f.m, gateway.EventFilter{ObjectID: objectID}, gateway.ListQuery{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[len(evs)-1-i] = ev.Topic
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if gateway.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (f *fixture) create(in gateway.CreatePaymentInput) *gateway.Payment {
	f.t.Helper()
	if in.OutTradeNo == "" {
		in.OutTradeNo = gateway.RandomToken(12)
	}
	if in.Amount == 0 {
		in.Amount = 1000
	}
	if in.Method == "" {
		in.Method = gateway.MethodCard
	}
	if in.Subject == "" {
		in.Subject = "Tea"
	}
	p, created, err := f.svc.CreatePayment(f.ctx, f.m, in)
	if err != nil || !created {
		f.t.Fatalf("create: %v (created %v)", err, created)
	}
	return p
}

// The payment state machine of DESIGN §3, which every adapter inherits.
func TestPayment_StateMachine(t *testing.T) {
	t.Run("CreateOnceByMerchantNumber", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{OutTradeNo: "A-1"})
		if p.Status != gateway.PaymentPending || p.Protocol != gateway.ProtocolNative || !p.CreatedAt.Equal(f.t0) ||
			!p.ExpiresAt.Equal(f.t0.Add(15*time.Minute)) || p.PayURL != "http://gw.test/pay/"+p.ID {
			t.Fatalf("new payment %+v", p)
		}
		again, created, err := f.svc.CreatePayment(f.ctx, f.m, gateway.CreatePaymentInput{OutTradeNo: "A-1", Amount: 1000, Method: gateway.MethodCard, Subject: "other subject"})
		if err != nil || created || again.ID != p.ID {
			t.Fatalf("same number again: %v %v %v", again, created, err)
		}
		for name, in := range map[string]gateway.CreatePaymentInput{
			"Amount":   {OutTradeNo: "A-1", Amount: 1001, Method: gateway.MethodCard, Subject: "x"},
			"Method":   {OutTradeNo: "A-1", Amount: 1000, Method: gateway.MethodAlipay, Subject: "x"},
			"Currency": {OutTradeNo: "A-1", Amount: 1000, Currency: "USD", Method: gateway.MethodCard, Subject: "x"},
			"Protocol": {OutTradeNo: "A-1", Amount: 1000, Method: gateway.MethodCard, Subject: "x", Protocol: gateway.ProtocolAlipay},
		} {
			_, _, err := f.svc.CreatePayment(f.ctx, f.m, in)
			if gateway.ErrorCode(err) != gateway.OutTradeNoConflict {
				t.Errorf("other %s: %v, want out_trade_no_conflict", name, err)
			}
		}
	})
	t.Run("PayOnce", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		f.clock.Set(f.t0.Add(time.Minute))
		res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		if err != nil || res.FailedCode != "" || res.Payment.Status != gateway.PaymentSucceeded || !res.Payment.PaidAt.Equal(f.t0.Add(time.Minute)) {
			t.Fatalf("succeed: %+v %v", res.Payment, err)
		}
		_, err = f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		wantCode(t, err, gateway.PaymentNotPending)
		_, err = f.svc.ClosePayment(f.ctx, f.m, p.ID)
		wantCode(t, err, gateway.PaymentNotClosable)
		_, err = f.svc.FailPayment(f.ctx, f.m, p.ID, "card_declined")
		wantCode(t, err, gateway.PaymentNotPending)
		if got := f.eventTypes(p.ID); !sameStrings(got, []string{gateway.EventPaymentSucceeded}) {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("DeclineKeepsPending", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		got, err := f.svc.FailPayment(f.ctx, f.m, p.ID, "insufficient_funds")
		if err != nil || got.Status != gateway.PaymentPending || got.LastError == nil || got.LastError.Code != "insufficient_funds" {
			t.Fatalf("fail: %+v %v", got, err)
		}
		// Events list newest first by id, whose front is the creation time:
		// the payment is paid a moment after the decline.
		f.clock.Set(f.t0.Add(time.Second))
		res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		if err != nil || res.Payment.Status != gateway.PaymentSucceeded || res.Payment.LastError != nil {
			t.Fatalf("pay after a decline: %+v %v", res.Payment, err)
		}
		if got := f.eventTypes(p.ID); !sameStrings(got, []string{gateway.EventPaymentFailed, gateway.EventPaymentSucceeded}) {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("AutoFailDeclinesOnce", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		sc, _ := gateway.ParseScenario("auto_fail=expired_card")
		p := f.create(gateway.CreatePaymentInput{Scenario: sc})
		res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		if err != nil || res.FailedCode != "expired_card" || res.Payment.Status != gateway.PaymentPending {
			t.Fatalf("first pay: %+v %v", res, err)
		}
		res, err = f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		if err != nil || res.FailedCode != "" || res.Payment.Status != gateway.PaymentSucceeded {
			t.Fatalf("second pay: %+v %v", res, err)
		}
	})
	t.Run("AutoFailDeclinesOnceInAProtocolThatNotifiesNoDecline", func(t *testing.T) {
		f := newFixtureWith(t, func(c *gateway.Config) {
			c.Protocols = map[string]gateway.ProtocolRules{"quiet": {Topics: func(ch gateway.Change) []string {
				if ch.Type == gateway.EventPaymentSucceeded {
					return []string{ch.Type}
				}
				return nil
			}}}
		})
		sc, _ := gateway.ParseScenario("auto_fail=expired_card")
		p := f.create(gateway.CreatePaymentInput{Protocol: "quiet", Scenario: sc})
		if res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil || res.FailedCode != "expired_card" {
			t.Fatalf("first pay: %+v %v", res, err)
		}
		// The decline was stored (no event made the batch non-empty), so
		// auto_fail is used up and the second pay succeeds.
		if res, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil || res.FailedCode != "" || res.Payment.Status != gateway.PaymentSucceeded {
			t.Fatalf("second pay: %+v %v", res, err)
		}
	})
	t.Run("CloseIsIdempotent", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		got, err := f.svc.ClosePayment(f.ctx, f.m, p.ID)
		if err != nil || got.Status != gateway.PaymentClosed || got.Expired || got.ClosedAt == nil {
			t.Fatalf("close: %+v %v", got, err)
		}
		again, err := f.svc.ClosePayment(f.ctx, f.m, p.ID)
		if err != nil || again.Version != got.Version {
			t.Fatalf("second close changed something: %+v %v", again, err)
		}
		if got := f.eventTypes(p.ID); !sameStrings(got, []string{gateway.EventPaymentClosed}) {
			t.Fatalf("events %v, want one payment.closed", got)
		}
		_, err = f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		wantCode(t, err, gateway.PaymentNotPending)
	})
	t.Run("ExpiryNoticedByAnyAction", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{ExpiresIn: time.Minute})
		f.clock.Set(f.t0.Add(time.Minute))
		_, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID)
		wantCode(t, err, gateway.PaymentNotPending)
		got, err := f.svc.Payment(f.ctx, f.m, p.ID)
		if err != nil || got.Status != gateway.PaymentClosed || !got.Expired || !got.ClosedAt.Equal(f.t0.Add(time.Minute)) {
			t.Fatalf("after expiry: %+v %v", got, err)
		}
		if got := f.eventTypes(p.ID); !sameStrings(got, []string{gateway.EventPaymentClosed}) {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("ExpiryTimer", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{ExpiresIn: time.Minute})
		f.clock.Set(f.t0.Add(time.Minute))
		members := f.claim(gateway.QueueTimer)
		if len(members) != 1 {
			t.Fatalf("due timers %v", members)
		}
		if err := f.svc.RunTimer(f.ctx, f.m.ID, members[0]); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Payment(f.ctx, f.m, p.ID); got.Status != gateway.PaymentClosed || !got.Expired {
			t.Fatalf("timer did not expire it: %+v", got)
		}
	})
	t.Run("OpenedOnce", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{})
		f.clock.Set(f.t0.Add(time.Second))
		first, err := f.svc.MarkOpened(f.ctx, f.m, p.ID)
		if err != nil || first.OpenedAt == nil || !first.OpenedAt.Equal(f.t0.Add(time.Second)) {
			t.Fatalf("opened: %+v %v", first, err)
		}
		f.clock.Set(f.t0.Add(time.Minute))
		second, err := f.svc.MarkOpened(f.ctx, f.m, p.ID)
		if err != nil || !second.OpenedAt.Equal(*first.OpenedAt) || second.Version != first.Version {
			t.Fatalf("opened again changed it: %+v %v", second, err)
		}
	})
	t.Run("RefsFindThePayment", func(t *testing.T) {
		f := newFixtureWith(t, nil)
		p := f.create(gateway.CreatePaymentInput{Protocol: gateway.ProtocolAlipay, Refs: map[string]string{"trade_no": "2031030422001400001234567890"}})
		got, err := f.svc.PaymentByRef(f.ctx, f.m, "trade_no", "2031030422001400001234567890")
		if err != nil || got.ID != p.ID {
			t.Fatalf("by ref: %v %v", got, err)
		}
		_, err = f.svc.PaymentByRef(f.ctx, f.m, "trade_no", "nope")
		wantCode(t, err, gateway.ResourceMissing)
		// A ref is unique per merchant: a second payment claiming it loses.
		_, _, err = f.svc.CreatePayment(f.ctx, f.m, gateway.CreatePaymentInput{Protocol: gateway.ProtocolAlipay, OutTradeNo: "other",
			Amount: 5, Method: gateway.MethodAlipay, Subject: "x", Refs: map[string]string{"trade_no": "2031030422001400001234567890"}})
		if err == nil {
			t.Fatal("a second payment took the same ref")
		}
	})
}

// What a change notifies is the protocol's choice.
func TestPayment_ProtocolTopics(t *testing.T) {
	f := newFixtureWith(t, func(c *gateway.Config) {
		c.Protocols = map[string]gateway.ProtocolRules{"loud": {Topics: func(ch gateway.Change) []string {
			if ch.Type == gateway.EventPaymentSucceeded {
				return []string{"first", "second"}
			}
			return nil // declines are not notified
		}}}
	})
	p := f.create(gateway.CreatePaymentInput{Protocol: "loud"})
	if _, err := f.svc.FailPayment(f.ctx, f.m, p.ID, "card_declined"); err != nil {
		t.Fatal(err)
	}
	// A decline the protocol does not notify is stored all the same.
	if got, err := f.svc.Payment(f.ctx, f.m, p.ID); err != nil || got.LastError == nil || got.LastError.Code != "card_declined" || got.LastError.At.IsZero() {
		t.Fatalf("after an unnotified decline: %+v, %v; want last_error card_declined with its time", got, err)
	}
	if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
		t.Fatal(err)
	}
	evs, _, err := f.svc.ListEvents(f.ctx, f.m, gateway.EventFilter{ObjectID: p.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("events %d %v, want 2", len(evs), err)
	}
	topics := map[string]bool{}
	for _, ev := range evs {
		topics[ev.Topic] = true
		if ev.Protocol != "loud" || ev.Type != gateway.EventPaymentSucceeded || ev.Payment.Status != gateway.PaymentSucceeded {
			t.Fatalf("event %+v", ev)
		}
	}
	if !topics["first"] || !topics["second"] {
		t.Fatalf("topics %v", topics)
	}
}

// An event keeps the object as it was: a later change does not show.
func TestEvent_Snapshot(t *testing.T) {
	f := newFixtureWith(t, nil)
	p := f.create(gateway.CreatePaymentInput{Amount: 700})
	if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
		t.Fatal(err)
	}
	re, _, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-1", Amount: ptr(int64(300)), Settle: gateway.SettleInCall})
	if err != nil || re.Status != gateway.RefundSucceeded {
		t.Fatalf("refund: %+v %v", re, err)
	}
	paid := f.onlyEvent(p.ID, gateway.EventPaymentSucceeded)
	if paid.Payment.AmountRefunded != 0 || paid.Refund != nil {
		t.Fatalf("payment.succeeded snapshot changed later: %+v", paid.Payment)
	}
	refunded := f.onlyEvent(re.ID, gateway.EventRefundSucceeded)
	if refunded.Refund.Status != gateway.RefundSucceeded || refunded.Payment.AmountRefunded != 300 || refunded.Amount() != 300 {
		t.Fatalf("refund.succeeded snapshot: %+v %+v", refunded.Refund, refunded.Payment)
	}
	if tampered := refunded.WithTamperedAmount(); tampered.Amount() != 301 || refunded.Amount() != 300 {
		t.Fatal("tampering must change a copy only")
	}
}

func ptr[T any](v T) *T { return &v }

// A failure code is checked by the core, whoever calls it: a bad one is
// parameter_invalid naming "code", and nothing changes.
func TestFailureCodes_CheckedByTheCore(t *testing.T) {
	for code, ok := range map[string]bool{"card_declined": true, "A_1": true, strings.Repeat("x", 64): true,
		"": false, "not a code!": false, strings.Repeat("x", 65): false, "退款失败": false} {
		if gateway.ValidFailureCode(code) != ok {
			t.Errorf("ValidFailureCode(%q) = %v, want %v", code, !ok, ok)
		}
	}
	f := newFixtureWith(t, nil)
	p := f.create(gateway.CreatePaymentInput{})
	if _, err := f.svc.FailPayment(f.ctx, f.m, p.ID, "not a code!"); gateway.ErrorCode(err) != gateway.ParameterInvalid {
		t.Fatalf("FailPayment with a bad code: %v, want parameter_invalid", err)
	}
	if got, _ := f.svc.Payment(f.ctx, f.m, p.ID); got.LastError != nil || got.Version != p.Version {
		t.Fatalf("a refused decline changed the payment: %+v", got)
	}
	if _, err := f.svc.SucceedPayment(f.ctx, f.m, p.ID); err != nil {
		t.Fatal(err)
	}
	re, _, err := f.svc.CreateRefund(f.ctx, f.m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "R-CODE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SettleRefund(f.ctx, f.m, re.ID, gateway.SettleFail, "bad code"); gateway.ErrorCode(err) != gateway.ParameterInvalid {
		t.Fatalf("SettleRefund with a bad code: %v, want parameter_invalid", err)
	}
	if got, _ := f.svc.Refund(f.ctx, f.m, re.ID); got.Status != gateway.RefundPending {
		t.Fatalf("a refused settlement changed the refund: %s", got.Status)
	}
}
