package shop

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/shared/i18n"
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
		return FieldErrorf("note", "shop.error.note_required")
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return FieldErrorf("note", "shop.error.note_long", "Count", MaxNote)
	}
	return nil
}

// Sentence ends a person's text with a full stop unless it already ends
// like a sentence, so it reads well inside a longer message: "。" after
// Chinese, "." after anything else.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	for _, end := range []string{".", "!", "?", "。", "！", "？"} {
		if s == "" || strings.HasSuffix(s, end) {
			return s
		}
	}
	if last, _ := utf8.DecodeLastRuneInString(s); unicode.Is(unicode.Han, last) {
		return s + "。"
	}
	return s + "."
}

// notWaiting is the answer to a second decision on a request, e.g. the
// second click of a double-clicked approval.
func notWaiting(r *RefundRequest) error {
	if r.DecidedBy != "" {
		return Errorf(ECONFLICT, "shop.error.decided_by", "Request", r.No, "By", r.DecidedBy, "Status", RequestStatusLabel(r.Status))
	}
	return Errorf(ECONFLICT, "shop.error.decided", "Request", r.No, "Status", RequestStatusLabel(r.Status))
}

// gatewayReason is the reason sent with a request's gateway refund, within
// the gateway's 256 characters.
func gatewayReason(r *RefundRequest) string {
	// In English: the gateway's language (its API's, and its console's).
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
		return nil, Errorf(ECONFLICT, "shop.error.refund_cannot_start", "Order", o.No, "State", StateLabel(o.Status))
	}
	attempt := r.Attempt + 1
	ref := &Refund{OrderID: o.ID, AttemptID: o.PaidAttemptID, Kind: RefundRequested, RequestID: r.ID, OutRefundNo: RefundOutNo(r.No, attempt),
		Amount: r.Amount, Currency: r.Currency, Reason: gatewayReason(r), Status: RefundCreating, CreatedAt: now, UpdatedAt: now}
	amount := money.Format(r.Amount, r.Currency)
	return &Review{RequestStatus: RequestRefunding, Attempt: attempt, OrderStatus: OrderRefunding, Refund: ref, Note: note,
		Entries: []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRequestApproved, Actor: actor,
			Message: i18n.M("shop.timeline.request_approved", "Request", r.No, "Note", Sentence(note), "Refund", ref.OutRefundNo, "Amount", amount)}},
		Notice: requestNotice(r, NoticeRefundApproved, i18n.M("shop.notice.request_approved", "Request", r.No, "Order", o.No, "Note", Sentence(note),
			"Amount", amount), now),
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
		return nil, Errorf(ECONFLICT, "shop.error.cannot_return", "Order", o.No, "State", StateLabel(o.Status), "To", StateLabel(r.PrevOrderStatus))
	}
	amount := money.Format(r.Amount, r.Currency)
	return &Review{RequestStatus: RequestRejected, OrderStatus: r.PrevOrderStatus, Note: note,
		Entries: []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRequestRejected, Actor: actor,
			Message: i18n.M("shop.timeline.request_rejected", "Request", r.No, "Amount", amount, "Note", Sentence(note), "State", StateLabel(r.PrevOrderStatus))}},
		Notice: requestNotice(r, NoticeRefundRejected, i18n.M("shop.notice.request_rejected", "Request", r.No, "Order", o.No, "Amount", amount,
			"Note", Sentence(note)), now),
	}, nil
}

// RefundExists refuses to write refund outRefundNo twice (a double-clicked
// decision that got past the request's state). Errors: ECONFLICT.
func RefundExists(outRefundNo string) error {
	return Errorf(ECONFLICT, "shop.error.refund_exists", "Refund", outRefundNo)
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
		return nil, Errorf(ECONFLICT, "shop.error.retried_already", "Refund", failed.OutRefundNo)
	}
	if failed.Status != RefundFailed {
		return nil, Errorf(ECONFLICT, "shop.error.not_failed", "Refund", failed.OutRefundNo, "Status", RefundStatusLabel(failed.Status))
	}
	next := *failed
	next.ID, next.Status, next.GatewayRefundID, next.FailureCode, next.Retried = 0, RefundCreating, "", "", false
	next.CreatedAt, next.UpdatedAt = now, now
	rv := &Review{Refund: &next, Note: note}
	if req != nil {
		if req.Status != RequestRefundFailed || failed.OutRefundNo != req.OutRefundNo() {
			return nil, Errorf(ECONFLICT, "shop.error.request_not_retryable", "Request", req.No, "Status", RequestStatusLabel(req.Status), "Refund", failed.OutRefundNo)
		}
		rv.RequestStatus, rv.Attempt = RequestRefunding, req.Attempt+1
		next.OutRefundNo = RefundOutNo(req.No, rv.Attempt)
	} else {
		next.OutRefundNo = AutoRefundRetryNo(failed.OutRefundNo, n)
	}
	if o.Status == OrderRefundFailed {
		rv.OrderStatus = OrderRefunding
	}
	msg := i18n.M("shop.timeline.retried", "Refund", failed.OutRefundNo, "Code", failed.FailureCode, "Next", next.OutRefundNo)
	if strings.TrimSpace(note) != "" {
		msg = i18n.M("shop.timeline.retried_note", "Refund", failed.OutRefundNo, "Code", failed.FailureCode, "Next", next.OutRefundNo, "Note", Sentence(note))
	}
	rv.Entries = []TimelineEntry{{OrderID: o.ID, At: now, Kind: KindRefundRetried, Actor: actor, Message: msg}}
	return rv, nil
}
