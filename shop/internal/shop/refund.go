package shop

import (
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/i18n"
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

// RefundStatusLabel is how a refund's status is shown.
func RefundStatusLabel(s string) i18n.Message {
	switch s {
	case RefundCreating, RefundPending, RefundSucceeded, RefundFailed:
		return i18n.M("shop.refund_status." + s)
	}
	return i18n.Raw(s)
}

// Why is why the refund was made, in the reader's language. Reason holds
// what was sent to the gateway (in English, the gateway's language); an
// automatic refund's is one of AutoRefundWhy's, a requested refund's names
// its request ({request_no}-{attempt}).
func (r *Refund) Why() i18n.Message {
	if r.Kind == RefundRequested {
		no := r.OutRefundNo
		if i := strings.LastIndex(no, "-"); i > 0 {
			no = no[:i]
		}
		return i18n.M("shop.refund_reason.request", "Request", no)
	}
	for _, why := range []i18n.Message{AutoRefundWhy(false), AutoRefundWhy(true)} {
		if r.Reason == why.String() {
			return why
		}
	}
	return i18n.Raw(r.Reason)
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
	// Mismatch, when set, is why the message is refused.
	Mismatch      i18n.Message
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
	entry := func(kind string, msg i18n.Message, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: src.Actor, Flagged: flagged, WebhookID: src.WebhookID}
	}
	var m i18n.Message
	switch {
	case f.MerchantID != merchantID:
		m = i18n.M("shop.mismatch.merchant", "Got", f.MerchantID, "Want", merchantID)
	case r.GatewayRefundID != "" && f.RefundID != r.GatewayRefundID:
		m = i18n.M("shop.mismatch.refund_id", "Got", f.RefundID, "Want", r.GatewayRefundID)
	case f.PaymentID != paymentID:
		m = i18n.M("shop.mismatch.refunded_payment", "Got", f.PaymentID, "Want", paymentID)
	case f.Amount != r.Amount:
		m = i18n.M("shop.mismatch.refund_amount", "Got", money.Format(f.Amount, f.Currency), "Want", money.Format(r.Amount, r.Currency))
	case f.Currency != r.Currency:
		m = i18n.M("shop.mismatch.refund_currency", "Got", f.Currency, "Want", r.Currency)
	}
	if !m.IsZero() {
		what := i18n.M("shop.what.message")
		if f.EventType != "" {
			what = i18n.M("shop.what.notification", "Webhook", src.WebhookID, "Event", f.EventType)
		}
		return RefundDecision{Mismatch: m, Entries: []TimelineEntry{
			entry(KindNotificationRejected, i18n.M("shop.timeline.refund_refused_message", "What", what, "Refund", r.OutRefundNo, "Why", m), true)}}
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
					i18n.M("shop.timeline.refund_settled_already", "Refund", r.OutRefundNo, "Status", RefundStatusLabel(f.Status), "Was", RefundStatusLabel(r.Status)), true)}}
			}
			return RefundDecision{}
		}
	default:
		why := i18n.M("shop.mismatch.refund_status", "Status", f.Status)
		return RefundDecision{Mismatch: why, Entries: []TimelineEntry{
			entry(KindNotificationRejected, i18n.M("shop.timeline.unknown_refund_status", "Refund", r.OutRefundNo, "Status", f.Status), true)}}
	}
	amount := money.Format(r.Amount, r.Currency)
	if f.Status == gatewayapi.RefundFailed {
		return refundFailed(o, r, req, i18n.M("shop.timeline.refund_failed", "Refund", r.OutRefundNo, "Amount", amount, "Code", f.FailureCode,
			"Reason", DeclineReason(f.FailureCode, f.FailureMessage), "Via", src.via()), entry)
	}
	d := RefundDecision{RefundStatus: RefundSucceeded}
	msg := i18n.M("shop.timeline.refund_succeeded", "Refund", r.OutRefundNo, "Amount", amount, "Via", src.via())
	switch {
	case req != nil:
		// A requested refund returns part or all of the paid order.
		d.RequestStatus, d.AddRefunded = RequestRefunded, r.Amount
		refunded := o.RefundedAmount + r.Amount
		to := OrderPartiallyRefunded
		if refunded >= o.Total {
			to = OrderRefunded
		}
		msg = i18n.M("shop.timeline.refund_succeeded_total", "Refund", r.OutRefundNo, "Amount", amount, "Via", src.via(),
			"Refunded", money.Format(refunded, o.Currency), "Total", money.Format(o.Total, o.Currency))
		if CanTransition(o.Status, to) {
			d.OrderStatus = to
		} else {
			msg.Key = "shop.timeline.refund_succeeded_stays"
			msg.Args["State"] = StateLabel(o.Status)
		}
		d.Notice = requestNotice(req, NoticeRefundSucceeded, i18n.M("shop.notice.refund_succeeded", "Amount", amount, "Order", o.No), now)
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
	entry := func(kind string, msg i18n.Message, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: actor, Flagged: flagged}
	}
	return refundFailed(o, r, req, i18n.M("shop.timeline.refund_refused", "Refund", r.OutRefundNo, "Code", code, "Detail", message), entry)
}

// CodeRefundMissing is the failure code of a refund the gateway had
// accepted and then lost (404 when read back): its code for "no such
// object".
const CodeRefundMissing = "resource_missing"

// RefundMissing decides what a refund the gateway no longer knows does
// (its state was reset): the same as a failed refund, which support retries.
func RefundMissing(o Order, r Refund, req *RefundRequest, actor string, now time.Time) RefundDecision {
	entry := func(kind string, msg i18n.Message, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: actor, Flagged: flagged}
	}
	return refundFailed(o, r, req, i18n.M("shop.timeline.refund_missing", "Refund", r.OutRefundNo, "Amount", money.Format(r.Amount, r.Currency)), entry)
}

// RefundSentEntry is the timeline entry of refund r accepted by the
// gateway as gatewayID.
func RefundSentEntry(r *Refund, gatewayID, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: r.OrderID, At: now, Kind: KindRefundRequested, Actor: actor,
		Message: i18n.M("shop.timeline.refund_sent", "Refund", r.OutRefundNo, "Gateway", gatewayID, "Why", r.Why())}
}

// refundFailed is a failed refund: flagged for support; the order of a
// request, or of a closed order refunded automatically, is refund_failed
// until support retries, and the customer of a request is told the refund
// is pending.
func refundFailed(o Order, r Refund, req *RefundRequest, msg i18n.Message, entry func(kind string, msg i18n.Message, flagged bool) TimelineEntry) RefundDecision {
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
		d.Notice = requestNotice(req, NoticeRefundDelayed, i18n.M("shop.notice.refund_delayed", "Amount", money.Format(r.Amount, r.Currency), "Order", o.No), e.At)
	}
	return d
}
