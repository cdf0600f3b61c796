package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestWriteGate: this process's writers take turns at one gate before
// SQLite's write lock. Many concurrent writers all get through, the gate is
// given back however a transaction ends, and a writer that cannot get in
// within the busy timeout gives up like SQLite would.
func TestWriteGate(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			tx, err := db.beginWrite(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `INSERT INTO processed_webhooks (webhook_id, event_type, received_at) VALUES (?, 'x', 0)`,
				fmt.Sprintf("evt_%d", i)); err != nil {
				errs <- err
				return
			}
			time.Sleep(2 * time.Millisecond) // hold the lock a moment, as real work does
			errs <- tx.Commit()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a writer failed: %v", err)
		}
	}
	var n int
	scanOne(t, db, `SELECT COUNT(*) FROM processed_webhooks`, &n)
	if n != writers || len(db.gate) != 0 {
		t.Fatalf("%d rows written, gate taken %d; want %d and free", n, len(db.gate), writers)
	}

	// Commit then the deferred Rollback give the gate back once.
	tx, err := db.beginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil || tx.Rollback() == nil || len(db.gate) != 0 {
		t.Fatalf("after commit and rollback: gate taken %d (%v)", len(db.gate), err)
	}
	// A store function that fails gives it back too.
	if _, err := db.ApplyPayment(ctx, shop.PaymentFacts{OutTradeNo: "NOPE-1"}, "m_demo", shop.Source{Actor: "test"}); err == nil || len(db.gate) != 0 {
		t.Fatalf("after a failed apply: %v, gate taken %d", err, len(db.gate))
	}

	// Held for longer than the busy timeout: the next writer gives up.
	short, err := Open(ctx, path, WithSeedPasswordCost(bcrypt.MinCost), WithBusyTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	held, err := short.beginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := short.RecordIrrelevant(ctx, shop.Source{WebhookID: "evt_late"}, "x"); !errors.Is(err, errGateTimeout) || time.Since(start) > time.Second {
		t.Errorf("writer behind a held gate: %v after %v, want the gate's timeout after 50 ms", err, time.Since(start))
	}
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := short.RecordIrrelevant(ctx, shop.Source{WebhookID: "evt_late"}, "x"); err != nil {
		t.Errorf("writer after the gate was given back: %v", err)
	}
}
