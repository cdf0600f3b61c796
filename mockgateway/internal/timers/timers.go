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
	"github.com/paysandbox/paysandbox/mockgateway/internal/poll"
)

// Core runs one timer.
type Core interface {
	RunTimer(ctx context.Context, merchantID, member string) error
}

// Queue is the timer schedule.
type Queue interface {
	DueMerchants(ctx context.Context, queue string, now time.Time) ([]string, error)
	Claim(ctx context.Context, merchantID, queue string, now time.Time, lease time.Duration, max int) ([]string, error)
	Sweep(ctx context.Context, queue string) error
}

// batch is how many timers of one merchant a tick claims at most.
const batch = 100

// Runner polls the timer queue of every merchant with due timers.
type Runner struct {
	Core  Core
	Queue Queue
	Log   *slog.Logger
	// Interval is the polling period; Lease how long a claimed timer is
	// hidden from other processes; SweepEvery how often every merchant's
	// queue is swept for timers whose mark was lost (and once at start).
	Interval   time.Duration
	Lease      time.Duration
	SweepEvery time.Duration
	Now        func() time.Time
	// OnPanic counts a recovered panic.
	OnPanic func(component string)

	lastSweep time.Time
}

// Run polls until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	r.defaults()
	loop := poll.Loop{Name: "timers", Interval: r.Interval, Tick: r.Tick, Log: r.Log, OnPanic: r.OnPanic}
	loop.Run(ctx)
}

func (r *Runner) defaults() {
	if r.Interval <= 0 {
		r.Interval = 200 * time.Millisecond
	}
	if r.Lease <= 0 {
		r.Lease = 30 * time.Second
	}
	if r.SweepEvery <= 0 {
		r.SweepEvery = time.Minute
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// Tick runs every timer due now, once. more is true when a merchant had
// more due timers than one claim takes.
func (r *Runner) Tick(ctx context.Context) (more bool, err error) {
	r.defaults()
	now := r.Now()
	if now.Sub(r.lastSweep) >= r.SweepEvery {
		if err := r.Queue.Sweep(ctx, gateway.QueueTimer); err != nil {
			return false, err
		}
		r.lastSweep = now
	}
	mids, err := r.Queue.DueMerchants(ctx, gateway.QueueTimer, now)
	if err != nil {
		return false, err
	}
	for _, mid := range mids {
		members, err := r.Queue.Claim(ctx, mid, gateway.QueueTimer, now, r.Lease, batch)
		if err != nil {
			return false, err
		}
		more = more || len(members) == batch
		for _, member := range members {
			if err := r.Core.RunTimer(ctx, mid, member); err != nil && ctx.Err() == nil {
				// Left on the queue: it runs again when the lease ends.
				r.Log.Warn("timers: timer failed", "merchant", mid, "timer", member, "err", err)
			}
		}
	}
	return more, nil
}
