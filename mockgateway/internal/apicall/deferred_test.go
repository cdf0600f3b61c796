package apicall_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
)

// countingStore is the real store, counting the keys marked in flight and
// the answers kept after a call.
type countingStore struct {
	*redisstore.Store
	begins, puts atomic.Int64
}

func (s *countingStore) IdemPut(ctx context.Context, mid, key, fp string, a gateway.IdemAnswer, ttl time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error) {
	s.puts.Add(1)
	return s.Store.IdemPut(ctx, mid, key, fp, a, ttl)
}

func (s *countingStore) IdemBegin(ctx context.Context, mid, key, fp string, inFlight time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error) {
	s.begins.Add(1)
	return s.Store.IdemBegin(ctx, mid, key, fp, inFlight)
}

type createEnv struct {
	url   string
	rdb   *redis.Client
	store *countingStore
	svc   *gateway.Service
	m     *gateway.Merchant
}

// newCreateEnv serves POST /create as a create whose key its commit keeps
// (Idempotency.InCommit): the body {"otn": …} names the payment, "bad"
// makes the handler refuse its input.
func newCreateEnv(t *testing.T) *createEnv {
	t.Helper()
	rdb, real, svc, m := seeded(t)
	store := &countingStore{Store: real}
	p := apicall.New(apicall.Options{
		Dialect: testDialect{}, Store: store, Scenarios: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Idempotency: testIdempotency(func(*gin.Context) string { return gateway.OpCreatePayment }),
	})
	r := gin.New()
	r.POST("/create", func(c *gin.Context) { apicall.SetMerchant(c, m); c.Next() }, p.Handler(), func(c *gin.Context) {
		var req struct {
			OTN string `json:"otn"`
			Bad bool   `json:"bad"`
		}
		_ = json.Unmarshal(apicall.Body(c), &req)
		if req.Bad {
			apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "bad", "bad input"))
			return
		}
		cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpCreatePayment, Method: "card", Amount: 100, OutTradeNo: req.OTN, Creates: "payment"})
		if !ok {
			return
		}
		in := gateway.CreatePaymentInput{OutTradeNo: req.OTN, Amount: 100, Method: "card", Subject: "Tea", Scenario: cl.Scenario.Stored()}
		in.Idem = cl.IdemCommit(func(p *gateway.Payment) (int, []byte, error) {
			return http.StatusCreated, []byte(`{"id":"` + p.ID + `"}`), nil
		})
		pay, created, err := svc.CreatePayment(c.Request.Context(), m, in)
		switch {
		case err != nil:
			cl.Error(err)
		case in.Idem != nil && in.Idem.Done:
			cl.Reply(apicall.Answer{Status: in.Idem.Status, Body: in.Idem.Body})
		case !created:
			cl.Reply(apicall.Answer{Status: http.StatusOK, Body: []byte(`{"id":"` + pay.ID + `"}`)})
		default:
			cl.Reply(apicall.Answer{Status: http.StatusCreated, Body: []byte(`{"id":"` + pay.ID + `"}`)})
		}
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &createEnv{url: srv.URL, rdb: rdb, store: store, svc: svc, m: m}
}

func (e *createEnv) post(t *testing.T, body, key, scenario string) answer {
	t.Helper()
	return postTo(t, e.url+"/create", body, key, scenario)
}

