// Package ratelimit limits attempts per key — a client's address, an
// account — as the shop's sign-in and sign-up and the gateway console's
// sign-in do (DESIGN §12): token buckets of golang.org/x/time/rate, a
// bounded number of keys remembered.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys bounds the keys a Limiter remembers; past it, new keys share one
// bucket until idle ones are forgotten, so a flood of addresses cannot
// grow memory without bound.
const MaxKeys = 100_000

// Limiter allows each key perMinute attempts a minute: a burst of that
// many, refilled evenly.
type Limiter struct {
	mu        sync.Mutex
	every     rate.Limit
	burst     int
	buckets   map[string]*bucket
	overflow  *bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Limiter of perMinute attempts a minute per key.
func New(perMinute int) *Limiter {
	l := &Limiter{every: rate.Limit(float64(perMinute) / 60), burst: perMinute, buckets: map[string]*bucket{}}
	l.overflow = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
	return l
}

// PerMinute is the limit l was made with.
func (l *Limiter) PerMinute() int { return l.burst }

// Keys is how many keys l remembers.
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// refill is how long an idle bucket takes to be full again, when it is no
// different from a new one.
func (l *Limiter) refill() time.Duration {
	return time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
}

// Take spends one attempt of key at now. When none is left, it spends
// nothing and says how long until one is.
func (l *Limiter) Take(key string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= MaxKeys && now.Sub(l.lastSweep) >= l.refill() {
			l.lastSweep = now
			for k, old := range l.buckets {
				if now.Sub(old.seen) >= l.refill() {
					delete(l.buckets, k)
				}
			}
		}
		b = l.overflow
		if len(l.buckets) < MaxKeys {
			b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
			l.buckets[key] = b
		}
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// AddressKey is a client's address as the limits count it: the TCP peer
// (remoteIP; forwarding headers are anyone's to write), and an IPv6
// address by its /64, which one subscriber usually has whole.
func AddressKey(remoteIP string) string {
	a, err := netip.ParseAddr(remoteIP)
	if err != nil {
		return remoteIP
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
