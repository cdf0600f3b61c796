package gateway

import (
	"context"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// CreateRefundInput is a validated request for a refund. Exactly one of
// PaymentID and OutTradeNo is set.
type CreateRefundInput struct {
	PaymentID   string
	OutTradeNo  string
	OutRefundNo string
	// Amount is nil when the caller named none: all that is refundable.
	Amount    *int64
	Reason    string
	NotifyURL string
	// Scenario is the object-level part of the call's scenario.
	Scenario Scenario
}

// RefundPayment resolves the payment a refund request names.
func (s *Service) RefundPayment(ctx context.Context, m *gatewayapi.Merchant, in CreateRefundInput) (*PaymentRecord, error) {
	if in.PaymentID != "" {
		return s.store.Payment(ctx, m.ID, in.PaymentID)
	}
	return s.store.PaymentByOutTradeNo(ctx, m.ID, in.OutTradeNo)
}

// CreateRefund reserves the amount on the payment and creates a pending
// refund in one atomic step, then schedules its settlement. Under any
// concurrency a request is either accepted or refused with
// amount_exceeds_refundable: a lost race re-reads the payment and decides
// again. The same out_refund_no with the same payment and requested amount
// returns the existing refund (created false); with anything else it is
// out_refund_no_conflict.
func (s *Service) CreateRefund(ctx context.Context, m *gatewayapi.Merchant, in CreateRefundInput) (*RefundRecord, bool, error) {
	pay, err := s.RefundPayment(ctx, m, in)
	if err != nil {
		return nil, false, err
	}
	var (
		out     *RefundRecord
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
		if p.Status != gatewayapi.PaymentSucceeded {
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
		now := s.now()
		re := &RefundRecord{Refund: gatewayapi.Refund{
			ID: id, Object: "refund", PaymentID: p.ID, OutTradeNo: p.OutTradeNo, OutRefundNo: in.OutRefundNo,
			Amount: amount, Currency: p.Currency, Reason: in.Reason, Status: gatewayapi.RefundPending,
			NotifyURL: in.NotifyURL, CreatedAt: now,
		}, RequestedAmount: in.Amount}
		if !in.Scenario.IsZero() {
			text := in.Scenario.String()
			re.Scenario = &text
		}
		p.Reserved += amount
		b.Payments = []*PaymentRecord{p}
		b.Refunds = []*RefundRecord{re}
		b.NewRefund = true
		if !in.Scenario.RefundStuck {
			delay := s.cfg.RefundDelay
			if in.Scenario.RefundDelay > 0 {
				delay = in.Scenario.RefundDelay
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

// Refund returns one of the merchant's refunds.
func (s *Service) Refund(ctx context.Context, m *gatewayapi.Merchant, id string) (*RefundRecord, error) {
	return s.store.Refund(ctx, m.ID, id)
}

// RefundByOutRefundNo returns the merchant's refund with that out_refund_no.
func (s *Service) RefundByOutRefundNo(ctx context.Context, m *gatewayapi.Merchant, outRefundNo string) (*RefundRecord, error) {
	return s.store.RefundByOutRefundNo(ctx, m.ID, outRefundNo)
}

// ListRefunds returns a page of refunds, of one payment when paymentID is
// set, newest first.
func (s *Service) ListRefunds(ctx context.Context, m *gatewayapi.Merchant, paymentID, status string, q ListQuery) ([]*RefundRecord, bool, error) {
	return s.store.ListRefunds(ctx, m.ID, paymentID, q, func(r *RefundRecord) bool {
		return status == "" || r.Status == status
	})
}

// Refund settlement outcomes forced by a test helper.
const (
	SettleNatural = ""
	SettleSucceed = "succeeded"
	SettleFail    = "failed"
)

// SettleRefund settles a pending refund: as its scenario says (outcome
// SettleNatural, the settlement timer), or as a test helper forces. Success
// moves the amount from reserved to refunded on the payment; failure
// releases it. Either emits refund.succeeded or refund.failed.
func (s *Service) SettleRefund(ctx context.Context, m *gatewayapi.Merchant, id, outcome, code string) (*RefundRecord, error) {
	var out *RefundRecord
	err := s.commitRetry(ctx, m.ID, func(b *Batch) error {
		re, err := s.store.Refund(ctx, m.ID, id)
		if err != nil {
			return err
		}
		out = re
		if re.Status != gatewayapi.RefundPending {
			return Errorf(RefundNotPending, "id", "Refund %s is %s, not pending.", re.ID, re.Status)
		}
		p, err := s.store.Payment(ctx, m.ID, re.PaymentID)
		if err != nil {
			return err
		}
		if outcome == SettleNatural {
			outcome, code = naturalOutcome(re)
		}
		now := s.now()
		re.SettledAt = &now
		p.Reserved -= re.Amount
		typ := gatewayapi.EventRefundSucceeded
		if outcome == SettleFail {
			if code == "" {
				code = "refund_rejected"
			}
			msg := FailureMessage(code)
			re.Status, re.FailureCode, re.FailureMessage = gatewayapi.RefundFailed, &code, &msg
			typ = gatewayapi.EventRefundFailed
		} else {
			re.Status = gatewayapi.RefundSucceeded
			p.AmountRefunded += re.Amount
		}
		b.Payments = []*PaymentRecord{p}
		b.Refunds = []*RefundRecord{re}
		b.Unschedule = []ScheduleEntry{{Queue: QueueTimer, Member: timerMember(TimerSettle, re.ID)}}
		url := re.NotifyURL
		if url == "" {
			url = p.NotifyURL
		}
		return s.newEvent(b, m, typ, re.ID, re.Refund, url, s.notifyScenario(re.Scenario), now)
	})
	return out, err
}

// naturalOutcome is how a refund settles by itself: as its refund_fail
// scenario says, or successfully.
func naturalOutcome(re *RefundRecord) (string, string) {
	if re.Scenario != nil {
		if sc, err := ParseScenario(*re.Scenario); err == nil && sc.RefundFail != "" {
			return SettleFail, sc.RefundFail
		}
	}
	return SettleSucceed, ""
}
