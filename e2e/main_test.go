package e2e

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
	"github.com/paysandbox/paysandbox/shared/shoptest"
)

func TestMain(m *testing.M) {
	// The journeys test pages and flows; the shop's races are the business
	// of its own tests (with -race, in process). A race-built shop spends
	// seconds in bcrypt at every start and sign-in, which would make the
	// journeys twice as slow. The gateway stays race-built.
	shoptest.Race = false
	// Both binaries build while Chromium starts; the journeys wait for them
	// (and report a failed build) when they start a stack.
	go func() { _, _ = gatewaytest.Build() }()
	go func() { _, _ = shoptest.Build() }()
	go startBrowser()
	code := m.Run()
	browserOnce.Do(func() {}) // waits for a start in progress
	stopBrowser()
	redistest.Stop()
	os.Exit(code)
}

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
)

// chromiumPath finds Debian's chromium; a missing one fails the test with
// the command that installs it (make test runs it), never a skip.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	tb.Fatal("chromium not found; install it with `sudo apt-get install -y chromium` (make test does this)")
	return ""
}

// browser returns the context of one headless Chromium shared by every
// journey of this test process; each journey opens its own browser context
// (its own cookies) in it. The flags keep Chromium off the network it cannot
// reach here anyway.
func browser(tb testing.TB) context.Context {
	tb.Helper()
	path := chromiumPath(tb)
	startBrowser()
	if browserErr != nil {
		tb.Fatalf("start chromium (%s): %v", path, browserErr)
	}
	return browserCtx
}

// startBrowser starts Chromium once per test process.
func startBrowser() {
	browserOnce.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			path = "/usr/bin/chromium"
		}
		dir, err := os.MkdirTemp("", "paysandbox-e2e-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(dir),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.WindowSize(1100, 900),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		stopBrowser = func() {
			cancel()
			cancelAlloc()
			_ = os.RemoveAll(dir)
		}
		// The first Do starts the browser; it is bound to ctx, which has no
		// deadline, so it runs in a goroutine bounded here.
		started := make(chan error, 1)
		go func() { started <- chromedp.Do(ctx) }()
		select {
		case browserErr = <-started:
		case <-time.After(60 * time.Second):
			browserErr = context.DeadlineExceeded
		}
		browserCtx = ctx
	})
}

// stack is one journey's own gateway and shop: the real binaries, started
// as `make run` starts them (configured only through the environment), on
// free loopback ports, the gateway on the test's redis-server. Delays are
// shortened through the documented variables.
type stack struct {
	gw   *gatewaytest.Gateway
	shop *shoptest.Shop
}

func startStack(t *testing.T, gwEnv, shopEnv map[string]string) *stack {
	t.Helper()
	env := map[string]string{"TIME_SCALE": "0.05"} // retries after 0.75 s, refunds settle after 0.1 s
	for k, v := range gwEnv {
		env[k] = v
	}
	gw := gatewaytest.Start(t, env)
	senv := map[string]string{"RECONCILE_AFTER": "1m", "RECONCILE_EVERY": "1s"}
	for k, v := range shopEnv {
		senv[k] = v
	}
	return &stack{gw: gw, shop: shoptest.Start(t, shoptest.Options{Gateway: gw, Env: senv})}
}
