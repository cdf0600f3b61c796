package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Attempt statuses. An attempt is "creating" from the moment its row is
// written until the gateway has answered the create call, so a crash in
// between leaves a record the reconciler can finish.
const (
	AttemptCreating  = "creating"
	AttemptPending   = "pending"
	AttemptSucceeded = "succeeded"
	AttemptClosed    = "closed"
)

// Attempt is one gateway payment for an order (docs/shop.md, "How an order is paid"): out_trade_no is
// {order_no}-{n}. A decline leaves it pending; switching method or paying
// again after the gateway closed it opens attempt n+1.
type Attempt struct {
	ID         int64
	OrderID    int64
	N          int
	OutTradeNo string
	Method     string
	Amount     int64
	Currency   string
	Status     string
	PaymentID  string
	PayURL     string
	QRCodeURL  string
	// LastErrorCode is the code of the latest declined try, "" if none.
	LastErrorCode    string
	LastErrorMessage string
	// Lease and LeaseUntil say which request holds the attempt while it is
	// being created: the one that calls the gateway's create, or the one
	// that settles it (looks it up, and closes it as never created if the
	// gateway has no payment). Until LeaseUntil nobody else may do either,
	// so a create call on its way can never land on an attempt closed as
	// never created (docs/shop.md, "Two requests, one attempt"). Only a
	// creating attempt's lease means anything.
	Lease      string
	LeaseUntil time.Time
	// Locale is the customer's language when the attempt was opened; its
	// gateway payment is created with it, so the cashier speaks it too.
	Locale    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UpdatedAt time.Time
}

// Open reports whether the attempt may still be paid.
func (a *Attempt) Open() bool { return a.Status == AttemptCreating || a.Status == AttemptPending }

// Leased reports whether a request holds the attempt at now: it is being
// created and its lease has not run out.
func (a *Attempt) Leased(now time.Time) bool {
	return a.Status == AttemptCreating && a.Lease != "" && now.Before(a.LeaseUntil)
}

// QRMethod reports whether a method is paid by scanning a QR code (the
// payment page shows it) rather than in the cashier (the shop redirects).
func QRMethod(method string) bool { return method == "alipay" || method == "wechat" }

// MethodLabel is how a payment method is shown.
func MethodLabel(m string) i18n.Message {
	switch m {
	case "alipay", "wechat", "unionpay", "card":
		return i18n.M("method." + m)
	}
	return i18n.Raw(m)
}

// AttemptStatusLabel is how an attempt's status is shown.
func AttemptStatusLabel(s string) i18n.Message {
	switch s {
	case AttemptCreating, AttemptPending, AttemptSucceeded, AttemptClosed:
		return i18n.M("shop.attempt_status." + s)
	}
	return i18n.Raw(s)
}
