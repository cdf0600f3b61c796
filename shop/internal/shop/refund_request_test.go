package shop

import (
	"strings"
	"testing"
	"time"
)

func TestCheckRefundRequest(t *testing.T) {
	order := func(status string, refunded int64) *Order {
		return &Order{ID: 1, No: "PS-1", Status: status, Total: 19600, Currency: "CNY", RefundedAmount: refunded, PaidAttemptID: 7}
	}
	tests := []struct {
		name             string
		order            *Order
		amount           int64
		reason, details  string
		wantCode, field  string
		wantMessageParts string
	}{
		{name: "everything", order: order(OrderPaid, 0), amount: 19600, reason: "damaged"},
		{name: "what is left after a partial refund", order: order(OrderPartiallyRefunded, 6800), amount: 12800, reason: "wrong_item"},
		{name: "a fen too much", order: order(OrderPartiallyRefunded, 6800), amount: 12801, reason: "damaged", wantCode: EINVALID, field: "amount", wantMessageParts: "at most ¥128.00"},
		{name: "zero", order: order(OrderPaid, 0), amount: 0, reason: "damaged", wantCode: EINVALID, field: "amount", wantMessageParts: "at least ¥0.01"},
		{name: "unknown reason", order: order(OrderPaid, 0), amount: 100, reason: "bored", wantCode: EINVALID, field: "reason"},
		{name: "other needs words", order: order(OrderPaid, 0), amount: 100, reason: RefundReasonOther, details: "  ", wantCode: EINVALID, field: "details"},
		{name: "other with words", order: order(OrderPaid, 0), amount: 100, reason: RefundReasonOther, details: "Gift was a duplicate"},
		{name: "details too long", order: order(OrderPaid, 0), amount: 100, reason: "damaged", details: strings.Repeat("茶", MaxRefundDetails+1), wantCode: EINVALID, field: "details"},
		{name: "details at the limit in characters", order: order(OrderPaid, 0), amount: 100, reason: "damaged", details: strings.Repeat("茶", MaxRefundDetails)},
		{name: "open request", order: order(OrderRefundRequested, 0), amount: 100, reason: "damaged", wantCode: ECONFLICT, wantMessageParts: "already has a refund in progress"},
		{name: "refunding", order: order(OrderRefunding, 0), amount: 100, reason: "damaged", wantCode: ECONFLICT},
		{name: "refund failed", order: order(OrderRefundFailed, 0), amount: 100, reason: "damaged", wantCode: ECONFLICT},
		{name: "unpaid", order: order(OrderPendingPayment, 0), amount: 100, reason: "damaged", wantCode: ECONFLICT, wantMessageParts: "cannot be refunded"},
		{name: "closed", order: order(OrderClosed, 0), amount: 100, reason: "damaged", wantCode: ECONFLICT},
		{name: "fully refunded", order: order(OrderRefunded, 19600), amount: 100, reason: "damaged", wantCode: ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRefundRequest(tt.order, tt.amount, tt.reason, tt.details)
			if got := ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
			if !strings.Contains(ErrorMessage(err), tt.wantMessageParts) && err != nil {
				t.Errorf("message %q lacks %q", ErrorMessage(err), tt.wantMessageParts)
			}
		})
	}
}

