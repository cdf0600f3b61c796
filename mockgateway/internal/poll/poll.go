// Package poll runs the gateway's background loops — the dispatcher and
// the timers — the same way: a tick now, again at once while the tick says
// more work is due, otherwise after an interval or when woken; a panic in a
// tick is recovered, logged and counted, and the loop goes on.
package poll

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Loop calls Tick until its context ends.
type Loop struct {
	// Name names the loop in logs and panic counts.
	Name string
	// Interval is the wait between ticks that found no more work.
	Interval time.Duration
	// Tick does one round of work. more reports that work may still be
	// due: with a Wake channel the loop then waits for it (a worker became
	// free), without one it ticks again at once.
	Tick func(ctx context.Context) (more bool, err error)
	// Wake, when set, ends a wait early.
	Wake <-chan struct{}
	Log  *slog.Logger
	// OnPanic is called with the loop's name after a recovered panic.
	OnPanic func(name string)
}

// Run ticks until ctx ends.
func (l *Loop) Run(ctx context.Context) {
	if l.Interval <= 0 {
		l.Interval = 100 * time.Millisecond
	}
	if l.Log == nil {
		l.Log = slog.Default()
	}
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		more, err := l.tick(ctx)
		if err != nil && ctx.Err() == nil {
			l.Log.Warn(l.Name+": tick failed", "err", err)
		}
		switch {
		case ctx.Err() != nil:
			return
		case more && l.Wake == nil:
			continue
		case more:
			select {
			case <-ctx.Done():
				return
			case <-l.Wake:
			}
		default:
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-l.Wake:
			}
		}
	}
}

func (l *Loop) tick(ctx context.Context) (more bool, err error) {
	defer Recover(l.Log, l.Name, l.OnPanic, func(r any) {
		more, err = false, fmt.Errorf("panic: %v", r)
	})
	return l.Tick(ctx)
}

// Recover is deferred by background work (a loop's tick, a worker): a panic
// is logged with its stack, counted through onPanic, and handed to then;
// it never takes the process down.
func Recover(log *slog.Logger, name string, onPanic func(string), then func(r any)) {
	r := recover()
	if r == nil {
		return
	}
	log.Error(name+": recovered from a panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	if onPanic != nil {
		onPanic(name)
	}
	if then != nil {
		then(r)
	}
}
