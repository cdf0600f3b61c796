package shop

import (
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shared/money"
)

// Refund kinds. Automatic refunds return a payment the order could not take;
// requested refunds (issue 7) come from a customer's request approved by
// support.
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
	CreatedAt       time.Time
	UpdatedAt       time.Time
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
	Mismatch     string
	RefundStatus string
	OrderStatus  string
	Entries      []TimelineEntry
}

// DecideRefund decides what the gateway's facts about refund r of order o
// do. Like payments, a refund only moves forward.
func DecideRefund(o Order, r Refund, paymentID string, f RefundFacts, merchantID string, src Source, now time.Time) RefundDecision {
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
		return RefundDecision{Mismatch: m, Entries: []TimelineEntry{
			entry(KindNotificationRejected, fmt.Sprintf("Refused a message about refund %s: %s. Nothing was changed.", r.OutRefundNo, m), true)}}
	}
	settled := r.Status == RefundSucceeded || r.Status == RefundFailed
	switch f.Status {
	case GatewayPending:
		if r.Status == RefundCreating {
			return RefundDecision{RefundStatus: RefundPending}
		}
		return RefundDecision{}
	case RefundSucceeded, RefundFailed:
		if settled {
			if r.Status != f.Status {
				return RefundDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
					fmt.Sprintf("Message that refund %s %s ignored: it already %s.", r.OutRefundNo, f.Status, r.Status), true)}}
			}
			return RefundDecision{}
		}
	default:
		return RefundDecision{Mismatch: fmt.Sprintf("unknown refund status %q", f.Status)}
	}
	d := RefundDecision{RefundStatus: f.Status}
	amount := money.Format(r.Amount, r.Currency)
	// Only the automatic refund of a closed order moves the order: a refund
	// of a second payment leaves the paid order as it is.
	closedOrderRefund := r.Kind == RefundAuto && o.PaidAttemptID == 0 && o.Status == OrderRefunding
	if f.Status == RefundSucceeded {
		if closedOrderRefund {
			d.OrderStatus = OrderRefunded
		}
		d.Entries = append(d.Entries, entry(KindRefundSucceeded, fmt.Sprintf("Refund %s of %s succeeded; reported by %s.", r.OutRefundNo, amount, src.via()), false))
		return d
	}
	if closedOrderRefund {
		d.OrderStatus = OrderRefundFailed
	}
	d.Entries = append(d.Entries, entry(KindRefundFailed, fmt.Sprintf("Refund %s of %s failed: %s (%s); reported by %s. Support must retry it.", r.OutRefundNo, amount, f.FailureCode, f.FailureMessage, src.via()), true))
	return d
}
