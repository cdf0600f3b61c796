package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkCreatePayment runs POST /v1/payments against an in-process
// gateway on a real Redis, for CPU profiles of the create path
// (go test -bench CreatePayment -cpuprofile). make bench measures the
// binary instead.
func BenchmarkCreatePayment(b *testing.B) {
	for _, idem := range []bool{false, true} {
		b.Run(fmt.Sprintf("idempotency=%v", idem), func(b *testing.B) {
			e := newTestEnv(b, nil)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					body := []byte(fmt.Sprintf(`{"out_trade_no":"b-%d","amount":1999,"method":"alipay","subject":"Load"}`, i))
					req, _ := http.NewRequest("POST", e.URL+"/v1/payments", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer sk_test_demo")
					if idem {
						req.Header.Set("Idempotency-Key", fmt.Sprint("k-", i))
					}
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusCreated {
						b.Fatalf("status %d", res.StatusCode)
					}
				}
			})
		})
	}
}
