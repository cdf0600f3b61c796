package shop

import (
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
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

func (s Source) via() string {
	switch s.Actor {
	case ActorNotification:
		return "notification " + s.WebhookID
	case ActorReconciler:
		return "reconciliation with the gateway"
	case ActorReturn:
		return "a check with the gateway when the customer returned"
	case ActorSystem:
		return "a check with the gateway"
	}
	return "the gateway's answer"
}

// PaymentDecision is what applying PaymentFacts does. A non-empty Mismatch
// means the message is refused: nothing changes but a flagged entry.
type PaymentDecision struct {
	Mismatch      string
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
	entry := func(kind, msg string, flagged bool) TimelineEntry {
		return TimelineEntry{OrderID: o.ID, At: now, Kind: kind, Message: msg, Actor: src.Actor, Flagged: flagged, WebhookID: src.WebhookID}
	}
	if m := mismatch(a, f, merchantID); m != "" {
		what := "payment information"
		if f.EventType != "" {
			what = "notification " + src.WebhookID + " (" + f.EventType + ")"
		}
		return PaymentDecision{Mismatch: m, Entries: []TimelineEntry{
			entry(KindNotificationRejected, fmt.Sprintf("Refused %s for attempt %d: %s. The order was not changed.", what, a.N, m), true),
		}}
	}
	label := fmt.Sprintf("attempt %d (%s, %s)", a.N, MethodLabel(a.Method), f.PaymentID)
	switch f.Status {
	case gatewayapi.PaymentSucceeded:
		if a.Status == AttemptSucceeded {
			return PaymentDecision{}
		}
		d := PaymentDecision{AttemptStatus: AttemptSucceeded}
		switch {
		case o.Status == OrderPendingPayment:
			d.OrderStatus, d.MarkPaid = OrderPaid, true
			d.Entries = append(d.Entries, entry(KindPaid, fmt.Sprintf("Paid by %s, confirmed by %s.", label, src.via()), false))
		case o.Status == OrderClosed:
			d.OrderStatus, d.AutoRefund = OrderRefunding, true
			d.Entries = append(d.Entries, entry(KindAutoRefund, fmt.Sprintf("Payment %s succeeded after the order was closed, confirmed by %s. It is refunded automatically.", label, src.via()), true))
		default:
			d.AutoRefund = true
			d.Entries = append(d.Entries, entry(KindAutoRefund, fmt.Sprintf("A second payment, %s, succeeded although the order was already paid (confirmed by %s). It is refunded automatically.", label, src.via()), true))
		}
		if d.AutoRefund {
			d.AutoRefundReason = "Payment arrived after the order was closed."
			if o.PaidAttemptID != 0 {
				d.AutoRefundReason = "The order was already paid by another payment."
			}
		}
		return d
	case gatewayapi.PaymentPending:
		if !a.Open() {
			if f.EventType == "" {
				return PaymentDecision{}
			}
			return PaymentDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
				fmt.Sprintf("Late notification %s (%s) for %s ignored: the attempt is already %s.", src.WebhookID, f.EventType, label, a.Status), false)}}
		}
		d := PaymentDecision{}
		if a.Status == AttemptCreating {
			d.AttemptStatus = AttemptPending
		}
		// A notification reports every decline; reading the payment only
		// shows the latest, so it is recorded when it is new to us.
		if f.ErrorCode != "" && (f.EventType == "payment.failed" || (f.EventType == "" && f.ErrorCode != a.LastErrorCode)) {
			d.RecordError = true
			d.Entries = append(d.Entries, entry(KindPaymentDeclined, fmt.Sprintf("Payment %s was declined: %s (%s). The customer may try again.", label, f.ErrorCode, f.ErrorMessage), false))
		}
		return d
	case gatewayapi.PaymentClosed:
		switch a.Status {
		case AttemptClosed:
			return PaymentDecision{}
		case AttemptSucceeded:
			return PaymentDecision{Entries: []TimelineEntry{entry(KindNotificationIgnored,
				fmt.Sprintf("Message that %s closed ignored: it already succeeded.", label), true)}}
		}
		return PaymentDecision{AttemptStatus: AttemptClosed, Entries: []TimelineEntry{
			entry(KindAttemptClosed, fmt.Sprintf("Payment %s was closed by the gateway (expired or closed); reported by %s.", label, src.via()), false),
		}}
	}
	return PaymentDecision{Mismatch: fmt.Sprintf("unknown payment status %q", f.Status), Entries: []TimelineEntry{
		entry(KindNotificationRejected, fmt.Sprintf("Refused a message for %s: unknown payment status %q.", label, f.Status), true),
	}}
}

// mismatch compares the facts with the attempt and the shop's merchant (a
// notification's envelope and the payment must both be ours); "" means
// they agree.
func mismatch(a Attempt, f PaymentFacts, merchantID string) string {
	switch {
	case f.EventType != "" && f.EnvelopeMerchantID != merchantID:
		return fmt.Sprintf("the notification's merchant %q is not this shop's merchant %q", f.EnvelopeMerchantID, merchantID)
	case f.MerchantID != merchantID:
		return fmt.Sprintf("merchant %q is not this shop's merchant %q", f.MerchantID, merchantID)
	case f.OutTradeNo != a.OutTradeNo:
		return fmt.Sprintf("out_trade_no %q is not the attempt's %q", f.OutTradeNo, a.OutTradeNo)
	case a.PaymentID != "" && f.PaymentID != a.PaymentID:
		return fmt.Sprintf("payment id %q is not the attempt's %q", f.PaymentID, a.PaymentID)
	case f.Amount != a.Amount:
		return fmt.Sprintf("amount %s is not the attempt's %s", money.Format(f.Amount, f.Currency), money.Format(a.Amount, a.Currency))
	case f.Currency != a.Currency:
		return fmt.Sprintf("currency %q is not the attempt's %q", f.Currency, a.Currency)
	case f.Method != a.Method:
		return fmt.Sprintf("method %q is not the attempt's %q", f.Method, a.Method)
	}
	return ""
}
