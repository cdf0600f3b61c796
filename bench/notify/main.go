// Command notify measures the gateway's notifications for `make bench`
// (docs/benchmarks.md): dispatch throughput next to a plain pooled Go
// client posting to the same receiver (the ratio is what counts), how it
// grows with NOTIFY_CONCURRENCY, how long an event due now waits for its
// first attempt at a steady 1 000 events/s, and the Redis memory a payment
// and an event take. It starts its own receiver and gateway processes on
// the Redis it is given.
//
//	go run ./bench/notify -gateway ./bin/mockgateway -redis redis://127.0.0.1:6379/0
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	gatewayBin = flag.String("gateway", "./bin/mockgateway", "gateway binary")
	redisURL   = flag.String("redis", "redis://127.0.0.1:6379/0", "Redis URL (a database the gateway may fill)")
	events     = flag.Int("events", 5000, "events per throughput run")
	rate       = flag.Int("rate", 1000, "events per second of the latency run")
	latencyFor = flag.Duration("latency-duration", 5*time.Second, "length of the latency run")
	parts      = flag.String("parts", "dispatch,latency,memory", "which measurements to run")
	concs      = flag.String("concurrency", "16,64,256", "NOTIFY_CONCURRENCY values of the dispatch runs")
	// plainTo makes this program the plain client of its own process (the
	// gateway is one too): it posts to the URL for 3 s, prints the rate
	// and exits.
	plainTo = flag.String("plain-to", "", "internal: act as the plain client in a process of its own, posting to this URL")
)

func want(part string) bool { return slices.Contains(strings.Split(*parts, ","), part) }

const adminToken = "adm_bench_notify_0123456789abcdef"

// receiver counts notifications and the delay from each event's
// created_at to its arrival.
type receiver struct {
	n      atomic.Int64
	bytes  atomic.Int64
	mu     sync.Mutex
	delays []time.Duration
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev struct {
		CreatedAt time.Time `json:"created_at"`
	}
	if json.Unmarshal(body, &ev) == nil && !ev.CreatedAt.IsZero() {
		r.mu.Lock()
		r.delays = append(r.delays, time.Since(ev.CreatedAt))
		r.mu.Unlock()
	}
	r.n.Add(1)
	r.bytes.Add(int64(len(body)))
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) reset() {
	r.n.Store(0)
	r.bytes.Store(0)
	r.mu.Lock()
	r.delays = nil
	r.mu.Unlock()
}

func main() {
	flag.Parse()
	if *plainTo != "" {
		rate, _ := plainClient(*plainTo, eventLike(nativeNotificationSize), 64, 3*time.Second)
		fmt.Println(rate)
		return
	}
	rcv := &receiver{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() { _ = http.Serve(ln, rcv) }()
	hook := "http://" + ln.Addr().String() + "/hook"
	opt, err := redis.ParseURL(*redisURL)
	check(err)
	rdb := redis.NewClient(opt)

	if want("dispatch") {
		plain, busy := plainClient(hook, eventLike(nativeNotificationSize), 64, 3*time.Second)
		rcv.reset()
		own, ownBusy := plainProcess(hook)
		rcv.reset()
		fmt.Printf("| notifications | per second | ÷ plain client | ÷ plain client, own process | machine busy |\n| --- | --- | --- | --- | --- |\n")
		fmt.Printf("| plain pooled Go client, 64 workers, to the same receiver, in the receiver's process | %.0f | 1.00 | %.2f | %.0f%% |\n", plain, plain/own, busy)
		fmt.Printf("| … the same client in a process of its own, as the gateway is | %.0f | %.2f | 1.00 | %.0f%% |\n", own, own/plain, ownBusy)
		for _, c := range strings.Split(*concs, ",") {
			check(rdb.FlushDB(context.Background()).Err())
			g := startGateway(map[string]string{"NOTIFY_CONCURRENCY": c, "DEMO_NOTIFY_URL": hook})
			got, busy, size := dispatch(g, rcv, *events)
			g.stop()
			fmt.Printf("| gateway, NOTIFY_CONCURRENCY=%s, %d events made due at once (%d B each) | %.0f | %.2f | %.2f | %.0f%% |\n", c, *events, size, got, got/plain, got/own, busy)
		}
	}
	if want("latency") {
		check(rdb.FlushDB(context.Background()).Err())
		g := startGateway(map[string]string{"DEMO_NOTIFY_URL": hook})
		p50, p99, n := latency(g, rcv, *rate, *latencyFor)
		fmt.Printf("\nFirst attempt of an event due now, %d events/s for %v: p50 %v, p99 %v (%d events)\n",
			*rate, *latencyFor, p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond), n)
		g.stop()
	}
	if want("memory") {
		check(rdb.FlushDB(context.Background()).Err())
		g := startGateway(map[string]string{"DEMO_NOTIFY_URL": hook})
		perPay, perEvent := memory(g, rdb, rcv, 2000)
		g.stop()
		fmt.Printf("Redis memory: %.0f B per payment, %.0f B per delivered event\n", perPay, perEvent)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "notify:", err)
		os.Exit(1)
	}
}

