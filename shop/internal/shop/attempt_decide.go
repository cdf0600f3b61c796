package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// OpenedEntry is the timeline entry of a new attempt a of order o.
func OpenedEntry(o *Order, a *Attempt, actor string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: o.ID, At: now, Kind: KindPaymentRequested, Actor: actor,
		Message: i18n.M("shop.timeline.opened", "N", a.N, "Method", MethodLabel(a.Method), "OutTradeNo", a.OutTradeNo)}
}

// DecideCreated returns the timeline entries of recording attempt a's
// gateway payment paymentID (a as it is after the recording): none,
// unless a had been closed while its create call was on its way — then
// the payment must be closed at the gateway too, and a flagged entry says
// so.
func DecideCreated(a Attempt, paymentID string, now time.Time) []TimelineEntry {
	if a.Status != AttemptClosed {
		return nil
	}
	return []TimelineEntry{{OrderID: a.OrderID, At: now, Kind: KindAttemptClosed, Actor: ActorSystem, Flagged: true,
		Message: i18n.M("shop.timeline.created_after_close", "N", a.N, "Method", MethodLabel(a.Method), "Payment", paymentID)}}
}

// Reasons to close an attempt in the shop alone, without closing anything
// at the gateway.
const (
	// LocalNeverCreated: the gateway has no payment with the attempt's
	// out_trade_no, and no create call for it can still land.
	LocalNeverCreated = "never_created"
	// LocalRefused: the gateway refused the create call for good (4xx).
	LocalRefused = "refused"
	// LocalForgotten: the gateway had the attempt's payment and answers 404
	// for it now (its data were reset or lost).
	LocalForgotten = "forgotten"
)

// LocalClose is why an open attempt is to be closed in the shop alone.
type LocalClose struct {
	// Reason is LocalNeverCreated, LocalRefused or LocalForgotten.
	Reason string
	// Lease is the caller's lease token on the attempt (Attempt.Lease).
	Lease string
	// PaymentID is the payment the gateway no longer has (LocalForgotten).
	PaymentID string
	// Code and Detail are the gateway's refusal (LocalRefused).
	Code, Detail string
}

// DecideLocalClose decides whether attempt a may be closed for c's reason
// and returns the timeline entry that says why; ok false leaves a as it is.
//
// Saying "the gateway never created it" (or refused it) is true only while
// no create call for the attempt can still land, and only the holder of the
// attempt's lease knows that: any other request may be creating it right
// now. So those reasons need the caller's lease; an attempt that moved on
// (pending, closed) is never closed by them. A forgotten payment must be
// the attempt's own, or the caller must hold the attempt's lease.
func DecideLocalClose(a Attempt, c LocalClose, actor string, now time.Time) (ok bool, entries []TimelineEntry) {
	if !a.Open() {
		return false, nil
	}
	held := a.Status == AttemptCreating && c.Lease != "" && a.Lease == c.Lease
	var why i18n.Message
	flagged := true
	switch c.Reason {
	case LocalNeverCreated:
		if !held {
			return false, nil
		}
		why, flagged = i18n.M("shop.local_close.never_created"), false
	case LocalRefused:
		if !held {
			return false, nil
		}
		why = i18n.M("shop.local_close.refused", "Code", c.Code, "Detail", c.Detail)
	case LocalForgotten:
		if c.PaymentID == "" || (a.PaymentID != c.PaymentID && !held) {
			return false, nil
		}
		why = i18n.M("shop.local_close.forgotten", "Payment", c.PaymentID)
	default:
		return false, nil
	}
	return true, []TimelineEntry{{OrderID: a.OrderID, At: now, Kind: KindAttemptClosed, Actor: actor, Flagged: flagged,
		Message: i18n.M("shop.timeline.local_close", "N", a.N, "Why", why)}}
}
