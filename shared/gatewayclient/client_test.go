package gatewayclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// recorder is a fake gateway: it answers with the scripted handlers in turn
// and records every request it saw.
type recorder struct {
	mu    sync.Mutex
	seen  []*http.Request
	body  []string
	steps []http.HandlerFunc
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := len(r.seen)
	r.seen = append(r.seen, req.Clone(context.Background()))
	r.body = append(r.body, string(b))
	step := r.steps[min(n, len(r.steps)-1)]
	r.mu.Unlock()
	w.Header().Set(HeaderRequestID, "req_test")
	step(w, req)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func newTestClient(t *testing.T, steps ...http.HandlerFunc) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{steps: steps}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c := New(srv.URL, "sk_test_x", WithBackoff(time.Millisecond, 5*time.Millisecond),
		WithHTTPClient(&http.Client{Timeout: 2 * time.Second}))
	return c, rec
}

func jsonAnswer(status int, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func apiError(status int, typ, code string) http.HandlerFunc {
	return jsonAnswer(status, gatewayapi.ErrorBody{Error: gatewayapi.ErrorDetail{Type: typ, Code: code, Message: "msg " + code, Param: "amount"}})
}

// reset closes the connection without an answer, like api_reset.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

var okPayment = jsonAnswer(201, gatewayapi.Payment{ID: "pay_1", Object: "payment", OutTradeNo: "A-1", Amount: 1999, Currency: "CNY", Status: "pending"})

func TestClient_CreatePayment(t *testing.T) {
	c, rec := newTestClient(t, okPayment)
	p, err := c.CreatePayment(context.Background(), &CreatePaymentParams{OutTradeNo: "A-1", Amount: 1999, Method: "alipay", Subject: "s"},
		WithIdempotencyKey("key-1"), WithScenario("notify_drop"))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "pay_1" || p.Amount != 1999 {
		t.Errorf("payment = %+v", p)
	}
	req := rec.seen[0]
	if got, want := req.Method+" "+req.URL.Path, "POST /v1/payments"; got != want {
		t.Errorf("request = %q, want %q", got, want)
	}
	for h, want := range map[string]string{
		"Authorization":      "Bearer sk_test_x",
		HeaderIdempotencyKey: "key-1",
		HeaderScenario:       "notify_drop",
		"Content-Type":       "application/json",
	} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(rec.body[0]), &body); err != nil {
		t.Fatal(err)
	}
	if body["out_trade_no"] != "A-1" || body["amount"] != float64(1999) {
		t.Errorf("body = %v", body)
	}
	for _, absent := range []string{"currency", "expires_in", "notify_url"} {
		if _, ok := body[absent]; ok {
			t.Errorf("empty %s sent; want it left out so the gateway default applies", absent)
		}
	}
}

func TestClient_Retries(t *testing.T) {
	malformed := func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"id": "pay_1", "amo`)
	}
	tests := []struct {
		name  string
		steps []http.HandlerFunc
		calls int
	}{
		{"503 then success", []http.HandlerFunc{apiError(503, "api_error", "injected_fault"), okPayment}, 2},
		{"429 then success", []http.HandlerFunc{apiError(429, "rate_limit_error", "injected_fault"), okPayment}, 2},
		{"connection reset then success", []http.HandlerFunc{reset, reset, okPayment}, 3},
		{"malformed answer then replay", []http.HandlerFunc{malformed, okPayment}, 2},
		{"key in flight then success", []http.HandlerFunc{apiError(409, "idempotency_error", CodeIdempotencyKeyInUse), okPayment}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, tt.steps...)
			p, err := c.CreatePayment(context.Background(), &CreatePaymentParams{OutTradeNo: "A-1", Amount: 1999, Method: "card", Subject: "s"})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if p.ID != "pay_1" {
				t.Errorf("id = %q", p.ID)
			}
			if got := rec.count(); got != tt.calls {
				t.Errorf("calls = %d, want %d", got, tt.calls)
			}
			key := rec.seen[0].Header.Get(HeaderIdempotencyKey)
			if key == "" {
				t.Fatal("no Idempotency-Key generated")
			}
			for i, r := range rec.seen {
				if got := r.Header.Get(HeaderIdempotencyKey); got != key {
					t.Errorf("attempt %d key = %q, want the first attempt's %q", i+1, got, key)
				}
				if rec.body[i] != rec.body[0] {
					t.Errorf("attempt %d body differs", i+1)
				}
			}
		})
	}
}

