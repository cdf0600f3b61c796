package web

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSafeNext: the page to go to after signing in must stay on the shop.
// Browsers drop tabs and newlines from a Location and treat "//host" and
// "/\host" as another site, so anything that could become one is refused.
func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"", "/"},
		{"/", "/"},
		{"/orders/PS-20260512-7K3Q9X", "/orders/PS-20260512-7K3Q9X"},
		{"/orders?status=paid#top", "/orders?status=paid#top"},
		{"/orders/PS-1/pay", "/orders/PS-1/pay"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"}, // next=/%09/evil.example, decoded
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"\\\\evil.example", "/"},
		{" //evil.example", "/"},
		{"/\t\\evil.example", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

func TestSignin_NextStaysOnTheShop(t *testing.T) {
	e := newEnv(t, "")
	for _, next := range []string{"/\t/evil.example", "//evil.example", "https://evil.example/"} {
		b := e.browser()
		resp, _ := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-sandbox"}, "next": {next}})
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/" {
			t.Errorf("sign in with next=%q: %d to %q, want 303 to /", next, resp.StatusCode, got)
		}
	}
}
