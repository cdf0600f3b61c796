package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A commit sent again by the client (its reply came late) is recognised
// as applied by its token in the object's hash even when later commits
// changed the object meanwhile — up to three of them; after that it fails
// its version check like any stale commit (a resend comes within the
// client's read timeout, not after four more changes of one object).
func TestCommit_ResendKnownByTokenAfterLaterCommits(t *testing.T) {
	rdb := redistest.Client(t)
	s := New(rdb)
	svc := gateway.NewService(s, gateway.Config{PublicURL: "http://gw.test"})
	ctx := context.Background()
	m, err := svc.CreateMerchant(ctx, "resend", "http://127.0.0.1:9/hook")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "RS-1", Amount: 1, Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// change commits a new description of the payment and returns the
	// arguments it ran with, to send them again.
	change := func(desc string) (keys []string, args []any) {
		t.Helper()
		cur, err := s.Payment(ctx, m.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Description = desc
		plan, args, err := s.commitPlan(ctx, m.ID, &gateway.Batch{Now: time.Now(), Payments: []*gateway.Payment{cur}, DataRetention: time.Hour}, true)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := commitScript.Run(ctx, rdb, plan.keys, args...).Slice(); err != nil || res[0] != int64(1) {
			t.Fatalf("commit %q: %v %v", desc, res, err)
		}
		return plan.keys, args
	}
	resend := func(keys []string, args []any) int64 {
		t.Helper()
		res, err := commitScript.Run(ctx, rdb, keys, args...).Slice()
		if err != nil {
			t.Fatal(err)
		}
		return res[0].(int64)
	}
	version := func() int64 {
		t.Helper()
		cur, err := s.Payment(ctx, m.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cur.Version
	}
	keys, args := change("first")
	change("second")
	change("third")
	change("fourth")
	v := version()
	if got := resend(keys, args); got != 1 {
		t.Fatalf("a resend after three later commits answered %d, want 1 (applied)", got)
	}
	if version() != v {
		t.Fatal("a resend recognised as applied changed the payment")
	}
	change("fifth")
	if got := resend(keys, args); got != 0 {
		t.Fatalf("a resend after four later commits answered %d, want 0 (its version check fails)", got)
	}
	if version() != v+1 {
		t.Fatal("a stale resend changed the payment")
	}
}
