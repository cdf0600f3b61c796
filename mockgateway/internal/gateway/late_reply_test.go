package gateway_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// slowProxy forwards TCP to Redis. Once armed, the reply to the next
// script call it sees (an EVALSHA) is held longer than the client's read
// timeout: the script ran, its answer is late.
type slowProxy struct {
	*redistest.Proxy
	armed atomic.Bool
}

func newSlowProxy(t *testing.T, target string, hold time.Duration) *slowProxy {
	p := &slowProxy{}
	p.Proxy = redistest.NewProxy(t, target, func() redistest.ProxyHooks {
		var holdReply atomic.Bool // this connection's next reply
		return redistest.ProxyHooks{
			ToServer: func(chunk []byte) bool {
				if bytes.Contains(bytes.ToLower(chunk), []byte("evalsha")) && p.armed.CompareAndSwap(true, false) {
					holdReply.Store(true)
				}
				return true
			},
			ToClient: func([]byte) bool {
				if holdReply.CompareAndSwap(true, false) {
					time.Sleep(hold)
				}
				return true
			},
		}
	})
	return p
}

// A reply that arrives after ReadTimeout makes go-redis send the whole
// shared pipeline again (MaxRetries): the commit script runs a second time,
// fails its version check, Commit reports ErrConflict although its batch
// was applied, and RecordAttempt re-reads and records the same attempt
// again.
// A commit whose reply comes late is sent again by the client; the store
// must report it applied, not decide and apply it a second time (one HTTP
// attempt, one recorded attempt).
func TestCommit_LateReplyAppliedOnce(t *testing.T) {
	ctx := context.Background()
	svc, store, proxy, m, now := lateReplySetup(t)
	p, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "R-1", Amount: 100, Method: "card", Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	claimed, err := store.ClaimEvents(ctx, m.ID, gateway.QueueDeliver, now, 15*time.Second, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	d, ok, err := svc.PrepareDelivery(ctx, m.ID, gateway.QueueDeliver, claimed[0].Member, claimed[0].Event)
	if err != nil || !ok {
		t.Fatalf("prepare: %v %v", ok, err)
	}

	proxy.armed.Store(true) // the commit's reply will be late
	if _, _, err := svc.RecordAttempt(ctx, d, gateway.AttemptResult{At: now, StatusCode: 500}); err != nil {
		t.Fatal(err)
	}
	ev, err := svc.Event(ctx, m, d.Event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Attempts) != 1 || ev.Scheduled != 1 {
		t.Fatalf("one HTTP attempt was made; the event records %d attempts and %d used schedule slots", len(ev.Attempts), ev.Scheduled)
	}
}

// A commit that creates an object is known as applied by the object's
// unique name (redisstore writes no token for it): a create or a refund
// whose reply comes late is still reported created, not as the existing
// object a second run would find.
func TestCommit_LateReplyOfACreate(t *testing.T) {
	ctx := context.Background()
	svc, _, proxy, m, _ := lateReplySetup(t)
	// A first create loads the scripts: the late reply must be the one of
	// a commit that ran, not a NOSCRIPT.
	if _, _, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "L-0", Amount: 100, Method: "card", Subject: "x"}); err != nil {
		t.Fatal(err)
	}
	proxy.armed.Store(true)
	p, created, err := svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "L-1", Amount: 100, Method: "card", Subject: "x"})
	if err != nil || !created {
		t.Fatalf("create with a late reply: created %v, %v", created, err)
	}
	if proxy.armed.Load() {
		t.Fatal("no commit reply was held: the create did not meet a late reply")
	}
	if _, err := svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	proxy.armed.Store(true)
	re, created, err := svc.CreateRefund(ctx, m, gateway.CreateRefundInput{PaymentID: p.ID, OutRefundNo: "LR-1", Amount: ptr(int64(40)), Settle: gateway.SettleLater})
	if err != nil || !created {
		t.Fatalf("refund with a late reply: created %v, %v", created, err)
	}
	got, err := svc.Payment(ctx, m, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if proxy.armed.Load() {
		t.Fatal("no commit reply was held: the refund did not meet a late reply")
	}
	if got.Reserved != 40 || re.Amount != 40 {
		t.Fatalf("one refund of 40 was asked for; the payment reserves %d", got.Reserved)
	}
}

