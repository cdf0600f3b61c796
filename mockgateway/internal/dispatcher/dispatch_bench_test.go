package dispatcher_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// BenchmarkDispatch delivers b.N notifications made due at once, through
// the native notifier, to a receiver answering 204: the dispatcher's own
// cost per delivery, in process (go test -bench Dispatch -cpuprofile).
// make bench measures the binary with bench/notify.
func BenchmarkDispatch(b *testing.B) {
	var got atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(hook.Close)
	store := redisstore.New(redistest.Client(b))
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: gateway.Schedule{time.Hour}})
	ctx := context.Background()
	m, err := svc.CreateMerchant(ctx, "bench", hook.URL)
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: fmt.Sprint("D-", i), Amount: 1999, Method: "alipay", Subject: "Bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
			b.Fatal(err)
		}
	}
	// As in the binary: merchants and fault rules in memory.
	watchCtx, stopWatch := context.WithCancel(ctx)
	b.Cleanup(stopWatch)
	go func() { _ = svc.WatchChanges(watchCtx, store) }()
	time.Sleep(50 * time.Millisecond)
	nat := native.New(native.Options{Service: svc, Store: store})
	d := &dispatcher.Dispatcher{Core: svc, Queue: store, Notifiers: map[string]dispatcher.Notifier{native.Name: nat},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Concurrency: 64}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	if path := os.Getenv("DISPATCH_CPUPROFILE"); path != "" {
		// Only the dispatch: -cpuprofile would mostly show the setup.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	b.ResetTimer()
	cpu0 := processCPU()
	if _, err := svc.DeliverDue(ctx, m); err != nil {
		b.Fatal(err)
	}
	go func() { d.Run(runCtx); close(done) }()
	for got.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	// The process's CPU (dispatcher and receiver; Redis is apart) per
	// delivery: steadier than the time per delivery on a shared machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	cancel()
	<-done
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
