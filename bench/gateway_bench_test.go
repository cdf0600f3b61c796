// Package bench measures the gateway binary over real HTTP against a real
// redis-server. Every benchmark reports, besides ns/op, its ratio to a
// baseline measured in the same run (x-healthz: a GET /healthz round trip on
// the same connection pool), because these machines are too noisy for
// absolute numbers to mean much.
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func call(b *testing.B, g *gatewaytest.Gateway, method, path string, body []byte, want int, headers ...string) []byte {
	req, _ := http.NewRequest(method, g.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+g.APIKey)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

// baseline returns the mean duration of a /healthz round trip.
func baseline(b *testing.B, g *gatewaytest.Gateway) time.Duration {
	const n = 2000
	start := time.Now()
	for range n {
		call(b, g, "GET", "/healthz", nil, http.StatusOK)
	}
	return time.Since(start) / n
}

// measure runs op b.N times in parallel and reports its ratio to the baseline.
func measure(b *testing.B, g *gatewaytest.Gateway, op func(i int64)) {
	b.StopTimer()
	base := baseline(b, g)
	var seq atomic.Int64
	b.StartTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			op(seq.Add(1))
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	perOp := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(perOp)/float64(base), "x-healthz")
}

// gateway starts a gateway binary for one benchmark (on its own Redis
// database), notifying a receiver that answers 204 at once.
func gateway(b *testing.B) *gatewaytest.Gateway {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(rcv.Close)
	return gatewaytest.Start(b, map[string]string{"DEMO_NOTIFY_URL": rcv.URL})
}

func paymentBody(i int64, prefix string) []byte {
	return []byte(fmt.Sprintf(`{"out_trade_no":"%s-%d-%d","amount":1999,"method":"alipay","subject":"Tea"}`, prefix, time.Now().UnixNano(), i))
}

// BenchmarkCreatePayment: one atomic commit (payment, out_trade_no claim,
// index, expiry timer) per call.
func BenchmarkCreatePayment(b *testing.B) {
	g := gateway(b)
	measure(b, g, func(i int64) {
		call(b, g, "POST", "/v1/payments", paymentBody(i, "cp"), http.StatusCreated)
	})
}

// BenchmarkCreatePaymentIdempotent adds the Idempotency-Key begin and finish.
func BenchmarkCreatePaymentIdempotent(b *testing.B) {
	g := gateway(b)
	prefix := fmt.Sprint("ik", time.Now().UnixNano())
	measure(b, g, func(i int64) {
		call(b, g, "POST", "/v1/payments", paymentBody(i, "ci"), http.StatusCreated, "Idempotency-Key", fmt.Sprint(prefix, i))
	})
}

// BenchmarkGetPayment reads one payment by id.
func BenchmarkGetPayment(b *testing.B) {
	g := gateway(b)
	var p gatewayapi.Payment
	_ = json.Unmarshal(call(b, g, "POST", "/v1/payments", paymentBody(0, "gp"), http.StatusCreated), &p)
	measure(b, g, func(int64) {
		call(b, g, "GET", "/v1/payments/"+p.ID, nil, http.StatusOK)
	})
}

// BenchmarkPayPayment: create and pay (the pay commit also writes the
// payment.succeeded event into the outbox).
func BenchmarkPayPayment(b *testing.B) {
	g := gateway(b)
	measure(b, g, func(i int64) {
		var p gatewayapi.Payment
		_ = json.Unmarshal(call(b, g, "POST", "/v1/payments", paymentBody(i, "pp"), http.StatusCreated), &p)
		call(b, g, "POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil, http.StatusOK)
	})
}

// BenchmarkRefundContention: every call refunds 1 fen of the same payment,
// so all of them race on one version (optimistic retries).
func BenchmarkRefundContention(b *testing.B) {
	g := gateway(b)
	var p gatewayapi.Payment
	body := []byte(fmt.Sprintf(`{"out_trade_no":"rc-%d","amount":10000000000,"method":"card","subject":"Big"}`, time.Now().UnixNano()))
	_ = json.Unmarshal(call(b, g, "POST", "/v1/payments", body, http.StatusCreated), &p)
	call(b, g, "POST", "/v1/test_helpers/payments/"+p.ID+"/succeed", nil, http.StatusOK)
	prefix := time.Now().UnixNano()
	measure(b, g, func(i int64) {
		rb := []byte(fmt.Sprintf(`{"payment_id":"%s","out_refund_no":"r%d-%d","amount":1}`, p.ID, prefix, i))
		call(b, g, "POST", "/v1/refunds", rb, http.StatusCreated)
	})
}
