package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiter_BoundedKeys(t *testing.T) {
	l := New(1)
	now := time.Now()
	for i := range MaxKeys + 10 {
		l.Take("k"+strconv.Itoa(i), now)
	}
	if n := l.Keys(); n > MaxKeys {
		t.Errorf("limiter remembers %d keys, want at most %d", n, MaxKeys)
	}
	// The keys past the bound share one bucket: the first of them took it.
	if ok, _ := l.Take("one-more", now); ok {
		t.Error("a key past the bound was not limited with the others")
	}
	// Once idle buckets are full again they are forgotten and keys get
	// their own again.
	if ok, _ := l.Take("later", now.Add(2*time.Minute)); !ok {
		t.Error("a new key after the idle ones were forgotten was refused")
	}
	if n := l.Keys(); n != 1 {
		t.Errorf("after the sweep the limiter remembers %d keys, want 1", n)
	}
}

func TestLimiter_BurstThenWait(t *testing.T) {
	l := New(2)
	now := time.Now()
	for i := range 2 {
		if ok, _ := l.Take("a", now); !ok {
			t.Fatalf("attempt %d of a burst of 2 refused", i+1)
		}
	}
	ok, wait := l.Take("a", now)
	if ok || wait <= 0 || wait > 30*time.Second {
		t.Fatalf("third attempt: ok %v, wait %v; want refused with a wait of at most 30 s", ok, wait)
	}
	if ok, _ := l.Take("b", now); !ok {
		t.Error("another key shares a's bucket")
	}
	if ok, _ := l.Take("a", now.Add(wait)); !ok {
		t.Error("refused again after the wait it named")
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
