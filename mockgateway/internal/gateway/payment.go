package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"time"
)

// Failure codes the gateway itself uses for payments.
var PaymentFailureCodes = []string{"card_declined", "insufficient_funds", "expired_card", "processing_error", "risk_rejected"}

// failureMessages are what a declined customer is told, by code.
var failureMessages = map[string]string{
	"card_declined":        "The card was declined.",
	"insufficient_funds":   "The account has insufficient funds.",
	"expired_card":         "The card has expired.",
	"processing_error":     "An error occurred while processing the payment.",
	"risk_rejected":        "The payment was rejected by risk control.",
	"refund_rejected":      "The refund was rejected by the payment provider.",
	"insufficient_balance": "The merchant balance is insufficient for this refund.",
}

// FailureMessage returns the human text for a failure code.
func FailureMessage(code string) string {
	if m, ok := failureMessages[code]; ok {
		return m
	}
	return "The payment provider reported " + code + "."
}

// CreatePaymentInput is a validated request for a new payment.
type CreatePaymentInput struct {
	// Protocol is the adapter creating the payment (default native).
	Protocol    string
	OutTradeNo  string
	Amount      int64
	Currency    string
	Method      string
	Subject     string
	Description string
	NotifyURL   string
	ReturnURL   string
	ExpiresIn   time.Duration
	Metadata    map[string]string
	// Locale is the language the cashier speaks to the customer ("" lets
	// the customer's browser decide); the adapter validates it.
	Locale string
	// Refs are the protocol's own ids of the payment, each claimed (unique
	// per merchant and kind) and indexed with it.
	Refs map[string]string
	// Ext is the adapter's own data, kept with the payment.
	Ext json.RawMessage
	// Scenario is the object-level part of the call's scenario.
	Scenario Scenario
	// Idem, when set, keeps the call's answer under its idempotency key in
	// the creating commit.
	Idem *IdemCommit
}

// CreatePayment creates a payment. created is false when a payment with the
// same out_trade_no, amount, currency and method already existed and was
// returned instead; other parameters under a known out_trade_no are an
// out_trade_no_conflict.
func (s *Service) CreatePayment(ctx context.Context, m *Merchant, in CreatePaymentInput) (p *Payment, created bool, err error) {
	now := s.now()
	id := NewID("pay", now)
	if in.Protocol == "" {
		in.Protocol = ProtocolNative
	}
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	if in.ExpiresIn == 0 {
		in.ExpiresIn = 15 * time.Minute
	}
	if in.Metadata == nil {
		in.Metadata = map[string]string{}
	}
	rec := &Payment{
		ID: id, Protocol: in.Protocol, MerchantID: m.ID, OutTradeNo: in.OutTradeNo,
		Amount: in.Amount, Currency: in.Currency, Method: in.Method, Subject: in.Subject,
		Description: in.Description, Status: PaymentPending,
		PayURL: s.cfg.PublicURL + "/pay/" + id, QRCodeURL: s.cfg.PublicURL + "/qr/" + id + ".png",
		NotifyURL: in.NotifyURL, ReturnURL: in.ReturnURL, Metadata: in.Metadata, Locale: in.Locale,
		Refs: in.Refs, Ext: in.Ext, Scenario: in.Scenario,
		CreatedAt: now, ExpiresAt: now.Add(in.ExpiresIn),
	}
	b := s.batch()
	b.Payments = []*Payment{rec}
	b.NewPayment = true
	// The owner index lives outside the merchant's slot; it goes in the
	// commit's round trip, and an orphan entry (if the commit loses) points
	// at nothing.
	b.Owner = &OwnerIndex{PaymentID: id, TTL: s.cfg.DataRetention}
	b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerExpire, id), At: rec.ExpiresAt})
	if in.Scenario.HasAutoSucceed {
		b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerAutoSucceed, id), At: now.Add(s.scaled(in.Scenario.AutoSucceed))})
	}
	if ic := in.Idem; ic != nil && ic.Answer != nil {
		status, body, err := ic.Answer(rec)
		if err != nil {
			return nil, false, err
		}
		b.Idem = &IdemKept{Key: ic.Key, Fingerprint: ic.Fingerprint, Status: status, Body: body, TTL: ic.TTL, Check: ic.Check}
	}
	err = s.commit(ctx, m.ID, b)
	if err == nil {
		if b.Idem != nil {
			in.Idem.Done, in.Idem.Status, in.Idem.Body = true, b.Idem.Status, b.Idem.Body
		}
		return rec, true, nil
	}
	if !errors.Is(err, ErrConflict) {
		return nil, false, err
	}
	existing, err := s.store.PaymentByOutTradeNo(ctx, m.ID, in.OutTradeNo)
	if err != nil {
		return nil, false, err
	}
	// The call that created it may have failed after its commit, before its
	// owner index was written: write it again, as the commit would have.
	if err := s.store.IndexPaymentOwner(ctx, existing.ID, m.ID, s.cfg.DataRetention); err != nil {
		return nil, false, err
	}
	if existing.Amount != in.Amount || existing.Currency != in.Currency || existing.Method != in.Method || existing.Protocol != in.Protocol {
		return nil, false, Errorf(OutTradeNoConflict, "out_trade_no",
			"A payment with out_trade_no %q already exists with a different amount, currency, method or protocol (%s); use a new out_trade_no for a new payment.",
			in.OutTradeNo, existing.ID)
	}
	return existing, false, nil
}

