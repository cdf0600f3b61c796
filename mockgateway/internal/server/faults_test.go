package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

func paymentBody(otn string) map[string]any {
	return map[string]any{"out_trade_no": otn, "amount": 1999, "method": "card", "subject": "Tea"}
}

// countPayments counts the demo merchant's payments.
func (e *testEnv) countPayments() int {
	e.t.Helper()
	var l gatewayapi.List[gatewayapi.Payment]
	e.api("GET", "/v1/payments?limit=100", nil).Decode(e.t, &l)
	return len(l.Data)
}

func TestScenario_APIError(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, status := range []int{500, 502, 503, 504, 429} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			key := fmt.Sprint("err-", status)
			r := e.api("POST", "/v1/payments", paymentBody(key), "Mock-Scenario", fmt.Sprint("api_error=", status), "Idempotency-Key", key)
			want(t, r, status, "injected_fault")
			wantType := "api_error"
			if status == 429 {
				wantType = "rate_limit_error"
			}
			if r.Err().Type != wantType || r.Header.Get("Mock-Scenario-Applied") != fmt.Sprint("api_error=", status) {
				t.Errorf("type %q, applied %q", r.Err().Type, r.Header.Get("Mock-Scenario-Applied"))
			}
			if (status == 429 || status == 503) && r.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After on", status)
			}
			want(t, e.api("GET", "/v1/payments?out_trade_no="+key, nil), http.StatusNotFound, "resource_missing")
			// Nothing was stored under the key: a retry runs afresh.
			r = e.api("POST", "/v1/payments", paymentBody(key), "Idempotency-Key", key)
			want(t, r, http.StatusCreated, "")
			if r.Header.Get("Idempotent-Replayed") != "" {
				t.Error("the injected error was stored under the key")
			}
		})
	}
	t.Run("OnReads", func(t *testing.T) {
		p := e.createPayment(nil)
		want(t, e.api("GET", "/v1/payments/"+p.ID, nil, "Mock-Scenario", "api_error=502"), http.StatusBadGateway, "injected_fault")
	})
}

func TestScenario_APIErrorAfterCommit(t *testing.T) {
	e := newTestEnv(t, nil)
	r := e.api("POST", "/v1/payments", paymentBody("AC-1"), "Mock-Scenario", "api_error_after_commit=500", "Idempotency-Key", "ac-1")
	want(t, r, http.StatusInternalServerError, "injected_fault")
	r = e.api("GET", "/v1/payments?out_trade_no=AC-1", nil)
	want(t, r, http.StatusOK, "")
	var created gatewayapi.Payment
	r.Decode(t, &created)
	// The retry with the same key gets the real result, even when it carries
	// the scenario again.
	r = e.api("POST", "/v1/payments", paymentBody("AC-1"), "Mock-Scenario", "api_error_after_commit=500", "Idempotency-Key", "ac-1")
	want(t, r, http.StatusCreated, "")
	var replayed gatewayapi.Payment
	r.Decode(t, &replayed)
	if r.Header.Get("Idempotent-Replayed") != "true" || replayed.ID != created.ID {
		t.Fatalf("retry = %q %s, want the stored %s", r.Header.Get("Idempotent-Replayed"), replayed.ID, created.ID)
	}
}

func TestScenario_APIMalformed(t *testing.T) {
	e := newTestEnv(t, nil)
	r := e.api("POST", "/v1/payments", paymentBody("MAL-1"), "Mock-Scenario", "api_malformed", "Idempotency-Key", "mal-1")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	var p gatewayapi.Payment
	if err := jsonUnmarshal(r.Body, &p); err == nil || len(r.Body) == 0 {
		t.Fatalf("body is valid JSON or empty: %s", r.Body)
	}
	want(t, e.api("GET", "/v1/payments?out_trade_no=MAL-1", nil), http.StatusOK, "")
	r = e.api("POST", "/v1/payments", paymentBody("MAL-1"), "Idempotency-Key", "mal-1")
	want(t, r, http.StatusCreated, "")
	r.Decode(t, &p)
	if p.OutTradeNo != "MAL-1" {
		t.Errorf("replay = %s", r.Body)
	}
}

func TestScenario_APILatency(t *testing.T) {
	e := newTestEnv(t, func(c *server.Config) { c.TimeScale = 0.1 })
	start := time.Now()
	r := e.api("POST", "/v1/payments", paymentBody("LAT-1"), "Mock-Scenario", "api_latency=3s")
	want(t, r, http.StatusCreated, "")
	// A lower bound only: the call waited 3s × TIME_SCALE 0.1.
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("answered after %v, want at least 300ms", took)
	}
}

// rawPost sends a request and returns the transport error, if any.
func (e *testEnv) rawPost(path string, body any, headers ...string) (*http.Response, error) {
	raw, _ := jsonMarshal(body)
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(string(raw)))
	req.Header.Set("Authorization", "Bearer "+e.Demo.APIKey)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

