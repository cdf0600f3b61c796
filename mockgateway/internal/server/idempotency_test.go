package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestIdempotencyKey(t *testing.T) {
	e := newTestEnv(t, nil)
	body := map[string]any{"out_trade_no": "IDEM-1", "amount": 100, "method": "card", "subject": "Tea"}

	first := e.api("POST", "/v1/payments", body, "Idempotency-Key", "key-1")
	want(t, first, http.StatusCreated, "")
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Error("first answer marked as replayed")
	}

	t.Run("Replay", func(t *testing.T) {
		// The same parameters written differently are the same request.
		r := e.api("POST", "/v1/payments", `{"subject":"Tea", "method":"card","amount":100,"out_trade_no":"IDEM-1"}`, "Idempotency-Key", "key-1")
		want(t, r, http.StatusCreated, "")
		if r.Header.Get("Idempotent-Replayed") != "true" || string(r.Body) != string(first.Body) {
			t.Fatalf("replay = %d %q %s", r.Status, r.Header.Get("Idempotent-Replayed"), r.Body)
		}
	})
	t.Run("OtherBody", func(t *testing.T) {
		other := map[string]any{"out_trade_no": "IDEM-2", "amount": 100, "method": "card", "subject": "Tea"}
		want(t, e.api("POST", "/v1/payments", other, "Idempotency-Key", "key-1"), http.StatusUnprocessableEntity, "idempotency_key_reused")
		want(t, e.api("GET", "/v1/payments?out_trade_no=IDEM-2", nil), http.StatusNotFound, "resource_missing")
	})
	t.Run("OtherPath", func(t *testing.T) {
		want(t, e.api("POST", "/v1/refunds", body, "Idempotency-Key", "key-1"), http.StatusUnprocessableEntity, "idempotency_key_reused")
	})
	t.Run("PerMerchant", func(t *testing.T) {
		m, err := e.Svc.CreateMerchant(context.Background(), "Other", "")
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/v1/payments", m.APIKey, body, "Idempotency-Key", "key-1")
		want(t, r, http.StatusCreated, "")
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Error("another merchant got this merchant's stored answer")
		}
	})
	t.Run("InFlight", func(t *testing.T) {
		b := map[string]any{"out_trade_no": "IDEM-3", "amount": 100, "method": "card", "subject": "Tea"}
		fp := native.Fingerprint("POST", "/v1/payments", mustJSON(t, b))
		state, _, err := e.Store.IdemBegin(context.Background(), "m_demo", "key-3", fp, time.Minute)
		if err != nil || state != gateway.IdemNew {
			t.Fatalf("IdemBegin = %v, %v", state, err)
		}
		want(t, e.api("POST", "/v1/payments", b, "Idempotency-Key", "key-3"), http.StatusConflict, "idempotency_key_in_use")
		want(t, e.api("GET", "/v1/payments?out_trade_no=IDEM-3", nil), http.StatusNotFound, "resource_missing")
	})
	t.Run("ValidationErrorNotStored", func(t *testing.T) {
		bad := map[string]any{"out_trade_no": "IDEM-4", "amount": 0, "method": "card", "subject": "Tea"}
		want(t, e.api("POST", "/v1/payments", bad, "Idempotency-Key", "key-4"), http.StatusBadRequest, "parameter_invalid")
		good := map[string]any{"out_trade_no": "IDEM-4", "amount": 1, "method": "card", "subject": "Tea"}
		r := e.api("POST", "/v1/payments", good, "Idempotency-Key", "key-4")
		want(t, r, http.StatusCreated, "")
	})
	t.Run("BusinessErrorStored", func(t *testing.T) {
		want(t, e.api("POST", "/v1/payments/pay_missing/close", nil, "Idempotency-Key", "key-5"), http.StatusNotFound, "resource_missing")
		r := e.api("POST", "/v1/payments/pay_missing/close", nil, "Idempotency-Key", "key-5")
		want(t, r, http.StatusNotFound, "resource_missing")
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("a 404 from the business logic was not stored")
		}
	})
	t.Run("BadKey", func(t *testing.T) {
		for _, k := range []string{strings.Repeat("k", 256), "has space", "tab\tkey", "ключ"} {
			r := e.api("POST", "/v1/payments", body, "Idempotency-Key", k)
			want(t, r, http.StatusBadRequest, "parameter_invalid")
			if r.Err().Param != "Idempotency-Key" {
				t.Errorf("param = %q", r.Err().Param)
			}
		}
	})
	t.Run("KeptFor24Hours", func(t *testing.T) {
		ttl := e.Redis.PTTL(context.Background(), "ps:{m_demo}:idem:key-1").Val()
		if ttl < 23*time.Hour || ttl > 24*time.Hour {
			t.Errorf("TTL = %v, want 24h", ttl)
		}
	})
}

