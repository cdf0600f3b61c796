package gateway

import (
	"context"
	"encoding/json"
	"maps"
	"time"
)

// MaxAmount is the largest amount a payment may ask for (DESIGN §3).
const MaxAmount = 10_000_000_000

// AmendPaymentInput changes what a pending payment asks for. Fields left
// nil change nothing.
type AmendPaymentInput struct {
	Amount      *int64
	Description *string
	// Metadata, when not nil, replaces the payment's metadata.
	Metadata map[string]string
	// Ext, when not nil, replaces the adapter's own data.
	Ext json.RawMessage
}

// AmendPayment changes a pending payment before it is paid: its amount,
// description, metadata or the adapter's data (a Stripe PaymentIntent
// updated before it is confirmed). Nothing has happened that the merchant
// did not do itself, so no event is recorded. A payment that is not pending
// is payment_not_pending; an amount outside 1..MaxAmount is
// parameter_invalid.
func (s *Service) AmendPayment(ctx context.Context, m *Merchant, id string, in AmendPaymentInput) (*Payment, error) {
	if in.Amount != nil && (*in.Amount < 1 || *in.Amount > MaxAmount) {
		return nil, Errorf(ParameterInvalid, "amount", "amount must be a whole number from 1 to %d.", int64(MaxAmount))
	}
	return s.changePayment(ctx, m, id, func(p *Payment, b *Batch, _ time.Time) error {
		if p.Status != PaymentPending {
			return notPending(p)
		}
		if in.Amount != nil {
			p.Amount = *in.Amount
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.Metadata != nil {
			p.Metadata = maps.Clone(in.Metadata)
		}
		if in.Ext != nil {
			p.Ext = in.Ext
		}
		b.Payments = append(b.Payments, p)
		return nil
	})
}

// PayAttempt is a pay action made through a protocol's API rather than on
// the cashier (a Stripe PaymentIntent confirmed with a payment method).
type PayAttempt struct {
	// FailCode declines the attempt with that code; "" pays, unless an
	// auto_fail scenario declines it.
	FailCode string
	// Ext, when set, returns the adapter's data for the payment after the
	// attempt, knowing how it ended (failedCode is "" when it paid). It is
	// written in the same commit as the outcome, before the event's
	// snapshot is taken, so the notification carries it.
	Ext func(p *Payment, failedCode string) (json.RawMessage, error)
}

// AttemptPayment makes one pay action on a pending payment: it succeeds
// (payment.succeeded) or is declined (payment.failed, the payment stays
// pending) as a.FailCode and the payment's auto_fail scenario say, and the
// adapter's data changes with it in one atomic step. A payment that is not
// pending is payment_not_pending.
func (s *Service) AttemptPayment(ctx context.Context, m *Merchant, id string, a PayAttempt) (PayResult, error) {
	var res PayResult
	p, err := s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		if p.Status != PaymentPending {
			return notPending(p)
		}
		code := a.FailCode
		if code == "" {
			if code = autoFail(p); code != "" {
				p.AutoFailUsed = true
			}
		}
		res.FailedCode = code
		if a.Ext != nil {
			ext, err := a.Ext(p, code)
			if err != nil {
				return err
			}
			p.Ext = ext
		}
		if code != "" {
			return s.failPayment(b, m, p, code, now)
		}
		return s.succeedPayment(b, m, p, now)
	})
	res.Payment = p
	return res, err
}
