package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested", "shop.db")
	db, err := Open(context.Background(), path, WithSeedPasswordCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestOpen_MigratesSeedsOnceAndEnforces(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	db.Close()
	db, err := Open(ctx, path, WithSeedPasswordCost(bcrypt.MinCost)) // a second start must not seed again
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var products, users, migrations int
	var mode string
	var fk int
	q := db.SQL()
	scanOne(t, db, `SELECT COUNT(*) FROM products`, &products)
	scanOne(t, db, `SELECT COUNT(*) FROM users`, &users)
	scanOne(t, db, `SELECT COUNT(*) FROM schema_migrations`, &migrations)
	scanOne(t, db, `PRAGMA journal_mode`, &mode)
	scanOne(t, db, `PRAGMA foreign_keys`, &fk)
	files := migrationFiles(t)
	if products != len(demoProducts) || users != len(DemoUsers) || migrations != len(files) || len(files) < 2 {
		t.Errorf("products, users, migrations = %d, %d, %d; want %d, %d, %d", products, users, migrations, len(demoProducts), len(DemoUsers), len(files))
	}
	if mode != "wal" || fk != 1 {
		t.Errorf("journal_mode = %q, foreign_keys = %d; want wal, 1", mode, fk)
	}
	if _, err := q.Exec(`INSERT INTO order_items (order_id, line, product_id, name, unit_price, quantity) VALUES (999, 1, 1, 'x', 1, 1)`); err == nil {
		t.Error("an item of a missing order was accepted: foreign keys are off")
	}
	u, err := db.FindUserByEmail(ctx, "SUPPORT@example.com ")
	if err != nil || u.Role != shop.RoleSupport {
		t.Errorf("support user = %+v, %v", u, err)
	}
}

func newOrder(t *testing.T, db *DB, userID int64, ttl time.Duration, nos ...string) (*shop.Order, error) {
	t.Helper()
	i := 0
	return db.CreateOrder(context.Background(), NewOrder{UserID: userID, Actor: "test", Currency: "CNY", TTL: ttl,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 2}},
		NewNo: func() (string, error) { n := nos[min(i, len(nos)-1)]; i++; return n, nil }})
}

func TestCreateOrder(t *testing.T) {
	db, _ := openTest(t)
	alice, _ := db.FindUserByEmail(context.Background(), "alice@example.com")
	t.Run("total and timeline", func(t *testing.T) {
		o, err := newOrder(t, db, alice.ID, time.Hour, "PS-A")
		if err != nil {
			t.Fatal(err)
		}
		if o.Total != 13600 || o.Status != shop.OrderPendingPayment {
			t.Errorf("order = %+v", o)
		}
		tl, _ := db.Timeline(context.Background(), o.ID)
		if len(tl) != 1 || tl[0].Kind != shop.KindCreated {
			t.Errorf("timeline = %+v", tl)
		}
	})
	t.Run("number collision draws again", func(t *testing.T) {
		o, err := newOrder(t, db, alice.ID, time.Hour, "PS-A", "PS-A", "PS-B")
		if err != nil || o.No != "PS-B" {
			t.Errorf("order %v, %v; want PS-B", o, err)
		}
	})
	t.Run("ErrEmptyCart", func(t *testing.T) {
		_, err := db.CreateOrder(context.Background(), NewOrder{UserID: alice.ID, Currency: "CNY", TTL: time.Hour, NewNo: func() (string, error) { return "PS-C", nil }})
		if shop.ErrorCode(err) != shop.EINVALID {
			t.Errorf("err = %v, want invalid", err)
		}
	})
}

