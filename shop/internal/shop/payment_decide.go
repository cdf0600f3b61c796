package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
)

// PaymentFacts is what the gateway says about one payment, from a
// notification's snapshot or from reading the payment.
type PaymentFacts struct {
	PaymentID    string
	MerchantID   string
	OutTradeNo   string
	Amount       int64
	Currency     string
	Method       string
	Status       string
	ErrorCode    string
	ErrorMessage string
	// EventType is the notification's type ("payment.failed"), "" when the
	// facts were read from the API.
	EventType string
	// EnvelopeMerchantID is the merchant of the notification's envelope,
	// which must be ours as well as the payment's; "" when read from the API.
	EnvelopeMerchantID string
	// PayURL and QRCodeURL are the payment's cashier link and QR image. The
	// create answer brings them, but it may be lost while another message
	// moves the attempt on, so every message that carries them fills them.
	PayURL    string
	QRCodeURL string
}

// Source is how the facts reached the shop; it becomes the timeline actor
// and the "confirmed by" wording.
type Source struct {
	Actor     string
	WebhookID string
}

func (s Source) via() i18n.Message {
	switch s.Actor {
	case ActorNotification:
		return i18n.M("shop.via.notification", "Webhook", s.WebhookID)
	case ActorReconciler:
		return i18n.M("shop.via.reconciler")
	case ActorReturn:
		return i18n.M("shop.via.return")
	case ActorSystem:
		return i18n.M("shop.via.system")
	}
	return i18n.M("shop.via.gateway")
}

// DeclineReason is why a payment or refund failed, in the reader's
// language for the gateway's own codes, else the gateway's words.
func DeclineReason(code, gatewayMessage string) i18n.Message {
	switch code {
	case "card_declined", "insufficient_funds", "expired_card", "processing_error", "risk_rejected",
		"refund_rejected", "insufficient_balance":
		return i18n.M("decline." + code)
	}
	return i18n.Raw(gatewayMessage)
}

// PaymentDecision is what applying PaymentFacts does. A non-empty Mismatch
// means the message is refused: nothing changes but a flagged entry.
type PaymentDecision struct {
	// Mismatch, when set, is why the message is refused.
	Mismatch      i18n.Message
	OrderStatus   string // new order state, "" to keep it
	AttemptStatus string // new attempt status, "" to keep it
	// RecordError sets the attempt's last error from the facts.
	RecordError bool
	// MarkPaid makes the attempt the one that paid the order.
	MarkPaid bool
	// AutoRefund asks for a refund of the whole attempt: the money arrived
	// for an order that cannot take it. AutoRefundReason is the refund's
	// reason.
	AutoRefund       bool
	AutoRefundReason string
	Entries          []TimelineEntry
}

// Changed reports whether the decision changes the order or the attempt.
func (d PaymentDecision) Changed() bool {
	return d.OrderStatus != "" || d.AttemptStatus != "" || d.RecordError || d.MarkPaid || d.AutoRefund
}

