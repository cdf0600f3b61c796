package gateway

import (
	"context"
	"encoding/json"
	"time"
)

// RefundSettlement says when a new refund settles; the adapter chooses what
// its provider does (DESIGN §10). The refund scenarios keep their meaning in
// every mode: refund_fail fails it, refund_delay settles it after that
// delay, refund_stuck leaves it pending until a helper settles it.
type RefundSettlement int

const (
	// SettleLater settles after REFUND_DELAY (native, WeChat).
	SettleLater RefundSettlement = iota
	// SettleInCall settles inside the create call, successfully or as
	// refund_fail says; refund_delay and refund_stuck leave it pending
	// (Alipay's synchronous refunds).
	SettleInCall
	// SettleInCallUnlessScenario settles successfully inside the call when
	// no refund scenario is given, otherwise later as the scenario says
	// (Stripe: succeeded at once unless a scenario delays or fails it).
	SettleInCallUnlessScenario
)

// CreateRefundInput is a validated request for a refund. Exactly one of
// PaymentID and OutTradeNo is set.
type CreateRefundInput struct {
	// Protocol is the adapter creating the refund (default native).
	Protocol    string
	PaymentID   string
	OutTradeNo  string
	OutRefundNo string
	// Amount is nil when the caller named none: all that is refundable.
	Amount    *int64
	Reason    string
	NotifyURL string
	Metadata  map[string]string
	// Refs are the protocol's own ids of the refund, claimed and indexed.
	Refs map[string]string
	Ext  json.RawMessage
	// Settle says when the refund settles.
	Settle RefundSettlement
	// Scenario is the object-level part of the call's scenario.
	Scenario Scenario
}

// RefundPayment resolves the payment a refund request names.
func (s *Service) RefundPayment(ctx context.Context, m *Merchant, in CreateRefundInput) (*Payment, error) {
	if in.PaymentID != "" {
		return s.store.Payment(ctx, m.ID, in.PaymentID)
	}
	return s.store.PaymentByOutTradeNo(ctx, m.ID, in.OutTradeNo)
}

// CreateRefund reserves the amount on the payment and creates a pending
// refund in one atomic step (refund.created), then schedules its settlement
// or settles it at once, as in.Settle says. Under any concurrency a request
// is either accepted or refused with amount_exceeds_refundable: a lost race
// re-reads the payment and decides again. The same out_refund_no with the
// same payment and requested amount returns the existing refund (created
// false); with anything else it is out_refund_no_conflict.
func (s *Service) CreateRefund(ctx context.Context, m *Merchant, in CreateRefundInput) (*Refund, bool, error) {
	pay, err := s.RefundPayment(ctx, m, in)
	if err != nil {
		return nil, false, err
	}
	if in.Protocol == "" {
		in.Protocol = ProtocolNative
	}
	var (
		out     *Refund
		created bool
	)
	id := NewID("re", s.now())
	err = s.commitRetry(ctx, m.ID, func(b *Batch) error {
		out, created = nil, false
		existing, err := s.store.RefundByOutRefundNo(ctx, m.ID, in.OutRefundNo)
		if err == nil {
			if existing.PaymentID != pay.ID || !sameAmount(existing.RequestedAmount, in.Amount) {
				return Errorf(OutRefundNoConflict, "out_refund_no",
					"A refund with out_refund_no %q already exists (%s) for another payment or amount; use a new out_refund_no for a new refund.",
					in.OutRefundNo, existing.ID)
			}
			out = existing
			return nil
		} else if ErrorCode(err) != ResourceMissing {
			return err
		}
		p, err := s.store.Payment(ctx, m.ID, pay.ID)
		if err != nil {
			return err
		}
		if p.Status != PaymentSucceeded {
			return Errorf(PaymentNotRefundable, "payment_id", "Payment %s is %s; only a succeeded payment can be refunded.", p.ID, p.Status)
		}
		amount := p.Refundable()
		if in.Amount != nil {
			amount = *in.Amount
		}
		if amount > p.Refundable() || amount <= 0 {
			return Errorf(AmountExceedsRefundable, "amount",
				"The refund of %d exceeds what is still refundable on payment %s: %d of %d (refunded %d, pending refunds %d).",
				amount, p.ID, p.Refundable(), p.Amount, p.AmountRefunded, p.Reserved)
		}
		now := b.Now
		re := &Refund{
			ID: id, Protocol: in.Protocol, PaymentID: p.ID, OutTradeNo: p.OutTradeNo, OutRefundNo: in.OutRefundNo,
			Amount: amount, RequestedAmount: in.Amount, Currency: p.Currency, Reason: in.Reason,
			Status: RefundPending, NotifyURL: in.NotifyURL, Metadata: in.Metadata, Refs: in.Refs, Ext: in.Ext,
			Scenario: in.Scenario, CreatedAt: now,
		}
		p.Reserved += amount
		b.Payments = []*Payment{p}
		b.Refunds = []*Refund{re}
		b.NewRefund = true
		s.newEvents(b, m, re.Protocol, Change{Type: EventRefundCreated, Payment: p, Refund: re}, s.refundNotifyURL(re, p), re.Scenario, now)
		sc := in.Scenario
		switch {
		case in.Settle == SettleInCall && sc.RefundDelay == 0 && !sc.RefundStuck,
			in.Settle == SettleInCallUnlessScenario && !sc.HasLevel(LevelRefund):
			s.settle(b, m, p, re, naturalOutcome(re), now)
		case sc.RefundStuck:
			// Pending until a helper or the console settles it.
		default:
			delay := s.cfg.RefundDelay
			if sc.RefundDelay > 0 {
				delay = sc.RefundDelay
			}
			b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerSettle, id), At: now.Add(s.scaled(delay))})
		}
		out, created = re, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

