package shop

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/shared/money"
)

// MaxNote bounds a support note, in characters.
const MaxNote = 1000

// Review is what a support decision does: to the request, its order, and
// the gateway refund to write (status creating) before the gateway is
// called.
type Review struct {
	RequestStatus string // new request status, "" for an automatic refund
	Attempt       int    // the request's new attempt number
	Note          string // support's note, kept on the request
	OrderStatus   string // new order state, "" to keep it
	Refund        *Refund
	Entries       []TimelineEntry
	Notice        *Notice
}

func checkNote(note string, required bool) error {
	if required && strings.TrimSpace(note) == "" {
		return FieldErrorf("note", "Write a note: the customer is told why, and colleagues read it on the timeline.")
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return FieldErrorf("note", "The note must be at most %d characters.", MaxNote)
	}
	return nil
}

// Sentence ends a person's text with a full stop unless it already ends
// like a sentence, so it reads well inside a longer message.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	for _, end := range []string{".", "!", "?", "。", "！", "？"} {
		if s == "" || strings.HasSuffix(s, end) {
			return s
		}
	}
	return s + "."
}

// notWaiting is the answer to a second decision on a request, e.g. the
// second click of a double-clicked approval.
func notWaiting(r *RefundRequest) error {
	by := ""
	if r.DecidedBy != "" {
		by = " by " + r.DecidedBy
	}
	return Errorf(ECONFLICT, "Refund request %s was already decided%s; it is now: %s.", r.No, by, RequestStatusLabel(r.Status))
}

// gatewayReason is the reason sent with a request's gateway refund, within
// the gateway's 256 characters.
func gatewayReason(r *RefundRequest) string {
	s := fmt.Sprintf("Refund request %s: %s", r.No, r.Describe())
	if rs := []rune(s); len(rs) > 256 {
		s = string(rs[:256])
	}
	return s
}

// ApproveRequest decides support's approval of request r of order o: the
// request's first gateway refund, of the payment that paid the order
// (paidAttemptID), and the order moves to refunding. Errors: EINVALID
// (note), ECONFLICT (the request was already decided).
func ApproveRequest(o *Order, r *RefundRequest, actor, note string, now time.Time) (*Review, error) {
	if err := checkNote(note, true); err != nil {
		return nil, err
	}
	if r.Status != RequestPendingReview {
		return nil, notWaiting(r)
	}
	if !CanTransition(o.Status, OrderRefunding) || o.PaidAttemptID == 0 {
		return nil, Errorf(ECONFLICT, "Order %s is %s; its refund cannot start.", o.No, StateLabel(o.Status))
	}
	attempt := r.Attempt + 1
	ref := &Refund{OrderID: o.ID, AttemptID: o.PaidAttemptID, Kind: RefundRequested, RequestID: r.ID, OutRefundNo: RefundOutNo(r.No, attempt),
		Amount: r.Amount, Currency: r.Currency, Reason: gatewayReason(r), Status: RefundCreating, CreatedAt: now, UpdatedAt: now}
	amount := money.Format(r.Amount, r.Currency)
	return &Review{RequestStatus: RequestRefunding, Attempt: attempt, OrderStatus: OrderRefunding, Refund: ref, Note: note,
		Entries: []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRequestApproved, Actor: actor,
			Message: fmt.Sprintf("Refund request %s approved: %s Refund %s of %s goes to the gateway.", r.No, Sentence(note), ref.OutRefundNo, amount)}},
		Notice: requestNotice(r, NoticeRefundApproved, fmt.Sprintf("Your refund request %s for order %s was approved: %s %s is on its way back to you.",
			r.No, o.No, Sentence(note), amount), now),
	}, nil
}

