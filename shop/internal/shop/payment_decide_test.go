package shop

import (
	"strings"
	"testing"
	"time"
)

func TestDecidePayment(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	attempt := func(status string) Attempt {
		return Attempt{ID: 7, OrderID: 1, N: 2, OutTradeNo: "PS-1-2", Method: "alipay", Amount: 1999, Currency: "CNY", Status: status, PaymentID: "pay_1"}
	}
	order := func(status string, paidAttempt int64) Order {
		return Order{ID: 1, No: "PS-1", Status: status, Total: 1999, Currency: "CNY", PaidAttemptID: paidAttempt}
	}
	facts := func(status string, mod ...func(*PaymentFacts)) PaymentFacts {
		f := PaymentFacts{PaymentID: "pay_1", MerchantID: "m_demo", OutTradeNo: "PS-1-2", Amount: 1999, Currency: "CNY", Method: "alipay", Status: status,
			EventType: "payment." + status, EnvelopeMerchantID: "m_demo"}
		for _, m := range mod {
			m(&f)
		}
		return f
	}
	notif := Source{Actor: ActorNotification, WebhookID: "evt_1"}
	tests := []struct {
		name        string
		order       Order
		attempt     Attempt
		facts       PaymentFacts
		src         Source
		wantOrder   string
		wantAttempt string
		wantMis     bool
		paid        bool
		refund      bool
		recordErr   bool
		entryKind   string // "" = no entry
		flagged     bool
		entryHas    string
	}{
		{name: "success pays a pending order", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("succeeded"), src: notif,
			wantOrder: OrderPaid, wantAttempt: AttemptSucceeded, paid: true, entryKind: KindPaid, entryHas: "notification evt_1"},
		{name: "success via reconciler says so", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptCreating), facts: facts("succeeded", func(f *PaymentFacts) { f.EventType = "" }), src: Source{Actor: ActorReconciler},
			wantOrder: OrderPaid, wantAttempt: AttemptSucceeded, paid: true, entryKind: KindPaid, entryHas: "reconciliation"},
		{name: "success again changes nothing", order: order(OrderPaid, 7), attempt: attempt(AttemptSucceeded), facts: facts("succeeded"), src: notif},
		{name: "success for a closed order refunds", order: order(OrderClosed, 0), attempt: attempt(AttemptClosed), facts: facts("succeeded"), src: notif,
			wantOrder: OrderRefunding, wantAttempt: AttemptSucceeded, refund: true, entryKind: KindAutoRefund, flagged: true, entryHas: "after the order was closed"},
		{name: "second attempt succeeding for a paid order refunds it", order: order(OrderPaid, 6), attempt: attempt(AttemptPending), facts: facts("succeeded"), src: notif,
			wantAttempt: AttemptSucceeded, refund: true, entryKind: KindAutoRefund, flagged: true, entryHas: "already paid"},
		{name: "decline is recorded, order stays pending", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending),
			facts: facts("pending", func(f *PaymentFacts) { f.EventType, f.ErrorCode = "payment.failed", "card_declined" }), src: notif,
			recordErr: true, entryKind: KindPaymentDeclined, entryHas: "card_declined"},
		{name: "reconciler does not repeat a known decline", order: order(OrderPendingPayment, 0),
			attempt: func() Attempt { a := attempt(AttemptPending); a.LastErrorCode = "card_declined"; return a }(),
			facts:   facts("pending", func(f *PaymentFacts) { f.EventType, f.ErrorCode = "", "card_declined" }), src: Source{Actor: ActorReconciler}},
		{name: "late decline after success is ignored and explained", order: order(OrderPaid, 7), attempt: attempt(AttemptSucceeded),
			facts: facts("pending", func(f *PaymentFacts) { f.EventType, f.ErrorCode = "payment.failed", "card_declined" }), src: notif,
			entryKind: KindNotificationIgnored, entryHas: "already succeeded"},
		{name: "closed closes the attempt only", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("closed"), src: notif,
			wantAttempt: AttemptClosed, entryKind: KindAttemptClosed},
		{name: "closed after success is ignored", order: order(OrderPaid, 7), attempt: attempt(AttemptSucceeded), facts: facts("closed"), src: notif,
			entryKind: KindNotificationIgnored, flagged: true},
		{name: "amount mismatch refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("succeeded", func(f *PaymentFacts) { f.Amount = 1 }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true, entryHas: "¥0.01"},
		{name: "currency mismatch refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("succeeded", func(f *PaymentFacts) { f.Currency = "USD" }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true},
		{name: "merchant mismatch refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("succeeded", func(f *PaymentFacts) { f.MerchantID = "m_other" }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true},
		{name: "notification from another merchant's envelope refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending),
			facts: facts("succeeded", func(f *PaymentFacts) { f.EnvelopeMerchantID = "m_other" }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true, entryHas: `merchant "m_other"`},
		{name: "notification without an envelope merchant refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending),
			facts: facts("succeeded", func(f *PaymentFacts) { f.EnvelopeMerchantID = "" }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true},
		{name: "payment id mismatch refused", order: order(OrderPendingPayment, 0), attempt: attempt(AttemptPending), facts: facts("succeeded", func(f *PaymentFacts) { f.PaymentID = "pay_2" }), src: notif,
			wantMis: true, entryKind: KindNotificationRejected, flagged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecidePayment(tt.order, tt.attempt, tt.facts, "m_demo", tt.src, now)
			if got := !d.Mismatch.IsZero(); got != tt.wantMis {
				t.Errorf("mismatch = %q, want mismatch %v", d.Mismatch, tt.wantMis)
			}
			if tt.wantMis && d.Changed() {
				t.Errorf("a refused message changes state: %+v", d)
			}
			if d.OrderStatus != tt.wantOrder || d.AttemptStatus != tt.wantAttempt {
				t.Errorf("order, attempt = %q, %q; want %q, %q", d.OrderStatus, d.AttemptStatus, tt.wantOrder, tt.wantAttempt)
			}
			if d.MarkPaid != tt.paid || d.AutoRefund != tt.refund || d.RecordError != tt.recordErr {
				t.Errorf("paid, refund, recordErr = %v, %v, %v; want %v, %v, %v", d.MarkPaid, d.AutoRefund, d.RecordError, tt.paid, tt.refund, tt.recordErr)
			}
			if tt.entryKind == "" {
				if len(d.Entries) != 0 {
					t.Errorf("entries = %+v, want none", d.Entries)
				}
				return
			}
			if len(d.Entries) != 1 {
				t.Fatalf("entries = %+v, want one %s", d.Entries, tt.entryKind)
			}
			e := d.Entries[0]
			if e.Kind != tt.entryKind || e.Flagged != tt.flagged || e.Actor != tt.src.Actor {
				t.Errorf("entry = %+v; want kind %s flagged %v actor %s", e, tt.entryKind, tt.flagged, tt.src.Actor)
			}
			if !strings.Contains(e.Message.String(), tt.entryHas) {
				t.Errorf("entry message %q does not contain %q", e.Message.String(), tt.entryHas)
			}
			if d.OrderStatus != "" && !CanTransition(tt.order.Status, d.OrderStatus) {
				t.Errorf("decision %s → %s is not an allowed transition", tt.order.Status, d.OrderStatus)
			}
		})
	}
}

func TestDecideRefund(t *testing.T) {
	now := time.Now()
	r := Refund{ID: 3, OrderID: 1, Kind: RefundAuto, OutRefundNo: "PS-1-2-auto", Amount: 1999, Currency: "CNY", Status: RefundPending, GatewayRefundID: "re_1"}
	f := RefundFacts{RefundID: "re_1", MerchantID: "m_demo", OutRefundNo: "PS-1-2-auto", PaymentID: "pay_1", Amount: 1999, Currency: "CNY"}
	src := Source{Actor: ActorNotification, WebhookID: "evt_9"}
	closed := Order{ID: 1, Status: OrderRefunding}
	paid := Order{ID: 1, Status: OrderPaid, PaidAttemptID: 6}
	tests := []struct {
		name       string
		order      Order
		status     string
		wantRefund string
		wantOrder  string
		mod        func(*RefundFacts)
		mismatch   bool
	}{
		{"closed order refunded", closed, RefundSucceeded, RefundSucceeded, OrderRefunded, nil, false},
		{"closed order refund failed", closed, RefundFailed, RefundFailed, OrderRefundFailed, nil, false},
		{"second payment refunded, order stays paid", paid, RefundSucceeded, RefundSucceeded, "", nil, false},
		{"amount mismatch", closed, RefundSucceeded, "", "", func(f *RefundFacts) { f.Amount = 5 }, true},
		{"other payment", closed, RefundSucceeded, "", "", func(f *RefundFacts) { f.PaymentID = "pay_x" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := f
			ff.Status = tt.status
			if tt.mod != nil {
				tt.mod(&ff)
			}
			d := DecideRefund(tt.order, r, nil, "pay_1", ff, "m_demo", src, now)
			if (!d.Mismatch.IsZero()) != tt.mismatch || d.RefundStatus != tt.wantRefund || d.OrderStatus != tt.wantOrder {
				t.Errorf("decision = %+v; want refund %q order %q mismatch %v", d, tt.wantRefund, tt.wantOrder, tt.mismatch)
			}
			if d.OrderStatus != "" && !CanTransition(tt.order.Status, d.OrderStatus) {
				t.Errorf("%s → %s not allowed", tt.order.Status, d.OrderStatus)
			}
		})
	}
	t.Run("settled refund ignores a contrary late message", func(t *testing.T) {
		done := r
		done.Status = RefundSucceeded
		ff := f
		ff.Status = RefundFailed
		d := DecideRefund(closed, done, nil, "pay_1", ff, "m_demo", src, now)
		if d.RefundStatus != "" || d.OrderStatus != "" || len(d.Entries) != 1 || d.Entries[0].Kind != KindNotificationIgnored {
			t.Errorf("decision = %+v, want only an ignored entry", d)
		}
	})
}

func TestCanTransition(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{OrderPendingPayment, OrderPaid, true},
		{OrderPendingPayment, OrderClosed, true},
		{OrderPaid, OrderPendingPayment, false},
		{OrderClosed, OrderPaid, false},
		{OrderClosed, OrderRefunding, true},
		{OrderRefundFailed, OrderRefunding, true},
		{OrderRefunded, OrderRefunding, false},
		{OrderPaid, OrderClosed, false},
	}
	for _, tt := range tests {
		if got := CanTransition(tt.from, tt.to); got != tt.want {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestNewOrderNo(t *testing.T) {
	day := time.Date(2026, 5, 12, 23, 0, 0, 0, time.UTC)
	no, err := NewOrderNo(day, strings.NewReader("\x00\x01\x1f\x20\xff\x10"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "PS-20260512-01Z0ZG"; no != want {
		t.Errorf("NewOrderNo = %q, want %q", no, want)
	}
	if _, err := NewOrderNo(day, strings.NewReader("abc")); err == nil {
		t.Error("short randomness accepted")
	}
}
