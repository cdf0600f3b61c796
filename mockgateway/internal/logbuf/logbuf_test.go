package logbuf_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/logbuf"
)

// out is a safe buffer that counts the writes it receives.
type out struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (o *out) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writes++
	return o.b.Write(p)
}

func (o *out) get() (string, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String(), o.writes
}

// Lines are held, then written together within the interval.
func TestWriter_HoldsThenWritesTogether(t *testing.T) {
	o := &out{}
	w := logbuf.New(o, 50*time.Millisecond)
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if s, _ := o.get(); s != "" {
		t.Fatalf("written at once: %q", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := o.get()
		if s == "line 0\nline 1\nline 2\n" {
			if n != 1 {
				t.Fatalf("%d writes for three held lines, want 1", n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the output is %q", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A direct line goes out at once, after the lines held before it; Close
// writes what is held and later lines go out at once.
func TestWriter_DirectAndCloseKeepOrder(t *testing.T) {
	o := &out{}
	w := logbuf.New(o, time.Hour)
	fmt.Fprintln(w, "request 1")
	fmt.Fprintln(w.Direct(), "warning")
	if s, _ := o.get(); s != "request 1\nwarning\n" {
		t.Fatalf("after a direct line: %q", s)
	}
	fmt.Fprintln(w, "request 2")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := o.get(); s != "request 1\nwarning\nrequest 2\n" {
		t.Fatalf("after Close: %q", s)
	}
	fmt.Fprintln(w, "late")
	if s, _ := o.get(); !strings.HasSuffix(s, "late\n") {
		t.Fatalf("a line after Close is held: %q", s)
	}
}

// A buffer's worth is written without waiting; concurrent writers never
// split one another's lines.
func TestWriter_FullBufferAndConcurrentLines(t *testing.T) {
	o := &out{}
	w := logbuf.New(o, time.Hour)
	line := strings.Repeat("x", 99) + "\n"
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprint(w, strings.Replace(line, "x", fmt.Sprint(g), 1))
			}
		})
	}
	wg.Wait()
	if s, n := o.get(); n == 0 || len(s) < 32<<10 {
		t.Fatalf("80 000 bytes held with a 32 KiB buffer: %d bytes in %d writes", len(s), n)
	}
	w.Flush()
	s, _ := o.get()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if len(l) != 99 || strings.Trim(l[1:], "x") != "" {
			t.Fatalf("a line was split or mixed: %q", l)
		}
	}
}
