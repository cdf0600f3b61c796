package deploy

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's top directory (tests run in deploy/).
func root(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		tb.Fatalf("no go.mod above deploy/: %v", err)
	}
	return dir
}

// environ is the process environment without the variables that configure
// the binaries, so a developer's shell cannot change what a test checks.
func environ(extra ...string) []string {
	drop := []string{"GATEWAY_", "SHOP_", "STRIPE_", "PUBLIC_URL", "REDIS_", "ADMIN_TOKEN", "DEMO_", "HTTP_", "SESSION_SECRET", "NOTIFY_", "SIGNIN_", "BIN="}
	var out []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