// Fifty concurrent requests with one key create one payment; every answer
// is the stored one or 409 in use.
func TestIdempotencyKey_Concurrent(t *testing.T) {
	e := newTestEnv(t, nil)
	const n = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
		ids     = map[string]bool{}
	)
	for range n {
		wg.Go(func() {
			// Without the key, all but one would answer 200 (the existing
			// payment): only a replay (201 + Idempotent-Replayed) or 409 in
			// use is accepted here.
			r := e.api("POST", "/v1/payments", map[string]any{"out_trade_no": "C-1", "amount": 100, "method": "card", "subject": "Tea"}, "Idempotency-Key", "one-key")
			mu.Lock()
			defer mu.Unlock()
			answers[r.Header.Get("Idempotent-Replayed")+":"+http.StatusText(r.Status)]++
			if r.Status == http.StatusCreated {
				var p gatewayapi.Payment
				_ = jsonUnmarshal(r.Body, &p)
				ids[p.ID] = true
			} else if r.Status != http.StatusConflict || r.Err().Code != "idempotency_key_in_use" {
				t.Errorf("unexpected answer %d %s", r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	if answers[":Created"] != 1 || len(ids) != 1 {
		t.Fatalf("answers = %v, ids = %v; want exactly one original 201 and one payment", answers, ids)
	}
	t.Logf("answers: %v", answers)
	var l gatewayapi.List[gatewayapi.Payment]
	e.api("GET", "/v1/payments", nil).Decode(t, &l)
	if len(l.Data) != 1 {
		t.Fatalf("%d payments, want 1", len(l.Data))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A keyed native create makes Redis run no more scripts than one without a
// key: its commit checks and keeps the key (apicall.Idempotency.InCommit),
// no in-flight marker goes first.
func TestIdempotencyKey_KeptByTheCommit(t *testing.T) {
	e := newTestEnv(t, nil)
	scripts := func() int { return redistest.Calls(t, e.Redis, "evalsha") }
	want(t, e.api("POST", "/v1/payments", paymentBody("WARM-1")), http.StatusCreated, "")
	n0 := scripts()
	want(t, e.api("POST", "/v1/payments", paymentBody("PLAIN-1")), http.StatusCreated, "")
	n1 := scripts()
	want(t, e.api("POST", "/v1/payments", paymentBody("KEYED-1"), "Idempotency-Key", "kept-1"), http.StatusCreated, "")
	n2 := scripts()
	if n1 == n0 {
		t.Fatal("a create ran no Redis script: the count proves nothing")
	}
	if n2-n1 != n1-n0 {
		t.Fatalf("a keyed create ran %d scripts, one without a key %d: the key was not left to the commit", n2-n1, n1-n0)
	}
	r := e.api("POST", "/v1/payments", paymentBody("KEYED-1"), "Idempotency-Key", "kept-1")
	if r.Status != http.StatusCreated || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %q", r.Status, r.Header.Get("Idempotent-Replayed"))
	}
}
