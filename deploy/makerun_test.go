package deploy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/syncbuf"
)

// `make run` serves both binaries on loopback only (DESIGN §12), the shop
// still reaches the gateway, the generated admin token is long enough for
// the gateway, and neither binary warns about demo secrets (they are fine on
// loopback). Only the ports are moved, so the test runs beside a developer's
// own `make run`; the addresses are the script's defaults.
func TestMakeRun_LoopbackOnly(t *testing.T) {
	gwPort, shopPort, stripePort := freePort(t), freePort(t), freePort(t)
	tmp := t.TempDir()
	cmd := exec.Command("make", "-s", "run", "BIN="+filepath.Join(tmp, "bin"),
		"GATEWAY_PORT="+strconv.Itoa(gwPort), "SHOP_PORT="+strconv.Itoa(shopPort), "STRIPE_PORT="+strconv.Itoa(stripePort))
	cmd.Dir = root(t)
	cmd.Env = environ("SHOP_DB=" + filepath.Join(tmp, "shop.db"))
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so Ctrl-C reaches make, the script and both
	// binaries, as in a terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Errorf("make run did not stop within 15 s of Ctrl-C")
		}
		if t.Failed() {
			t.Logf("make run output:\n%s", out.String())
		}
	})

	// Building both binaries may take a while on a cold cache.
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(out.String(), "PaySandbox is running") {
		select {
		case err := <-done:
			t.Fatalf("make run ended early: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("make run did not start within 4 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The shop's /readyz answers 200 only when it reaches the gateway.
	shopURL := fmt.Sprintf("http://127.0.0.1:%d", shopPort)
	waitStatus(t, shopURL+"/readyz", http.StatusOK, 30*time.Second)

	log := out.String()
	for _, want := range []string{
		fmt.Sprintf(`msg="mockgateway listening" addr=127.0.0.1:%d`, gwPort),
		fmt.Sprintf(`msg="shop listening" addr=127.0.0.1:%d`, shopPort),
		fmt.Sprintf(`msg="stripe subset listening" addr=127.0.0.1:%d`, stripePort),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log has no %q", want)
		}
	}
	if strings.Contains(log, "published demo secret") {
		t.Errorf("a binary warns about demo secrets on loopback")
	}

	token := regexp.MustCompile(`admin token (\S+)`).FindStringSubmatch(log)
	if token == nil {
		t.Fatal("the banner shows no admin token")
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/admin/api/faults", gwPort), nil)
	req.Header.Set("Authorization", "Bearer "+token[1])
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Errorf("admin API: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("admin API with the banner's token: %d", resp.StatusCode)
		}
	}

	// From another address of this machine neither port answers.
	if ip := nonLoopbackIP(); ip != nil {
		for _, port := range []int{gwPort, shopPort, stripePort} {
			addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				c.Close()
				t.Errorf("%s accepts connections: make run listens beyond loopback", addr)
			}
		}
	} else {
		t.Log("this machine has no non-loopback address; the listen addresses above are the check")
	}
}

// nonLoopbackIP returns an IPv4 address of this machine that is not
// loopback, or nil.
func nonLoopbackIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	return nil
}

func waitStatus(t *testing.T, url string, want int, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	last := "no answer"
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %s after %v, want %d", url, last, timeout, want)
}
