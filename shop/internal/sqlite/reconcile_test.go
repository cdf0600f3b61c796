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
		if _, err := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "", "test", Lease{}); err != nil {
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

func TestPruneWebhooks(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	start := time.Now().UTC().Add(-100 * time.Hour)
	now := start
	db.Now = func() time.Time { return now }
	// One webhook-id an hour for 100 hours.
	for i := range 100 {
		now = start.Add(time.Duration(i) * time.Hour)
		if err := db.RecordIrrelevant(ctx, shop.Source{Actor: shop.ActorNotification, WebhookID: fmt.Sprintf("evt_%03d", i)}, "payment.succeeded"); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		t.Helper()
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM processed_webhooks`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cutoff := start.Add(30 * time.Hour) // ids 0..29 are older
	if n, err := db.PruneWebhooks(ctx, cutoff, 20); err != nil || n != 20 || count() != 80 {
		t.Fatalf("first prune = %d, %v, %d left; want 20 forgotten, 80 left", n, err, count())
	}
	if n, err := db.PruneWebhooks(ctx, cutoff, 20); err != nil || n != 10 || count() != 70 {
		t.Fatalf("second prune = %d, %v, %d left; want the 10 older ones left, 70 left", n, err, count())
	}
	if n, err := db.PruneWebhooks(ctx, cutoff, 20); err != nil || n != 0 {
		t.Fatalf("third prune = %d, %v; want nothing", n, err)
	}
	var oldest string
	if err := db.SQL().QueryRow(`SELECT webhook_id FROM processed_webhooks ORDER BY received_at LIMIT 1`).Scan(&oldest); err != nil || oldest != "evt_030" {
		t.Errorf("oldest kept = %q, %v; want evt_030", oldest, err)
	}
}
