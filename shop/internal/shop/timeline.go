package shop

import (
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Timeline entry kinds.
const (
	KindCreated              = "created"
	KindPaymentRequested     = "payment_requested"
	KindPaymentDeclined      = "payment_declined"
	KindAttemptClosed        = "attempt_closed"
	KindPaid                 = "paid"
	KindCancelled            = "cancelled"
	KindExpired              = "expired"
	KindAutoRefund           = "auto_refund"
	KindRefundRequested      = "refund_requested_at_gateway"
	KindRefundSucceeded      = "refund_succeeded"
	KindRefundFailed         = "refund_failed"
	KindNotificationRejected = "notification_rejected"
	KindNotificationIgnored  = "notification_ignored"
	KindGatewayError         = "gateway_error"
	// The refund request flow.
	KindRefundRequestCreated  = "refund_request_created"
	KindRefundRequestApproved = "refund_request_approved"
	KindRefundRequestRejected = "refund_request_rejected"
	KindRefundRetried         = "refund_retried"
)

// UnverifiedNoteEvery bounds the notes about refused unverifiable
// notifications: at most one per order in this time, so a stranger posting
// order numbers cannot flood a timeline.
const UnverifiedNoteEvery = time.Minute

// Actors of timeline entries other than people, who are "customer <email>"
// or "support <name>".
const (
	ActorNotification = "gateway notification"
	ActorReconciler   = "reconciler"
	ActorReturn       = "return from cashier"
	ActorSystem       = "shop"
)

// ActorText is how an actor is shown, in the reader's language: the
// shop's own actors by their label, people as "customer <email>" and
// "support <name>" (the email and name as they are).
func ActorText(actor string) i18n.Message {
	switch actor {
	case ActorNotification:
		return i18n.M("shop.actor.notification")
	case ActorReconciler:
		return i18n.M("shop.actor.reconciler")
	case ActorReturn:
		return i18n.M("shop.actor.return")
	case ActorSystem:
		return i18n.M("shop.actor.system")
	}
	if who, ok := strings.CutPrefix(actor, "customer "); ok {
		return i18n.M("shop.actor.customer", "Who", who)
	}
	if who, ok := strings.CutPrefix(actor, "support "); ok {
		return i18n.M("shop.actor.support", "Who", who)
	}
	return i18n.Raw(actor)
}

// ActorCustomer names a customer in the timeline.
func ActorCustomer(email string) string { return "customer " + email }

// ActorSupport names a support user in the timeline: by name, because that
// is how colleagues and customers know them.
func ActorSupport(name string) string { return "support " + name }

// TimelineEntry is one thing that happened to an order: what, why, and who
// or what did it. Flagged entries need a person's attention (a rejected
// notification, a failed refund).
type TimelineEntry struct {
	ID      int64
	OrderID int64
	At      time.Time
	Kind    string
	// Message is what happened, as a catalogue key with arguments, so a
	// support user and a customer each read it in their own language
	// (entries written before messages had keys hold English text).
	Message   i18n.Message
	Actor     string
	Flagged   bool
	WebhookID string
	// Internal entries are for support and the back office only; customers
	// never see them. Notes about messages the shop could not verify are
	// internal: anyone can cause them.
	Internal bool
}