func sameAmount(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// refundNotifyURL is where a refund's notifications go: its own URL, then
// its payment's (then the merchant's, in newEvents).
func (s *Service) refundNotifyURL(re *Refund, p *Payment) string {
	if re.NotifyURL != "" {
		return re.NotifyURL
	}
	return p.NotifyURL
}

// Refund returns one of the merchant's refunds.
func (s *Service) Refund(ctx context.Context, m *Merchant, id string) (*Refund, error) {
	return s.store.Refund(ctx, m.ID, id)
}

// RefundByOutRefundNo returns the merchant's refund with that out_refund_no.
func (s *Service) RefundByOutRefundNo(ctx context.Context, m *Merchant, outRefundNo string) (*Refund, error) {
	return s.store.RefundByOutRefundNo(ctx, m.ID, outRefundNo)
}

// RefundByRef returns the merchant's refund whose protocol id of a kind
// (Refund.Refs) is ref.
func (s *Service) RefundByRef(ctx context.Context, m *Merchant, kind, ref string) (*Refund, error) {
	return s.store.RefundByRef(ctx, m.ID, kind, ref)
}

// RefundFilter selects refunds of a list; empty fields select all.
type RefundFilter struct {
	PaymentID string
	Status    string
	Protocol  string
}

// ListRefunds returns a page of refunds, of one payment when f.PaymentID is
// set, newest first.
func (s *Service) ListRefunds(ctx context.Context, m *Merchant, f RefundFilter, q ListQuery) ([]*Refund, bool, error) {
	return s.store.ListRefunds(ctx, m.ID, f.PaymentID, q, func(r *Refund) bool {
		return (f.Status == "" || r.Status == f.Status) && (f.Protocol == "" || r.Protocol == f.Protocol)
	})
}

// Refund settlement outcomes.
const (
	// SettleNatural settles as the refund's scenario says (the timer).
	SettleNatural = ""
	SettleSucceed = "succeeded"
	SettleFail    = "failed"
)

// outcome is how a refund settles: succeeded or failed with a code.
type outcome struct {
	fail bool
	code string
}

// SettleRefund settles a pending refund: as its scenario says (outcome
// SettleNatural, the settlement timer), or as a test helper forces
// (SettleSucceed, or SettleFail with a code, default refund_rejected).
// Success moves the amount from reserved to refunded on the payment; failure
// releases it. Either emits refund.succeeded or refund.failed.
func (s *Service) SettleRefund(ctx context.Context, m *Merchant, id, how, code string) (*Refund, error) {
	if code != "" && !ValidFailureCode(code) {
		return nil, Errorf(ParameterInvalid, "code", "A failure code is 1 to 64 letters, digits or underscores; %q is not.", code)
	}
	var out *Refund
	err := s.commitRetry(ctx, m.ID, func(b *Batch) error {
		re, err := s.store.Refund(ctx, m.ID, id)
		if err != nil {
			return err
		}
		out = re
		if re.Status != RefundPending {
			return Errorf(RefundNotPending, "id", "Refund %s is %s, not pending.", re.ID, re.Status)
		}
		p, err := s.store.Payment(ctx, m.ID, re.PaymentID)
		if err != nil {
			return err
		}
		o := naturalOutcome(re)
		switch how {
		case SettleSucceed:
			o = outcome{}
		case SettleFail:
			o = outcome{fail: true, code: code}
		}
		b.Payments = []*Payment{p}
		b.Refunds = []*Refund{re}
		b.Unschedule = []ScheduleEntry{{Queue: QueueTimer, Member: timerMember(TimerSettle, re.ID)}}
		s.settle(b, m, p, re, o, b.Now)
		return nil
	})
	return out, err
}

// settle applies an outcome to a pending refund and its payment, both
// already in b, and records the event.
func (s *Service) settle(b *Batch, m *Merchant, p *Payment, re *Refund, o outcome, now time.Time) {
	re.SettledAt = &now
	p.Reserved -= re.Amount
	typ := EventRefundSucceeded
	if o.fail {
		if o.code == "" {
			o.code = "refund_rejected"
		}
		re.Status, re.FailureCode, re.FailureMessage = RefundFailed, o.code, FailureMessage(o.code)
		typ = EventRefundFailed
	} else {
		re.Status = RefundSucceeded
		p.AmountRefunded += re.Amount
	}
	s.newEvents(b, m, re.Protocol, Change{Type: typ, Payment: p, Refund: re}, s.refundNotifyURL(re, p), re.Scenario, now)
}

// naturalOutcome is how a refund settles by itself: as its refund_fail
// scenario says, or successfully.
func naturalOutcome(re *Refund) outcome {
	if re.Scenario.RefundFail != "" {
		return outcome{fail: true, code: re.Scenario.RefundFail}
	}
	return outcome{}
}