// An Idempotency-Key's begin whose reply comes late is sent again by the
// client: it must find its own mark, not another request in flight (which
// would answer the caller 409 and keep its key taken until the mark
// expired).
func TestIdemKey_LateReplyStillOwn(t *testing.T) {
	ctx := context.Background()
	_, store, proxy, m, _ := lateReplySetup(t)
	// The first begin loads the scripts: the late reply must be the one of
	// a begin that ran, not a NOSCRIPT.
	if state, _, err := store.IdemBegin(ctx, m.ID, "warm-up", "fp0", time.Minute); err != nil || state != gateway.IdemNew {
		t.Fatalf("begin: %v %v", state, err)
	}
	proxy.armed.Store(true)
	state, _, err := store.IdemBegin(ctx, m.ID, "key-1", "fp1", time.Minute)
	if proxy.armed.Load() {
		t.Fatal("no reply was held: the begin did not meet a late reply")
	}
	if err != nil || state != gateway.IdemNew {
		t.Fatalf("a begin whose reply came late: %v %v, want IdemNew (its own mark)", state, err)
	}
	// Another request with the same key is still told it is in flight.
	if state, _, err := store.IdemBegin(ctx, m.ID, "key-1", "fp1", time.Minute); err != nil || state != gateway.IdemInFlight {
		t.Fatalf("a second request with the key: %v %v, want IdemInFlight", state, err)
	}

	// The same for an answer kept without a marker first (IdemPut): its
	// resend finds its own answer, not a replay of another request's.
	answer := gateway.IdemAnswer{Status: 200, Body: []byte(`{"ok":true}`)}
	proxy.armed.Store(true)
	state, _, err = store.IdemPut(ctx, m.ID, "key-2", "fp2", answer, time.Minute)
	if proxy.armed.Load() {
		t.Fatal("no reply was held: the put did not meet a late reply")
	}
	if err != nil || state != gateway.IdemNew {
		t.Fatalf("a put whose reply came late: %v %v, want IdemNew (its own answer)", state, err)
	}
	if state, got, err := store.IdemPut(ctx, m.ID, "key-2", "fp2", answer, time.Minute); err != nil || state != gateway.IdemDone || string(got.Body) != string(answer.Body) {
		t.Fatalf("a second request with the key: %v %v %v, want IdemDone with the kept answer", state, got, err)
	}
}

// A fault rule's take whose reply comes late is sent again by the client:
// it must count as the one application it made, not take a second (or,
// for a rule it used up, be refused and leave its call without the fault).
func TestTakeFaultRule_LateReplyTakenOnce(t *testing.T) {
	ctx := context.Background()
	_, store, proxy, _, now := lateReplySetup(t)
	rule := func(id string, remaining *int64) {
		t.Helper()
		r := &gateway.FaultRule{ID: id, Object: "fault_rule", Remaining: remaining, CreatedAt: now}
		if err := store.CreateFaultRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A first take loads the script: the late reply must be the one of a
	// take that ran, not a NOSCRIPT.
	rule("fr_warm", nil)
	if ok, err := store.TakeFaultRule(ctx, "fr_warm"); err != nil || !ok {
		t.Fatalf("take: %v %v", ok, err)
	}
	takeKeys := func() int {
		t.Helper()
		keys, err := store.Client().Keys(ctx, "ps:{faults}:take:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	if n := takeKeys(); n != 0 {
		t.Fatalf("a take of a rule without a limit wrote %d token keys, want none", n)
	}
	rule("fr_once", ptr(int64(1)))
	proxy.armed.Store(true)
	ok, err := store.TakeFaultRule(ctx, "fr_once")
	if proxy.armed.Load() {
		t.Fatal("no reply was held: the take did not meet a late reply")
	}
	if err != nil || !ok {
		t.Fatalf("the take of a rule for one call, its reply late: %v %v, want taken", ok, err)
	}
	if ok, err := store.TakeFaultRule(ctx, "fr_once"); err != nil || ok {
		t.Fatalf("a second call took the used-up rule: %v %v", ok, err)
	}
	rules, _, err := store.FaultRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rules {
		if r.ID == "fr_once" {
			found = true
			if r.Hits != 1 {
				t.Fatalf("the rule counts %d hits for one application", r.Hits)
			}
		}
	}
	if !found {
		t.Fatal("the used-up rule is not listed")
	}
}

// A merchant's put whose reply comes late is sent again by the client: it
// finds exactly what it wrote and reports it stored, not a conflict (which
// would make a create of a merchant fail although it was stored).
func TestPutMerchant_LateReplyStoredOnce(t *testing.T) {
	ctx := context.Background()
	_, store, proxy, m, _ := lateReplySetup(t)
	cur, err := store.Merchant(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := *cur
	next.NotifyURL = "http://127.0.0.1:9/other"
	proxy.armed.Store(true)
	err = store.PutMerchant(ctx, &next, cur.Version)
	if proxy.armed.Load() {
		t.Fatal("no reply was held: the put did not meet a late reply")
	}
	if err != nil {
		t.Fatalf("a put whose reply came late: %v, want stored", err)
	}
	got, err := store.Merchant(ctx, m.ID)
	if err != nil || got.Version != cur.Version+1 || got.NotifyURL != next.NotifyURL {
		t.Fatalf("stored %+v, %v; want version %d with the new URL", got, err, cur.Version+1)
	}
}

// lateReplySetup returns a service whose Redis connection goes through a
// proxy that can hold one reply past the client's read timeout, and a
// merchant of it.
func lateReplySetup(t *testing.T) (*gateway.Service, *redisstore.Store, *slowProxy, *gateway.Merchant, time.Time) {
	t.Helper()
	opt, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newSlowProxy(t, opt.Addr, 400*time.Millisecond)
	opt.Addr = proxy.Addr()
	opt.ReadTimeout = 150 * time.Millisecond
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	store := redisstore.New(rdb)
	sch, _ := gateway.ParseSchedule("0s,10s,1m")
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test", Schedule: sch, Now: func() time.Time { return now }})
	m, err := svc.CreateMerchant(context.Background(), "shop", "http://127.0.0.1:9/hook")
	if err != nil {
		t.Fatal(err)
	}
	return svc, store, proxy, m, now
}
