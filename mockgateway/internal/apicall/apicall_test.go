package apicall_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	redistest.Main(m)
}

// testDialect answers {"code": ...} errors and raw bodies.
type testDialect struct{}

func (testDialect) Protocol() string { return "test" }
func (testDialect) ErrorAnswer(_ *gin.Context, err error) apicall.Answer {
	body, _ := json.Marshal(map[string]string{"code": gateway.ErrorCode(err)})
	status := http.StatusBadRequest
	switch gateway.ErrorCode(err) {
	case gateway.IdempotencyKeyInUse:
		status = http.StatusConflict
	case gateway.InternalError:
		status = http.StatusInternalServerError
	}
	return apicall.Answer{Status: status, Body: body}
}
func (testDialect) FaultAnswer(_ *gin.Context, status int, name string, _ bool) apicall.Answer {
	return apicall.Answer{Status: status, Body: []byte(`{"code":"` + name + `"}`)}
}
func (testDialect) Write(c *gin.Context, a apicall.Answer) {
	c.Data(a.Status, "application/json", a.Body)
}

type env struct {
	url  string
	runs atomic.Int64 // how often the handler's business logic ran
}

// newEnv serves POST /do through the pipeline: the handler begins, counts
// a run, then does what the request's "do" query says.
func newEnv(t *testing.T, o apicall.Options) *env {
	t.Helper()
	_, store, svc, m := seeded(t)
	o.Dialect, o.Store, o.Scenarios = testDialect{}, store, svc
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	o.Idempotency = testIdempotency(nil)
	p := apicall.New(o)
	e := &env{}
	r := gin.New()
	r.Use(apicall.RequestID, gin.CustomRecovery(func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.POST("/do", func(c *gin.Context) { apicall.SetMerchant(c, m); c.Next() }, p.Handler(), func(c *gin.Context) {
		switch c.Query("do") {
		case "nothing":
			return // answers nothing: a bug the pipeline must survive
		}
		cl, ok := apicall.Begin(c, apicall.Facts{Operation: "do"})
		if !ok {
			return
		}
		e.runs.Add(1)
		if c.Query("do") == "panic" {
			panic("handler bug")
		}
		cl.Reply(apicall.Answer{Status: http.StatusCreated, Body: []byte(`{"ok":true}`)})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *env) post(t *testing.T, query, key, scenario string) (int, string) {
	t.Helper()
	a := postTo(t, e.url+"/do?"+query, `{}`, key, scenario)
	return a.status, a.body
}

// seeded is a store on a fresh Redis database and a service with the test
// merchant in it.
func seeded(t *testing.T) (*redis.Client, *redisstore.Store, *gateway.Service, *gateway.Merchant) {
	t.Helper()
	rdb := redistest.Client(t)
	store := redisstore.New(rdb)
	svc := gateway.NewService(store, gateway.Config{PublicURL: "http://gw.test"})
	m := &gateway.Merchant{ID: "m_test", Name: "Test", APIKey: "sk_test_x", WebhookSecret: "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"}
	if err := svc.SeedMerchant(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return rdb, store, svc, m
}

// testIdempotency is the tests' key rule: the header, fingerprinted by path
// and body; inCommit as Idempotency.InCommit.
func testIdempotency(inCommit func(*gin.Context) string) *apicall.Idempotency {
	return &apicall.Idempotency{
		Key:         func(c *gin.Context) (string, error) { return c.GetHeader("Idempotency-Key"), nil },
		Fingerprint: func(c *gin.Context, body []byte) string { return c.Request.URL.Path + string(body) },
		InCommit:    inCommit,
	}
}

// answer is what a POST got back.
type answer struct {
	status   int
	body     string
	replayed bool
}

// postTo POSTs body to url with an Idempotency-Key and a Mock-Scenario
// when they are given.
func postTo(t *testing.T, url, body, key, scenario string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if scenario != "" {
		req.Header.Set("Mock-Scenario", scenario)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, string(b), res.Header.Get("Idempotent-Replayed") == "true"}
}

// A panicking handler does not leave its idempotency key in flight: the
// retry runs afresh instead of meeting idempotency_key_in_use.
func TestPipeline_PanicReleasesKey(t *testing.T) {
	e := newEnv(t, apicall.Options{})
	if st, _ := e.post(t, "do=panic", "k1", ""); st != http.StatusInternalServerError {
		t.Fatalf("panic answered %d", st)
	}
	st, body := e.post(t, "do=ok", "k1", "")
	if st != http.StatusCreated || e.runs.Load() != 2 {
		t.Fatalf("retry after a panic: %d %s, runs %d; want 201 and a second run", st, body, e.runs.Load())
	}
}

// A handler that records no answer gets an internal error, not an empty
// 200.
func TestPipeline_NoAnswerIsAnError(t *testing.T) {
	e := newEnv(t, apicall.Options{})
	if st, body := e.post(t, "do=nothing", "", ""); st != http.StatusInternalServerError || body != `{"code":"internal_error"}` {
		t.Fatalf("no answer: %d %s", st, body)
	}
}

// The in-flight marker of a key lives as long as its call, also when
// api_latency holds the call far longer than FAULT_HOLD plus the margin: a
// retry meanwhile is told the key is in use, and the business logic runs
// once.
func TestPipeline_HeldCallKeepsItsKey(t *testing.T) {
	e := newEnv(t, apicall.Options{FaultHold: 100 * time.Millisecond, InFlightMargin: 200 * time.Millisecond})
	var wg sync.WaitGroup
	var first int
	wg.Go(func() { first, _ = e.post(t, "do=ok", "held", "api_latency=1500ms") })
	time.Sleep(800 * time.Millisecond) // past FAULT_HOLD + margin, inside the latency
	st, body := e.post(t, "do=ok", "held", "api_latency=1500ms")
	wg.Wait()
	if first != http.StatusCreated {
		t.Fatalf("held call answered %d", first)
	}
	if st != http.StatusConflict || body != `{"code":"idempotency_key_in_use"}` {
		t.Fatalf("retry during the held call: %d %s, want 409 idempotency_key_in_use", st, body)
	}
	if n := e.runs.Load(); n != 1 {
		t.Fatalf("the business logic ran %d times, want once", n)
	}
}
