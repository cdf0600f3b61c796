package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

func TestConsole_SignIn(t *testing.T) {
	e := newEnv(t)

	t.Run("NothingShowsWithoutASession", func(t *testing.T) {
		b := e.browser()
		for _, path := range []string{"/admin", "/admin/payments", "/admin/merchants/m_demo", "/admin/faults", "/admin/reset"} {
			r := b.get(path)
			if r.Status != http.StatusSeeOther || r.Location != "/admin/signin?next="+url.QueryEscape(path) {
				t.Fatalf("GET %s: %d to %q, want 303 to the sign-in page", path, r.Status, r.Location)
			}
			wantLacks(t, r, "sk_test_demo", "Demo")
		}
		// An action without a session changes nothing.
		r := b.post("/admin/reset", url.Values{"confirm": {"reset"}})
		wantStatus(t, r, http.StatusUnauthorized)
		wantContains(t, r, "nothing was changed")
	})

	t.Run("WrongTokenIsRefusedAndSetsNothing", func(t *testing.T) {
		b := e.browser()
		r := b.post("/admin/signin", url.Values{"token": {adminToken + "x"}, "next": {"/admin/payments"}})
		wantStatus(t, r, http.StatusUnauthorized)
		wantContains(t, r, "not this gateway&#39;s admin token", `aria-invalid="true"`, `value="/admin/payments"`)
		if c := r.Header.Get("Set-Cookie"); c != "" {
			t.Fatalf("a refused sign-in set a cookie: %s", c)
		}
		wantStatus(t, b.get("/admin"), http.StatusSeeOther)
		wantContains(t, b.post("/admin/signin", url.Values{"token": {""}}), "Enter the admin token")
	})

	t.Run("RightTokenOpensASessionAndReturnsWhereAsked", func(t *testing.T) {
		b := e.browser()
		r := b.post("/admin/signin", url.Values{"token": {adminToken}, "next": {"/admin/payments?status=pending"}})
		if r.Status != http.StatusSeeOther || r.Location != "/admin/payments?status=pending" {
			t.Fatalf("sign in: %d to %q", r.Status, r.Location)
		}
		cookie := r.Header.Get("Set-Cookie")
		for _, want := range []string{"ps_console=", "Path=/admin", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(cookie, want) {
				t.Fatalf("cookie %q lacks %s", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") || strings.Contains(cookie, adminToken) {
			t.Fatalf("cookie %q: Secure on an http gateway, or the token itself", cookie)
		}
		p := b.get("/admin")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Signed in.", "Overview")
		// The flash shows once.
		wantLacks(t, b.get("/admin"), "Signed in.")
		// Sign-out ends the session: the old cookie opens nothing.
		old := b.client.Jar.Cookies(mustURL(t, e.URL+"/admin"))
		wantStatus(t, b.post("/admin/signout", nil), http.StatusSeeOther)
		wantStatus(t, b.get("/admin"), http.StatusSeeOther)
		replay := e.browser()
		replay.client.Jar.SetCookies(mustURL(t, e.URL+"/admin"), old)
		wantStatus(t, replay.get("/admin"), http.StatusSeeOther)
	})

	t.Run("NextStaysInsideTheConsole", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/admin", "/admin/api/merchants", "/pay/x"} {
			r := e.browser().post("/admin/signin", url.Values{"token": {adminToken}, "next": {next}})
			if r.Location != "/admin" {
				t.Fatalf("next %q: redirected to %q, want /admin", next, r.Location)
			}
		}
	})

	t.Run("AdminAPIKeepsItsBearerToken", func(t *testing.T) {
		b := e.signedIn()
		wantStatus(t, b.get("/admin/api/merchants"), http.StatusUnauthorized)
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/admin/api/merchants", nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		wantStatus(t, e.browser().do(req), http.StatusOK)
	})

	t.Run("TheTokenIsNeverLogged", func(t *testing.T) {
		if strings.Contains(e.logs.String(), adminToken) {
			t.Fatal("the admin token is in the gateway's log")
		}
	})
}

func TestConsole_SecureCookieOnHTTPS(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.PublicURL = "https://gateway.test" })
	r := e.browser().post("/admin/signin", url.Values{"token": {adminToken}}, "Origin", "https://gateway.test")
	wantStatus(t, r, http.StatusSeeOther)
	if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Fatalf("cookie %q is not Secure behind an https PUBLIC_URL", c)
	}
}

func TestConsole_SignInIsRateLimited(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for range 10 {
		wantStatus(t, b.post("/admin/signin", url.Values{"token": {"wrong"}}), http.StatusUnauthorized)
	}
	r := b.post("/admin/signin", url.Values{"token": {adminToken}})
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("limited sign-in: Retry-After %q, Set-Cookie %q", r.Header.Get("Retry-After"), r.Header.Get("Set-Cookie"))
	}
	wantContains(t, r, "Too many sign-in attempts")
}

func TestConsole_CrossSitePostsAreRefused(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	for _, tc := range []struct{ path string }{{"/admin/faults"}, {"/admin/reset"}, {"/admin/signin"}} {
		r := b.post(tc.path, url.Values{"preset": {"create_503"}, "confirm": {"reset"}, "token": {adminToken}},
			"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		wantStatus(t, r, http.StatusForbidden)
		wantContains(t, r, "sent from another website", "nothing changed")
	}
	rules, err := e.Svc.FaultRules(t.Context())
	if err != nil || len(rules) != 0 {
		t.Fatalf("rules after a cross-site post: %d, %v", len(rules), err)
	}
}

func TestConsole_PagesHaveTheirPolicy(t *testing.T) {
	e := newEnv(t)
	r := e.signedIn().get("/admin")
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", r.Header)
	}
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " onclick=") || strings.Contains(r.Body, "style=") {
		t.Fatal("a console page has inline script or style")
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