// nativeNotificationSize is about the size of a native payment.succeeded
// notification (the dispatch rows print the real one).
const nativeNotificationSize = 850

// eventLike is a body the receiver handles as it handles a notification —
// JSON with a created_at it decodes — padded to size bytes: the receiver
// then does the same work for the plain client as for the gateway.
func eventLike(size int) []byte {
	head := fmt.Sprintf(`{"id":"evt_plain","object":"event","type":"payment.succeeded","created_at":%q,"data":{"object":{"pad":"`,
		time.Now().UTC().Format(time.RFC3339Nano))
	tail := `"}}}`
	return []byte(head + strings.Repeat("x", max(0, size-len(head)-len(tail))) + tail)
}

// plainClient posts body to url from workers goroutines for d and returns
// requests per second and how busy the machine's CPUs were meanwhile.
func plainClient(url string, body []byte, workers int, d time.Duration) (float64, float64) {
	busy := cpuBusy()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				res, err := c.Post(url, "application/json", bytes.NewReader(body))
				check(err)
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds(), busy()
}

// plainProcess runs plainClient in a child process of its own and returns
// its rate and how busy the machine was meanwhile: the gateway is a
// process apart from the receiver, and so is a real shop's client, so
// this row shows what the separation alone costs.
func plainProcess(url string) (float64, float64) {
	self, err := os.Executable()
	check(err)
	busy := cpuBusy()
	out, err := exec.Command(self, "-plain-to", url).Output()
	check(err)
	rate, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	check(err)
	return rate, busy()
}

type gatewayProc struct {
	url string
	cmd *exec.Cmd
}

