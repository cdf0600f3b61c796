// Command loadgen drives a running mock gateway with concurrent clients and
// reports throughput and latency of a workload next to a baseline measured
// in the same run (GET /healthz), as ratios, because absolute numbers on a
// shared machine mean little.
//
//	go run ./bench/loadgen -url http://localhost:8081 -duration 10s -concurrency 16
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	name      string
	ops       int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) rate() float64 { return float64(r.ops) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(float64(len(r.latencies)-1)*p)]
}

func main() {
	url := flag.String("url", "http://localhost:8081", "gateway base URL")
	key := flag.String("key", "sk_test_demo", "merchant API key")
	duration := flag.Duration("duration", 10*time.Second, "length of each phase")
	conc := flag.Int("concurrency", 16, "concurrent clients")
	flag.Parse()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	do := func(method, path string, body []byte, want int) ([]byte, error) {
		req, err := http.NewRequest(method, *url+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+*key)
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, out)
		}
		return out, nil
	}

	var seq atomic.Int64
	run := seq.Add(time.Now().UnixNano())
	phases := []struct {
		name string
		op   func() error
	}{
		{"baseline GET /healthz", func() error { _, err := do("GET", "/healthz", nil, 200); return err }},
		{"create payment", func() error {
			_, err := do("POST", "/v1/payments", paymentBody(run, seq.Add(1)), 201)
			return err
		}},
		{"create + pay (outbox write)", func() error {
			out, err := do("POST", "/v1/payments", paymentBody(run, seq.Add(1)), 201)
			if err != nil {
				return err
			}
			var p struct{ ID string }
			if err := json.Unmarshal(out, &p); err != nil {
				return err
			}
			_, err = do("POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil, 200)
			return err
		}},
	}
	var results []result
	for _, ph := range phases {
		results = append(results, phase(ph.name, ph.op, *duration, *conc))
	}
	base := results[0]
	fmt.Printf("%-30s %10s %8s %10s %10s %12s %12s\n", "workload", "ops/s", "errors", "p50", "p99", "x-base p50", "base/ops-s")
	for _, r := range results {
		fmt.Printf("%-30s %10.0f %8d %10v %10v %12.2f %12.2f\n", r.name, r.rate(), r.errors,
			r.pct(0.5).Round(time.Microsecond), r.pct(0.99).Round(time.Microsecond),
			float64(r.pct(0.5))/float64(base.pct(0.5)), base.rate()/r.rate())
	}
	for _, r := range results {
		if r.errors > 0 {
			os.Exit(1)
		}
	}
}

func paymentBody(run, n int64) []byte {
	return []byte(fmt.Sprintf(`{"out_trade_no":"lg-%d-%d","amount":1999,"method":"alipay","subject":"Load"}`, run, n))
}

func phase(name string, op func() error, d time.Duration, conc int) result {
	var (
		mu  sync.Mutex
		all []time.Duration
		ops atomic.Int64
		bad atomic.Int64
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range conc {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := op(); err != nil {
					if bad.Add(1) <= 3 {
						fmt.Fprintln(os.Stderr, "loadgen:", err)
					}
					continue
				}
				mine = append(mine, time.Since(t))
				ops.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	return result{name: name, ops: int(ops.Load()), errors: int(bad.Load()), elapsed: time.Since(start), latencies: all}
}
