// Package timers runs the gateway's due timers — payment expiry, auto_succeed
// and refund settlement — from the Redis schedule. Every process runs one; a
// member is claimed under a lease, so processes share the work and a timer
// taken by a process that died runs again when the lease ends.
package timers

import (
	"context"
	"log/slog"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Runner polls the timer queue of every merchant.
type Runner struct {
	Service *gateway.Service
	Log     *slog.Logger
	// Interval is the polling period; Lease how long a claimed timer is
	// hidden from other processes.
	Interval time.Duration
	Lease    time.Duration
	Now      func() time.Time
}

// Run polls until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	if r.Interval <= 0 {
		r.Interval = 200 * time.Millisecond
	}
	if r.Lease <= 0 {
		r.Lease = 30 * time.Second
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("timers: tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick runs every timer due now, once.
func (r *Runner) Tick(ctx context.Context) error {
	store := r.Service.Store()
	now := r.Now()
	mids, err := store.DueMerchants(ctx, gateway.QueueTimer, now)
	if err != nil {
		return err
	}
	for _, mid := range mids {
		members, err := store.Claim(ctx, mid, gateway.QueueTimer, now, r.Lease, 100)
		if err != nil {
			return err
		}
		for _, member := range members {
			if err := r.Service.RunTimer(ctx, mid, member); err != nil && ctx.Err() == nil {
				// Left on the queue: it runs again when the lease ends.
				r.Log.Warn("timers: timer failed", "merchant", mid, "timer", member, "err", err)
			}
		}
	}
	return nil
}
