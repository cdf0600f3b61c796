package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shared/serve/servetest"
)

// A client that sends its body one byte at a time is cut off after
// HTTP_READ_TIMEOUT, on the authenticated API and on the unauthenticated
// cashier alike, instead of holding a connection and a goroutine forever.
func TestBinary_SlowClientCutOff(t *testing.T) {
	const readTimeout = 1500 * time.Millisecond
	g := gatewaytest.Start(t, map[string]string{"HTTP_READ_TIMEOUT": readTimeout.String(), "HTTP_READ_HEADER_TIMEOUT": "1s"})
	resp, err := g.Request(context.Background(), "POST", "/v1/payments",
		[]byte(`{"out_trade_no":"slow-1","amount":100,"method":"card","subject":"Tea"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p gatewayapi.Payment
	decode(t, resp, http.StatusCreated, &p)

	for _, tc := range []struct{ name, head string }{
		{"api", "POST /v1/payments HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + g.APIKey + "\r\nContent-Type: application/json"},
		{"cashier", "POST /pay/" + p.ID + "/pay HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			took, answer, err := servetest.SlowBody(g.Addr, tc.head, 1000, 300*time.Millisecond, readTimeout+5*time.Second)
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
	g := gatewaytest.Start(t, map[string]string{"HTTP_IDLE_TIMEOUT": "1s"})
	took, err := servetest.IdleClose(g.Addr, "/healthz", 6*time.Second)
	if err != nil {
		t.Fatalf("after %v: %v", took, err)
	}
	if took < 800*time.Millisecond || took > 3*time.Second {
		t.Errorf("idle connection closed after %v, want about 1s", took)
	}
}

var exposedSecret = regexp.MustCompile(`published demo secret.* secret=(\S+)`)

// exposedSecrets lists the secrets a binary's log warned about.
func exposedSecrets(log string) []string {
	var out []string
	for _, m := range exposedSecret.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// Listening beyond loopback with a published demo secret logs a warning
// naming each one still in use; on loopback nothing is logged.
func TestBinary_DemoSecretWarning(t *testing.T) {
	for _, tc := range []struct {
		name string
		host string
		env  map[string]string
		want []string
	}{
		{"all interfaces, defaults", "0.0.0.0", nil, []string{"DEMO_API_KEY", "DEMO_WEBHOOK_SECRET"}},
		{"empty host, defaults", "", nil, []string{"DEMO_API_KEY", "DEMO_WEBHOOK_SECRET"}},
		{"all interfaces, own API key", "0.0.0.0", map[string]string{"DEMO_API_KEY": "sk_test_private_0123456789"}, []string{"DEMO_WEBHOOK_SECRET"}},
		{"loopback, defaults", "127.0.0.1", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port, err := redistest.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"GATEWAY_ADDR": tc.host + ":" + strconv.Itoa(port)}
			for k, v := range tc.env {
				env[k] = v
			}
			g := gatewaytest.StartWith(t, gatewaytest.Options{Env: env, Port: port})
			if got := exposedSecrets(g.Log()); !slices.Equal(got, tc.want) {
				t.Errorf("warned about %v, want %v; log:\n%s", got, tc.want, g.Log())
			}
		})
	}
}

// An ADMIN_TOKEN shorter than 24 characters stops the gateway at start with a
// message naming the variable (and not the token); 24 characters start it.
func TestBinary_AdminTokenLength(t *testing.T) {
	t.Run("23 characters", func(t *testing.T) {
		short := strings.Repeat("x", 23)
		out := startFails(t, "ADMIN_TOKEN="+short)
		if !strings.Contains(out, "ADMIN_TOKEN") || strings.Contains(out, short) {
			t.Errorf("message does not name ADMIN_TOKEN or shows the token:\n%s", out)
		}
	})
	t.Run("24 characters", func(t *testing.T) {
		token := strings.Repeat("y", 24)
		g := gatewaytest.Start(t, map[string]string{"ADMIN_TOKEN": token})
		resp, err := g.Request(context.Background(), "GET", "/admin/api/faults", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("admin API with the 24-character token: %d", resp.StatusCode)
		}
	})
}

// The new variables are checked like every other one.
func TestBinary_BadTimeouts(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"HTTP_READ_TIMEOUT", "30"},
		{"HTTP_READ_HEADER_TIMEOUT", "0s"},
		{"HTTP_IDLE_TIMEOUT", "soon"},
		{"HTTP_WRITE_TIMEOUT", "5s"}, // shorter than FAULT_HOLD (30s)
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			if out := startFails(t, tc.name+"="+tc.value); !strings.Contains(out, tc.name) {
				t.Errorf("message does not name %s:\n%s", tc.name, out)
			}
		})
	}
}

// startFails runs the gateway with extra environment and wants it to stop at
// start with exit status 1; it returns what it printed.
func startFails(t *testing.T, env ...string) string {
	t.Helper()
	bin := gatewaytest.Binary(t)
	// A gateway that starts is killed after 15 s: the test then fails.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(append(os.Environ(), "GATEWAY_ADDR=127.0.0.1:0", "REDIS_URL="), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("with %v: %v, want exit status 1 at start\n%s", env, err, out)
	}
	return string(out)
}

// The read timeout bounds reading a request, not handling it: api_latency
// and api_timeout still hold a request longer than HTTP_READ_TIMEOUT (Go
// clears the read deadline once the body is read). There is no write
// timeout by default, so nothing else cuts them short.
func TestBinary_FaultsOutlastReadTimeout(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"HTTP_READ_TIMEOUT": "1s", "HTTP_READ_HEADER_TIMEOUT": "1s", "FAULT_HOLD": "2500ms"})
	t.Run("api_latency", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		st, _, body, err := rawCall(g, g.APIKey, "GET", "/v1/merchant", "", "Mock-Scenario", "api_latency=2500ms")
		if took := time.Since(start); err != nil || st != http.StatusOK || took < 2500*time.Millisecond {
			t.Errorf("answer %d %v after %v, want 200 after the 2.5 s latency: %.200s", st, err, took, body)
		}
	})
	t.Run("api_timeout", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		st, _, _, err := rawCall(g, g.APIKey, "POST", "/v1/payments", `{"out_trade_no":"hold-1","amount":100,"method":"card","subject":"Tea"}`,
			"Mock-Scenario", "api_timeout")
		if took := time.Since(start); err == nil || took < 2500*time.Millisecond {
			t.Errorf("answer %d %v after %v, want no answer after FAULT_HOLD 2.5 s", st, err, took)
		}
	})
}
