package main

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/envconfig"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shared/serve/servetest"
	"github.com/paysandbox/paysandbox/shared/shoptest"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// A client that sends its body one byte at a time is cut off after
// HTTP_READ_TIMEOUT: on the sign-in form and on the webhook receiver, both
// open to anyone.
func TestBinary_SlowClientCutOff(t *testing.T) {
	const readTimeout = 1500 * time.Millisecond
	g := gatewaytest.Start(t, nil)
	s := shoptest.Start(t, shoptest.Options{Gateway: g, Env: map[string]string{
		"HTTP_READ_TIMEOUT": readTimeout.String(), "HTTP_READ_HEADER_TIMEOUT": "1s"}})
	for _, tc := range []struct{ name, head string }{
		{"signin", "POST /signin HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded"},
		{"webhook", "POST /webhooks/gateway HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			took, answer, err := servetest.SlowBody(s.Addr, tc.head, 1000, 300*time.Millisecond, readTimeout+5*time.Second)
			if err != nil {
				t.Fatalf("after %v: %v", took, err)
			}
			t.Logf("cut off after %v (HTTP_READ_TIMEOUT %v), answer %q", took.Round(time.Millisecond), readTimeout, answer)
			if took < readTimeout-200*time.Millisecond || took > readTimeout+2*time.Second {
				t.Errorf("connection closed after %v, want about HTTP_READ_TIMEOUT %v", took, readTimeout)
			}
		})
	}
}

// A kept-alive connection with no next request is closed after
// HTTP_IDLE_TIMEOUT.
func TestBinary_IdleConnectionClosed(t *testing.T) {
	s := shoptest.Start(t, shoptest.Options{Gateway: gatewaytest.Start(t, nil), Env: map[string]string{"HTTP_IDLE_TIMEOUT": "1s"}})
	took, err := servetest.IdleClose(s.Addr, "/healthz", 6*time.Second)
	if err != nil {
		t.Fatalf("after %v: %v", took, err)
	}
	if took < 800*time.Millisecond || took > 3*time.Second {
		t.Errorf("idle connection closed after %v, want about 1s", took)
	}
}

var exposedSecret = regexp.MustCompile(`published demo secret.* secret=("[^"]*"|\S+)`)

// exposedSecrets lists the secrets a binary's log warned about.
func exposedSecrets(log string) []string {
	var out []string
	for _, m := range exposedSecret.FindAllStringSubmatch(log, -1) {
		name := m[1]
		if u, err := strconv.Unquote(name); err == nil {
			name = u
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Listening beyond loopback with a published demo secret logs a warning
// naming each one still in use: the demo webhook secret and every seeded
// account whose password is still the published one. On loopback nothing is
// logged.
func TestBinary_DemoSecretWarning(t *testing.T) {
	g := gatewaytest.Start(t, nil)
	allPasswords := []string{"demo password of alice@example.com", "demo password of bob@example.com", "demo password of support@example.com"}
	start := func(t *testing.T, host string, env map[string]string) *shoptest.Shop {
		t.Helper()
		port, err := redistest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if env == nil {
			env = map[string]string{}
		}
		env["SHOP_ADDR"] = host + ":" + strconv.Itoa(port)
		return shoptest.Start(t, shoptest.Options{Gateway: g, Port: port, Env: env})
	}
	check := func(t *testing.T, s *shoptest.Shop, want []string) {
		t.Helper()
		if got := exposedSecrets(s.Log()); !slices.Equal(got, want) {
			t.Errorf("warned about %q, want %q; log:\n%s", got, want, s.Log())
		}
	}
	t.Run("all interfaces, defaults", func(t *testing.T) {
		check(t, start(t, "0.0.0.0", nil), append([]string{"GATEWAY_WEBHOOK_SECRET"}, allPasswords...))
	})
	t.Run("empty host, own webhook secret", func(t *testing.T) {
		check(t, start(t, "", map[string]string{"GATEWAY_WEBHOOK_SECRET": "whsec_b3duLXNlY3JldC1vZi10aGlzLXNob3A="}), allPasswords)
	})
	t.Run("loopback, defaults", func(t *testing.T) {
		check(t, start(t, "127.0.0.1", nil), nil)
	})
	t.Run("a demo password changed", func(t *testing.T) {
		// The first start seeds the database; bob's password is then
		// changed, and only the others are named.
		s := start(t, "127.0.0.1", nil)
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		db, err := sqlite.Open(ctx, s.DB)
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := bcrypt.GenerateFromPassword([]byte("bob-private-password"), bcrypt.MinCost)
		if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE email = 'bob@example.com'`, hash); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		check(t, start(t, "0.0.0.0", map[string]string{"SHOP_DB": s.DB}),
			[]string{"GATEWAY_WEBHOOK_SECRET", "demo password of alice@example.com", "demo password of support@example.com"})
	})
}

// The timeouts come from HTTP_*_TIMEOUT, with the shop's defaults, and a bad
// value is refused naming the variable.
func TestLoadConfig_Timeouts(t *testing.T) {
	c, err := loadConfig(nil, envconfig.FromMap(nil))
	if err != nil || c.HTTP != defaultTimeouts {
		t.Errorf("defaults: %+v, %v; want %+v", c.HTTP, err, defaultTimeouts)
	}
	c, err = loadConfig(nil, envconfig.FromMap(map[string]string{"HTTP_READ_TIMEOUT": "5s", "HTTP_WRITE_TIMEOUT": "0s"}))
	if err != nil || c.HTTP.Read != 5*time.Second || c.HTTP.Write != 0 {
		t.Errorf("set: %+v, %v", c.HTTP, err)
	}
	for _, name := range []string{"HTTP_READ_HEADER_TIMEOUT", "HTTP_READ_TIMEOUT", "HTTP_WRITE_TIMEOUT", "HTTP_IDLE_TIMEOUT"} {
		if _, err := loadConfig(nil, envconfig.FromMap(map[string]string{name: "30"})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=30: err = %v, want one naming it", name, err)
		}
	}
}