func (e *createEnv) payments(t *testing.T) int {
	t.Helper()
	l, _, err := e.svc.ListPayments(context.Background(), e.m, gateway.PaymentFilter{}, gateway.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(l)
}

// owners counts the payment id → merchant entries: one per payment, none
// left behind by a create that created nothing.
func (e *createEnv) owners(t *testing.T) int {
	t.Helper()
	keys, err := e.rdb.Keys(context.Background(), redisstore.Prefix+"owner:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

// A create that nothing can inject a fault into leaves its key to its
// commit: no in-flight marker first, and every answer DESIGN §3 promises.
func TestPipeline_KeyKeptByTheCommit(t *testing.T) {
	e := newCreateEnv(t)
	first := e.post(t, `{"otn":"A"}`, "k1", "")
	if first.status != http.StatusCreated || first.replayed {
		t.Fatalf("first: %+v", first)
	}
	if n := e.store.begins.Load(); n != 0 {
		t.Fatalf("%d keys marked in flight, want none: the commit checks the key", n)
	}

	t.Run("Replay", func(t *testing.T) {
		r := e.post(t, `{"otn":"A"}`, "k1", "")
		if r.status != http.StatusCreated || !r.replayed || r.body != first.body {
			t.Fatalf("replay: %+v, want %+v replayed", r, first)
		}
	})
	t.Run("OtherBody", func(t *testing.T) {
		r := e.post(t, `{"otn":"B"}`, "k1", "")
		if r.body != `{"code":"idempotency_key_reused"}` {
			t.Fatalf("other body: %+v", r)
		}
		if _, err := e.svc.PaymentByOutTradeNo(context.Background(), e.m, "B"); gateway.ErrorCode(err) != gateway.ResourceMissing {
			t.Fatalf("payment B: %v, want none created", err)
		}
	})
	t.Run("InFlight", func(t *testing.T) {
		if st, _, err := e.store.Store.IdemBegin(context.Background(), e.m.ID, "k2", "/create"+`{"otn":"C"}`, time.Minute); err != nil || st != gateway.IdemNew {
			t.Fatal(st, err)
		}
		r := e.post(t, `{"otn":"C"}`, "k2", "")
		if r.status != http.StatusConflict || r.body != `{"code":"idempotency_key_in_use"}` {
			t.Fatalf("in flight: %+v", r)
		}
		if _, err := e.svc.PaymentByOutTradeNo(context.Background(), e.m, "C"); gateway.ErrorCode(err) != gateway.ResourceMissing {
			t.Fatalf("payment C: %v, want none created", err)
		}
	})
	t.Run("RefusedOnAUsedKey", func(t *testing.T) {
		// As if the key had been looked up first: reused, not a 400.
		if r := e.post(t, `{"bad":true}`, "k1", ""); r.body != `{"code":"idempotency_key_reused"}` {
			t.Fatalf("refused input on a used key: %+v", r)
		}
		if r := e.post(t, `{"bad":true}`, "k3", ""); r.body != `{"code":"parameter_invalid"}` {
			t.Fatalf("refused input on a free key: %+v", r)
		}
		// Nothing was kept: the key is still free.
		if r := e.post(t, `{"otn":"D"}`, "k3", ""); r.status != http.StatusCreated || r.replayed {
			t.Fatalf("after a refusal: %+v", r)
		}
	})
	t.Run("ExistingOutTradeNoKept", func(t *testing.T) {
		// The answer that is not the commit's (the payment existed) is kept
		// under the key afterwards.
		r := e.post(t, `{"otn":"A"}`, "k4", "")
		if r.status != http.StatusOK || r.body != first.body {
			t.Fatalf("existing out_trade_no: %+v", r)
		}
		if r := e.post(t, `{"otn":"A"}`, "k4", ""); r.status != http.StatusOK || !r.replayed {
			t.Fatalf("its replay: %+v", r)
		}
	})
	if n := e.store.begins.Load(); n != 0 {
		t.Fatalf("%d keys marked in flight, want none", n)
	}
	if p, o := e.payments(t), e.owners(t); o != p {
		t.Fatalf("%d owner entries for %d payments: a create that created nothing left one", o, p)
	}
}

// Rules that cannot match a create of this merchant and protocol, or that
// are used up, do not make the key be looked up first.
func TestPipeline_KeyKeptByTheCommit_OtherRules(t *testing.T) {
	e := newCreateEnv(t)
	ctx := context.Background()
	one := int64(1)
	other, err := e.svc.CreateMerchant(ctx, "Other", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []gateway.FaultMatch{{MerchantID: other.ID}, {Protocol: "native"}, {Operation: gateway.OpCreateRefund}} {
		if _, err := e.svc.CreateFaultRule(ctx, m, "api_error=503", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CreateFaultRule(ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment}, "api_error=502", &one); err != nil {
		t.Fatal(err)
	}
	if r := e.post(t, `{"otn":"A"}`, "k1", ""); r.status != http.StatusBadGateway {
		t.Fatalf("the matching rule: %+v", r)
	}
	begins := e.store.begins.Load()
	if r := e.post(t, `{"otn":"A"}`, "k2", ""); r.status != http.StatusCreated {
		t.Fatalf("after the rule was used up: %+v", r)
	}
	if e.store.begins.Load() != begins {
		t.Fatal("a key was looked up first though no rule could match")
	}
}

// When a fault rule could match, or the Mock-Scenario injects an API
// fault, the key is looked up before anything runs, so a replay neither
// uses the rule nor meets the fault.
func TestPipeline_KeyFirstWhenFaultsMayApply(t *testing.T) {
	e := newCreateEnv(t)
	ctx := context.Background()
	first := e.post(t, `{"otn":"A"}`, "k1", "")
	if first.status != http.StatusCreated {
		t.Fatalf("first: %+v", first)
	}
	one := int64(1)
	rule, err := e.svc.CreateFaultRule(ctx, gateway.FaultMatch{Operation: gateway.OpCreatePayment}, "api_error=503", &one)
	if err != nil {
		t.Fatal(err)
	}
	r := e.post(t, `{"otn":"A"}`, "k1", "")
	if r.status != http.StatusCreated || !r.replayed || r.body != first.body {
		t.Fatalf("replay with a rule: %+v", r)
	}
	if e.store.begins.Load() != 1 {
		t.Fatalf("%d keys marked in flight, want the replay's", e.store.begins.Load())
	}
	rules, err := e.svc.FaultRules(ctx)
	if err != nil || len(rules) != 1 || *rules[0].Remaining != 1 {
		t.Fatalf("rule after a replay: %v %v, want it unused", rules, err)
	}
	// A new call uses it.
	if r := e.post(t, `{"otn":"B"}`, "k2", ""); r.status != http.StatusServiceUnavailable {
		t.Fatalf("new call with the rule: %+v", r)
	}
	if err := e.svc.DeleteFaultRule(ctx, rule.ID); err != nil && gateway.ErrorCode(err) != gateway.ResourceMissing {
		t.Fatal(err)
	}
	before := e.store.begins.Load()
	if r := e.post(t, `{"otn":"A"}`, "k1", "api_latency=1ms"); !r.replayed {
		t.Fatalf("replay with an API fault in its header: %+v", r)
	}
	if e.store.begins.Load() != before+1 {
		t.Fatal("a call with an API fault in its header did not look its key up first")
	}
}

// Concurrent creates with one key create one payment; the others replay
// its answer (the commit settles the race, so none is in flight).
func TestPipeline_KeyKeptByTheCommit_Concurrent(t *testing.T) {
	e := newCreateEnv(t)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		created  int
		replayed int
		bodies   = map[string]bool{}
	)
	for range 30 {
		wg.Go(func() {
			r := e.post(t, `{"otn":"R"}`, "race", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.status == http.StatusCreated && r.replayed:
				replayed++
			case r.status == http.StatusCreated:
				created++
			default:
				t.Errorf("answer %+v", r)
			}
			bodies[r.body] = true
		})
	}
	wg.Wait()
	if created != 1 || replayed != 29 || len(bodies) != 1 {
		t.Fatalf("created %d, replayed %d, %d distinct bodies; want 1, 29, 1", created, replayed, len(bodies))
	}
	if n := e.payments(t); n != 1 {
		t.Fatalf("%d payments, want 1", n)
	}
	if n := e.store.puts.Load(); n != 0 {
		t.Fatalf("%d answers kept after their call, want none: the commit settles the race", n)
	}
}