// Payment returns one of the merchant's payments.
func (s *Service) Payment(ctx context.Context, m *Merchant, id string) (*Payment, error) {
	return s.store.Payment(ctx, m.ID, id)
}

// PaymentByOutTradeNo returns the merchant's payment with that out_trade_no.
func (s *Service) PaymentByOutTradeNo(ctx context.Context, m *Merchant, outTradeNo string) (*Payment, error) {
	return s.store.PaymentByOutTradeNo(ctx, m.ID, outTradeNo)
}

// PaymentByRef returns the merchant's payment whose protocol id of a kind
// (Payment.Refs) is ref.
func (s *Service) PaymentByRef(ctx context.Context, m *Merchant, kind, ref string) (*Payment, error) {
	return s.store.PaymentByRef(ctx, m.ID, kind, ref)
}

// PaymentFilter selects payments of a list; empty fields select all.
type PaymentFilter struct {
	Status   string
	Method   string
	Protocol string
	// RefKind keeps only payments with a protocol id of this kind
	// (Payment.Refs), such as a protocol's kind of object.
	RefKind string
}

// ListPayments returns a page of the merchant's payments, newest first.
func (s *Service) ListPayments(ctx context.Context, m *Merchant, f PaymentFilter, q ListQuery) ([]*Payment, bool, error) {
	return s.store.ListPayments(ctx, m.ID, q, func(p *Payment) bool {
		return (f.Status == "" || p.Status == f.Status) && (f.Method == "" || p.Method == f.Method) &&
			(f.Protocol == "" || p.Protocol == f.Protocol) && (f.RefKind == "" || p.Refs[f.RefKind] != "")
	})
}

// MarkOpened records that the cashier page of a pending payment was opened
// for the first time (the buyer scanned its code). Later calls change
// nothing.
func (s *Service) MarkOpened(ctx context.Context, m *Merchant, id string) (*Payment, error) {
	return s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		if p.OpenedAt == nil && p.Status == PaymentPending {
			p.OpenedAt = &now
			b.Payments = append(b.Payments, p)
		}
		return nil
	})
}

// PublicPayment returns a payment and its merchant by id alone, for the
// cashier page a customer opens without credentials.
func (s *Service) PublicPayment(ctx context.Context, id string) (*Payment, *Merchant, error) {
	mid, err := s.store.PaymentOwner(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.merchantByID(ctx, mid)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.Payment(ctx, mid, id)
	if err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// changePayment re-reads a payment and applies change to it until the commit
// wins. change returns an error to refuse; it may still have changed the
// record (an expiry noticed on the way), which is then committed.
func (s *Service) changePayment(ctx context.Context, m *Merchant, id string, change func(p *Payment, b *Batch, now time.Time) error) (*Payment, error) {
	var out *Payment
	err := s.commitRetry(ctx, m.ID, func(b *Batch) error {
		p, err := s.store.Payment(ctx, m.ID, id)
		if err != nil {
			return err
		}
		out = p
		before := p.Snapshot()
		now := s.now()
		cerr := s.expireIfDue(b, m, p, now)
		if cerr == nil {
			cerr = change(p, b, now)
		}
		if !slices.Contains(b.Payments, p) && (!b.Empty() || (cerr == nil && !reflect.DeepEqual(before, p))) {
			// Whatever the change wrote, it wrote because of this version of
			// the payment: the commit must fail if the payment moved on. And
			// a change to the payment alone — a decline in a protocol that
			// notifies none — is stored too (unless the change was refused).
			b.Payments = append(b.Payments, p)
		}
		return cerr
	})
	if err != nil {
		return out, err
	}
	return out, nil
}

// expireIfDue closes a pending payment whose time is up, as the expiry timer
// would have, so no action ever applies to a payment that has expired.
func (s *Service) expireIfDue(b *Batch, m *Merchant, p *Payment, now time.Time) error {
	if p.Status != PaymentPending || now.Before(p.ExpiresAt) {
		return nil
	}
	p.Expired = true
	return s.closePayment(b, m, p, now)
}

func (s *Service) closePayment(b *Batch, m *Merchant, p *Payment, now time.Time) error {
	p.Status = PaymentClosed
	p.ClosedAt = &now
	b.Unschedule = append(b.Unschedule,
		ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerExpire, p.ID)},
		ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerAutoSucceed, p.ID)})
	return s.paymentEvent(b, m, p, EventPaymentClosed, now)
}

