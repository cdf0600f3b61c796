package dispatcher_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// panicky panics on its first encode, then sends a plain body.
type panicky struct{ calls atomic.Int64 }

func (p *panicky) Encode(*gateway.Delivery, time.Time) (http.Header, []byte, error) {
	if p.calls.Add(1) == 1 {
		panic("notifier bug")
	}
	return http.Header{}, []byte("hello"), nil
}

func (p *panicky) Acknowledged(status int, _ []byte) bool { return status == http.StatusOK }

type observer struct {
	mu     sync.Mutex
	panics map[string]int
}

func (o *observer) ObserveAttempt(string, string, time.Duration) {}
func (o *observer) ObserveDelivered(time.Duration)               {}
func (o *observer) ObservePanic(c string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.panics[c]++
}

// A panic in a worker is recovered and counted; the member stays claimed,
// comes back when its lease ends and is delivered then. The process lives.
func TestDispatcher_WorkerPanic(t *testing.T) {
	var got atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	t.Cleanup(hook.Close)
	store := redisstore.New(redistest.Client(t))
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: gateway.Schedule{0}})
	ctx := context.Background()
	m, err := svc.CreateMerchant(ctx, "shop", hook.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "P-1", Amount: 1, Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	obs := &observer{panics: map[string]int{}}
	n := &panicky{}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	d := &dispatcher.Dispatcher{
		Core: svc, Queue: store, Notifiers: map[string]dispatcher.Notifier{gateway.ProtocolNative: n},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Interval: 10 * time.Millisecond,
		Timeout: 200 * time.Millisecond, LeaseMargin: 100 * time.Millisecond, Observer: obs,
		// One worker: the retry is made only if the panic freed its slot.
		Concurrency: 1,
	}
	go func() { d.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for got.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("not delivered after the panic")
		}
		time.Sleep(10 * time.Millisecond)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.panics["dispatcher worker"] != 1 || n.calls.Load() != 2 {
		t.Fatalf("panics %v, encodes %d; want one worker panic and a second encode", obs.panics, n.calls.Load())
	}
}
