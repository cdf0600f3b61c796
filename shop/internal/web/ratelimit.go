package web

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Default limits of sign-in and sign-up attempts (bcrypt work), per minute.
const (
	DefaultSigninPerAddress = 30
	DefaultSigninPerAccount = 10
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

// limitSignin spends one sign-in or sign-up attempt (doing: the catalogue
// key of "sign in" or "create an account") of the client's address and one
// of the account (email). When either is used up it sets Retry-After and
// returns the message to show, in the request's language; "" lets the
// attempt go on. The address is checked first, so one address's flood does
// not wear an account down.
func (s *Server) limitSignin(c *gin.Context, email, doing string) string {
	now := s.cfg.Now()
	ok, wait := s.perAddress.take(addressKey(c), now)
	who := "network"
	if ok {
		ok, wait = s.perAccount.take(strings.ToLower(strings.TrimSpace(email)), now)
		who = "account"
	}
	if ok {
		return ""
	}
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", fmt.Sprint(secs))
	s.log.Warn("sign-in attempts limited", "who", who, "retry_after_s", secs, "request_id", requestID(c.Request.Context()))
	return s.t(c, "shop.error.too_many", "Doing", i18n.M(doing), "Who", i18n.M("shop.limit."+who), "Wait", waitWords(secs))
}

// waitWords says a wait in seconds the way a person would.
func waitWords(secs int) i18n.Message {
	if secs < 90 {
		return i18n.M("shop.wait.seconds", "Count", max(secs, 1))
	}
	return i18n.M("shop.wait.minutes", "Count", (secs+59)/60)
}
