package server_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/docs"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(docs.OpenAPI)
		if specErr != nil {
			return
		}
		if specErr = specDoc.Validate(context.Background()); specErr != nil {
			return
		}
		// Match paths on whatever host the test server has.
		routed := *specDoc
		routed.Servers = nil
		specRouter, specErr = gorillamux.NewRouter(&routed)
	})
	if specErr != nil {
		t.Fatalf("docs/openapi.yaml: %v", specErr)
	}
	return specDoc, specRouter
}

// contractCheck wraps the API so that every /v1 and /admin/api answer a test
// provokes is validated against docs/openapi.yaml: an undocumented route,
// status or response shape fails the test that caused it.
func contractCheck(t *testing.T, next http.Handler) http.Handler {
	_, router := loadSpec(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") && !strings.HasPrefix(r.URL.Path, "/admin/api/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &teeWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.hijacked {
			return // a dropped connection (api_timeout, api_reset) says nothing to check
		}

		if rec.Header().Get("Request-Id") == "" {
			t.Errorf("contract: %s %s answered without Request-Id", r.Method, r.URL.Path)
		}
		// api_malformed answers are deliberately not valid JSON.
		if strings.Contains(rec.Header().Get("Mock-Scenario-Applied"), "api_malformed") {
			return
		}
		probe := r.Clone(context.Background())
		probe.Body = io.NopCloser(bytes.NewReader(nil))
		route, params, err := router.FindRoute(probe)
		if err != nil {
			if rec.code != http.StatusNotFound {
				t.Errorf("contract: %s %s (answered %d) is not in docs/openapi.yaml: %v", r.Method, r.URL.Path, rec.code, err)
			}
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: rec.code, Header: rec.Header(),
			Body:    io.NopCloser(bytes.NewReader(rec.body.Bytes())),
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("contract: %s %s answered %d not as documented: %v\nbody: %.400s", r.Method, r.URL.Path, rec.code, err, rec.body.String())
		}
	})
}

// teeWriter passes an answer through while keeping a copy, and lets a
// handler take the connection over.
type teeWriter struct {
	http.ResponseWriter
	code     int
	body     bytes.Buffer
	hijacked bool
}

func (w *teeWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (w *teeWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *teeWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// Every registered /v1 and /admin/api route is described in the document.
func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	doc, _ := loadSpec(t)
	e := newTestEnv(t, nil)
	engine := e.Gateway.Handler().(*gin.Engine)
	n := 0
	for _, rt := range engine.Routes() {
		if !strings.HasPrefix(rt.Path, "/v1/") && !strings.HasPrefix(rt.Path, "/admin/api/") {
			continue
		}
		n++
		path := ginParam.ReplaceAllString(rt.Path, "{$1}")
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(rt.Method) == nil {
			t.Errorf("route %s %s is missing from docs/openapi.yaml", rt.Method, path)
		}
	}
	if n < 15 {
		t.Fatalf("only %d API routes found; the route walk is broken", n)
	}
}

// The document is served at /openapi.yaml.
func TestOpenAPI_Served(t *testing.T) {
	e := newTestEnv(t, nil)
	r := e.do("GET", "/openapi.yaml", "", nil)
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, docs.OpenAPI) {
		t.Fatalf("GET /openapi.yaml = %d, %d bytes", r.Status, len(r.Body))
	}
}
