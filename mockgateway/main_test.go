package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// The binary against a real Redis: create a payment, pay it through the
// test helper, read it back.
func TestBinary_PaymentRoundTrip(t *testing.T) {
	g := gatewaytest.Start(t, nil)
	ctx := context.Background()
	resp, err := g.Request(ctx, "POST", "/v1/payments", []byte(`{"out_trade_no":"smoke-1","amount":1999,"method":"card","subject":"Tea"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p gatewayapi.Payment
	decode(t, resp, http.StatusCreated, &p)
	if p.Status != "pending" || !strings.HasPrefix(p.PayURL, g.URL+"/pay/") {
		t.Fatalf("created payment = %+v", p)
	}
	resp, err = g.Request(ctx, "POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, resp, http.StatusOK, &p)
	resp, err = g.Request(ctx, "GET", "/v1/payments/"+p.ID, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, resp, http.StatusOK, &p)
	if p.Status != "succeeded" || p.PaidAt == nil {
		t.Fatalf("after succeed: %+v", p)
	}
}

// With no REDIS_URL the binary runs on its embedded Redis (DESIGN §9 smoke
// test) and says so.
func TestBinary_EmbeddedRedis(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"REDIS_URL": ""})
	resp, err := g.Request(context.Background(), "POST", "/v1/payments", []byte(`{"out_trade_no":"emb-1","amount":100,"method":"alipay","subject":"Tea"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p gatewayapi.Payment
	decode(t, resp, http.StatusCreated, &p)
	if !strings.Contains(g.Log(), "embedded in-memory Redis") {
		t.Errorf("no embedded-mode warning in the log:\n%s", g.Log())
	}
}

// A bad variable stops the binary with a message naming it.
func TestBinary_BadConfig(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"NOTIFY_TIMEOUT", "10"},
		{"REFUND_DELAY", "soon"},
		{"NOTIFY_SCHEDULE", "0s,x"},
		{"NOTIFY_SCHEDULE_NATIVE", "later"},
		{"TIME_SCALE", "-1"},
		{"PUBLIC_URL", "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, gatewaytest.Binary(t))
			cmd.Env = append(os.Environ(), tc.name+"="+tc.value, "GATEWAY_ADDR=127.0.0.1:0")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("with %s=%s: %v, want exit status 1 at start\n%s", tc.name, tc.value, err, out)
			}
			if !strings.Contains(string(out), tc.name) {
				t.Errorf("message does not name %s:\n%s", tc.name, out)
			}
		})
	}
}

func decode(t *testing.T, resp *http.Response, want int, v any) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// The binary on a real three-node Redis Cluster (REDIS_CLUSTER_ADDRS).
func TestBinary_RedisCluster(t *testing.T) {
	addrs := redistest.Cluster(t)
	g := gatewaytest.Start(t, map[string]string{"REDIS_URL": "", "REDIS_CLUSTER_ADDRS": strings.Join(addrs, ",")})
	ctx := context.Background()
	resp, err := g.Request(ctx, "POST", "/v1/payments", []byte(`{"out_trade_no":"cl-1","amount":500,"method":"wechat","subject":"Tea"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p gatewayapi.Payment
	decode(t, resp, http.StatusCreated, &p)
	resp, err = g.Request(ctx, "POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, resp, http.StatusOK, &p)
	// The cashier finds the payment through the global owner index.
	res, err := http.Get(p.PayURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if p.Status != "succeeded" || res.StatusCode != http.StatusOK {
		t.Fatalf("status %s, cashier %d", p.Status, res.StatusCode)
	}
	if !strings.Contains(g.Log(), "redis="+addrs[0]) {
		t.Errorf("log does not show the cluster seed:\n%s", g.Log())
	}
}
