// Package logbuf batches the gateway's per-request log lines: under load a
// write system call per request was a noticeable share of a request's CPU
// (docs/benchmarks.md). Lines are held for at most a short interval, or
// until a buffer's worth has gathered, and go out in one write. Every other
// line (start-up, warnings, errors) is written at once through Direct,
// after the lines held before it, so the log keeps its order.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// maxHeld is how many bytes are held before they are written without
// waiting for the interval.
const maxHeld = 32 << 10

// Writer holds what is written to it for at most an interval. It is safe
// for concurrent use.
type Writer struct {
	out      io.Writer
	interval time.Duration

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer
	closed bool
}

// New returns a Writer that writes to out what it held for at most
// interval.
func New(out io.Writer, interval time.Duration) *Writer {
	return &Writer{out: out, interval: interval}
}

// Write holds p (one or more whole log lines) and writes it within the
// interval. It never fails: a log line that cannot be written is lost, as
// with an unbuffered log.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		_, _ = w.out.Write(p)
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= maxHeld {
		w.flushLocked()
	} else if w.timer == nil {
		w.timer = time.AfterFunc(w.interval, w.Flush)
	}
	return len(p), nil
}

// Flush writes what is held now.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
}

func (w *Writer) flushLocked() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if len(w.buf) > 0 {
		_, _ = w.out.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

// Close writes what is held; later writes go out at once.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	w.closed = true
	return nil
}

// Direct returns a writer that writes at once, after what is held.
func (w *Writer) Direct() io.Writer { return direct{w} }

type direct struct{ w *Writer }

func (d direct) Write(p []byte) (int, error) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.w.flushLocked()
	return d.w.out.Write(p)
}
