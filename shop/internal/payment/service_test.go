package payment

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

func TestExpiresIn(t *testing.T) {
	start := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		left time.Duration
		want int
	}{
		{30 * time.Minute, 1800},
		{90*time.Second + 900*time.Millisecond, 90},
		{10 * time.Second, 60},  // the gateway's minimum
		{-time.Minute, 60},      // already past: the order closes anyway
		{48 * time.Hour, 86400}, // the gateway's maximum
		{1500 * time.Millisecond, 60},
	}
	for _, tt := range tests {
		a := &shop.Attempt{CreatedAt: start, ExpiresAt: start.Add(tt.left)}
		if got := expiresIn(a); got != tt.want {
			t.Errorf("expiresIn(%v left) = %d, want %d", tt.left, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	o := &shop.Order{Items: []shop.OrderItem{{Name: "Tea", Quantity: 2}, {Name: "Cups", Quantity: 1}}}
	if got, want := describe(o, &shop.Attempt{}), "2 × Tea, 1 × Cups"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	// In the attempt's language: the seeded products by their Chinese
	// names, any other as it was stored.
	seeded := &shop.Order{Items: []shop.OrderItem{{Slug: "green-tea", Name: "Longjing green tea, 100 g", Quantity: 1}, {Name: "Tea", Quantity: 2}}}
	if got, want := describe(seeded, &shop.Attempt{Locale: "zh-CN"}), "1 × 西湖龙井绿茶 100 克，2 × Tea"; got != want {
		t.Errorf("describe in Chinese = %q, want %q", got, want)
	}
	if got, want := describe(seeded, &shop.Attempt{Locale: "en"}), "1 × Longjing green tea, 100 g, 2 × Tea"; got != want {
		t.Errorf("describe in English = %q, want %q", got, want)
	}
	// One line whose name is Chinese (3 bytes a character) after "1 × "
	// (5 bytes, 4 characters): a cut at byte 250 would land inside the 82nd
	// character and leave invalid UTF-8; a cut at 250 characters keeps
	// exactly 250 of them.
	long := &shop.Order{Items: []shop.OrderItem{{Name: strings.Repeat("龙井茶", 100), Quantity: 1}}}
	full := "1 × " + strings.Repeat("龙井茶", 100)
	got := describe(long, &shop.Attempt{})
	if !utf8.ValidString(got) || utf8.RuneCountInString(got) != 250 || !strings.HasPrefix(full, got) {
		t.Errorf("description = %q (%d characters, valid UTF-8: %v), want the first 250 characters of %q",
			got, utf8.RuneCountInString(got), utf8.ValidString(got), full)
	}
}

func TestMayLand(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Answered503", &gatewayclient.Error{Status: 503, Code: "injected_fault"}, false},
		{"NeverConnected", fmt.Errorf("gatewayclient: POST /v1/payments: %w", &url.Error{Op: "Post", URL: "http://gw", Err: refused}), false},
		{"ResetAfterSending", fmt.Errorf("gatewayclient: POST /v1/payments: %w", &url.Error{Op: "Post", URL: "http://gw", Err: reset}), true},
		{"TimedOut", fmt.Errorf("gatewayclient: POST /v1/payments: %w", context.DeadlineExceeded), true},
	}
	for _, tt := range tests {
		if got := mayLand(tt.err); got != tt.want {
			t.Errorf("%s: mayLand(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
