package shop

import (
	"fmt"
	"time"
)

// The order's own steps: placing, paying, closing. Each returns what the
// store writes — the timeline entry, or the error that refuses the step —
// so every sentence a customer or support reads is decided here.

// deadline is how an order's deadline is written on the timeline.
func deadline(o *Order) string { return o.ExpiresAt.Format("2006-01-02 15:04:05 MST") }

// PlacedEntry is the timeline entry of a new order.
func PlacedEntry(o *Order, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: o.ID, At: now, Kind: KindCreated, Actor: actor,
		Message: fmt.Sprintf("Order placed; it must be paid by %s.", deadline(o))}
}

// CheckTransition refuses a change of state the domain does not allow
// (CanTransition). Errors: ECONFLICT.
func CheckTransition(o *Order, to string) error {
	if !CanTransition(o.Status, to) {
		return Errorf(ECONFLICT, "Order %s cannot go from %s to %s.", o.No, o.Status, to)
	}
	return nil
}

// CheckPayable refuses a payment attempt for an order that is not
// awaiting payment or has expired at now. Errors: ECONFLICT.
func CheckPayable(o *Order, now time.Time) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "Order %s is %s; it cannot be paid.", o.No, StateLabel(o.Status))
	}
	if !now.Before(o.ExpiresAt) {
		return Errorf(ECONFLICT, "Order %s has expired; place it again.", o.No)
	}
	return nil
}

// CheckCancel refuses to cancel an order that is not awaiting payment.
// Errors: ECONFLICT.
func CheckCancel(o *Order) error {
	if o.Status != OrderPendingPayment {
		return Errorf(ECONFLICT, "Order %s is %s and cannot be cancelled.", o.No, StateLabel(o.Status))
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
		return nil, Errorf(ECONFLICT, "Order %s is %s and was not closed.", o.No, StateLabel(o.Status))
	}
	if openAttempts > 0 {
		return nil, Errorf(ECONFLICT, "Order %s has a payment in progress; try again.", o.No)
	}
	e := TimelineEntry{OrderID: o.ID, At: now, Actor: actor}
	switch why {
	case CloseCancelled:
		e.Kind, e.Message = KindCancelled, "Cancelled by the customer."
	case CloseExpired:
		e.Kind, e.Message = KindExpired, fmt.Sprintf("Closed: not paid by its deadline %s.", deadline(o))
	default:
		return nil, fmt.Errorf("shop: close order %s: unknown reason %q", o.No, why)
	}
	return []TimelineEntry{e}, nil
}