func TestReviewDecisions(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	order := func(status string) *Order {
		return &Order{ID: 1, No: "PS-1", UserID: 4, Status: status, Total: 19600, Currency: "CNY", PaidAttemptID: 7}
	}
	pending := func(prev string) *RefundRequest {
		return &RefundRequest{ID: 9, No: "RF-1", OrderID: 1, UserID: 4, Amount: 5000, Currency: "CNY", Reason: "damaged",
			Status: RequestPendingReview, PrevOrderStatus: prev}
	}
	t.Run("approve writes attempt 1 before any call", func(t *testing.T) {
		rv, err := ApproveRequest(order(OrderRefundRequested), pending(OrderPaid), "support Sam", "Sorry", now)
		if err != nil {
			t.Fatal(err)
		}
		r := rv.Refund
		if rv.Attempt != 1 || r.OutRefundNo != "RF-1-1" || r.Status != RefundCreating || r.Kind != RefundRequested || r.RequestID != 9 ||
			r.AttemptID != 7 || r.Amount != 5000 || rv.OrderStatus != OrderRefunding || rv.RequestStatus != RequestRefunding {
			t.Errorf("review = %+v, refund = %+v", rv, r)
		}
		if rv.Notice == nil || rv.Notice.UserID != 4 || rv.Notice.Link != "/refunds/RF-1" || !strings.Contains(rv.Notice.Message.String(), "approved: Sorry.") {
			t.Errorf("notice = %+v", rv.Notice)
		}
		if len(rv.Entries) != 1 || rv.Entries[0].Actor != "support Sam" {
			t.Errorf("entries = %+v", rv.Entries)
		}
	})
	t.Run("approve needs a note", func(t *testing.T) {
		_, err := ApproveRequest(order(OrderRefundRequested), pending(OrderPaid), "support Sam", " \n ", now)
		if ErrorField(err) != "note" {
			t.Errorf("err = %v, want a note error", err)
		}
	})
	t.Run("second decision refused", func(t *testing.T) {
		r := pending(OrderPaid)
		r.Status, r.DecidedBy, r.Attempt = RequestRefunding, "Sam Support", 1
		for _, decide := range []func(*Order, *RefundRequest, string, string, time.Time) (*Review, error){ApproveRequest, RejectRequest} {
			_, err := decide(order(OrderRefunding), r, "support Wendy", "again", now)
			if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "already decided by Sam Support") {
				t.Errorf("err = %v, want ECONFLICT naming Sam", err)
			}
		}
	})
	t.Run("reject returns to the previous state", func(t *testing.T) {
		for _, prev := range []string{OrderPaid, OrderPartiallyRefunded} {
			rv, err := RejectRequest(order(OrderRefundRequested), pending(prev), "support Wendy", "No", now)
			if err != nil {
				t.Fatal(err)
			}
			if rv.OrderStatus != prev || rv.RequestStatus != RequestRejected || rv.Refund != nil || rv.Notice.Kind != NoticeRefundRejected {
				t.Errorf("prev %s: review = %+v", prev, rv)
			}
		}
	})
	t.Run("retry of a request raises the attempt", func(t *testing.T) {
		r := pending(OrderPaid)
		r.Status, r.Attempt = RequestRefundFailed, 1
		failed := &Refund{ID: 3, OrderID: 1, AttemptID: 7, Kind: RefundRequested, RequestID: 9, OutRefundNo: "RF-1-1", Amount: 5000, Currency: "CNY",
			Status: RefundFailed, GatewayRefundID: "re_1", FailureCode: "REFUND_REJECTED"}
		rv, err := RetryRefund(order(OrderRefundFailed), failed, r, 0, "support Sam", "", now)
		if err != nil {
			t.Fatal(err)
		}
		if rv.Attempt != 2 || rv.Refund.OutRefundNo != "RF-1-2" || rv.Refund.GatewayRefundID != "" || rv.Refund.Status != RefundCreating ||
			rv.Refund.ID != 0 || rv.OrderStatus != OrderRefunding || rv.RequestStatus != RequestRefunding {
			t.Errorf("review = %+v refund = %+v", rv, rv.Refund)
		}
		failed.Retried = true
		if _, err := RetryRefund(order(OrderRefunding), failed, r, 0, "support Sam", "", now); ErrorCode(err) != ECONFLICT {
			t.Errorf("second retry: err = %v, want ECONFLICT", err)
		}
		old := *failed
		old.Retried, old.OutRefundNo = false, "RF-1-0"
		if _, err := RetryRefund(order(OrderRefundFailed), &old, r, 0, "support Sam", "", now); ErrorCode(err) != ECONFLICT {
			t.Errorf("retry of a refund that is not the request's latest: err = %v, want ECONFLICT", err)
		}
	})
	t.Run("retry of an automatic refund numbers it", func(t *testing.T) {
		failed := &Refund{ID: 3, OrderID: 1, AttemptID: 7, Kind: RefundAuto, OutRefundNo: "PS-1-2-auto", Amount: 19600, Currency: "CNY", Status: RefundFailed}
		closed := &Order{ID: 1, No: "PS-1", Status: OrderRefundFailed, Total: 19600, Currency: "CNY"}
		rv, err := RetryRefund(closed, failed, nil, 2, "support Sam", "again", now)
		if err != nil {
			t.Fatal(err)
		}
		if rv.Refund.OutRefundNo != "PS-1-2-auto-2" || rv.OrderStatus != OrderRefunding || rv.RequestStatus != "" || rv.Notice != nil {
			t.Errorf("review = %+v refund = %+v", rv, rv.Refund)
		}
		if got := AutoRefundRetryNo("PS-1-2-auto-2", 3); got != "PS-1-2-auto-3" {
			t.Errorf("third automatic refund = %q", got)
		}
	})
}

