// Package syncbuf is a bytes.Buffer that goroutines may write to while a
// test reads it: the log of a binary a test runs, a logger's output.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer collects writes; it is safe for concurrent use. The zero value is
// ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
