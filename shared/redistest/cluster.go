package redistest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster starts a local Redis Cluster of three masters (Debian's
// redis-server and redis-cli, no replicas) for the test and returns the seed
// addresses. The nodes stop when the test ends.
func Cluster(tb testing.TB) []string {
	tb.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		tb.Fatalf("redistest: redis-cli not found; it comes with Debian's redis-tools (a dependency of redis-server)")
	}
	dir := tb.TempDir()
	var addrs []string
	for i := range 3 {
		nodeDir := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			tb.Fatal(err)
		}
		node, addr, err := startServer(nodeDir, "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(nodeDir, "nodes.conf"), "--cluster-node-timeout", "2000")
		if err != nil {
			tb.Fatalf("redistest: cluster node: %v", err)
		}
		tb.Cleanup(func() { _ = node.Process.Kill(); _ = node.Wait() })
		addrs = append(addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	waitClusterOK(tb, addrs)
	return addrs
}

// waitClusterOK waits until every node of addrs agrees that all slots are
// served.
func waitClusterOK(tb testing.TB, addrs []string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		for _, a := range addrs {
			c := redis.NewClient(&redis.Options{Addr: a})
			info, err := c.ClusterInfo(context.Background()).Result()
			_ = c.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: cluster %v not ready after 30s", addrs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// OneShardCluster starts a redis-server in cluster mode that serves every
// slot itself and returns its URL: what a cluster-mode Redis of one shard
// (a managed service's smallest cluster) looks like to a plain client. It
// answers every key, but refuses a script whose keys are in two slots. The
// server stops when the test ends.
func OneShardCluster(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	node, addr, err := startServer(dir, "--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"))
	if err != nil {
		tb.Fatalf("redistest: one-shard cluster: %v", err)
	}
	tb.Cleanup(func() { _ = node.Process.Kill(); _ = node.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.ClusterAddSlotsRange(context.Background(), 0, 16383).Err(); err != nil {
		tb.Fatalf("redistest: one-shard cluster: %v", err)
	}
	waitClusterOK(tb, []string{addr})
	return "redis://" + addr + "/0"
}
