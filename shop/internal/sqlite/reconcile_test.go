package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestReconcileLists_TakeTurns: with more items waiting than one pass
// takes, successive passes take different ones, least recently checked
// first, so items the reconciler cannot settle never starve the others.
// Each list here holds five items and a pass takes two: three passes must
// see all five.
func TestReconcileLists_TakeTurns(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	sam, _ := db.FindUserByEmail(ctx, "support@example.com")
	future := time.Now().Add(time.Hour)
	var refunds []*shop.Refund
	for i := range 5 {
		no := fmt.Sprintf("PS-TURN-%d", i)
		o, err := newOrder(t, db, alice.ID, time.Hour, no)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "test", Lease{}); err != nil {
			t.Fatal(err)
		}
		if _, err := newOrder(t, db, alice.ID, -time.Minute, fmt.Sprintf("PS-LATE-%d", i)); err != nil {
			t.Fatal(err)
		}
		paid, _ := paidOrder(t, db, alice, fmt.Sprintf("PS-REF-%d", i))
		r, err := request(db, paid, alice, 100)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := db.ApproveRefundRequest(ctx, r.No, sam, "ok")
		if err != nil {
			t.Fatal(err)
		}
		refunds = append(refunds, ref)
	}
	// passes lists three times, two at a time, and counts what it saw.
	passes := func(name string, list func() ([]int64, error)) {
		t.Helper()
		seen := map[int64]bool{}
		for range 3 {
			ids, err := list()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(ids) != 2 && len(ids) != 1 {
				t.Fatalf("%s listed %d items, want at most 2 and at least 1", name, len(ids))
			}
			for _, id := range ids {
				seen[id] = true
			}
		}
		if len(seen) != 5 {
			t.Errorf("%s: three passes saw %d of 5 items, want all", name, len(seen))
		}
	}
	passes("StaleAttempts", func() ([]int64, error) {
		as, err := db.StaleAttempts(ctx, future, 2)
		return ids(as, func(a shop.Attempt) int64 { return a.ID }), err
	})
	passes("ExpiredOrders", func() ([]int64, error) {
		os, err := db.ExpiredOrders(ctx, 2)
		return ids(os, func(o shop.Order) int64 { return o.ID }), err
	})
	passes("RefundsToCreate", func() ([]int64, error) {
		rs, err := db.RefundsToCreate(ctx, future, 2)
		return ids(rs, func(r shop.Refund) int64 { return r.ID }), err
	})
	for _, r := range refunds {
		if err := db.RefundCreated(ctx, r.ID, "re_"+r.OutRefundNo, "test"); err != nil {
			t.Fatal(err)
		}
	}
	passes("StaleRefunds", func() ([]int64, error) {
		rs, err := db.StaleRefunds(ctx, future, 2)
		return ids(rs, func(r shop.Refund) int64 { return r.ID }), err
	})
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}