func TestClient_Errors(t *testing.T) {
	t.Run("409 is final and typed", func(t *testing.T) {
		c, rec := newTestClient(t, apiError(409, "invalid_request_error", CodePaymentNotClosable))
		_, err := c.ClosePayment(context.Background(), "pay_1")
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %T %v, want *Error", err, err)
		}
		want := Error{Status: 409, Type: "invalid_request_error", Code: CodePaymentNotClosable, Message: "msg payment_not_closable", Param: "amount", RequestID: "req_test"}
		if *e != want {
			t.Errorf("error = %+v, want %+v", *e, want)
		}
		if rec.count() != 1 {
			t.Errorf("calls = %d, want 1 (no retry of a 409)", rec.count())
		}
		if IsTemporary(err) {
			t.Error("409 reported temporary")
		}
	})
	t.Run("404 helper", func(t *testing.T) {
		c, _ := newTestClient(t, apiError(404, "invalid_request_error", CodeResourceMissing))
		_, err := c.GetPaymentByOutTradeNo(context.Background(), "nope")
		if !IsNotFound(err) || ErrorCode(err) != CodeResourceMissing {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("gives up after max attempts", func(t *testing.T) {
		c, rec := newTestClient(t, apiError(500, "api_error", "internal_error"))
		_, err := c.GetPayment(context.Background(), "pay_1")
		var e *Error
		if !errors.As(err, &e) || e.Status != 500 {
			t.Fatalf("err = %v, want the last 500", err)
		}
		if got := rec.count(); got != 4 {
			t.Errorf("calls = %d, want 4", got)
		}
		if !IsTemporary(err) {
			t.Error("500 not reported temporary")
		}
	})
	t.Run("non-JSON error body", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "bad gateway from a proxy")
		})
		_, err := c.Merchant(context.Background(), WithoutRetries())
		var e *Error
		if !errors.As(err, &e) || e.Status != 502 || e.Message != "bad gateway from a proxy" {
			t.Errorf("err = %#v", err)
		}
	})
	t.Run("cancelled context stops retrying", func(t *testing.T) {
		c, rec := newTestClient(t, apiError(503, "api_error", "injected_fault"))
		c.minBackoff, c.maxBackoff = time.Hour, time.Hour
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.GetPayment(ctx, "pay_1")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
		if rec.count() != 1 {
			t.Errorf("calls = %d, want 1", rec.count())
		}
	})
}

func TestClient_PauseHonoursRetryAfter(t *testing.T) {
	c := New("http://x", "k", WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	last := &retryAfterError{err: &Error{Status: 503}, after: 2 * time.Second}
	if got := c.pause(1, last); got != 2*time.Second {
		t.Errorf("pause = %v, want the Retry-After of 2s", got)
	}
	for n := 1; n < 10; n++ {
		if got := c.pause(n, errors.New("net")); got > 100*time.Millisecond || got < 5*time.Millisecond {
			t.Errorf("pause(%d) = %v, want within [5ms, 100ms]", n, got)
		}
	}
}

func TestClient_PathsAndQueries(t *testing.T) {
	tests := []struct {
		name string
		call func(c *Client) error
		want string
	}{
		{"by out_trade_no", func(c *Client) error { _, err := c.GetPaymentByOutTradeNo(context.Background(), "PS 1&x"); return err }, "GET /v1/payments?out_trade_no=PS+1%26x"},
		{"refund by out_refund_no", func(c *Client) error { _, err := c.GetRefundByOutRefundNo(context.Background(), "R-1"); return err }, "GET /v1/refunds?out_refund_no=R-1"},
		{"succeed helper", func(c *Client) error { _, err := c.SucceedPayment(context.Background(), "pay_1"); return err }, "POST /v1/test_helpers/payments/pay_1/succeed"},
		{"fail helper", func(c *Client) error {
			_, err := c.FailPayment(context.Background(), "pay_1", "card_declined")
			return err
		}, "POST /v1/test_helpers/payments/pay_1/fail"},
		{"deliver due", func(c *Client) error { _, err := c.DeliverDue(context.Background()); return err }, "POST /v1/test_helpers/events/deliver_due"},
		{"refund", func(c *Client) error {
			_, err := c.CreateRefund(context.Background(), &CreateRefundParams{PaymentID: "pay_1", OutRefundNo: "R-1"})
			return err
		}, "POST /v1/refunds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, jsonAnswer(200, map[string]any{"id": "x", "scheduled": 3}))
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			got := rec.seen[0].Method + " " + rec.seen[0].URL.RequestURI()
			if got != tt.want {
				t.Errorf("request = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClient_DeliverDueCount(t *testing.T) {
	c, rec := newTestClient(t, jsonAnswer(200, map[string]int{"scheduled": 3}))
	n, err := c.DeliverDue(context.Background())
	if err != nil || n != 3 {
		t.Errorf("DeliverDue = %d, %v; want 3", n, err)
	}
	if rec.body[0] != "{}" {
		t.Errorf("body = %q, want {} for a POST without parameters", rec.body[0])
	}
}

func TestListQuery(t *testing.T) {
	tests := []struct {
		limit   int
		after   string
		filters []string
		want    string
	}{
		{0, "", nil, ""},
		{20, "pay_1", []string{"status", "pending", "method", ""}, "limit=20&starting_after=pay_1&status=pending"},
		{0, "", []string{"payment_id", "pay_2"}, "payment_id=pay_2"},
	}
	for _, tt := range tests {
		if got := listQuery(tt.limit, tt.after, tt.filters...).Encode(); got != tt.want {
			t.Errorf("listQuery(%d, %q, %q) = %q, want %q", tt.limit, tt.after, tt.filters, got, tt.want)
		}
	}
}
