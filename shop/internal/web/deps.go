package web

import (
	"context"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// What the handlers need from the rest of the shop, declared here by the
// handlers that use it. *sqlite.DB provides the stores and
// *payment.Service the payment steps; shop/app.go wires them. Errors are
// the domain's (shop.Error codes), mapped to statuses in errors.go.

// Accounts is what signing in and up and the session need.
type Accounts interface {
	// FindUserByEmail errors: ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*shop.User, error)
	// FindUserByID errors: ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*shop.User, error)
	// CreateUser errors: ECONFLICT (the email has an account).
	CreateUser(ctx context.Context, u *shop.User) error
}

// Catalogue is what the product pages and the cart need.
type Catalogue interface {
	ListProducts(ctx context.Context) ([]shop.Product, error)
	// FindProduct finds a product by id or slug. Errors: ENOTFOUND.
	FindProduct(ctx context.Context, id int64, slug string) (*shop.Product, error)
	// FindProducts returns the active products among ids.
	FindProducts(ctx context.Context, ids []int64) (map[int64]shop.Product, error)
}

// Orders is what checkout and the customer's order pages need.
type Orders interface {
	// CreateOrder errors: EINVALID.
	CreateOrder(ctx context.Context, in sqlite.NewOrder) (*shop.Order, error)
	// FindOrderForUser errors: ENOTFOUND, also for another user's order.
	FindOrderForUser(ctx context.Context, no string, userID int64) (*shop.Order, error)
	ListOrdersForUser(ctx context.Context, userID int64) ([]shop.Order, error)
	// FindAttemptByOutTradeNo errors: ENOTFOUND.
	FindAttemptByOutTradeNo(ctx context.Context, outTradeNo string) (*shop.Attempt, error)
}

// OrderHistory is what an order's page shows, to its customer and to
// support.
type OrderHistory interface {
	Attempts(ctx context.Context, orderID int64) ([]shop.Attempt, error)
	Timeline(ctx context.Context, orderID int64) ([]shop.TimelineEntry, error)
	Refunds(ctx context.Context, orderID int64) ([]shop.Refund, error)
	RefundRequests(ctx context.Context, orderID int64) ([]shop.RefundRequest, error)
}

// RefundRequests is what the customer's refund pages need.
type RefundRequests interface {
	// CreateRefundRequest errors: ENOTFOUND, ECONFLICT, EINVALID (with the
	// form field).
	CreateRefundRequest(ctx context.Context, in sqlite.NewRefundRequest) (*shop.RefundRequest, error)
	// FindRefundRequestForUser errors: ENOTFOUND, also for another user's.
	FindRefundRequestForUser(ctx context.Context, no string, userID int64) (*shop.RefundRequest, error)
	// FindOrderByID errors: ENOTFOUND.
	FindOrderByID(ctx context.Context, id int64) (*shop.Order, error)
}

// Notices is what the notifications page and the header's badge need.
type Notices interface {
	Notices(ctx context.Context, userID int64, limit int) ([]shop.Notice, error)
	MarkNoticesRead(ctx context.Context, userID, maxID int64) error
	MarkRequestNoticesRead(ctx context.Context, userID, requestID int64) error
	UnreadNotices(ctx context.Context, userID int64) (int, error)
}

// BackOffice is what support's pages read.
type BackOffice interface {
	RefundQueue(ctx context.Context) ([]sqlite.QueueItem, error)
	FailedRefunds(ctx context.Context) ([]sqlite.FailedRefund, error)
	ListOrders(ctx context.Context, status string) ([]sqlite.OrderRow, error)
	// FindOrder errors: ENOTFOUND.
	FindOrder(ctx context.Context, no string) (*shop.Order, error)
	// FindRefundRequest errors: ENOTFOUND.
	FindRefundRequest(ctx context.Context, no string) (*shop.RefundRequest, error)
	// FindOrderByID errors: ENOTFOUND.
	FindOrderByID(ctx context.Context, id int64) (*shop.Order, error)
	// FindUserByID errors: ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*shop.User, error)
}

// NotificationLog is what the webhook receiver writes itself: notes about
// messages it could not verify, and the ids of valid ones about nothing of
// ours.
type NotificationLog interface {
	NoteUnverified(ctx context.Context, outTradeNo, outRefundNo, reason string) error
	RecordIrrelevant(ctx context.Context, src shop.Source, eventType string) error
}

// Pinger answers whether the database is reachable (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Store is every store the handlers use; *sqlite.DB is one.
type Store interface {
	Accounts
	Catalogue
	Orders
	OrderHistory
	RefundRequests
	Notices
	BackOffice
	NotificationLog
	Pinger
}

// Payer is the customer's payment steps.
type Payer interface {
	// Methods are the payment methods offered.
	Methods() []string
	// Pay opens or reuses the attempt paying orderNo with method; locale is
	// the customer's language, which a new attempt's gateway payment keeps.
	// Errors: EINVALID, ENOTFOUND, ECONFLICT, EUNAVAILABLE.
	Pay(ctx context.Context, u *shop.User, orderNo, method, locale string) (*shop.Attempt, error)
	// Cancel errors: ENOTFOUND, ECONFLICT (with the order), EUNAVAILABLE.
	Cancel(ctx context.Context, u *shop.User, orderNo string) (*shop.Order, error)
	// CheckReturn errors: EMISMATCH, EUNAVAILABLE.
	CheckReturn(ctx context.Context, a *shop.Attempt, paymentID string) error
}

// RefundDesk is support's decisions on refunds.
type RefundDesk interface {
	// ApproveRefund errors: ENOTFOUND, EINVALID (the note), ECONFLICT.
	ApproveRefund(ctx context.Context, support *shop.User, requestNo, note string) (*shop.Refund, error)
	// RejectRefund errors: ENOTFOUND, EINVALID (the note), ECONFLICT.
	RejectRefund(ctx context.Context, support *shop.User, requestNo, note string) error
	// RetryRefund errors: ENOTFOUND, EINVALID (the note), ECONFLICT.
	RetryRefund(ctx context.Context, support *shop.User, outRefundNo, note string) (*shop.Refund, error)
}

// Notifications applies what a verified notification says. Errors:
// ENOTFOUND (nothing of ours), EMISMATCH (it does not match our records).
type Notifications interface {
	ApplyPayment(ctx context.Context, f shop.PaymentFacts, src shop.Source) (*sqlite.Applied, error)
	ApplyRefund(ctx context.Context, f shop.RefundFacts, src shop.Source) (*sqlite.Applied, error)
}

// Payments is every payment step the handlers use; *payment.Service is
// one.
type Payments interface {
	Payer
	RefundDesk
	Notifications
}