func TestScenario_APITimeout(t *testing.T) {
	e := newTestEnv(t, nil) // FAULT_HOLD is 2s in tests
	start := time.Now()
	res, err := e.rawPost("/v1/payments", paymentBody("TO-1"), "Mock-Scenario", "api_timeout", "Idempotency-Key", "to-1")
	if err == nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("got an answer %d %s, want none", res.StatusCode, body)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("connection closed after %v, want the 2s FAULT_HOLD", took)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("err = %v, want the connection closed without an answer", err)
	}
	want(t, e.api("GET", "/v1/payments?out_trade_no=TO-1", nil), http.StatusNotFound, "resource_missing")
	want(t, e.api("POST", "/v1/payments", paymentBody("TO-1"), "Idempotency-Key", "to-1"), http.StatusCreated, "")
}

func TestScenario_APIReset(t *testing.T) {
	e := newTestEnv(t, nil)
	res, err := e.rawPost("/v1/payments", paymentBody("RST-1"), "Mock-Scenario", "api_reset", "Idempotency-Key", "rst-1")
	if err == nil {
		res.Body.Close()
		t.Fatalf("got an answer %d", res.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want connection reset by peer", err)
	}
	want(t, e.api("GET", "/v1/payments?out_trade_no=RST-1", nil), http.StatusNotFound, "resource_missing")
	want(t, e.api("POST", "/v1/payments", paymentBody("RST-1"), "Idempotency-Key", "rst-1"), http.StatusCreated, "")
}

func TestScenario_Invalid(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(nil)
	tests := []struct {
		method, path, scenario string
		body                   any
	}{
		{"POST", "/v1/payments", "nope", paymentBody("INV-1")},
		{"POST", "/v1/payments", "api_error=418", paymentBody("INV-1")},
		{"POST", "/v1/payments", "api_error,api_reset", paymentBody("INV-1")},
		{"POST", "/v1/payments", "auto_succeed,auto_fail", paymentBody("INV-1")},
		{"POST", "/v1/payments", "refund_fail", paymentBody("INV-1")},
		{"GET", "/v1/payments/" + p.ID, "notify_drop", nil},
		{"POST", "/v1/payments/" + p.ID + "/close", "auto_succeed=1s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := e.api(tt.method, tt.path, tt.body, "Mock-Scenario", tt.scenario)
			want(t, r, http.StatusBadRequest, "scenario_invalid")
			if r.Err().Param != "Mock-Scenario" {
				t.Errorf("param = %q", r.Err().Param)
			}
		})
	}
	if r := e.api("POST", "/v1/payments", paymentBody("INV-2"), "Mock-Scenario", "bogus"); !strings.Contains(r.Err().Message, "api_error_after_commit") {
		t.Errorf("message does not list the known names: %q", r.Err().Message)
	}
	if n := e.countPayments(); n != 1 {
		t.Errorf("%d payments, want only the first", n)
	}
	if e.getPayment(p.ID).Status != "pending" {
		t.Error("a refused scenario closed the payment")
	}
}

// createRule creates a fault rule through the admin API.
func (e *testEnv) createRule(body map[string]any) gateway.FaultRule {
	e.t.Helper()
	r := e.do("POST", "/admin/api/faults", e.Admin, body)
	want(e.t, r, http.StatusCreated, "")
	var rule gateway.FaultRule
	r.Decode(e.t, &rule)
	return rule
}

func (e *testEnv) rules() []gateway.FaultRule {
	e.t.Helper()
	var l gatewayapi.List[gateway.FaultRule]
	r := e.do("GET", "/admin/api/faults", e.Admin, nil)
	want(e.t, r, http.StatusOK, "")
	r.Decode(e.t, &l)
	return l.Data
}

