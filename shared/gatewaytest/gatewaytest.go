// Package gatewaytest runs the real mockgateway binary for tests: built once
// per test process (with the race detector when the tests have it), started
// on a free loopback port against a real Redis, and stopped when the test
// ends. Its log is printed when the test fails.
package gatewaytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"

	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shared/testbin"
)

// Demo credentials the gateway seeds unless the test's env overrides them.
const (
	DemoAPIKey        = "sk_test_demo"
	DemoWebhookSecret = "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"
	DemoMerchantID    = "m_demo"
)

var builder = testbin.Builder{Pkg: "github.com/paysandbox/paysandbox/mockgateway", Name: "mockgateway"}

// Binary returns the path of a freshly built mockgateway binary.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := Build()
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// Build builds the binary once per test process and returns its path; a
// TestMain may call it early, in parallel with other set-up.
func Build() (string, error) { return builder.Build(raceEnabled) }

// Gateway is a running mockgateway process.
type Gateway struct {
	URL           string
	AdminToken    string
	APIKey        string
	WebhookSecret string
	RedisURL      string
	Addr          string
	// StripeURL is the Stripe subset's own listener (STRIPE_ADDR, a free
	// loopback port unless the test's env sets it), "" when disabled.
	StripeURL string

	tb   testing.TB
	env  map[string]string
	args []string
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan struct{}
	// exit is what the process's Wait returned; read after done closes.
	exit error
}

// Options configure Start. Env is added to the gateway's environment (it
// wins over the defaults set here); RedisURL, when empty, is a fresh
// database of the test's redis-server.
type Options struct {
	Env      map[string]string
	RedisURL string
	// Port fixes the port (a restart on the same address); 0 picks one.
	Port int
	// Args are the binary's command-line arguments.
	Args []string
}

// Start starts a gateway with extra environment variables.
func Start(tb testing.TB, env map[string]string) *Gateway {
	tb.Helper()
	return StartWith(tb, Options{Env: env})
}

// StartWith starts a gateway as opts say and waits until /readyz answers.
func StartWith(tb testing.TB, opts Options) *Gateway {
	tb.Helper()
	bin := Binary(tb)
	if opts.RedisURL == "" {
		opts.RedisURL = redistest.URL(tb)
	}
	port := opts.Port
	if port == 0 {
		p, err := redistest.FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		port = p
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	env := map[string]string{
		"GATEWAY_ADDR":        addr,
		"PUBLIC_URL":          "http://" + addr,
		"REDIS_URL":           opts.RedisURL,
		"ADMIN_TOKEN":         "adm_test_" + hex.EncodeToString(tok[:]),
		"DEMO_API_KEY":        DemoAPIKey,
		"DEMO_WEBHOOK_SECRET": DemoWebhookSecret,
	}
	// The Stripe listener's default port (12111) would collide between
	// gateways started side by side: each gets a free one.
	stripePort, err := redistest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	env["STRIPE_ADDR"] = "127.0.0.1:" + strconv.Itoa(stripePort)
	for k, v := range opts.Env {
		env[k] = v
	}
	g := &Gateway{
		URL: "http://" + addr, Addr: addr, AdminToken: env["ADMIN_TOKEN"], APIKey: env["DEMO_API_KEY"],
		WebhookSecret: env["DEMO_WEBHOOK_SECRET"], RedisURL: env["REDIS_URL"], tb: tb, env: env, args: opts.Args,
	}
	if env["STRIPE_ADDR"] != "" {
		g.StripeURL = "http://" + env["STRIPE_ADDR"]
	}
	g.start(bin)
	tb.Cleanup(func() {
		_ = g.Stop()
		if tb.Failed() {
			tb.Logf("mockgateway %s log:\n%s", addr, g.Log())
		}
	})
	return g
}

func (g *Gateway) start(bin string) {
	g.tb.Helper()
	cmd := exec.Command(bin, g.args...)
	cmd.Env = os.Environ()
	for k, v := range g.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if g.log == nil {
		g.log = &syncbuf.Buffer{}
	}
	cmd.Stdout, cmd.Stderr = g.log, g.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		g.tb.Fatalf("gatewaytest: start: %v", err)
	}
	g.cmd = cmd
	g.done = make(chan struct{})
	go func() { g.exit = cmd.Wait(); close(g.done) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-g.done:
			g.tb.Fatalf("gatewaytest: mockgateway exited at start:\n%s", g.Log())
		default:
		}
		resp, err := http.Get(g.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			g.tb.Fatalf("gatewaytest: mockgateway not ready after 60s:\n%s", g.Log())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Stop stops the gateway gracefully (SIGTERM), killing it after 10 s, and
// returns how the process ended: nil for a clean exit. Stopping a stopped
// gateway returns nil.
func (g *Gateway) Stop() error {
	if g.cmd == nil {
		return nil
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
	}
	g.cmd = nil
	return g.exit
}

// Kill stops the gateway with SIGKILL, as a crash would.
func (g *Gateway) Kill() {
	if g.cmd == nil {
		return
	}
	_ = g.cmd.Process.Kill()
	<-g.done
	g.cmd = nil
}

// Restart starts the gateway again with the same address, Redis and env.
func (g *Gateway) Restart() {
	g.tb.Helper()
	_ = g.Stop()
	g.start(Binary(g.tb))
}

// Log returns what the gateway wrote so far.
func (g *Gateway) Log() string { return g.log.String() }

// Request sends a request with the demo API key (or the admin token for
// /admin paths) and returns the response; the caller closes its body.
func (g *Gateway) Request(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	token := g.APIKey
	if len(path) >= 7 && path[:7] == "/admin/" {
		token = g.AdminToken
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return http.DefaultClient.Do(req)
}
