// Package dispatcher delivers the gateway's notifications. Every gateway
// process runs one: it claims due members of the Redis delivery schedule
// under a lease (NOTIFY_TIMEOUT plus a margin), so processes share the work
// and an attempt taken by a process that died is made again when its lease
// ends. Delivery is at least once; order is not promised.
//
// The core (package gateway) decides what an attempt is and what follows
// it; each protocol's Notifier encodes and signs the request and says
// whether an answer acknowledges it; this package sends it over one shared
// HTTP client from a bounded pool of workers.
package dispatcher

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/poll"
)

// Notifier is a protocol's side of a notification (DESIGN §10).
type Notifier interface {
	// Encode builds the request of an attempt — headers and body, signed,
	// with the delivery's injected faults applied — made at now.
	Encode(d *gateway.Delivery, now time.Time) (http.Header, []byte, error)
	// Acknowledged reports whether an answer (its status and the first
	// gateway.MaxResponseBody bytes of its body) acknowledges the
	// notification.
	Acknowledged(status int, body []byte) bool
}

// Core is what the dispatcher asks of the core.
type Core interface {
	PrepareDelivery(ctx context.Context, merchantID, queue, member string, ev *gateway.Event) (*gateway.Delivery, bool, error)
	RecordAttempt(ctx context.Context, d *gateway.Delivery, res gateway.AttemptResult) (*gateway.Event, bool, error)
}

// Queue is the delivery schedule.
type Queue interface {
	// DueMerchantsOf returns, for each queue, the merchants with a member
	// of it due at now.
	DueMerchantsOf(ctx context.Context, queues []string, now time.Time) ([][]string, error)
	// ClaimEvents takes up to max due members under a lease and reads
	// their events in the same step.
	ClaimEvents(ctx context.Context, merchantID, queue string, now time.Time, lease time.Duration, max int) ([]gateway.ClaimedEvent, error)
	// Sweep marks every merchant with work on queue (the repair for a mark
	// lost when a process died between a commit and its marking).
	Sweep(ctx context.Context, queue string) error
}

// Observer receives what the dispatcher measures (Prometheus metrics in the
// binary). Implementations must be safe for concurrent use.
type Observer interface {
	// ObserveAttempt counts one attempt by kind (scheduled, redelivery,
	// duplicate) and outcome, with how long the request took.
	ObserveAttempt(kind, outcome string, d time.Duration)
	// ObserveDelivered records the time from an event's creation to its
	// first acknowledged delivery.
	ObserveDelivered(lag time.Duration)
	// ObservePanic counts a panic recovered in a background component.
	ObservePanic(component string)
}

// Attempt outcomes, as observed.
const (
	OutcomeSuccess      = "success"       // acknowledged
	OutcomeHTTPError    = "http_error"    // answered, not acknowledged
	OutcomeTimeout      = "timeout"       // no answer within the timeout
	OutcomeNetworkError = "network_error" // connection refused, reset, DNS…
	OutcomeDropped      = "dropped"       // notify_drop
	OutcomeNoURL        = "no_url"        // nowhere to send it
)

// Dispatcher sends due notifications. Set its fields, then call Run.
type Dispatcher struct {
	Core  Core
	Queue Queue
	// Notifiers encode each protocol's notifications, by protocol name.
	Notifiers map[string]Notifier
	Log       *slog.Logger
	// Timeout bounds one attempt (NOTIFY_TIMEOUT, default 10s).
	Timeout time.Duration
	// Concurrency is the number of workers (NOTIFY_CONCURRENCY, default 64).
	Concurrency int
	// Interval is how often the schedule is polled when nothing was due
	// (default 100ms).
	Interval time.Duration
	// SweepEvery is how often every merchant's schedule is swept for work
	// whose mark was lost (default 1m; and once at start).
	SweepEvery time.Duration
	// LeaseMargin is added to Timeout to make the lease of a claim
	// (default 5s): long enough that a live worker always records its
	// attempt before another process may take the member again.
	LeaseMargin time.Duration
	// Client sends the notifications; nil means NewClient(Timeout,
	// Concurrency, DialControl).
	Client *http.Client
	// DialControl, when set, vets every address a notification connects to.
	DialControl func(network, address string, c syscall.RawConn) error
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Observer, when set, receives measurements.
	Observer Observer

	slots     chan struct{}
	jobs      chan job
	wake      chan struct{}
	wakeOnce  sync.Once
	wakeSoon  atomic.Bool
	workers   sync.WaitGroup
	lastSweep time.Time
}

