package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Notice kinds: what a customer is told about their refund requests.
const (
	NoticeRefundApproved  = "refund_approved"
	NoticeRefundRejected  = "refund_rejected"
	NoticeRefundSucceeded = "refund_succeeded"
	NoticeRefundDelayed   = "refund_delayed"
)

// Notice is a message to a customer about one of their orders, listed on
// their notifications page and counted in the header until they have seen
// it. It is written in the same transaction as the change it reports.
type Notice struct {
	ID        int64
	UserID    int64
	OrderID   int64
	RequestID int64
	Kind      string
	// Message is kept as a key with arguments, read in the customer's
	// language when shown.
	Message i18n.Message
	// Link is the page that tells more (the refund's result page).
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// requestNotice addresses a notice about request r to its customer.
func requestNotice(r *RefundRequest, kind string, msg i18n.Message, now time.Time) *Notice {
	return &Notice{UserID: r.UserID, OrderID: r.OrderID, RequestID: r.ID, Kind: kind, Message: msg,
		Link: "/refunds/" + r.No, CreatedAt: now}
}
