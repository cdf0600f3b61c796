package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	redistest.Main(m)
}

// testEnv is a real gateway (every protocol the binary has, the cashier,
// the admin API) on a real Redis database, served over real HTTP.
type testEnv struct {
	t       *testing.T
	URL     string
	Svc     *gateway.Service
	Store   *redisstore.Store
	Redis   *redis.Client
	Demo    *gateway.Merchant
	Admin   string
	Gateway *server.Gateway
	cfg     server.Config
	// offset moves the service clock ahead of the wall clock (Advance).
	offset time.Duration
}

const testAdminToken = "adm_test_token_0123456789abcdef"

// newTestEnv starts a gateway with the demo merchant seeded. cfg tweaks the
// configuration before it is built.
func newTestEnv(t *testing.T, cfg func(*server.Config)) *testEnv {
	t.Helper()
	rdb := redistest.Client(t)
	e := &testEnv{t: t, Redis: rdb, Store: redisstore.New(rdb), Admin: testAdminToken}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	e.Demo = &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", NotifyURL: "", APIKey: "sk_test_demo", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	e.cfg = server.Config{
		PublicURL: "http://gateway.test", AdminToken: testAdminToken, Demo: e.Demo,
		TimeScale: 1, RefundDelay: time.Hour, FaultHold: 2 * time.Second, OpenAPI: docs.OpenAPI, Log: log,
		Now:       func() time.Time { return time.Now().Add(e.offset) },
		Protocols: []server.Protocol{native.Protocol()},
	}
	if cfg != nil {
		cfg(&e.cfg)
	}
	e.start()
	if err := e.Gateway.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// start builds the gateway of e.cfg and serves it.
func (e *testEnv) start() {
	e.t.Helper()
	g, err := server.New(e.Store, e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.Gateway, e.Svc = g, g.Service
	srv := httptest.NewServer(contractCheck(e.t, g.Handler()))
	e.t.Cleanup(srv.Close)
	e.URL = srv.URL
}

// Advance moves the service clock forward.
func (e *testEnv) Advance(d time.Duration) { e.offset += d }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// resp is a decoded answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// Err returns the decoded error body.
func (r resp) Err() gatewayapi.ErrorDetail {
	var e gatewayapi.ErrorBody
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// Decode decodes the body into v, failing the test on bad JSON.
func (r resp) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do sends a request with a bearer token and optional headers.
func (e *testEnv) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// api sends a /v1 request as the demo merchant.
func (e *testEnv) api(method, path string, body any, headers ...string) resp {
	e.t.Helper()
	return e.do(method, path, e.Demo.APIKey, body, headers...)
}

// want fails the test unless the answer has the status (and, for errors,
// the code).
func want(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if code != "" && r.Err().Code != code {
		t.Fatalf("code %q, want %q: %s", r.Err().Code, code, r.Body)
	}
}

// createPayment creates a payment as the demo merchant and returns it.
func (e *testEnv) createPayment(fields map[string]any, headers ...string) gatewayapi.Payment {
	e.t.Helper()
	body := map[string]any{"out_trade_no": "ord-" + gateway.RandomToken(10), "amount": 1999, "method": "card", "subject": "Tea"}
	for k, v := range fields {
		body[k] = v
	}
	r := e.api("POST", "/v1/payments", body, headers...)
	want(e.t, r, http.StatusCreated, "")
	var p gatewayapi.Payment
	r.Decode(e.t, &p)
	return p
}

// newSecondServer starts another gateway on the same Redis as e: a second
// gateway process in all but the address space.
func newSecondServer(t *testing.T, e *testEnv) *testEnv {
	t.Helper()
	second := *e
	second.t = t
	second.start()
	return &second
}

// schedule sets the native protocol's retry schedule.
func schedule(sch ...time.Duration) func(*server.Config) {
	return func(c *server.Config) { c.Schedules = map[string]gateway.Schedule{native.Name: sch} }
}
