package main

import (
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"
)

// The binary's request log is held, its other log is not and comes after
// what was held, and flush (called on exit) writes what is still held.
func TestLoggers(t *testing.T) {
	var out syncbuf.Buffer
	log, reqLog, flush := loggers(&out, time.Hour)
	reqLog.Info("request", "path", "/v1/payments")
	if got := out.String(); got != "" {
		t.Fatalf("a request line was written at once: %q", got)
	}
	log.Warn("other")
	got := out.String()
	if i, j := strings.Index(got, "path=/v1/payments"), strings.Index(got, "msg=other"); i < 0 || j < i {
		t.Fatalf("the other line did not follow the held request line:\n%s", got)
	}
	reqLog.Info("request", "path", "/last")
	flush()
	if !strings.Contains(out.String(), "path=/last") {
		t.Fatalf("flush left a request line held:\n%s", out.String())
	}
}
