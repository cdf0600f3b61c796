package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// An attempt being created is held by one request at a time with a lease
// (shop.Attempt.Lease; docs/shop.md, "Two requests, one attempt"): the one
// creating it, or the one settling it. Others wait for it here.

// newLease returns a fresh hold on an attempt: long enough for a create
// call bounded by CreateTimeout, and half as long again, so that a call the
// shop gave up on has landed at the gateway (or never will) before the hold
// runs out and another request may look the attempt up.
func (s *Service) newLease() sqlite.Lease {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return sqlite.Lease{Token: hex.EncodeToString(b), Until: s.db.Now().Add(s.cfg.CreateTimeout * 3 / 2)}
}

// waitFor waits until no other request holds attempt a (it was created,
// settled, released, or its lease ran out). It wakes when a request of this
// process lets go of an attempt, and looks at the store every waitPoll in
// any case (another shop process, a lease running out). Past deadline it
// gives up with ECONFLICT.
func (s *Service) waitFor(ctx context.Context, a *shop.Attempt, deadline time.Time) error {
	for {
		// Taken before looking, so a let-go after the look still wakes us.
		wake := s.letGo.wait()
		cur, err := s.db.FindAttemptByID(ctx, a.ID)
		if err != nil {
			return err
		}
		if !cur.Leased(s.db.Now()) {
			return nil
		}
		if time.Now().After(deadline) {
			return shop.Errorf(shop.ECONFLICT, "shop.error.setting_up")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-time.After(waitPoll):
		}
	}
}

// errBusy: another request holds an attempt of the order.
var errBusy = errors.New("payment: another request holds an attempt of the order")

// waitPoll is how often a waiting request looks at the attempt it waits
// for when nothing in this process woke it.
const waitPoll = 200 * time.Millisecond

// signal wakes every waiter at once: wait returns a channel that the next
// broadcast closes.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (g *signal) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

func (g *signal) broadcast() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}

// release ends the caller's hold on attempt a, even when ctx has ended,
// and wakes the requests waiting for it.
func (s *Service) release(ctx context.Context, a *shop.Attempt, lease string) {
	if err := s.db.ReleaseAttempt(context.WithoutCancel(ctx), a.ID, lease); err != nil {
		s.cfg.Log.Warn("release attempt", "attempt", a.OutTradeNo, "err", err)
	}
	s.letGo.broadcast()
}

// mayLand reports whether a failed create call may still take effect at
// the gateway: a try of it may be on its way there (it timed out, or the
// connection broke after the request was sent). An answer from the
// gateway, or a connection that was never made, leaves nothing on its way.
// The attempt stays held until its lease runs out when it may.
func mayLand(err error) bool {
	var answered *gatewayclient.Error
	if errors.As(err, &answered) {
		return false
	}
	var op *net.OpError
	return !errors.As(err, &op) || op.Op != "dial"
}
