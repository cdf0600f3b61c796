package shop

import (
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/money"
)

// Refund kinds. Automatic refunds return a payment the order could not take;
// requested refunds come from a customer's request approved by support
// (docs/shop.md, "How a refund is asked for, reviewed and paid back").
const (
	RefundAuto      = "auto"
	RefundRequested = "request"
)

// Refund statuses. "creating" is written before the gateway call, so the
// out_refund_no is fixed before anything can be sent twice.
const (
	RefundCreating  = "creating"
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// Refund is one gateway refund of one attempt's payment.
type Refund struct {
	ID              int64
	OrderID         int64
	AttemptID       int64
	Kind            string
	OutRefundNo     string
	Amount          int64
	Currency        string
	Reason          string
	Status          string
	GatewayRefundID string
	FailureCode     string
	// RequestID is the customer's refund request a requested refund
	// belongs to; 0 for an automatic refund.
	RequestID int64
	// Retried: support retried this failed refund as a new one, so it has
	// left the back office's list of failed refunds.
	Retried   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AutoRefundNo is the out_refund_no of the automatic refund of an attempt:
// one per attempt, so asking twice can never refund twice.
func AutoRefundNo(outTradeNo string) string { return outTradeNo + "-auto" }

// RefundFacts is what the gateway says about one refund.
type RefundFacts struct {
	RefundID       string
	MerchantID     string
	OutRefundNo    string
	PaymentID      string
	Amount         int64
	Currency       string
	Status         string
	FailureCode    string
	FailureMessage string
	EventType      string
}

// RefundDecision is what applying RefundFacts does.
type RefundDecision struct {
	Mismatch      string
	RefundStatus  string
	OrderStatus   string
	RequestStatus string
	// AddRefunded is added to the order's refunded amount: the money of a
	// requested refund, once it succeeded.
	AddRefunded int64
	Entries     []TimelineEntry
	Notice      *Notice
}

// Changed reports whether the decision changes anything but the timeline.
func (d RefundDecision) Changed() bool {
	return d.RefundStatus != "" || d.OrderStatus != "" || d.RequestStatus != "" || d.AddRefunded != 0
}

// DecideRefund decides what the gateway's facts about refund r of order o
// do; req is the refund request r belongs to, nil for an automatic refund.
// Like payments, a refund only moves forward.
func DecideRefund(o Order, r Refund, req *RefundRequest, paymentID string, f RefundFacts, merchantID string, src Source, now time.Time) RefundDecision {
	entry := func(kind, msg string, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: src.Actor, Flagged: flagged, WebhookID: src.WebhookID}
	}
	var m string
	switch {
	case f.MerchantID != merchantID:
		m = fmt.Sprintf("merchant %q is not this shop's merchant %q", f.MerchantID, merchantID)
	case r.GatewayRefundID != "" && f.RefundID != r.GatewayRefundID:
		m = fmt.Sprintf("refund id %q is not ours, %q", f.RefundID, r.GatewayRefundID)
	case f.PaymentID != paymentID:
		m = fmt.Sprintf("payment id %q is not the refunded payment %q", f.PaymentID, paymentID)
	case f.Amount != r.Amount:
		m = fmt.Sprintf("amount %s is not the refund's %s", money.Format(f.Amount, f.Currency), money.Format(r.Amount, r.Currency))
	case f.Currency != r.Currency:
		m = fmt.Sprintf("currency %q is not the refund's %q", f.Currency, r.Currency)
	}
	if m != "" {
		what := "a message"
		if f.EventType != "" {
			what = "notification " + src.WebhookID + " (" + f.EventType + ")"
		}
		return RefundDecision{Mismatch: m, Entries: []TimelineEntry{
			entry(KindNotificationRejected, fmt.Sprintf("Refused %s about refund %s: %s. Nothing was changed.", what, r.OutRefundNo, m), true)}}
	}
	settled := r.Status == RefundSucceeded || r.Status == RefundFailed
	switch f.Status {
	case gatewayapi.RefundPending:
		if r.Status == RefundCreating {
			return RefundDecision{RefundStatus: RefundPending}
		}
		return RefundDecision{}
	case gatewayapi.RefundSucceeded, gatewayapi.RefundFailed:
		if settled {
			if r.Status != f.Status {
				return RefundDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
					fmt.Sprintf("Message that refund %s %s ignored: it already %s.", r.OutRefundNo, f.Status, r.Status), true)}}
			}
			return RefundDecision{}
		}
	default:
		return RefundDecision{Mismatch: fmt.Sprintf("unknown refund status %q", f.Status), Entries: []TimelineEntry{
			entry(KindNotificationRejected, fmt.Sprintf("Refused a message about refund %s: unknown refund status %q.", r.OutRefundNo, f.Status), true)}}
	}
	if f.Status == gatewayapi.RefundFailed {
		return refundFailed(o, r, req, fmt.Sprintf("Refund %s of %s failed: %s (%s); reported by %s. Support must retry it.",
			r.OutRefundNo, money.Format(r.Amount, r.Currency), f.FailureCode, f.FailureMessage, src.via()), entry)
	}
	d := RefundDecision{RefundStatus: RefundSucceeded}
	amount := money.Format(r.Amount, r.Currency)
	msg := fmt.Sprintf("Refund %s of %s succeeded; reported by %s.", r.OutRefundNo, amount, src.via())
	switch {
	case req != nil:
		// A requested refund returns part or all of the paid order.
		d.RequestStatus, d.AddRefunded = RequestRefunded, r.Amount
		refunded := o.RefundedAmount + r.Amount
		to := OrderPartiallyRefunded
		if refunded >= o.Total {
			to = OrderRefunded
		}
		msg += fmt.Sprintf(" %s of %s refunded in total.", money.Format(refunded, o.Currency), money.Format(o.Total, o.Currency))
		if CanTransition(o.Status, to) {
			d.OrderStatus = to
		} else {
			msg += fmt.Sprintf(" The order stays %s.", StateLabel(o.Status))
		}
		d.Notice = requestNotice(req, NoticeRefundSucceeded, fmt.Sprintf("Your refund of %s for order %s has been paid back to your original payment method.",
			amount, o.No), now)
	case o.PaidAttemptID == 0 && o.Status == OrderRefunding:
		// The automatic refund of a closed order; a refund of a second
		// payment leaves the paid order as it is.
		d.OrderStatus = OrderRefunded
	}
	d.Entries = append(d.Entries, entry(KindRefundSucceeded, msg, false))
	return d
}

