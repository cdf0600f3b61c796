package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// A gateway started on Redis data of another layout refuses to start,
// naming how to clear it, instead of misreading it; -wipe-redis clears it.
func TestBinary_RefusesDataOfAnotherLayout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(ctx context.Context, rdb *redis.Client) error
	}{
		// Layout 1 had no layout mark; its merchants set always existed.
		{"Unmarked", func(ctx context.Context, rdb *redis.Client) error {
			return rdb.SAdd(ctx, "ps:merchants", "m_demo").Err()
		}},
		{"OtherVersion", func(ctx context.Context, rdb *redis.Client) error {
			return rdb.Set(ctx, "ps:layout", "1", 0).Err()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := redistest.URL(t)
			opt, err := redis.ParseURL(url)
			if err != nil {
				t.Fatal(err)
			}
			rdb := redis.NewClient(opt)
			t.Cleanup(func() { _ = rdb.Close() })
			ctx := context.Background()
			if err := tc.write(ctx, rdb); err != nil {
				t.Fatal(err)
			}
			if err := rdb.Set(ctx, "ps:{m_demo}:pay:pay_old", "old data", 0).Err(); err != nil {
				t.Fatal(err)
			}

			run, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(run, gatewaytest.Binary(t))
			cmd.Env = append(os.Environ(), "REDIS_URL="+url, "GATEWAY_ADDR=127.0.0.1:0", "ADMIN_TOKEN=adm_layout_test_0123456789abcdef")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("started on old data: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "layout") || !strings.Contains(string(out), "-wipe-redis") {
				t.Fatalf("the refusal does not say what to do:\n%s", out)
			}
			if n, _ := rdb.Exists(ctx, "ps:{m_demo}:pay:pay_old").Result(); n != 1 {
				t.Fatal("the refusal changed the data")
			}

			g := gatewaytest.StartWith(t, gatewaytest.Options{RedisURL: url, Args: []string{"-wipe-redis"}})
			if n, _ := rdb.Exists(ctx, "ps:{m_demo}:pay:pay_old").Result(); n != 0 {
				t.Fatal("-wipe-redis left the old data")
			}
			if v, _ := rdb.Get(ctx, "ps:layout").Result(); v != "2" {
				t.Fatalf("layout mark %q after -wipe-redis, want 2", v)
			}
			if err := g.Stop(); err != nil {
				t.Fatal(err)
			}
			// The marked database starts without the flag and keeps its data.
			gatewaytest.StartWith(t, gatewaytest.Options{RedisURL: url})
			if n, _ := rdb.Exists(ctx, "ps:merchant:m_demo").Result(); n != 1 {
				t.Fatal("the demo merchant is missing after a plain restart")
			}
		})
	}
}
