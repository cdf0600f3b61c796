package main

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
	"github.com/paysandbox/paysandbox/shared/redistest"
)

// SIGTERM lets a request in flight finish, then the process exits cleanly.
func TestBinary_GracefulShutdown(t *testing.T) {
	g := gatewaytest.Start(t, nil)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		// api_latency holds the call in the handler while the signal comes.
		resp, err := g.Request(context.Background(), "POST", "/v1/payments",
			[]byte(`{"out_trade_no":"gs-1","amount":100,"method":"card","subject":"Tea"}`),
			http.Header{"Mock-Scenario": {"api_latency=1s"}})
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	time.Sleep(300 * time.Millisecond) // the request is inside its 1 s latency
	if err := g.Stop(); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want a clean exit\n%s", err, g.Log())
	}
	r := <-done
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("request in flight at SIGTERM: %d, %v; want it answered 201", r.status, r.err)
	}
	if !strings.Contains(g.Log(), "shutting down") {
		t.Errorf("no shutdown line in the log:\n%s", g.Log())
	}
	// Request lines are held briefly (logbuf): the line of the request
	// answered during the shutdown still reaches the log.
	if !regexp.MustCompile(`msg=request .*method=POST path=/v1/payments status=201`).MatchString(g.Log()) {
		t.Errorf("the request answered during the shutdown is not in the log:\n%s", g.Log())
	}
}

// /readyz follows Redis; /healthz only the process.
func TestBinary_Readyz(t *testing.T) {
	redis := redistest.Server(t)
	g := gatewaytest.StartWith(t, gatewaytest.Options{RedisURL: redis.URL})
	get := func(path string) int {
		resp, err := http.Get(g.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/readyz") != http.StatusOK {
		t.Fatal("not ready with Redis up")
	}
	redis.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for get("/readyz") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still OK 10s after Redis died")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if get("/healthz") != http.StatusOK {
		t.Error("/healthz failed while only Redis is down")
	}
}

// Without ADMIN_TOKEN the gateway generates one, logs it exactly once, and
// the admin API takes it (and nothing else).
func TestBinary_GeneratedAdminToken(t *testing.T) {
	g := gatewaytest.Start(t, map[string]string{"ADMIN_TOKEN": ""})
	tokens := regexp.MustCompile(`admin_token=(adm_[A-Za-z0-9]+)`).FindAllStringSubmatch(g.Log(), -1)
	if len(tokens) != 1 {
		t.Fatalf("admin token logged %d times, want once:\n%s", len(tokens), g.Log())
	}
	token := tokens[0][1]
	admin := func(tok string) int {
		req, _ := http.NewRequest("GET", g.URL+"/admin/api/merchants", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode
	}
	if got := admin(token); got != http.StatusOK {
		t.Errorf("the logged token answers %d", got)
	}
	if got := admin("adm_guess"); got != http.StatusUnauthorized {
		t.Errorf("a wrong token answers %d", got)
	}
	if strings.Count(g.Log(), token) != 1 {
		t.Errorf("the token appears more than once in the log")
	}
}