func TestStartAttempt(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Now().UTC()
	db.Now = func() time.Time { return now }
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	bob, _ := db.FindUserByEmail(ctx, "bob@example.com")
	o, _ := newOrder(t, db, alice.ID, time.Hour, "PS-X")
	lease := func(token string) Lease { return Lease{Token: token, Until: now.Add(time.Minute)} }
	never := func(token string) shop.LocalClose {
		return shop.LocalClose{Reason: shop.LocalNeverCreated, Lease: token}
	}

	plan, err := db.StartAttempt(ctx, o.No, alice.ID, "card", "", "test", lease("first"))
	if err != nil || plan.Attempt == nil || !plan.Create || plan.Attempt.N != 1 || plan.Attempt.OutTradeNo != "PS-X-1" ||
		plan.Attempt.Status != shop.AttemptCreating || plan.Attempt.Lease != "first" {
		t.Fatalf("first plan = %+v, %v", plan, err)
	}
	id := plan.Attempt.ID
	t.Run("HeldAttemptIsWaitedFor", func(t *testing.T) {
		for _, method := range []string{"card", "alipay"} {
			p, err := db.StartAttempt(ctx, o.No, alice.ID, method, "", "test", lease("second"))
			if err != nil || p.Wait == nil || p.Wait.ID != id || p.Attempt != nil || p.Close != nil {
				t.Errorf("%s while attempt 1 is held = %+v, %v; want to wait for it", method, p, err)
			}
		}
		if a, _ := db.FindAttemptByID(ctx, id); a.Lease != "first" {
			t.Errorf("lease = %q, want still the first request's", a.Lease)
		}
	})
	t.Run("OnlyTheHolderClosesItAsNeverCreated", func(t *testing.T) {
		if closed, err := db.CloseAttemptLocally(ctx, id, never("second"), "test"); err != nil || closed {
			t.Errorf("closed by a request without the lease: %v, %v", closed, err)
		}
		if closed, err := db.CloseAttemptLocally(ctx, id, never(""), "test"); err != nil || closed {
			t.Errorf("closed by a request without any lease: %v, %v", closed, err)
		}
	})
	t.Run("ExpiredLeaseIsTakenOver", func(t *testing.T) {
		now = now.Add(2 * time.Minute)
		again, err := db.StartAttempt(ctx, o.No, alice.ID, "card", "", "test", lease("retry"))
		if err != nil || again.Attempt == nil || again.Attempt.ID != id || !again.Create || again.Attempt.Lease != "retry" {
			t.Fatalf("same method after the lease ran out = %+v, %v; want attempt 1 to create again", again, err)
		}
		now = now.Add(2 * time.Minute)
		other, err := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "", "test", lease("switch"))
		if err != nil || other.Close == nil || other.Close.ID != id || other.Attempt != nil || other.Close.Lease != "switch" {
			t.Fatalf("other method = %+v, %v; want attempt 1 to close first, held", other, err)
		}
		if closed, _ := db.CloseAttemptLocally(ctx, id, never("retry"), "test"); closed {
			t.Error("the request whose lease was taken over closed the attempt")
		}
		if closed, err := db.CloseAttemptLocally(ctx, id, never("switch"), "test"); err != nil || !closed {
			t.Fatalf("the holder could not close it: %v, %v", closed, err)
		}
	})
	next, _ := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "", "test", lease("next"))
	if next.Attempt == nil || next.Attempt.N != 2 || next.Attempt.OutTradeNo != "PS-X-2" {
		t.Errorf("after closing = %+v, want attempt 2", next)
	}
	t.Run("CreatedAttemptIsReusedUnheld", func(t *testing.T) {
		a, err := db.AttemptCreated(ctx, next.Attempt.ID, GatewayPayment{PaymentID: "pay_2", ExpiresAt: o.ExpiresAt})
		if err != nil || a.Status != shop.AttemptPending || a.Lease != "" {
			t.Fatalf("created = %+v, %v; want pending and released", a, err)
		}
		p, err := db.StartAttempt(ctx, o.No, alice.ID, "alipay", "", "test", lease("again"))
		if err != nil || p.Attempt == nil || p.Attempt.ID != a.ID || p.Create || p.Attempt.Lease != "" {
			t.Errorf("same method on a pending attempt = %+v, %v; want it reused, not held", p, err)
		}
		if closed, _ := db.CloseAttemptLocally(ctx, a.ID, never("again"), "test"); closed {
			t.Error("a pending attempt was closed as never created")
		}
	})
	if _, err := db.StartAttempt(ctx, o.No, bob.ID, "alipay", "", "test", lease("bob")); shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Errorf("bob paying alice's order: %v, want not found", err)
	}
	if _, err := db.CloseOrder(ctx, o.ID, shop.CloseCancelled, "test"); shop.ErrorCode(err) != shop.ECONFLICT {
		t.Errorf("closing with an open attempt: %v, want conflict", err)
	}
	expired, _ := newOrder(t, db, alice.ID, -time.Second, "PS-OLD")
	if _, err := db.StartAttempt(ctx, expired.No, alice.ID, "alipay", "", "test", lease("old")); shop.ErrorCode(err) != shop.ECONFLICT {
		t.Errorf("paying an expired order: %v, want conflict", err)
	}
}

