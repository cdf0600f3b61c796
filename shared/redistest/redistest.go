// Package redistest gives tests a real redis-server: one process per test
// binary on a free loopback port (or TEST_REDIS_URL when set), and a fresh,
// empty logical database for every caller so tests never see each other's keys.
//
// A missing redis-server is a test failure with the command that installs it,
// never a skip: `make test` installs it first.
package redistest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const databases = 4000

var (
	once    sync.Once
	baseURL string
	bootErr error
	cmd     *exec.Cmd
	dir     string
	nextDB  atomic.Int64
)

// Main runs the tests of a package and stops the redis-server afterwards.
// Use it from TestMain: func TestMain(m *testing.M) { redistest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the redis-server started by this package, if any.
func Stop() {
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// URL returns a redis:// URL of a fresh, empty database. Every call gets its
// own database number, so parallel tests are isolated.
func URL(tb testing.TB) string {
	tb.Helper()
	once.Do(boot)
	if bootErr != nil {
		tb.Fatalf("redistest: %v", bootErr)
	}
	n := nextDB.Add(1)
	if n >= databases {
		tb.Fatalf("redistest: more than %d databases requested", databases)
	}
	u, _ := url.Parse(baseURL)
	u.Path = "/" + strconv.FormatInt(n, 10)
	c := redis.NewClient(mustOptions(tb, u.String()))
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		tb.Fatalf("redistest: flushdb: %v", err)
	}
	return u.String()
}

// Client returns a client of a fresh database, closed when the test ends.
func Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(mustOptions(tb, URL(tb)))
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Addr returns host:port of the server (started if needed).
func Addr(tb testing.TB) string {
	tb.Helper()
	u, _ := url.Parse(URL(tb))
	return u.Host
}

func mustOptions(tb testing.TB, raw string) *redis.Options {
	opt, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return opt
}

func boot() {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		baseURL = u
		return
	}
	var err error
	dir, err = os.MkdirTemp("", "redistest-")
	if err != nil {
		bootErr = err
		return
	}
	var addr string
	cmd, addr, bootErr = startServer(dir, "--databases", strconv.Itoa(databases))
	if bootErr == nil {
		baseURL = "redis://" + addr + "/0"
	}
}

// startServer starts a redis-server on a free loopback port with its files
// in dir and extra arguments, and waits until it answers PING.
func startServer(dir string, extra ...string) (*exec.Cmd, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", fmt.Errorf("redis-server not found; install it with `sudo apt-get install -y redis-server` (make test does this) or set TEST_REDIS_URL")
	}
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log")}, extra...)
	c := exec.Command(bin, args...)
	// The server dies with the test binary even when TestMain never returns.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		return nil, "", fmt.Errorf("start redis-server: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := client.Ping(context.Background()).Err()
		if err == nil {
			return c, addr, nil
		}
		if time.Now().After(deadline) {
			_ = c.Process.Kill()
			_ = c.Wait()
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, "", fmt.Errorf("redis-server on %s did not answer: %v\n%s", addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Dedicated is a redis-server of one test, for tests that stop it.
type Dedicated struct {
	URL string
	cmd *exec.Cmd
}

// Server starts a redis-server for the calling test alone; it stops when
// the test ends, or earlier with Kill.
func Server(tb testing.TB) *Dedicated {
	tb.Helper()
	c, addr, err := startServer(tb.TempDir())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	d := &Dedicated{URL: "redis://" + addr + "/0", cmd: c}
	tb.Cleanup(d.Kill)
	return d
}

// Kill stops the server at once, as a crash would.
func (d *Dedicated) Kill() {
	if d.cmd.ProcessState == nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
	}
}

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Calls returns how many times the server has run command (lower case, as
// INFO commandstats names it: "evalsha", "zrange") since it started or its
// statistics were reset: a test counts what an operation costs Redis.
func Calls(tb testing.TB, rdb redis.UniversalClient, command string) int {
	tb.Helper()
	n, ok := infoInt(tb, rdb, "commandstats", "cmdstat_"+command+":calls=")
	if !ok {
		return 0 // never run
	}
	return int(n)
}

// Commands returns how many commands the server has processed in all
// (INFO's total_commands_processed; the INFO that reads it is not counted
// yet, an earlier one is).
func Commands(tb testing.TB, rdb redis.UniversalClient) int64 {
	tb.Helper()
	n, ok := infoInt(tb, rdb, "stats", "total_commands_processed:")
	if !ok {
		tb.Fatal("redistest: no total_commands_processed in INFO stats")
	}
	return n
}

// infoInt reads the number after prefix on a line of an INFO section, up to
// a comma or the line's end.
func infoInt(tb testing.TB, rdb redis.UniversalClient, section, prefix string) (int64, bool) {
	tb.Helper()
	info, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	for _, line := range strings.Split(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(rest[:strings.IndexByte(rest+",", ',')], 10, 64)
		if err != nil {
			tb.Fatalf("redistest: INFO %s line %q: %v", section, line, err)
		}
		return n, true
	}
	return 0, false
}
