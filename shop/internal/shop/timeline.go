package shop

import "time"

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

// ActorCustomer names a customer in the timeline.
func ActorCustomer(email string) string { return "customer " + email }

// ActorSupport names a support user in the timeline: by name, because that
// is how colleagues and customers know them.
func ActorSupport(name string) string { return "support " + name }

// TimelineEntry is one thing that happened to an order: what, why, and who
// or what did it. Flagged entries need a person's attention (a rejected
// notification, a failed refund).
type TimelineEntry struct {
	ID        int64
	OrderID   int64
	At        time.Time
	Kind      string
	Message   string
	Actor     string
	Flagged   bool
	WebhookID string
	// Internal entries are for support and the back office only; customers
	// never see them. Notes about messages the shop could not verify are
	// internal: anyone can cause them.
	Internal bool
}
