package shop

import (
	"strings"
	"testing"
	"time"
)

func TestDecideClose(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	pending := &Order{ID: 3, No: "PS-1", Status: OrderPendingPayment, ExpiresAt: now.Add(-time.Minute)}
	paid := &Order{ID: 3, No: "PS-1", Status: OrderPaid}
	tests := []struct {
		name     string
		o        *Order
		open     int
		why      string
		wantCode string
		wantKind string
		wantText string
	}{
		{"Cancelled", pending, 0, CloseCancelled, "", KindCancelled, "Cancelled by the customer."},
		{"Expired", pending, 0, CloseExpired, "", KindExpired, "Closed: not paid by its deadline 2026-05-12 09:59:00 UTC."},
		{"PaidMeanwhile", paid, 0, CloseCancelled, ECONFLICT, "", "Order PS-1 is Paid and was not closed."},
		{"AttemptStillOpen", pending, 1, CloseExpired, ECONFLICT, "", "Order PS-1 has a payment in progress; try again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := DecideClose(tt.o, tt.open, tt.why, "shop", now)
			if tt.wantCode != "" {
				if ErrorCode(err) != tt.wantCode || ErrorMessage(err) != tt.wantText || entries != nil {
					t.Errorf("DecideClose = %+v, %v; want %s %q", entries, err, tt.wantCode, tt.wantText)
				}
				return
			}
			if err != nil || len(entries) != 1 || entries[0].Kind != tt.wantKind || entries[0].Message.String() != tt.wantText || entries[0].OrderID != 3 {
				t.Errorf("DecideClose = %+v, %v; want one %s entry %q", entries, err, tt.wantKind, tt.wantText)
			}
		})
	}
	if _, err := DecideClose(pending, 0, "whim", "shop", now); err == nil {
		t.Error("an unknown reason closed the order")
	}
}

func TestCheckPayable(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	if err := CheckPayable(&Order{Status: OrderPendingPayment, ExpiresAt: now.Add(time.Second)}, now); err != nil {
		t.Errorf("an order with time left: %v", err)
	}
	if err := CheckPayable(&Order{No: "PS-1", Status: OrderPendingPayment, ExpiresAt: now}, now); ErrorCode(err) != ECONFLICT ||
		!strings.Contains(ErrorMessage(err), "has expired") {
		t.Errorf("an order at its deadline: %v, want conflict", err)
	}
	if err := CheckPayable(&Order{No: "PS-1", Status: OrderClosed, ExpiresAt: now.Add(time.Hour)}, now); ErrorCode(err) != ECONFLICT ||
		ErrorMessage(err) != "Order PS-1 is Closed; it cannot be paid." {
		t.Errorf("a closed order: %v, want conflict", err)
	}
}

func TestUnverifiedEntry(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	for why, want := range map[string]string{
		UnverifiedSignature: "its signature does not match",
		UnverifiedTooOld:    "its timestamp is more than 5 minutes old",
		UnverifiedTooNew:    "its timestamp is more than 5 minutes in the future",
		UnverifiedHeaders:   "its signature headers are missing or malformed",
	} {
		e := UnverifiedEntry(9, why, now)
		if !strings.Contains(e.Message.String(), want) || !e.Flagged || !e.Internal || e.OrderID != 9 || e.Kind != KindNotificationRejected {
			t.Errorf("%s: entry = %+v, want a flagged, support-only note saying %q", why, e, want)
		}
	}
}