func TestFaultRules(t *testing.T) {
	e := newTestEnv(t, nil)
	rule := e.createRule(map[string]any{"match": map[string]any{"operation": "create_payment", "method": "alipay", "out_trade_no_prefix": "QA-"}, "scenario": "api_error=503", "remaining": 2})
	if !strings.HasPrefix(rule.ID, "fr_") || rule.Remaining == nil || *rule.Remaining != 2 || rule.Hits != 0 {
		t.Fatalf("rule = %+v", rule)
	}
	alipay := func(otn string) map[string]any {
		b := paymentBody(otn)
		b["method"] = "alipay"
		return b
	}
	want(t, e.api("POST", "/v1/payments", paymentBody("QA-card")), http.StatusCreated, "") // other method
	want(t, e.api("POST", "/v1/payments", alipay("PROD-1")), http.StatusCreated, "")       // other prefix
	want(t, e.api("POST", "/v1/payments", alipay("QA-1")), http.StatusServiceUnavailable, "injected_fault")
	want(t, e.api("POST", "/v1/payments", alipay("QA-1")), http.StatusServiceUnavailable, "injected_fault")
	want(t, e.api("POST", "/v1/payments", alipay("QA-1")), http.StatusCreated, "") // used up
	rs := e.rules()
	if len(rs) != 1 || rs[0].Hits != 2 || *rs[0].Remaining != 0 {
		t.Fatalf("after use: %+v", rs)
	}

	t.Run("ObjectLevelStoredOnCreatedPayment", func(t *testing.T) {
		e.createRule(map[string]any{"match": map[string]any{"operation": "create_payment", "amount": 4242}, "scenario": "notify_drop=2,auto_fail=expired_card"})
		p := e.createPayment(map[string]any{"amount": 4242}, "Mock-Scenario", "notify_drop=1")
		if p.Scenario == nil || *p.Scenario != "notify_drop=1,auto_fail=expired_card" {
			t.Fatalf("scenario = %v, want the header's notify_drop=1 plus the rule's auto_fail", p.Scenario)
		}
		// The rule's object-level names are left out on calls that create
		// nothing, instead of being refused.
		e.createRule(map[string]any{"match": map[string]any{"amount": 4242}, "scenario": "notify_delay=1s"})
		want(t, e.api("GET", "/v1/payments/"+p.ID, nil), http.StatusOK, "")
	})
	t.Run("OldestApplies", func(t *testing.T) {
		e.createRule(map[string]any{"match": map[string]any{"operation": "get_refund"}, "scenario": "api_error=502"})
		e.createRule(map[string]any{"match": map[string]any{"operation": "get_refund"}, "scenario": "api_error=504"})
		want(t, e.api("GET", "/v1/refunds/re_x", nil), http.StatusNotFound, "resource_missing") // unknown id: no object to match
		p := e.paidPayment(100)
		var re gatewayapi.Refund
		e.api("POST", "/v1/refunds", map[string]any{"payment_id": p.ID, "out_refund_no": "OLD-1"}).Decode(t, &re)
		want(t, e.api("GET", "/v1/refunds/"+re.ID, nil), http.StatusBadGateway, "injected_fault")
	})
	t.Run("OtherMerchant", func(t *testing.T) {
		m, _ := e.Svc.CreateMerchant(context.Background(), "Other", "")
		e.createRule(map[string]any{"match": map[string]any{"merchant_id": m.ID}, "scenario": "api_error=500"})
		want(t, e.do("GET", "/v1/merchant", m.APIKey, nil), http.StatusInternalServerError, "injected_fault")
		want(t, e.api("GET", "/v1/merchant", nil), http.StatusOK, "")
	})
	t.Run("Delete", func(t *testing.T) {
		r := e.do("DELETE", "/admin/api/faults/"+rule.ID, e.Admin, nil)
		want(t, r, http.StatusOK, "")
		want(t, e.do("DELETE", "/admin/api/faults/"+rule.ID, e.Admin, nil), http.StatusNotFound, "resource_missing")
		for _, r := range e.rules() {
			if r.ID == rule.ID {
				t.Error("deleted rule still listed")
			}
		}
	})
	t.Run("Validation", func(t *testing.T) {
		bad := []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"scenario": "bogus"}, "scenario_invalid"},
			{map[string]any{}, "parameter_missing"},
			{map[string]any{"match": map[string]any{"operation": "pay"}, "scenario": "api_error"}, "parameter_invalid"},
			{map[string]any{"match": map[string]any{"operation": "notify"}, "scenario": "api_error=503"}, "scenario_invalid"},
			{map[string]any{"match": map[string]any{"merchant_id": "m_none"}, "scenario": "api_error"}, "parameter_invalid"},
			{map[string]any{"scenario": "api_error", "remaining": 0}, "parameter_invalid"},
			{map[string]any{"scenario": "api_error", "extra": 1}, "parameter_unknown"},
		}
		for _, b := range bad {
			want(t, e.do("POST", "/admin/api/faults", e.Admin, b.body), http.StatusBadRequest, b.code)
		}
		want(t, e.do("GET", "/admin/api/faults", "", nil), http.StatusUnauthorized, "invalid_api_key")
	})
}

// A one-shot rule applies once however many calls race for it, also across
// two gateway processes on one Redis.
func TestFaultRules_RemainingIsAtomic(t *testing.T) {
	e := newTestEnv(t, nil)
	other := newSecondServer(t, e)
	e.createRule(map[string]any{"match": map[string]any{"operation": "create_payment"}, "scenario": "api_error=503", "remaining": 5})
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		injected int
	)
	for i := range 40 {
		wg.Go(func() {
			target := e
			if i%2 == 1 {
				target = other
			}
			r := target.api("POST", "/v1/payments", paymentBody(fmt.Sprint("AT-", i)))
			mu.Lock()
			defer mu.Unlock()
			if r.Status == http.StatusServiceUnavailable {
				injected++
			} else if r.Status != http.StatusCreated {
				t.Errorf("unexpected %d %s", r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	if injected != 5 {
		t.Fatalf("the rule with remaining 5 was applied %d times", injected)
	}
	if rs := e.rules(); rs[0].Hits != 5 || *rs[0].Remaining != 0 {
		t.Fatalf("rule after the race: hits %d remaining %d", rs[0].Hits, *rs[0].Remaining)
	}
	if n := e.countPayments(); n != 35 {
		t.Fatalf("%d payments, want 35", n)
	}
}