func (s *Service) paymentEvent(b *Batch, m *Merchant, p *Payment, typ string, now time.Time) error {
	s.newEvents(b, m, p.Protocol, Change{Type: typ, Payment: p}, p.NotifyURL, p.Scenario, now)
	return nil
}

// ClosePayment closes a pending payment (payment.closed). Closing a closed
// payment changes nothing; a succeeded one is payment_not_closable.
func (s *Service) ClosePayment(ctx context.Context, m *Merchant, id string) (*Payment, error) {
	return s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		switch p.Status {
		case PaymentClosed:
			return nil
		case PaymentSucceeded:
			return Errorf(PaymentNotClosable, "id", "Payment %s has succeeded and cannot be closed; refund it instead.", p.ID)
		}
		return s.closePayment(b, m, p, now)
	})
}

// ExpirePayment closes a pending payment as its expiry would.
func (s *Service) ExpirePayment(ctx context.Context, m *Merchant, id string) (*Payment, error) {
	return s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		if p.Status != PaymentPending {
			return notPending(p)
		}
		p.Expired = true
		return s.closePayment(b, m, p, now)
	})
}

func notPending(p *Payment) error {
	return Errorf(PaymentNotPending, "id", "Payment %s is %s, not pending.", p.ID, p.Status)
}

// PayResult says how a pay action ended.
type PayResult struct {
	Payment *Payment
	// FailedCode is set when the action was turned into a decline (by the
	// customer's choice, a test card or an auto_fail scenario).
	FailedCode string
}

// SucceedPayment is the customer paying: pending → succeeded
// (payment.succeeded), unless an auto_fail scenario turns this action into a
// decline. A payment that is not pending is payment_not_pending.
func (s *Service) SucceedPayment(ctx context.Context, m *Merchant, id string) (PayResult, error) {
	var res PayResult
	p, err := s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		res.FailedCode = ""
		if p.Status != PaymentPending {
			return notPending(p)
		}
		if code := autoFail(p); code != "" {
			res.FailedCode = code
			p.AutoFailUsed = true
			return s.failPayment(b, m, p, code, now)
		}
		return s.succeedPayment(b, m, p, now)
	})
	res.Payment = p
	return res, err
}

// succeedPayment marks a pending payment paid and records the event.
func (s *Service) succeedPayment(b *Batch, m *Merchant, p *Payment, now time.Time) error {
	p.Status = PaymentSucceeded
	p.PaidAt = &now
	p.LastError = nil
	b.Unschedule = append(b.Unschedule,
		ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerExpire, p.ID)},
		ScheduleEntry{Queue: QueueTimer, Member: timerMember(TimerAutoSucceed, p.ID)})
	return s.paymentEvent(b, m, p, EventPaymentSucceeded, now)
}

// autoFail returns the code an auto_fail scenario imposes on the next pay
// action, or "". It applies once: the action after it can pay.
func autoFail(p *Payment) string {
	if p.AutoFailUsed {
		return ""
	}
	return p.Scenario.AutoFail
}

// FailPayment records a declined attempt: the payment stays pending with
// last_error set, and payment.failed is emitted.
func (s *Service) FailPayment(ctx context.Context, m *Merchant, id, code string) (*Payment, error) {
	if code == "" {
		code = "card_declined"
	}
	if !ValidFailureCode(code) {
		return nil, Errorf(ParameterInvalid, "code", "A failure code is 1 to 64 letters, digits or underscores; %q is not.", code)
	}
	return s.changePayment(ctx, m, id, func(p *Payment, b *Batch, now time.Time) error {
		if p.Status != PaymentPending {
			return notPending(p)
		}
		return s.failPayment(b, m, p, code, now)
	})
}

func (s *Service) failPayment(b *Batch, m *Merchant, p *Payment, code string, now time.Time) error {
	p.LastError = &PaymentError{Code: code, Message: FailureMessage(code), At: now}
	return s.paymentEvent(b, m, p, EventPaymentFailed, now)
}