// NewClient returns the HTTP client notifications share: connections are
// kept and reused across attempts, redirects are not followed (a 3xx is a
// failed attempt, as with the providers), and one request, body included,
// is bounded by timeout. control, when set, vets every address the client
// connects to (NOTIFY_DENY_PRIVATE).
func NewClient(timeout time.Duration, concurrency int, control func(network, address string, c syscall.RawConn) error) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if control != nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		tr.DialContext = d.DialContext
		// Through a proxy the dialer would vet the proxy's address, not
		// the receiver's: notifications go direct when addresses are vetted.
		tr.Proxy = nil
	}
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
	if d.SweepEvery <= 0 {
		d.SweepEvery = time.Minute
	}
	if d.LeaseMargin <= 0 {
		d.LeaseMargin = 5 * time.Second
	}
	if d.Client == nil {
		d.Client = NewClient(d.Timeout, d.Concurrency, d.DialControl)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.slots = make(chan struct{}, d.Concurrency)
	d.jobs = make(chan job, d.Concurrency)
	d.wakeCh()
}

// job is a claimed member for a worker to deliver.
type job struct {
	mid, queue string
	c          gateway.ClaimedEvent
}

// wakeCh is the channel that ends the loop's wait; Wake may be called
// before Run.
func (d *Dispatcher) wakeCh() chan struct{} {
	d.wakeOnce.Do(func() { d.wake = make(chan struct{}, 1) })
	return d.wake
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
	// The workers live as long as the loop: a goroutine per delivery would
	// grow a fresh stack for every one.
	for range d.Concurrency {
		d.workers.Go(func() {
			for j := range d.jobs {
				d.work(work, j)
			}
		})
	}
	loop := poll.Loop{
		Name: "dispatcher", Interval: d.Interval, Wake: d.wakeCh(), Log: d.Log, OnPanic: d.panicked,
		Tick: d.tick,
	}
	loop.Run(ctx)
	close(d.jobs)
	d.workers.Wait()
}

// work delivers one job and frees its slot, whatever happens.
func (d *Dispatcher) work(ctx context.Context, j job) {
	defer d.release()
	defer poll.Recover(d.Log, "dispatcher worker", d.panicked, nil)
	d.deliver(ctx, j.mid, j.queue, j.c)
}

func (d *Dispatcher) panicked(component string) {
	if d.Observer != nil {
		d.Observer.ObservePanic(component)
	}
}

// queues are the dispatcher's, in the order a tick serves them:
// redeliveries first (a person is waiting for those).
var queues = []string{gateway.QueueRedeliver, gateway.QueueDeliver}

// tick claims as many due members as there are idle workers, in the order
// of queues, spreading the workers over the merchants that have work. more
// is true when every worker is busy: the loop then ticks again as soon as
// one is free.
func (d *Dispatcher) tick(ctx context.Context) (more bool, err error) {
	now := d.Now()
	if now.Sub(d.lastSweep) >= d.SweepEvery {
		for _, q := range queues {
			if err := d.Queue.Sweep(ctx, q); err != nil {
				return false, err
			}
		}
		d.lastSweep = now
	}
	due, err := d.Queue.DueMerchantsOf(ctx, queues, now)
	if err != nil {
		return false, err
	}
	for qi, queue := range queues {
		mids := due[qi]
		for i, mid := range mids {
			free := cap(d.slots) - len(d.slots)
			if free == 0 {
				return true, nil
			}
			share := (free + len(mids) - i - 1) / (len(mids) - i)
			claimed, err := d.Queue.ClaimEvents(ctx, mid, queue, now, d.Lease(), share)
			if err != nil {
				return false, err
			}
			for _, c := range claimed {
				// Neither blocks: only this goroutine takes slots, and a
				// job never waits for more than the free slots.
				d.slots <- struct{}{}
				d.jobs <- job{mid: mid, queue: queue, c: c}
			}
		}
	}
	return cap(d.slots)-len(d.slots) == 0, nil
}

// Wake makes the dispatcher poll now rather than at its next tick: the
// core calls it when it commits a notification that is due at once.
func (d *Dispatcher) Wake() {
	select {
	case d.wakeCh() <- struct{}{}:
	default:
	}
}

// release frees a worker's slot. The loop claims again once an eighth of
// the workers are free, or 2 ms after the first one is: claims in batches
// rather than a round of Redis calls per finished delivery, and no due
// work waits long behind a slow receiver.
func (d *Dispatcher) release() {
	<-d.slots
	if free := cap(d.slots) - len(d.slots); free >= max(1, cap(d.slots)/8) {
		d.Wake()
		return
	}
	if d.wakeSoon.CompareAndSwap(false, true) {
		time.AfterFunc(2*time.Millisecond, func() {
			d.wakeSoon.Store(false)
			d.Wake()
		})
	}
}
