package reconciler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// recorder is a payment service that records what the reconciler asked of
// it, and panics when asked to sync the attempt poison.
type recorder struct {
	poison string
	mu     sync.Mutex
	synced []string
	closed []string
}

func (r *recorder) SyncAttempt(_ context.Context, a *shop.Attempt, _ string) error {
	if a.OutTradeNo == r.poison {
		panic("nil map write while syncing " + a.OutTradeNo)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.synced = append(r.synced, a.OutTradeNo)
	return nil
}

func (r *recorder) CloseExpired(_ context.Context, o *shop.Order, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = append(r.closed, o.No)
	return nil
}

func (r *recorder) SubmitRefund(context.Context, *shop.Refund, string) error { return nil }
func (r *recorder) SyncRefund(context.Context, *shop.Refund, string) error   { return nil }

// store opens a real database whose clock is *now and places orders: each
// with ttl and, when method is set, an attempt being created.
func store(t *testing.T, now *time.Time) (*sqlite.DB, func(no string, ttl time.Duration, method string)) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shop.db"), sqlite.WithSeedPasswordCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return *now }
	alice, err := db.FindUserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return db, func(no string, ttl time.Duration, method string) {
		t.Helper()
		if _, err := db.CreateOrder(ctx, sqlite.NewOrder{UserID: alice.ID, Actor: "test", Currency: "CNY", TTL: ttl,
			Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}}, NewNo: func() (string, error) { return no, nil }}); err != nil {
			t.Fatal(err)
		}
		if method != "" {
			if _, err := db.StartAttempt(ctx, no, alice.ID, method, "", "test", sqlite.Lease{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestReconciler_SurvivesPanics: a panic while handling one item (a bug,
// a poisoned row) is recovered, logged and counted; the rest of the pass
// goes on, and so do later passes. Before, it killed the shop.
func TestReconciler_SurvivesPanics(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Add(-time.Hour)
	db, place := store(t, &now)
	place("PS-POISON", time.Hour, "alipay")
	place("PS-FINE", time.Hour, "card")
	place("PS-LATE", time.Minute, "")
	now = now.Add(10 * time.Minute)
	svc := &recorder{poison: "PS-POISON-1"}
	var logged strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logged.Write(p)
	}), nil))
	r := New(db, svc, 10*time.Millisecond, 0, log, WithClock(db.Now))

	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("the pass panicked: %v", p)
			}
		}()
		err = r.Once(ctx)
	}()
	if err == nil || !strings.Contains(err.Error(), "panic") || r.Panics() != 1 {
		t.Errorf("pass = %v with %d panics counted; want the panic as an error, counted once", err, r.Panics())
	}
	svc.mu.Lock()
	if fmt.Sprint(svc.synced) != "[PS-FINE-1]" || fmt.Sprint(svc.closed) != "[PS-LATE]" {
		t.Errorf("after the panic the pass synced %v and closed %v; want [PS-FINE-1] and [PS-LATE]", svc.synced, svc.closed)
	}
	svc.mu.Unlock()
	logMu.Lock()
	if out := logged.String(); !strings.Contains(out, "reconciler recovered from a panic") || !strings.Contains(out, "PS-POISON-1") {
		t.Errorf("the panic was not logged with the item:\n%s", out)
	}
	logMu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for r.Panics() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s only %d panics counted: the loop stopped", r.Panics())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop when asked")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestReconciler_ForgetsOldWebhookIDs: processed webhook-ids are kept for
// WEBHOOK_RETENTION (they only answer retries as duplicates, and the
// gateway stops retrying after about a day), then forgotten.
func TestReconciler_ForgetsOldWebhookIDs(t *testing.T) {
	ctx := context.Background()
	start := time.Now().UTC().Add(-200 * time.Hour)
	now := start
	db, _ := store(t, &now)
	record := func(id string, at time.Time) {
		t.Helper()
		now = at
		if err := db.RecordIrrelevant(ctx, shop.Source{Actor: shop.ActorNotification, WebhookID: id}, "payment.succeeded"); err != nil {
			t.Fatal(err)
		}
	}
	record("evt_week_old", start)
	record("evt_four_days_old", start.Add(104*time.Hour))
	record("evt_two_days_old", start.Add(152*time.Hour))
	record("evt_an_hour_old", start.Add(199*time.Hour))
	now = start.Add(200 * time.Hour)
	r := New(db, &recorder{}, time.Hour, time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(db.Now))
	if err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().Query(`SELECT webhook_id FROM processed_webhooks ORDER BY received_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kept []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, id)
	}
	if fmt.Sprint(kept) != "[evt_two_days_old evt_an_hour_old]" {
		t.Errorf("kept %v after a pass; want the ones younger than 72 h", kept)
	}
	// A retention of its own is honoured.
	r = New(db, &recorder{}, time.Hour, time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)), WithClock(db.Now), WithWebhookRetention(24*time.Hour))
	if err := r.Once(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM processed_webhooks`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d webhook-ids kept with a 24 h retention (%v), want 1", n, err)
	}
}