func TestHoldAttempt(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Now().UTC()
	db.Now = func() time.Time { return now }
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	o, _ := newOrder(t, db, alice.ID, time.Hour, "PS-H")
	plan, err := db.StartAttempt(ctx, o.No, alice.ID, "card", "", "test", Lease{Token: "payer", Until: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	id := plan.Attempt.ID
	if a, held, err := db.HoldAttempt(ctx, id, Lease{Token: "cancel", Until: now.Add(time.Minute)}); err != nil || held || a.Lease != "payer" {
		t.Errorf("hold while the payer holds it = %v, %v, %v; want refused", a, held, err)
	}
	if err := db.ReleaseAttempt(ctx, id, "cancel"); err != nil {
		t.Fatal(err)
	}
	if a, _ := db.FindAttemptByID(ctx, id); a.Lease != "payer" {
		t.Errorf("released by a request that did not hold it: lease %q", a.Lease)
	}
	if err := db.ReleaseAttempt(ctx, id, "payer"); err != nil {
		t.Fatal(err)
	}
	a, held, err := db.HoldAttempt(ctx, id, Lease{Token: "cancel", Until: now.Add(time.Minute)})
	if err != nil || !held || a.Lease != "cancel" || !a.Leased(now) {
		t.Errorf("hold after release = %+v, %v, %v; want held by cancel", a, held, err)
	}
	if _, err := db.AttemptCreated(ctx, id, GatewayPayment{PaymentID: "pay_h", ExpiresAt: o.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if a, held, err := db.HoldAttempt(ctx, id, Lease{Token: "late", Until: now.Add(time.Minute)}); err != nil || !held || a.Lease != "" ||
		a.Status != shop.AttemptPending {
		t.Errorf("hold of a created attempt = %+v, %v, %v; want it as it is, nothing to hold", a, held, err)
	}
}

func TestApplyPayment_UnknownAttempt(t *testing.T) {
	db, _ := openTest(t)
	_, err := db.ApplyPayment(context.Background(), shop.PaymentFacts{OutTradeNo: "NOPE-1", Status: "succeeded"}, "m_demo",
		shop.Source{Actor: shop.ActorNotification, WebhookID: "evt_1"})
	if shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Errorf("err = %v, want not found", err)
	}
	var n int
	scanOne(t, db, `SELECT COUNT(*) FROM processed_webhooks`, &n)
	if n != 0 {
		t.Errorf("webhook recorded for a refused message")
	}
}

func TestSessionStore(t *testing.T) {
	db, _ := openTest(t)
	now := time.Now()
	db.Now = func() time.Time { return now }
	s := db.NewSessionStore([]byte("secret-one-secret-one"))
	if err := s.Commit("tok-1", []byte("data"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := s.Find("tok-1"); err != nil || !ok || string(b) != "data" {
		t.Errorf("Find = %q, %v, %v", b, ok, err)
	}
	var stored string
	scanOne(t, db, `SELECT token_hash FROM sessions`, &stored)
	if strings.Contains(stored, "tok-1") {
		t.Error("the token is stored in clear")
	}
	if _, ok, _ := db.NewSessionStore([]byte("another-secret-xxxx")).Find("tok-1"); ok {
		t.Error("a new SESSION_SECRET still finds old sessions")
	}
	now = now.Add(2 * time.Hour)
	if _, ok, _ := s.Find("tok-1"); ok {
		t.Error("expired session found")
	}
	if err := s.Commit("tok-2", []byte("x"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("tok-2"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Find("tok-2"); ok {
		t.Error("deleted session found")
	}
}

// scanOne runs a query that returns one row and scans it into dest; a query
// that fails fails the test, so an assertion on dest cannot pass by accident.
func scanOne(t *testing.T, db *DB, query string, dest ...any) {
	t.Helper()
	if err := db.SQL().QueryRow(query).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// migrationFiles lists the embedded migrations.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return files
}
