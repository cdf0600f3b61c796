package shop

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
)

// Refund request statuses. A request waits for customer service
// (pending_review), is rejected or approved; an approved request is refunding
// until its gateway refund settles: refunded, or refund_failed until support
// retries it.
const (
	RequestPendingReview = "pending_review"
	RequestRejected      = "rejected"
	RequestRefunding     = "refunding"
	RequestRefundFailed  = "refund_failed"
	RequestRefunded      = "refunded"
)

// RequestOpen reports whether a request still occupies its order: an order
// has at most one open request (docs/shop.md, "How a refund is asked for, reviewed and paid back").
func RequestOpen(status string) bool {
	return status == RequestPendingReview || status == RequestRefunding || status == RequestRefundFailed
}

// RefundRequest is a customer's request for (part of) an order's money back,
// reviewed by customer service. Amounts are in fen.
type RefundRequest struct {
	ID      int64
	No      string
	OrderID int64
	UserID  int64
	Amount  int64
	// Currency is the order's.
	Currency string
	// Reason is a code of RefundReasons; Details the customer's own words.
	Reason  string
	Details string
	Status  string
	// PrevOrderStatus is the order's state when the request was made; a
	// rejection returns the order to it.
	PrevOrderStatus string
	// Attempt numbers the request's gateway refunds: 0 until approval, then
	// 1, raised only by a support retry. It is stored before the gateway is
	// called, so a repeated approval can only repeat out_refund_no
	// {No}-{Attempt}, which the gateway answers with the same refund.
	Attempt      int
	DecidedByID  int64
	DecidedBy    string // the support user's name
	DecisionNote string
	DecidedAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// OutRefundNo is the gateway number of the request's current refund.
func (r *RefundRequest) OutRefundNo() string { return RefundOutNo(r.No, r.Attempt) }

// RefundOutNo is the out_refund_no of attempt n of a refund request.
func RefundOutNo(requestNo string, n int) string { return fmt.Sprintf("%s-%d", requestNo, n) }

// RefundReason is one choice of the request form.
type RefundReason struct {
	Code  string
	Label i18n.Message
}

// RefundReasonOther needs the customer's own words.
const RefundReasonOther = "other"

// RefundReasons are what a customer may choose from, in the form's order.
var RefundReasons = []RefundReason{
	{"not_received", i18n.M("shop.reason.not_received")},
	{"damaged", i18n.M("shop.reason.damaged")},
	{"wrong_item", i18n.M("shop.reason.wrong_item")},
	{"not_as_described", i18n.M("shop.reason.not_as_described")},
	{"changed_mind", i18n.M("shop.reason.changed_mind")},
	{RefundReasonOther, i18n.M("shop.reason.other")},
}

// ReasonLabel is how a reason code is shown; an unknown code as it is.
func ReasonLabel(code string) i18n.Message {
	for _, r := range RefundReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return i18n.Raw(code)
}

func knownReason(code string) bool {
	for _, r := range RefundReasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// MaxRefundDetails bounds the customer's free text, in characters.
const MaxRefundDetails = 500

// RequestStatusLabel is how a request's status is shown to the customer
// (refund_failed reads "Refund pending" while support retries).
func RequestStatusLabel(s string) i18n.Message {
	switch s {
	case RequestPendingReview, RequestRejected, RequestRefunding, RequestRefundFailed, RequestRefunded:
		return i18n.M("shop.request_status." + s)
	}
	return i18n.Raw(s)
}

// Refundable is how much of an order's payment may still be asked back.
func Refundable(o *Order) int64 { return max(o.Total-o.RefundedAmount, 0) }

// CanRequestRefund reports whether the customer may ask for a refund of o
// now: the order is paid or partially refunded and money is left.
func CanRequestRefund(o *Order) bool {
	return (o.Status == OrderPaid || o.Status == OrderPartiallyRefunded) && Refundable(o) > 0
}

// CheckRefundRequest checks a customer's request against the order. Errors:
// ECONFLICT when the order cannot be refunded now (not paid, or a request
// is already open); EINVALID with the field for a bad amount, reason or
// details.
func CheckRefundRequest(o *Order, amount int64, reason, details string) error {
	if o.Status == OrderRefundRequested || o.Status == OrderRefunding || o.Status == OrderRefundFailed {
		return RefundInProgress(o)
	}
	if !CanRequestRefund(o) {
		return Errorf(ECONFLICT, "shop.error.not_refundable", "Order", o.No, "State", StateLabel(o.Status))
	}
	left := Refundable(o)
	switch {
	case amount <= 0:
		return FieldErrorf("amount", "shop.error.amount_min", "Min", money.Format(1, o.Currency))
	case amount > left:
		return FieldErrorf("amount", "shop.error.amount_max", "Max", money.Format(left, o.Currency))
	}
	if !knownReason(reason) {
		return FieldErrorf("reason", "shop.error.reason")
	}
	if utf8.RuneCountInString(details) > MaxRefundDetails {
		return FieldErrorf("details", "shop.error.details_long", "Count", MaxRefundDetails)
	}
	if reason == RefundReasonOther && strings.TrimSpace(details) == "" {
		return FieldErrorf("details", "shop.error.details_required")
	}
	return nil
}

// RefundInProgress refuses a second open refund request for o. Errors:
// ECONFLICT.
func RefundInProgress(o *Order) error {
	return Errorf(ECONFLICT, "shop.error.refund_in_progress", "Order", o.No)
}

// Describe is the request's reason in one line, for the back office and
// the customer's pages.
func (r *RefundRequest) Describe() i18n.Message {
	if r.Details == "" {
		return ReasonLabel(r.Reason)
	}
	return i18n.M("shop.refund.describe", "Reason", ReasonLabel(r.Reason), "Details", r.Details)
}

// describeSentence is Describe as a sentence, for the timeline.
func (r *RefundRequest) describeSentence() i18n.Message {
	if r.Details == "" {
		return i18n.M("shop.refund.reason_sentence", "Reason", ReasonLabel(r.Reason))
	}
	return i18n.M("shop.refund.describe", "Reason", ReasonLabel(r.Reason), "Details", Sentence(r.Details))
}

// RequestedEntry is the timeline entry of a new request.
func RequestedEntry(o *Order, r *RefundRequest, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: o.ID, At: now, Kind: KindRefundRequestCreated, Actor: actor,
		Message: i18n.M("shop.timeline.refund_requested", "Request", r.No, "Amount", money.Format(r.Amount, r.Currency),
			"Refundable", money.Format(Refundable(o), o.Currency), "Reason", r.describeSentence(), "State", StateLabel(r.PrevOrderStatus))}
}