// RejectRequest decides support's rejection of request r: the order returns
// to the state it had before the request and the customer is told why.
// Errors: EINVALID (note), ECONFLICT (already decided).
func RejectRequest(o *Order, r *RefundRequest, actor, note string, now time.Time) (*Review, error) {
	if err := checkNote(note, true); err != nil {
		return nil, err
	}
	if r.Status != RequestPendingReview {
		return nil, notWaiting(r)
	}
	if !CanTransition(o.Status, r.PrevOrderStatus) {
		return nil, Errorf(ECONFLICT, "Order %s is %s and cannot return to %s.", o.No, StateLabel(o.Status), StateLabel(r.PrevOrderStatus))
	}
	amount := money.Format(r.Amount, r.Currency)
	return &Review{RequestStatus: RequestRejected, OrderStatus: r.PrevOrderStatus, Note: note,
		Entries: []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRequestRejected, Actor: actor,
			Message: fmt.Sprintf("Refund request %s for %s rejected: %s The order is %s again.", r.No, amount, Sentence(note), StateLabel(r.PrevOrderStatus))}},
		Notice: requestNotice(r, NoticeRefundRejected, fmt.Sprintf("Your refund request %s for order %s (%s) was not approved: %s",
			r.No, o.No, amount, Sentence(note)), now),
	}, nil
}

// RefundExists refuses to write refund outRefundNo twice (a double-clicked
// decision that got past the request's state). Errors: ECONFLICT.
func RefundExists(outRefundNo string) error {
	return Errorf(ECONFLICT, "Refund %s exists already.", outRefundNo)
}

// AutoRefundRetryNo is the out_refund_no of the n-th automatic refund of a
// payment (n ≥ 2), given any earlier one: {out_trade_no}-auto-{n}.
func AutoRefundRetryNo(earlier string, n int) string {
	base := earlier
	if i := strings.LastIndex(earlier, "-auto"); i >= 0 {
		base = earlier[:i+len("-auto")]
	}
	return fmt.Sprintf("%s-%d", base, n)
}

// RetryRefund decides support's retry of a failed refund: a new gateway
// refund with a new out_refund_no, since the gateway settles each one once.
// For a request (req not nil) that is {request_no}-{attempt+1}; for an
// automatic refund, the n-th of its payment, {out_trade_no}-auto-{n}. An
// order in refund_failed goes back to refunding. The note is optional.
// Errors: EINVALID (note), ECONFLICT (not failed, or already retried).
func RetryRefund(o *Order, failed *Refund, req *RefundRequest, n int, actor, note string, now time.Time) (*Review, error) {
	if err := checkNote(note, false); err != nil {
		return nil, err
	}
	if failed.Retried {
		return nil, Errorf(ECONFLICT, "Refund %s was retried already.", failed.OutRefundNo)
	}
	if failed.Status != RefundFailed {
		return nil, Errorf(ECONFLICT, "Refund %s is %s; only a failed refund can be retried.", failed.OutRefundNo, failed.Status)
	}
	next := *failed
	next.ID, next.Status, next.GatewayRefundID, next.FailureCode, next.Retried = 0, RefundCreating, "", "", false
	next.CreatedAt, next.UpdatedAt = now, now
	rv := &Review{Refund: &next, Note: note}
	if req != nil {
		if req.Status != RequestRefundFailed || failed.OutRefundNo != req.OutRefundNo() {
			return nil, Errorf(ECONFLICT, "Refund request %s is %s; refund %s cannot be retried.", req.No, RequestStatusLabel(req.Status), failed.OutRefundNo)
		}
		rv.RequestStatus, rv.Attempt = RequestRefunding, req.Attempt+1
		next.OutRefundNo = RefundOutNo(req.No, rv.Attempt)
	} else {
		next.OutRefundNo = AutoRefundRetryNo(failed.OutRefundNo, n)
	}
	if o.Status == OrderRefundFailed {
		rv.OrderStatus = OrderRefunding
	}
	msg := fmt.Sprintf("Failed refund %s (%s) retried as %s.", failed.OutRefundNo, failed.FailureCode, next.OutRefundNo)
	if strings.TrimSpace(note) != "" {
		msg = fmt.Sprintf("Failed refund %s (%s) retried as %s: %s", failed.OutRefundNo, failed.FailureCode, next.OutRefundNo, Sentence(note))
	}
	rv.Entries = []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRetried, Actor: actor, Message: msg}}
	return rv, nil
}
