package shop

import (
	"fmt"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// The order's own steps: placing, paying, closing. Each returns what the
// store writes — the timeline entry, or the error that refuses the step —
// so every sentence a customer or support reads is decided here.

// deadline is how an order's deadline is written on the timeline.
func deadline(o *Order) string { return o.ExpiresAt.Format("2006-01-02 15:04:05 MST") }

// PlacedEntry is the timeline entry of a new order.
func PlacedEntry(o *Order, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: o.ID, At: now, Kind: KindCreated, Actor: actor,
		Message: i18n.M("shop.timeline.placed", "Deadline", deadline(o))}
}

// CheckTransition refuses a change of state the domain does not allow
// (CanTransition). Errors: ECONFLICT.
func CheckTransition(o *Order, to string) error {
	if !CanTransition(o.Status, to) {
		return Errorf(ECONFLICT, "shop.error.transition", "Order", o.No, "From", o.Status, "To", to)
	}
	return nil
}

// CheckPayable refuses a payment attempt for an order that is not
// awaiting payment or has expired at now. Errors: ECONFLICT.
func CheckPayable(o *Order, now time.Time) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "shop.error.not_payable", "Order", o.No, "State", StateLabel(o.Status))
	}
	if !now.Before(o.ExpiresAt) {
		return Errorf(ECONFLICT, "shop.error.expired", "Order", o.No)
	}
	return nil
}

// CheckCancel refuses to cancel an order that is not awaiting payment.
// Errors: ECONFLICT.
func CheckCancel(o *Order) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "shop.error.not_cancellable", "Order", o.No, "State", StateLabel(o.Status))
	}
	return nil
}

// Why an order awaiting payment is closed.
const (
	CloseCancelled = "cancelled" // by the customer
	CloseExpired   = "expired"   // ORDER_TTL passed
)

// DecideClose decides closing order o for why (CloseCancelled or
// CloseExpired), with openAttempts attempts still open, and returns the
// timeline entry. Every attempt must be settled at the gateway first, so no
// payment can succeed after the order closed. Errors: ECONFLICT when the
// order is no longer awaiting payment or an attempt is still open.
func DecideClose(o *Order, openAttempts int, why, actor string, now time.Time) ([]TimelineEntry, error) {
	if o.Status != OrderPendingPayment {
		return nil, Errorf(ECONFLICT, "shop.error.not_closed", "Order", o.No, "State", StateLabel(o.Status))
	}
	if openAttempts > 0 {
		return nil, Errorf(ECONFLICT, "shop.error.payment_in_progress", "Order", o.No)
	}
	e := TimelineEntry{OrderID: o.ID, At: now, Actor: actor}
	switch why {
	case CloseCancelled:
		e.Kind, e.Message = KindCancelled, i18n.M("shop.timeline.cancelled")
	case CloseExpired:
		e.Kind, e.Message = KindExpired, i18n.M("shop.timeline.expired", "Deadline", deadline(o))
	default:
		return nil, fmt.Errorf("shop: close order %s: unknown reason %q", o.No, why)
	}
	return []TimelineEntry{e}, nil
}
