// The sign-in limiter mirrors the shop's (shop/internal/web/ratelimit.go):
// the two binaries share no web package.

package console

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// maxBuckets bounds the keys a limiter remembers; past it, new keys share
// one bucket until idle ones are forgotten, so a flood of addresses cannot
// grow memory without bound.
const maxBuckets = 100_000

// attemptLimiter allows each key (an address, an account) perMinute
// attempts a minute: a burst of that many, refilled evenly.
type attemptLimiter struct {
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

func newAttemptLimiter(perMinute int) *attemptLimiter {
	l := &attemptLimiter{every: rate.Limit(float64(perMinute) / 60), burst: perMinute, buckets: map[string]*bucket{}}
	l.overflow = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
	return l
}

// refill is how long an idle bucket takes to be full again, when it is no
// different from a new one.
func (l *attemptLimiter) refill() time.Duration {
	return time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
}

// take spends one attempt of key at now. When none is left, it spends
// nothing and says how long until one is.
func (l *attemptLimiter) take(key string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets && now.Sub(l.lastSweep) >= l.refill() {
			l.lastSweep = now
			for k, old := range l.buckets {
				if now.Sub(old.seen) >= l.refill() {
					delete(l.buckets, k)
				}
			}
		}
		b = l.overflow
		if len(l.buckets) < maxBuckets {
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

// addressKey is the client's address as the limits count it: the TCP
// peer (forwarding headers are anyone's to write), and an IPv6 address by
// its /64, which one subscriber usually has whole.
func addressKey(c *gin.Context) string {
	a, err := netip.ParseAddr(c.RemoteIP())
	if err != nil {
		return c.RemoteIP()
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