func startGateway(env map[string]string) *gatewayProc {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(*gatewayBin)
	cmd.Env = append(os.Environ(), "GATEWAY_ADDR="+addr, "PUBLIC_URL=http://"+addr, "REDIS_URL="+*redisURL,
		"ADMIN_TOKEN="+adminToken, "STRIPE_ADDR=", "NOTIFY_SCHEDULE=0s")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	check(cmd.Start())
	g := &gatewayProc{url: "http://" + addr, cmd: cmd}
	for i := 0; ; i++ {
		res, err := http.Get(g.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return g
			}
		}
		if i > 600 {
			check(fmt.Errorf("gateway not ready"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (g *gatewayProc) stop() {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	_ = g.cmd.Wait()
}

var api = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func (g *gatewayProc) call(method, path, body string, headers ...string) []byte {
	req, err := http.NewRequest(method, g.url+path, strings.NewReader(body))
	check(err)
	req.Header.Set("Authorization", "Bearer sk_test_demo")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := api.Do(req)
	check(err)
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		check(fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, out))
	}
	return out
}

// pay creates and pays a payment; scenario shapes its notification.
func (g *gatewayProc) pay(otn, scenario string) {
	var p struct{ ID string }
	check(json.Unmarshal(g.call("POST", "/v1/payments", `{"out_trade_no":"`+otn+`","amount":1999,"method":"alipay","subject":"Bench"}`,
		"Mock-Scenario", scenario), &p))
	g.call("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", "")
}

// parallel runs f(i) for i in [0, n) on 32 goroutines.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// dispatch makes n held notifications due at once and returns how many the
// gateway delivered per second, how busy the machine's CPUs were, and the
// average size of a notification.
func dispatch(g *gatewayProc, rcv *receiver, n int) (float64, float64, int64) {
	parallel(n, func(i int) { g.pay(fmt.Sprint("d-", i), "notify_delay=1h") })
	rcv.reset()
	busy := cpuBusy()
	start := time.Now()
	g.call("POST", "/v1/test_helpers/events/deliver_due", "")
	for rcv.n.Load() < int64(n) {
		if time.Since(start) > 5*time.Minute {
			check(fmt.Errorf("only %d of %d delivered", rcv.n.Load(), n))
		}
		time.Sleep(5 * time.Millisecond)
	}
	rate := float64(n) / time.Since(start).Seconds()
	return rate, busy(), rcv.bytes.Load() / max(1, rcv.n.Load())
}

// latency pays payments at rate per second for d and returns the p50 and
// p99 of the time from each event's creation to its arrival.
func latency(g *gatewayProc, rcv *receiver, rate int, d time.Duration) (time.Duration, time.Duration, int) {
	rcv.reset()
	total := int(float64(rate) * d.Seconds())
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range total {
		at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		time.Sleep(time.Until(at))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			g.pay(fmt.Sprint("l-", i), "")
		})
	}
	wg.Wait()
	for rcv.n.Load() < int64(total) && time.Since(start) < d+time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	rcv.mu.Lock()
	ds := slices.Clone(rcv.delays)
	rcv.mu.Unlock()
	slices.Sort(ds)
	if len(ds) == 0 {
		check(fmt.Errorf("no notification arrived"))
	}
	return ds[len(ds)/2], ds[len(ds)*99/100], len(ds)
}

// memory returns the Redis memory a payment takes, and a delivered
// event.
func memory(g *gatewayProc, rdb *redis.Client, rcv *receiver, n int) (float64, float64) {
	used := func() float64 {
		info, err := rdb.Info(context.Background(), "memory").Result()
		check(err)
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return 0
	}
	before := used()
	var ids = make([]string, n)
	parallel(n, func(i int) {
		var p struct{ ID string }
		check(json.Unmarshal(g.call("POST", "/v1/payments", fmt.Sprintf(`{"out_trade_no":"m-%d","amount":1999,"method":"alipay","subject":"Bench"}`, i)), &p))
		ids[i] = p.ID
	})
	afterPay := used()
	rcv.reset()
	parallel(n, func(i int) { g.call("POST", "/v1/test_helpers/payments/"+ids[i]+"/succeed", "") })
	for rcv.n.Load() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the last attempts are recorded
	afterEvents := used()
	return (afterPay - before) / float64(n), (afterEvents - afterPay) / float64(n)
}

// cpuBusy starts measuring how busy the machine's CPUs are (all
// processes: the gateway, Redis, the receiver and this client share them);
// the function it returns gives the percentage since, or -1 without
// /proc/stat.
func cpuBusy() func() float64 {
	b0, t0 := cpuTicks()
	return func() float64 {
		b1, t1 := cpuTicks()
		if t1 <= t0 {
			return -1
		}
		return 100 * float64(b1-b0) / float64(t1-t0)
	}
}

// cpuTicks reads the busy and total CPU ticks of the machine.
func cpuTicks() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, v := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}
