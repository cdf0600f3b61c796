package poll_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/poll"
)

// A panicking tick is recovered, counted, and the loop goes on ticking.
func TestLoop_RecoversPanics(t *testing.T) {
	var ticks, panics atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	loop := poll.Loop{
		Name: "test", Interval: time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnPanic: func(name string) {
			if name == "test" {
				panics.Add(1)
			}
		},
		Tick: func(context.Context) (bool, error) {
			if ticks.Add(1) <= 2 {
				panic("tick bug")
			}
			if ticks.Load() == 5 {
				cancel()
			}
			return false, nil
		},
	}
	go func() { loop.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("loop stopped ticking after %d ticks", ticks.Load())
	}
	if panics.Load() != 2 || ticks.Load() != 5 {
		t.Fatalf("panics %d ticks %d, want 2 and 5", panics.Load(), ticks.Load())
	}
}

// While a tick says more work is due the loop ticks again at once (no
// Wake channel), not after its interval.
func TestLoop_MoreTicksAtOnce(t *testing.T) {
	var ticks atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	loop := poll.Loop{Name: "test", Interval: time.Hour, Tick: func(context.Context) (bool, error) {
		if ticks.Add(1) == 50 {
			cancel()
		}
		return true, nil
	}}
	loop.Run(ctx)
	if ticks.Load() != 50 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d ticks in %v", ticks.Load(), time.Since(start))
	}
}
