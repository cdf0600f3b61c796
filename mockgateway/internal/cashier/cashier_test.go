package cashier

import (
	"testing"
	"time"
)

func TestRemaining(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "no time"}, {0, "no time"}, {59 * time.Second, "less than a minute"},
		{time.Minute, "1 minute"}, {119 * time.Second, "1 minute"}, {10*time.Minute - time.Millisecond, "9 minutes"},
		{119 * time.Minute, "119 minutes"}, {24 * time.Hour, "24 hours"},
	} {
		if got := remaining(tc.d); got != tc.want {
			t.Errorf("remaining(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
