// Package dispatcher delivers the gateway's notifications. Every gateway
// process runs one: it claims due members of the Redis delivery schedule
// under a lease (NOTIFY_TIMEOUT plus a margin), so processes share the work
// and an attempt taken by a process that died is made again when its lease
// ends. Delivery is at least once; order is not promised.
//
// The core (package gateway) decides what an attempt is and what follows
// it; this package does the protocol part: the native notification signed
// per Standard Webhooks, sent over one shared HTTP client by a bounded pool
// of workers.
package dispatcher

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// UserAgent identifies the gateway's notification requests.
const UserAgent = "PaySandbox-Webhooks/1"

// Observer receives what the dispatcher measures (Prometheus metrics in the
// binary). Implementations must be safe for concurrent use.
type Observer interface {
	// ObserveAttempt counts one attempt by kind (scheduled, redelivery,
	// duplicate) and outcome, with how long the request took.
	ObserveAttempt(kind, outcome string, d time.Duration)
	// ObserveDelivered records the time from an event's creation to its
	// first 2xx.
	ObserveDelivered(lag time.Duration)
}

// Attempt outcomes, as observed.
const (
	OutcomeSuccess      = "success"       // a 2xx
	OutcomeHTTPError    = "http_error"    // any other status
	OutcomeTimeout      = "timeout"       // no answer within the timeout
	OutcomeNetworkError = "network_error" // connection refused, reset, DNS…
	OutcomeDropped      = "dropped"       // notify_drop
	OutcomeNoURL        = "no_url"        // nowhere to send it
)

// Dispatcher sends due notifications. Set its fields, then call Run.
type Dispatcher struct {
	Service *gateway.Service
	Log     *slog.Logger
	// Timeout bounds one attempt (NOTIFY_TIMEOUT, default 10s).
	Timeout time.Duration
	// Concurrency is the number of workers (NOTIFY_CONCURRENCY, default 64).
	Concurrency int
	// Interval is how often the schedule is polled (default 100ms).
	Interval time.Duration
	// LeaseMargin is added to Timeout to make the lease of a claim
	// (default 5s): long enough that a live worker always records its
	// attempt before another process may take the member again.
	LeaseMargin time.Duration
	// Client sends the notifications; nil means NewClient(Timeout, Concurrency).
	Client *http.Client
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Observer, when set, receives measurements.
	Observer Observer

	slots     chan struct{}
	wake      chan struct{}
	saturated atomic.Bool
	workers   sync.WaitGroup
}

// NewClient returns the HTTP client notifications share: connections are
// kept and reused across attempts, redirects are not followed (a 3xx is a
// failed attempt, as with the providers), and one request, body included,
// is bounded by timeout.
func NewClient(timeout time.Duration, concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(100, concurrency)
	tr.MaxIdleConnsPerHost = max(2, concurrency)
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func (d *Dispatcher) defaults() {
	if d.Timeout <= 0 {
		d.Timeout = 10 * time.Second
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 64
	}
	if d.Interval <= 0 {
		d.Interval = 100 * time.Millisecond
	}
	if d.LeaseMargin <= 0 {
		d.LeaseMargin = 5 * time.Second
	}
	if d.Client == nil {
		d.Client = NewClient(d.Timeout, d.Concurrency)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.slots = make(chan struct{}, d.Concurrency)
	d.wake = make(chan struct{}, 1)
}

// Lease is how long a claimed member stays hidden from other processes.
func (d *Dispatcher) Lease() time.Duration { return d.Timeout + d.LeaseMargin }

// Run polls the schedule until ctx ends, then waits for the attempts in
// flight: they finish (bounded by Timeout) and are recorded, so a graceful
// stop neither loses nor repeats an attempt.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	// Attempts outlive ctx on purpose: cutting one short would record a
	// failure that is the gateway's, not the merchant's.
	work := context.WithoutCancel(ctx)
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		if err := d.tick(ctx, work); err != nil && ctx.Err() == nil {
			d.Log.Warn("dispatcher: poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			d.workers.Wait()
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// tick claims as many due members as there are idle workers, redeliveries
// first (a person is waiting for those), spreading the workers over the
// merchants that have work.
func (d *Dispatcher) tick(ctx, work context.Context) error {
	store := d.Service.Store()
	now := d.Now()
	for _, queue := range []string{gateway.QueueRedeliver, gateway.QueueDeliver} {
		mids, err := store.DueMerchants(ctx, queue, now)
		if err != nil {
			return err
		}
		for i, mid := range mids {
			free := cap(d.slots) - len(d.slots)
			if free == 0 {
				// Poll again as soon as a worker is free, not a tick later.
				d.saturated.Store(true)
				return nil
			}
			share := (free + len(mids) - i - 1) / (len(mids) - i)
			members, err := store.Claim(ctx, mid, queue, now, d.Lease(), share)
			if err != nil {
				return err
			}
			for _, member := range members {
				d.slots <- struct{}{} // never blocks: only this goroutine takes slots
				d.workers.Go(func() {
					defer d.release()
					d.deliver(work, mid, queue, member)
				})
			}
		}
	}
	return nil
}

func (d *Dispatcher) release() {
	<-d.slots
	if d.saturated.CompareAndSwap(true, false) {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}