// DecidePayment decides what the gateway's facts about attempt a of order o
// do. merchantID is the shop's own merchant. The rules are monotonic: an
// attempt only moves forward (creating → pending → succeeded | closed), so a
// late or repeated message never undoes a newer one.
func DecidePayment(o Order, a Attempt, f PaymentFacts, merchantID string, src Source, now time.Time) PaymentDecision {
	entry := func(kind string, msg i18n.Message, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: src.Actor, Flagged: flagged, WebhookID: src.WebhookID}
	}
	if m := mismatch(a, f, merchantID); !m.IsZero() {
		what := i18n.M("shop.what.payment_info")
		if f.EventType != "" {
			what = i18n.M("shop.what.notification", "Webhook", src.WebhookID, "Event", f.EventType)
		}
		return PaymentDecision{Mismatch: m, Entries: []TimelineEntry{
			entry(KindNotificationRejected, i18n.M("shop.timeline.payment_refused", "What", what, "N", a.N, "Why", m), true),
		}}
	}
	label := i18n.M("shop.attempt_label", "N", a.N, "Method", MethodLabel(a.Method), "Payment", f.PaymentID)
	switch f.Status {
	case gatewayapi.PaymentSucceeded:
		if a.Status == AttemptSucceeded {
			return PaymentDecision{}
		}
		d := PaymentDecision{AttemptStatus: AttemptSucceeded}
		switch {
		case o.Status == OrderPendingPayment:
			d.OrderStatus, d.MarkPaid = OrderPaid, true
			d.Entries = append(d.Entries, entry(KindPaid, i18n.M("shop.timeline.paid", "Attempt", label, "Via", src.via()), false))
		case o.Status == OrderClosed:
			d.OrderStatus, d.AutoRefund = OrderRefunding, true
			d.Entries = append(d.Entries, entry(KindAutoRefund, i18n.M("shop.timeline.paid_after_close", "Attempt", label, "Via", src.via()), true))
		default:
			d.AutoRefund = true
			d.Entries = append(d.Entries, entry(KindAutoRefund, i18n.M("shop.timeline.paid_twice", "Attempt", label, "Via", src.via()), true))
		}
		if d.AutoRefund {
			// The reason goes to the gateway, whose API speaks English.
			d.AutoRefundReason = AutoRefundWhy(o.PaidAttemptID != 0).String()
		}
		return d
	case gatewayapi.PaymentPending:
		if !a.Open() {
			if f.EventType == "" {
				return PaymentDecision{}
			}
			return PaymentDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
				i18n.M("shop.timeline.late", "Webhook", src.WebhookID, "Event", f.EventType, "Attempt", label, "Status", AttemptStatusLabel(a.Status)), false)}}
		}
		d := PaymentDecision{}
		if a.Status == AttemptCreating {
			d.AttemptStatus = AttemptPending
		}
		// A notification reports every decline; reading the payment only
		// shows the latest, so it is recorded when it is new to us.
		if f.ErrorCode != "" && (f.EventType == "payment.failed" || (f.EventType == "" && f.ErrorCode != a.LastErrorCode)) {
			d.RecordError = true
			d.Entries = append(d.Entries, entry(KindPaymentDeclined, i18n.M("shop.timeline.declined", "Attempt", label, "Code", f.ErrorCode,
				"Reason", DeclineReason(f.ErrorCode, f.ErrorMessage)), false))
		}
		return d
	case gatewayapi.PaymentClosed:
		switch a.Status {
		case AttemptClosed:
			return PaymentDecision{}
		case AttemptSucceeded:
			return PaymentDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
				i18n.M("shop.timeline.closed_after_success", "Attempt", label), true)}}
		}
		return PaymentDecision{AttemptStatus: AttemptClosed, Entries: []TimelineEntry{
			entry(KindAttemptClosed, i18n.M("shop.timeline.closed_by_gateway", "Attempt", label, "Via", src.via()), false),
		}}
	}
	why := i18n.M("shop.mismatch.payment_status", "Status", f.Status)
	return PaymentDecision{Mismatch: why, Entries: []TimelineEntry{
		entry(KindNotificationRejected, i18n.M("shop.timeline.unknown_payment_status", "Attempt", label, "Status", f.Status), true),
	}}
}

// AutoRefundWhy is the reason of an automatic refund: the order was already
// paid by another payment, or the money came after the order was closed.
func AutoRefundWhy(paidBefore bool) i18n.Message {
	if paidBefore {
		return i18n.M("shop.refund_reason.auto_paid_twice")
	}
	return i18n.M("shop.refund_reason.auto_closed")
}

// mismatch compares the facts with the attempt and the shop's merchant (a
// notification's envelope and the payment must both be ours); "" means
// they agree.
func mismatch(a Attempt, f PaymentFacts, merchantID string) i18n.Message {
	switch {
	case f.EventType != "" && f.EnvelopeMerchantID != merchantID:
		return i18n.M("shop.mismatch.envelope_merchant", "Got", f.EnvelopeMerchantID, "Want", merchantID)
	case f.MerchantID != merchantID:
		return i18n.M("shop.mismatch.merchant", "Got", f.MerchantID, "Want", merchantID)
	case f.OutTradeNo != a.OutTradeNo:
		return i18n.M("shop.mismatch.out_trade_no", "Got", f.OutTradeNo, "Want", a.OutTradeNo)
	case a.PaymentID != "" && f.PaymentID != a.PaymentID:
		return i18n.M("shop.mismatch.payment_id", "Got", f.PaymentID, "Want", a.PaymentID)
	case f.Amount != a.Amount:
		return i18n.M("shop.mismatch.amount", "Got", money.Format(f.Amount, f.Currency), "Want", money.Format(a.Amount, a.Currency))
	case f.Currency != a.Currency:
		return i18n.M("shop.mismatch.currency", "Got", f.Currency, "Want", a.Currency)
	case f.Method != a.Method:
		return i18n.M("shop.mismatch.method", "Got", f.Method, "Want", a.Method)
	}
	return i18n.Message{}
}
