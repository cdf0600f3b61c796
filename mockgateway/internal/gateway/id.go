package gateway

import (
	"crypto/rand"
	"time"
)

// Crockford's base32 alphabet in lower case: ids sort by creation time when
// compared as strings, which the Store's lexicographic indexes rely on.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns prefix + "_" + 10 characters of millisecond time + 16 random
// characters, e.g. pay_01jd5x3k2c7m4q8r2v6w9y0z1b.
func NewID(prefix string, now time.Time) string {
	var b [26]byte
	ms := uint64(now.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = idAlphabet[ms&31]
		ms >>= 5
	}
	var r [16]byte
	_, _ = rand.Read(r[:])
	for i := range r {
		b[10+i] = idAlphabet[r[i]&31]
	}
	return prefix + "_" + string(b[:])
}
