// Package reconciler is the shop's safety net for everything asynchronous:
// every RECONCILE_EVERY it reads from the gateway the payment attempts and
// refunds that have been pending longer than RECONCILE_AFTER and applies them
// exactly as a notification would be applied, closes orders past ORDER_TTL,
// and creates refunds written but not yet accepted by the gateway (queued
// automatic refunds, approvals and retries made while it was unreachable). A
// lost notification therefore never leaves a paid order unpaid, nor an
// approved refund stuck in refunding.
package reconciler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// DefaultBatch bounds the work of one pass for each kind of item; what is
// left waits for the next.
const DefaultBatch = 100

// Reconciler runs passes on a timer and on demand.
type Reconciler struct {
	db    *sqlite.DB
	svc   *payment.Service
	every time.Duration
	after time.Duration
	batch int
	log   *slog.Logger
	kick  chan struct{}
}

// Option changes a Reconciler.
type Option func(*Reconciler)

// WithBatch sets how many items of each kind one pass handles at most
// (default DefaultBatch).
func WithBatch(n int) Option { return func(r *Reconciler) { r.batch = max(n, 1) } }

// New returns a Reconciler that runs every `every` and looks at what has
// been pending for at least `after`.
func New(db *sqlite.DB, svc *payment.Service, every, after time.Duration, log *slog.Logger, opts ...Option) *Reconciler {
	r := &Reconciler{db: db, svc: svc, every: every, after: after, batch: DefaultBatch, log: log, kick: make(chan struct{}, 1)}
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

// Run runs passes until ctx ends.
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
		if err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reconcile pass incomplete", "err", err)
		}
	}
}

// Once runs one pass. Every item is tried even when another fails; the
// errors are joined.
func (r *Reconciler) Once(ctx context.Context) error {
	var errs []error
	note := func(what string, err error) {
		if err != nil {
			errs = append(errs, err)
			r.log.Warn("reconcile", "what", what, "err", err)
		}
	}
	before := r.db.Now().Add(-r.after)
	attempts, err := r.db.StaleAttempts(ctx, before, r.batch)
	note("list attempts", err)
	for i := range attempts {
		note(attempts[i].OutTradeNo, r.svc.SyncAttempt(ctx, &attempts[i], shop.ActorReconciler))
	}
	orders, err := r.db.ExpiredOrders(ctx, r.batch)
	note("list expired orders", err)
	for i := range orders {
		note(orders[i].No, r.svc.CloseExpired(ctx, &orders[i], shop.ActorReconciler))
	}
	queued, err := r.db.RefundsToCreate(ctx, before, r.batch)
	note("list queued refunds", err)
	for i := range queued {
		note(queued[i].OutRefundNo, r.svc.SubmitRefund(ctx, &queued[i], shop.ActorReconciler))
	}
	refunds, err := r.db.StaleRefunds(ctx, before, r.batch)
	note("list refunds", err)
	for i := range refunds {
		note(refunds[i].OutRefundNo, r.svc.SyncRefund(ctx, &refunds[i], shop.ActorReconciler))
	}
	return errors.Join(errs...)
}