func TestDecideRefund_Requests(t *testing.T) {
	now := time.Now()
	req := &RefundRequest{ID: 9, No: "RF-1", OrderID: 1, UserID: 4, Amount: 5000, Currency: "CNY", Status: RequestRefunding, Attempt: 1}
	r := Refund{ID: 3, OrderID: 1, Kind: RefundRequested, RequestID: 9, OutRefundNo: "RF-1-1", Amount: 5000, Currency: "CNY", Status: RefundPending, GatewayRefundID: "re_1"}
	facts := func(status string) RefundFacts {
		return RefundFacts{RefundID: "re_1", MerchantID: "m_demo", OutRefundNo: "RF-1-1", PaymentID: "pay_1", Amount: 5000, Currency: "CNY",
			Status: status, FailureCode: "REFUND_REJECTED", EventType: "refund." + status}
	}
	src := Source{Actor: ActorNotification, WebhookID: "evt_1"}
	refunding := func(refunded int64) Order {
		return Order{ID: 1, No: "PS-1", Status: OrderRefunding, Total: 19600, Currency: "CNY", RefundedAmount: refunded, PaidAttemptID: 7}
	}
	tests := []struct {
		name                   string
		order                  Order
		status                 string
		wantOrder, wantRequest string
		wantAdd                int64
		notice                 string
	}{
		{"partial", refunding(0), RefundSucceeded, OrderPartiallyRefunded, RequestRefunded, 5000, NoticeRefundSucceeded},
		{"the rest", refunding(14600), RefundSucceeded, OrderRefunded, RequestRefunded, 5000, NoticeRefundSucceeded},
		{"failed", refunding(0), RefundFailed, OrderRefundFailed, RequestRefundFailed, 0, NoticeRefundDelayed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideRefund(tt.order, r, req, "pay_1", facts(tt.status), "m_demo", src, now)
			if !d.Mismatch.IsZero() || d.RefundStatus != tt.status || d.OrderStatus != tt.wantOrder || d.RequestStatus != tt.wantRequest || d.AddRefunded != tt.wantAdd {
				t.Errorf("decision = %+v", d)
			}
			if d.Notice == nil || d.Notice.Kind != tt.notice || d.Notice.UserID != 4 || d.Notice.RequestID != 9 {
				t.Errorf("notice = %+v, want %s to the customer", d.Notice, tt.notice)
			}
			if !CanTransition(tt.order.Status, d.OrderStatus) {
				t.Errorf("%s → %s not allowed", tt.order.Status, d.OrderStatus)
			}
		})
	}
	t.Run("mismatches change nothing", func(t *testing.T) {
		for name, mod := range map[string]func(*RefundFacts){
			"merchant": func(f *RefundFacts) { f.MerchantID = "m_other" },
			"refund":   func(f *RefundFacts) { f.RefundID = "re_other" },
			"amount":   func(f *RefundFacts) { f.Amount = 4999 },
			"currency": func(f *RefundFacts) { f.Currency = "USD" },
			"payment":  func(f *RefundFacts) { f.PaymentID = "pay_other" },
		} {
			f := facts(RefundSucceeded)
			mod(&f)
			d := DecideRefund(refunding(0), r, req, "pay_1", f, "m_demo", src, now)
			if d.Mismatch.IsZero() || d.Changed() || d.Notice != nil || len(d.Entries) != 1 || !d.Entries[0].Flagged {
				t.Errorf("%s: decision = %+v, want a flagged refusal only", name, d)
			}
		}
	})
	t.Run("refused at creation", func(t *testing.T) {
		creating := r
		creating.Status, creating.GatewayRefundID = RefundCreating, ""
		d := RefundRefused(refunding(0), creating, req, "amount_exceeds_refundable", "too much", "support Sam", now)
		if d.RefundStatus != RefundFailed || d.OrderStatus != OrderRefundFailed || d.RequestStatus != RequestRefundFailed || d.Notice == nil ||
			d.Entries[0].Actor != "support Sam" || !d.Entries[0].Flagged {
			t.Errorf("decision = %+v", d)
		}
	})
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{"Sorry": "Sorry.", "Sorry.": "Sorry.", "Why? ": "Why?", "好的。": "好的。", "": ""} {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRequestNo(t *testing.T) {
	day := time.Date(2026, 5, 12, 23, 0, 0, 0, time.UTC)
	no, err := NewRequestNo(day, strings.NewReader("\x00\x01\x1f\x20\xff\x10"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "RF-20260512-01Z0ZG"; no != want {
		t.Errorf("NewRequestNo = %q, want %q", no, want)
	}
	if got := RefundOutNo(no, 2); got != "RF-20260512-01Z0ZG-2" {
		t.Errorf("RefundOutNo = %q", got)
	}
}
