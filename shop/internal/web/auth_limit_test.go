package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSignin_RateLimited: sign-in and sign-up attempts (each a bcrypt
// hash, which 2 cores cannot do many of) are limited per client address
// and per account. Past a limit the answer is 429 with Retry-After and a
// sentence a person understands; a minute later the attempts are back.
func TestSignin_RateLimited(t *testing.T) {
	var skew atomic.Int64
	clock := func(c *Config) { c.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) } }
	limited := func(t *testing.T, resp *http.Response, body, who string) {
		t.Helper()
		retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || err != nil || retry < 1 || retry > 60 {
			t.Fatalf("status %d, Retry-After %q; want 429 with a wait of at most a minute", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, "Too many attempts to") || !strings.Contains(body, who) || !strings.Contains(body, "please wait") {
			t.Errorf("page does not say why and how long to wait:\n%s", body)
		}
	}
	t.Run("PerAddress", func(t *testing.T) {
		e := newEnvConfig(t, func(c *Config) { clock(c); c.SigninPerAddress, c.SigninPerAccount = 3, 100 })
		b := e.browser()
		for i := range 3 {
			resp, _ := b.post("/signin", url.Values{"email": {"guess" + strconv.Itoa(i) + "@example.com"}, "password": {"wrong"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("attempt %d: status %d, want 422 (wrong password)", i+1, resp.StatusCode)
			}
		}
		resp, body := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-sandbox"}})
		limited(t, resp, body, "from your network")
		form := url.Values{"name": {"Mallory"}, "email": {"mallory@example.com"}, "password": {"long-enough"}, "password_confirm": {"long-enough"}}
		resp, body = b.post("/signup", form)
		limited(t, resp, body, "from your network")
		if _, err := e.db.FindUserByEmail(t.Context(), "mallory@example.com"); err == nil {
			t.Error("a limited sign-up created the account")
		}
		skew.Add(int64(time.Minute))
		b.signIn("alice@example.com", "alice-sandbox")
	})
	t.Run("PerAccount", func(t *testing.T) {
		e := newEnvConfig(t, func(c *Config) { clock(c); c.SigninPerAddress, c.SigninPerAccount = 100, 2 })
		b := e.browser()
		for i := range 2 {
			if resp, _ := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("attempt %d: status %d, want 422", i+1, resp.StatusCode)
			}
		}
		resp, body := b.post("/signin", url.Values{"email": {"Alice@Example.com"}, "password": {"alice-sandbox"}})
		limited(t, resp, body, "for this email address")
		e.browser().signIn("bob@example.com", "bob-sandbox")
		skew.Add(int64(time.Minute))
		e.browser().signIn("alice@example.com", "alice-sandbox")
	})
	t.Run("ZeroIsTheDefaultNotOff", func(t *testing.T) {
		e := newEnvConfig(t, func(c *Config) { c.SigninPerAddress, c.SigninPerAccount = 0, 0 })
		if e.srv.perAddress.PerMinute() != DefaultSigninPerAddress || e.srv.perAccount.PerMinute() != DefaultSigninPerAccount {
			t.Errorf("limits with 0 configured = %d, %d; want the defaults %d, %d", e.srv.perAddress.PerMinute(), e.srv.perAccount.PerMinute(),
				DefaultSigninPerAddress, DefaultSigninPerAccount)
		}
	})
}
