// Package shoptest runs the real shop binary for tests: built once per test
// process (with the race detector when the tests have it), started on a
// loopback port with its own SQLite file, configured only through its
// environment as `make run` configures it, and stopped when the test ends.
// Its log is printed when the test fails.
package shoptest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shared/testbin"
)

var builder = testbin.Builder{Pkg: "github.com/paysandbox/paysandbox/shop", Name: "shop"}

// Race builds the binary with the race detector. It defaults to whether the
// tests run with it; a TestMain may turn it off before the first Build, as
// the browser journeys do: under the race detector bcrypt makes every start
// (seeding the demo users) and every sign-in of the shop take seconds.
var Race = raceEnabled

// Binary returns the path of a freshly built shop binary.
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
func Build() (string, error) { return builder.Build(Race) }

// Shop is a running shop process.
type Shop struct {
	URL  string
	Addr string
	DB   string

	tb   testing.TB
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan struct{}
	exit error
}

// Options configure Start. Gateway is the gateway the shop pays through
// (its URL, API key and webhook secret are passed on); Env is added last and
// wins. Port fixes the port, 0 picks a free one.
type Options struct {
	Gateway *gatewaytest.Gateway
	Env     map[string]string
	Port    int
}

// Start starts a shop and waits until /readyz answers 200 (its database and
// the gateway answer).
func Start(tb testing.TB, opts Options) *Shop {
	tb.Helper()
	bin := Binary(tb)
	port := opts.Port
	if port == 0 {
		p, err := redistest.FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		port = p
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var secret [16]byte
	_, _ = rand.Read(secret[:])
	s := &Shop{URL: "http://" + addr, Addr: addr, DB: filepath.Join(tb.TempDir(), "shop.db"), tb: tb, log: &syncbuf.Buffer{}}
	env := map[string]string{
		"SHOP_ADDR":       addr,
		"SHOP_PUBLIC_URL": s.URL,
		"SHOP_DB":         s.DB,
		"SESSION_SECRET":  "shoptest-" + hex.EncodeToString(secret[:]),
	}
	if g := opts.Gateway; g != nil {
		env["GATEWAY_URL"] = g.URL
		env["GATEWAY_API_KEY"] = g.APIKey
		env["GATEWAY_WEBHOOK_SECRET"] = g.WebhookSecret
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	s.DB = env["SHOP_DB"]
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("shoptest: start: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { s.exit = cmd.Wait(); close(s.done) }()
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("shoptest: shop exited with %v", err)
		}
		if tb.Failed() {
			tb.Logf("shop %s log:\n%s", addr, s.Log())
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.done:
			tb.Fatalf("shoptest: shop exited at start:\n%s", s.Log())
		default:
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("shoptest: shop not ready after 60s:\n%s", s.Log())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Stop stops the shop gracefully (SIGTERM), killing it after 10 s, and
// returns how it ended: nil for a clean exit. Stopping twice returns nil.
func (s *Shop) Stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	return s.exit
}

// Log returns what the shop wrote so far.
func (s *Shop) Log() string { return s.log.String() }
