// Package reconciler is the shop's safety net for everything asynchronous:
// every RECONCILE_EVERY it reads from the gateway the payment attempts and
// refunds that have been pending longer than RECONCILE_AFTER and applies them
// exactly as a notification would be applied, closes orders past ORDER_TTL,
// and creates refunds written but not yet accepted by the gateway (queued
// automatic refunds, approvals and retries made while it was unreachable). A
// lost notification therefore never leaves a paid order unpaid, nor an
// approved refund stuck in refunding. It also forgets processed
// webhook-ids once no retry of them can come any more, and survives a
// panic in any of its steps.
package reconciler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// DefaultBatch bounds the work of one pass for each kind of item; what is
// left waits for the next.
const DefaultBatch = 100

// DefaultWebhookRetention is how long processed webhook-ids are kept: the
// gateway's longest preset retry schedule (wechat) runs for about 24 hours,
// and three times that leaves room for slow retries and late redeliveries
// (docs/shop.md, "Reconciler").
const DefaultWebhookRetention = 72 * time.Hour

// Store is what the reconciler reads and writes in the shop's database
// (*sqlite.DB). Each list returns at most limit items and puts them at the
// back of the line.
type Store interface {
	StaleAttempts(ctx context.Context, before time.Time, limit int) ([]shop.Attempt, error)
	ExpiredOrders(ctx context.Context, limit int) ([]shop.Order, error)
	RefundsToCreate(ctx context.Context, handoffBefore time.Time, limit int) ([]shop.Refund, error)
	StaleRefunds(ctx context.Context, before time.Time, limit int) ([]shop.Refund, error)
	// PruneWebhooks forgets processed webhook-ids received before the
	// given time and returns how many.
	PruneWebhooks(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Payments is what the reconciler asks the payment service to do
// (*payment.Service). Errors are logged and the item is tried again on a
// later pass.
type Payments interface {
	SyncAttempt(ctx context.Context, a *shop.Attempt, actor string) error
	CloseExpired(ctx context.Context, o *shop.Order, actor string) error
	SubmitRefund(ctx context.Context, r *shop.Refund, actor string) error
	SyncRefund(ctx context.Context, r *shop.Refund, actor string) error
}

// Reconciler runs passes on a timer and on demand.
type Reconciler struct {
	db        Store
	svc       Payments
	every     time.Duration
	after     time.Duration
	retention time.Duration
	batch     int
	now       func() time.Time
	log       *slog.Logger
	kick      chan struct{}
	panics    atomic.Int64
}

// Option changes a Reconciler.
type Option func(*Reconciler)

// WithBatch sets how many items of each kind one pass handles at most
// (default DefaultBatch).
func WithBatch(n int) Option { return func(r *Reconciler) { r.batch = max(n, 1) } }

// WithClock sets the clock that ages are measured with (default time.Now);
// the store's, so that both agree.
func WithClock(now func() time.Time) Option { return func(r *Reconciler) { r.now = now } }

// WithWebhookRetention sets how long processed webhook-ids are kept
// (WEBHOOK_RETENTION, default DefaultWebhookRetention).
func WithWebhookRetention(d time.Duration) Option {
	return func(r *Reconciler) {
		if d > 0 {
			r.retention = d
		}
	}
}

// New returns a Reconciler that runs every `every` and looks at what has
// been pending for at least `after`.
func New(db Store, svc Payments, every, after time.Duration, log *slog.Logger, opts ...Option) *Reconciler {
	r := &Reconciler{db: db, svc: svc, every: every, after: after, retention: DefaultWebhookRetention, batch: DefaultBatch,
		now: time.Now, log: log, kick: make(chan struct{}, 1)}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Kick asks for a pass soon without waiting for it (e.g. an automatic
// refund was queued).
func (r *Reconciler) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Panics counts the panics the reconciler recovered from since it started.
func (r *Reconciler) Panics() int64 { return r.panics.Load() }

// Run runs passes until ctx ends. A pass that panics is recovered, logged
// and counted (Panics); the next one runs as usual.
func (r *Reconciler) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
		err := r.guard("pass", func() error { return r.Once(ctx) })
		if err != nil && ctx.Err() == nil {
			r.log.Warn("reconcile pass incomplete", "err", err)
		}
	}
}

// guard runs one step of a pass and turns a panic in it into an error: one
// poisoned order must neither stop the shop nor the rest of the pass.
func (r *Reconciler) guard(what string, step func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			n := r.panics.Add(1)
			r.log.Error("reconciler recovered from a panic", "what", what, "panic", p, "panics_total", n, "stack", string(debug.Stack()))
			err = fmt.Errorf("reconciler: %s: panic: %v", what, p)
		}
	}()
	return step()
}

// Once runs one pass. Every item is tried even when another fails or
// panics; the errors are joined.
func (r *Reconciler) Once(ctx context.Context) error {
	var errs []error
	note := func(what string, step func() error) {
		if err := r.guard(what, step); err != nil {
			errs = append(errs, err)
			r.log.Warn("reconcile", "what", what, "err", err)
		}
	}
	before := r.now().Add(-r.after)
	var attempts []shop.Attempt
	note("list attempts", func() (err error) { attempts, err = r.db.StaleAttempts(ctx, before, r.batch); return err })
	for i := range attempts {
		note(attempts[i].OutTradeNo, func() error { return r.svc.SyncAttempt(ctx, &attempts[i], shop.ActorReconciler) })
	}
	var orders []shop.Order
	note("list expired orders", func() (err error) { orders, err = r.db.ExpiredOrders(ctx, r.batch); return err })
	for i := range orders {
		note(orders[i].No, func() error { return r.svc.CloseExpired(ctx, &orders[i], shop.ActorReconciler) })
	}
	var queued []shop.Refund
	note("list queued refunds", func() (err error) { queued, err = r.db.RefundsToCreate(ctx, before, r.batch); return err })
	for i := range queued {
		note(queued[i].OutRefundNo, func() error { return r.svc.SubmitRefund(ctx, &queued[i], shop.ActorReconciler) })
	}
	var refunds []shop.Refund
	note("list refunds", func() (err error) { refunds, err = r.db.StaleRefunds(ctx, before, r.batch); return err })
	for i := range refunds {
		note(refunds[i].OutRefundNo, func() error { return r.svc.SyncRefund(ctx, &refunds[i], shop.ActorReconciler) })
	}
	note("prune webhook-ids", func() error {
		n, err := r.db.PruneWebhooks(ctx, r.now().Add(-r.retention), pruneBatch)
		if n > 0 {
			r.log.Info("processed webhook-ids forgotten", "count", n, "older_than", r.retention)
		}
		return err
	})
	return errors.Join(errs...)
}

// pruneBatch bounds how many webhook-ids one pass forgets, so the delete
// holds the write lock only briefly; a backlog goes over a few passes.
const pruneBatch = 1000
