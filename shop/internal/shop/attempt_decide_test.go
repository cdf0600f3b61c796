package shop

import (
	"strings"
	"testing"
	"time"
)

func TestDecideLocalClose(t *testing.T) {
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	creating := Attempt{ID: 1, OrderID: 7, N: 1, Status: AttemptCreating, Lease: "mine", LeaseUntil: now.Add(time.Minute)}
	pending := Attempt{ID: 1, OrderID: 7, N: 1, Status: AttemptPending, PaymentID: "pay_1"}
	closed := pending
	closed.Status = AttemptClosed
	tests := []struct {
		name string
		a    Attempt
		c    LocalClose
		ok   bool
		want string
	}{
		{"NeverCreatedByTheHolder", creating, LocalClose{Reason: LocalNeverCreated, Lease: "mine"}, true, "Payment attempt 1 closed: the gateway never created it."},
		{"NeverCreatedByAnother", creating, LocalClose{Reason: LocalNeverCreated, Lease: "theirs"}, false, ""},
		{"NeverCreatedWithoutLease", creating, LocalClose{Reason: LocalNeverCreated}, false, ""},
		{"NeverCreatedButPending", pending, LocalClose{Reason: LocalNeverCreated, Lease: "mine"}, false, ""},
		{"RefusedByTheHolder", creating, LocalClose{Reason: LocalRefused, Lease: "mine", Code: "parameter_invalid", Detail: "bad"}, true,
			"Payment attempt 1 closed: the gateway refused to create it: parameter_invalid (bad)."},
		{"RefusedByAnother", creating, LocalClose{Reason: LocalRefused, Lease: "theirs"}, false, ""},
		{"ForgottenOwnPayment", pending, LocalClose{Reason: LocalForgotten, PaymentID: "pay_1"}, true,
			"Payment attempt 1 closed: the gateway has no record of payment pay_1 any more"},
		{"ForgottenOtherPayment", pending, LocalClose{Reason: LocalForgotten, PaymentID: "pay_2"}, false, ""},
		{"ForgottenFoundByTheHolder", creating, LocalClose{Reason: LocalForgotten, PaymentID: "pay_3", Lease: "mine"}, true, "pay_3"},
		{"ForgottenFoundByAnother", creating, LocalClose{Reason: LocalForgotten, PaymentID: "pay_3", Lease: "theirs"}, false, ""},
		{"AlreadyClosed", closed, LocalClose{Reason: LocalForgotten, PaymentID: "pay_1"}, false, ""},
		{"UnknownReason", creating, LocalClose{Reason: "whim", Lease: "mine"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, entries := DecideLocalClose(tt.a, tt.c, "test", now)
			if ok != tt.ok || (ok && len(entries) != 1) || (!ok && len(entries) != 0) {
				t.Fatalf("DecideLocalClose = %v, %+v; want ok %v with one entry when ok", ok, entries, tt.ok)
			}
			if !ok {
				return
			}
			if e := entries[0]; !strings.Contains(e.Message.String(), tt.want) || e.OrderID != 7 || e.Kind != KindAttemptClosed || e.Actor != "test" {
				t.Errorf("entry = %+v, want %q", e, tt.want)
			}
		})
	}
}