// RefundRefused decides what the gateway's refusal to create refund r (for
// good, e.g. payment_not_refundable) does: the same as a failed refund.
func RefundRefused(o Order, r Refund, req *RefundRequest, code, message, actor string, now time.Time) RefundDecision {
	entry := func(kind, msg string, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: actor, Flagged: flagged}
	}
	return refundFailed(o, r, req, fmt.Sprintf("The gateway refused refund %s: %s (%s). Support must look at it.", r.OutRefundNo, code, message), entry)
}

// CodeRefundMissing is the failure code of a refund the gateway had
// accepted and then lost (404 when read back): its code for "no such
// object".
const CodeRefundMissing = "resource_missing"

// RefundMissing decides what a refund the gateway no longer knows does
// (its state was reset): the same as a failed refund, which support retries.
func RefundMissing(o Order, r Refund, req *RefundRequest, actor string, now time.Time) RefundDecision {
	entry := func(kind, msg string, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: actor, Flagged: flagged}
	}
	return refundFailed(o, r, req, fmt.Sprintf("The gateway has no record of refund %s of %s any more (its data were reset or lost), "+
		"so no money will move: counted as failed. Support must retry it.", r.OutRefundNo, money.Format(r.Amount, r.Currency)), entry)
}

// RefundSentEntry is the timeline entry of refund r accepted by the
// gateway as gatewayID.
func RefundSentEntry(r *Refund, gatewayID, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: r.OrderID, At: now, Kind: KindRefundRequested, Actor: actor,
		Message: fmt.Sprintf("Refund %s (%s) requested at the gateway: %s", r.OutRefundNo, gatewayID, r.Reason)}
}

// refundFailed is a failed refund: flagged for support; the order of a
// request, or of a closed order refunded automatically, is refund_failed
// until support retries, and the customer of a request is told the refund
// is pending.
func refundFailed(o Order, r Refund, req *RefundRequest, msg string, entry func(kind, msg string, flagged bool) TimelineEntry) RefundDecision {
	d := RefundDecision{RefundStatus: RefundFailed}
	if req != nil || (o.PaidAttemptID == 0 && o.Status == OrderRefunding) {
		if CanTransition(o.Status, OrderRefundFailed) {
			d.OrderStatus = OrderRefundFailed
		}
	}
	e := entry(KindRefundFailed, msg, true)
	d.Entries = append(d.Entries, e)
	if req != nil {
		d.RequestStatus = RequestRefundFailed
		d.Notice = requestNotice(req, NoticeRefundDelayed, fmt.Sprintf("Your refund of %s for order %s is pending: the payment provider could not complete it yet. "+
			"Customer service will try again; you do not need to do anything.", money.Format(r.Amount, r.Currency), o.No), e.At)
	}
	return d
}
