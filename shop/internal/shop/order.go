package shop

import (
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Order states (docs/shop.md, "States and automatic refunds"). The refund
// states are entered by the refund flow and by automatic refunds of payments
// that arrive too late.
const (
	OrderPendingPayment    = "pending_payment"
	OrderPaid              = "paid"
	OrderClosed            = "closed"
	OrderRefundRequested   = "refund_requested"
	OrderRefunding         = "refunding"
	OrderRefunded          = "refunded"
	OrderPartiallyRefunded = "partially_refunded"
	OrderRefundFailed      = "refund_failed"
)

// transitions lists every allowed change of an order's state. The store
// refuses any other, so a bug in a caller cannot corrupt an order.
var transitions = map[string][]string{
	OrderPendingPayment:    {OrderPaid, OrderClosed},
	OrderPaid:              {OrderRefundRequested},
	OrderPartiallyRefunded: {OrderRefundRequested},
	// Rejection returns to the state before the request (paid or
	// partially_refunded); approval starts the refund.
	OrderRefundRequested: {OrderPaid, OrderPartiallyRefunded, OrderRefunding},
	// closed → refunding: a payment succeeded after the order was closed
	// and is refunded automatically.
	OrderClosed:       {OrderRefunding},
	OrderRefunding:    {OrderRefunded, OrderPartiallyRefunded, OrderRefundFailed},
	OrderRefundFailed: {OrderRefunding},
}

// CanTransition reports whether an order may go from one state to another.
func CanTransition(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// StateLabel is how a state is shown to a customer (refund_failed reads
// "Refund pending": the customer sees that while support retries).
func StateLabel(s string) i18n.Message {
	if _, ok := transitions[s]; ok || s == OrderRefunded {
		return i18n.M("shop.state." + s)
	}
	return i18n.Raw(s)
}

// Contact is who receives the order and where. It is validated at the
// edge (package web), where errors are shown next to the fields.
type Contact struct {
	Name       string
	Email      string
	Phone      string
	Address    string
	City       string
	PostalCode string
}

// OrderItem is one line of an order, with the name and price the product
// had when it was ordered.
type OrderItem struct {
	ProductID int64
	// Slug is the product's (read with the item), which finds its name in
	// the reader's language when the catalogue has one.
	Slug      string
	Name      string
	UnitPrice int64
	Quantity  int
}

// LineTotal is UnitPrice × Quantity in fen.
func (i OrderItem) LineTotal() int64 { return i.UnitPrice * int64(i.Quantity) }

// Order is a customer's order. Amounts are in fen.
type Order struct {
	ID             int64
	No             string
	UserID         int64
	Status         string
	Total          int64
	Currency       string
	RefundedAmount int64
	Contact        Contact
	Items          []OrderItem
	// PaidAttemptID is the attempt that paid the order; 0 while unpaid.
	PaidAttemptID int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
	PaidAt        *time.Time
	ClosedAt      *time.Time
	UpdatedAt     time.Time
}

// Paid reports whether a payment of the order was accepted as paying it.
// Its state cannot tell: "refunding" follows both a paid order's approved
// refund and a closed order's refund of a payment that came too late.
func (o *Order) Paid() bool { return o.PaidAttemptID != 0 }

// TimeLeft is how long the order may still be paid at now.
func (o *Order) TimeLeft(now time.Time) time.Duration {
	return o.ExpiresAt.Sub(now)
}

// Quantity limits of a cart line.
const (
	MinQuantity = 1
	MaxQuantity = 99
)

// NewOrderItems checks cart lines and returns them with the total.
func NewOrderItems(items []OrderItem) (int64, error) {
	if len(items) == 0 {
		return 0, Errorf(EINVALID, "shop.cart.empty")
	}
	var total int64
	for _, it := range items {
		if it.Quantity < MinQuantity || it.Quantity > MaxQuantity {
			return 0, Errorf(EINVALID, "shop.error.quantity", "Item", it.Name, "Min", MinQuantity, "Max", MaxQuantity)
		}
		total += it.LineTotal()
	}
	if total <= 0 {
		return 0, Errorf(EINVALID, "shop.error.total")
	}
	return total, nil
}

// OutTradeNo is the gateway's out_trade_no of attempt n of an order.
func OutTradeNo(orderNo string, n int) string { return fmt.Sprintf("%s-%d", orderNo, n) }
