package server_test

// A protocol used only here, "echo", proves the seams of DESIGN §10: it is
// a router, an authenticator, an error table, a notifier, a return signer
// and a credential issuer, added to a real gateway without a change to the
// core. Its payments are paid on the cashier, notified in its own format,
// retried on its own schedule until acknowledged by a body of exactly "ok",
// and fault rules naming protocol "echo" apply to it and to nothing else.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

const echoName = "echo"

// echoCredentials are what the echo protocol issues a merchant.
type echoCredentials struct {
	Key string `json:"key"`
}

type echoIssuer struct{}

func (echoIssuer) IssueCredentials(*gateway.Merchant) (gateway.IssuedCredentials, error) {
	key := "echo_" + gateway.RandomToken(20)
	raw, err := json.Marshal(echoCredentials{Key: key})
	return gateway.IssuedCredentials{Raw: raw, Aliases: map[string]string{"echo.key": key}}, err
}

func (echoIssuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c echoCredentials
	err := json.Unmarshal(raw, &c)
	return map[string]string{"echo.key": c.Key}, err
}

// echoAdapter speaks plain text: "ERR <code>" errors, "EVENT ..." bodies.
type echoAdapter struct {
	svc      *gateway.Service
	pipeline *apicall.Pipeline
}

type echoDialect struct{}

func (echoDialect) Protocol() string { return echoName }

func (echoDialect) ErrorAnswer(_ *gin.Context, err error) apicall.Answer {
	status := http.StatusBadRequest
	switch gateway.ErrorCode(err) {
	case gateway.ResourceMissing:
		status = http.StatusNotFound
	case gateway.InternalError:
		status = http.StatusInternalServerError
	}
	return apicall.Answer{Status: status, Body: []byte("ERR " + gateway.ErrorCode(err))}
}

func (echoDialect) FaultAnswer(_ *gin.Context, status int, name string, _ bool) apicall.Answer {
	return apicall.Answer{Status: status, Body: []byte("ERR injected " + name)}
}

func (echoDialect) Write(c *gin.Context, a apicall.Answer) {
	c.Data(a.Status, "text/plain; charset=utf-8", a.Body)
}

func newEchoAdapter(d server.Deps) server.Adapter {
	return &echoAdapter{svc: d.Service, pipeline: apicall.New(apicall.Options{
		Dialect: echoDialect{}, Store: d.Store, Scenarios: d.Service, FaultHold: d.FaultHold, Log: d.Log,
	})}
}

func (a *echoAdapter) Register(r *gin.Engine) {
	g := r.Group("/echo", a.authenticate, a.pipeline.Handler())
	g.POST("/pay", a.handlePay)
}

func (a *echoAdapter) authenticate(c *gin.Context) {
	m, err := a.svc.MerchantByAlias(c.Request.Context(), "echo.key", c.GetHeader("Echo-Key"))
	if err != nil {
		c.Data(http.StatusUnauthorized, "text/plain", []byte("ERR who are you"))
		c.Abort()
		return
	}
	apicall.SetMerchant(c, m)
	c.Next()
}

// handlePay: POST /echo/pay with form order, amount, notify, return.
func (a *echoAdapter) handlePay(c *gin.Context) {
	form, err := url.ParseQuery(string(apicall.Body(c)))
	if err != nil || form.Get("order") == "" {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterMissing, "order", "order is required"))
		return
	}
	var amount int64
	if _, err := fmt.Sscan(form.Get("amount"), &amount); err != nil || amount < 1 {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "amount", "amount is a positive number"))
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpCreatePayment, Method: gateway.MethodCard, Amount: amount, OutTradeNo: form.Get("order"), Creates: "payment"})
	if !ok {
		return
	}
	p, _, err := a.svc.CreatePayment(c.Request.Context(), apicall.MerchantOf(c), gateway.CreatePaymentInput{
		Protocol: echoName, OutTradeNo: form.Get("order"), Amount: amount, Method: gateway.MethodCard,
		Subject: "echo order", NotifyURL: form.Get("notify"), ReturnURL: form.Get("return"),
		Refs: map[string]string{"echo.no": "E" + form.Get("order")}, Scenario: cl.Scenario.Stored(),
	})
	if err != nil {
		cl.Error(err)
		return
	}
	cl.Reply(apicall.Answer{Status: http.StatusOK, Body: []byte("OK " + p.ID + " " + p.PayURL)})
}

func echoSign(key, body string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

func echoKey(m *gateway.Merchant) string {
	var c echoCredentials
	_ = json.Unmarshal(m.Credentials[echoName], &c)
	return c.Key
}

// Encode: "EVENT <topic> <order> <amount>", signed with the echo key.
func (a *echoAdapter) Encode(d *gateway.Delivery, _ time.Time) (http.Header, []byte, error) {
	ev := d.Payload()
	body := fmt.Sprintf("EVENT %s %s %d", ev.Topic, ev.Payment.OutTradeNo, ev.Amount())
	key := echoKey(d.Merchant)
	if d.BadSignature {
		key = "not the key"
	}
	return http.Header{"Echo-Signature": {echoSign(key, body)}, "Content-Type": {"text/plain"}}, []byte(body), nil
}

func (a *echoAdapter) Acknowledged(status int, body []byte) bool {
	return status == http.StatusOK && string(body) == "ok"
}

func (a *echoAdapter) ReturnURL(p *gateway.Payment, m *gateway.Merchant, r gateway.CashierReturn) (string, error) {
	q := "echo_order=" + url.QueryEscape(p.OutTradeNo) + "&echo_status=" + r.Status
	return p.ReturnURL + "?" + q + "&echo_sig=" + echoSign(echoKey(m), q), nil
}

func echoProtocol() server.Protocol {
	return server.Protocol{
		Name: echoName, Preset: "standard", Issuer: echoIssuer{}, New: newEchoAdapter,
		Topics: func(ch gateway.Change) []string {
			if ch.Type == gateway.EventPaymentSucceeded {
				return []string{"echo.paid"}
			}
			return nil
		},
	}
}

// echoReceiver answers notifications from a script of bodies, "ok" once
// the script is used up.
type echoReceiver struct {
	mu     sync.Mutex
	script []string
	got    []string
}

func (r *echoReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, req.Header.Get("Echo-Signature")+" "+string(b))
	answer := "ok"
	if len(r.script) > 0 {
		answer, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	_, _ = io.WriteString(w, answer)
}

func (r *echoReceiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestEchoProtocol_ThroughTheSeams(t *testing.T) {
	recv := &echoReceiver{script: []string{"not ok", "OK"}} // refused twice, then "ok"
	hook := httptest.NewServer(recv)
	t.Cleanup(hook.Close)
	e := newTestEnv(t, func(c *server.Config) {
		c.Protocols = append(c.Protocols, echoProtocol())
		c.Schedules = map[string]gateway.Schedule{echoName: {0, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}}
		c.PollInterval = 20 * time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Gateway.RunWorkers(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// A new merchant gets echo credentials from the protocol's issuer.
	r := e.do("POST", "/admin/api/merchants", e.Admin, map[string]any{"name": "Echo shop"})
	want(t, r, http.StatusCreated, "")
	var created struct {
		ID     string          `json:"id"`
		APIKey string          `json:"api_key"`
		Echo   echoCredentials `json:"echo"`
	}
	r.Decode(t, &created)
	if !strings.HasPrefix(created.Echo.Key, "echo_") {
		t.Fatalf("no echo credentials issued: %s", r.Body)
	}
	echoPost := func(form url.Values, headers ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.URL+"/echo/pay", strings.NewReader(form.Encode()))
		req.Header.Set("Echo-Key", created.Echo.Key)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	order := url.Values{"order": {"E-1"}, "amount": {"1999"}, "notify": {hook.URL}, "return": {"http://shop.test/back"}}

	// The shared pipeline speaks the echo dialect: a bad request, and a
	// fault rule matched on protocol echo, answer in echo's words.
	if st, body := echoPost(url.Values{"amount": {"5"}}); st != http.StatusBadRequest || body != "ERR parameter_missing" {
		t.Fatalf("bad request answered %d %q", st, body)
	}
	rule := e.createRule(map[string]any{"match": map[string]any{"protocol": echoName, "operation": "create_payment"}, "scenario": "api_error=503", "remaining": 1})
	// A native create does not match the echo rule.
	e.createPayment(nil)
	if st, body := echoPost(order); st != http.StatusServiceUnavailable || body != "ERR injected api_error" {
		t.Fatalf("with the rule: %d %q", st, body)
	}
	if got := e.ruleHits(rule.ID); got != 1 {
		t.Fatalf("rule hits %d, want 1 (the native call must not count)", got)
	}
	st, body := echoPost(order)
	if st != http.StatusOK || !strings.HasPrefix(body, "OK pay_") {
		t.Fatalf("create: %d %q", st, body)
	}
	payID := strings.Fields(body)[1]
	m, err := e.Svc.Merchant(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Svc.PaymentByRef(context.Background(), m, "echo.no", "EE-1")
	if err != nil || p.ID != payID || p.Protocol != echoName {
		t.Fatalf("by ref: %+v, %v", p, err)
	}

	// Paid on the cashier like any payment; the return is signed echo's way.
	res := e.page("POST", "/pay/"+payID+"/pay", cardValues("4242424242424242"))
	page := e.follow(res)
	link := returnLink(t, page.Body)
	if !strings.HasPrefix(link, "http://shop.test/back?echo_order=E-1&echo_status=succeeded&echo_sig=") {
		t.Fatalf("return link %q is not echo's", link)
	}
	q := "echo_order=E-1&echo_status=succeeded"
	if !strings.HasSuffix(link, echoSign(created.Echo.Key, q)) {
		t.Fatalf("return link %q not signed with the echo key", link)
	}

	// Notified in echo's format until acknowledged by exactly "ok", on the
	// echo schedule (100 ms apart, not the native preset's 15 s).
	var ev gatewayapi.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		var l gatewayapi.List[gatewayapi.Event]
		e.do("GET", "/v1/events?object_id="+payID, created.APIKey, nil).Decode(t, &l)
		if len(l.Data) == 1 && l.Data[0].DeliveryStatus == gatewayapi.DeliveryDelivered {
			ev = l.Data[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered; received %q, events %+v", recv.received(), l.Data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := recv.received()
	wantBody := "EVENT echo.paid E-1 1999"
	if len(got) != 3 {
		t.Fatalf("received %d attempts %q, want 3 (refused twice, then ok)", len(got), got)
	}
	for _, g := range got {
		if g != echoSign(created.Echo.Key, wantBody)+" "+wantBody {
			t.Fatalf("attempt %q is not the signed echo notification", g)
		}
	}
	if ev.Type != gateway.EventPaymentSucceeded || len(ev.Attempts) != 3 {
		t.Fatalf("event through the native API: type %s, %d attempts", ev.Type, len(ev.Attempts))
	}
	if gap := ev.Attempts[1].At.Sub(ev.Attempts[0].At); gap > 2*time.Second {
		t.Fatalf("second attempt %v after the first: not the echo schedule", gap)
	}
	stored, err := e.Svc.Event(context.Background(), m, ev.ID)
	if err != nil || stored.Attempts[2].Request == nil || stored.Attempts[2].Request.Body != wantBody {
		t.Fatalf("the attempt log does not keep what was sent: %+v, %v", stored.Attempts, err)
	}

	// A notify rule for protocol echo drops the next echo notification.
	e.createRule(map[string]any{"match": map[string]any{"protocol": echoName, "operation": "notify"}, "scenario": "notify_drop=1", "remaining": 1})
	order2 := url.Values{"order": {"E-2"}, "amount": {"500"}, "notify": {hook.URL}}
	st, body = echoPost(order2)
	if st != http.StatusOK {
		t.Fatalf("second create: %d %q", st, body)
	}
	pay2 := strings.Fields(body)[1]
	e.follow(e.page("POST", "/pay/"+pay2+"/pay", cardValues("4242424242424242")))
	deadline = time.Now().Add(10 * time.Second)
	for {
		var l gatewayapi.List[gatewayapi.Event]
		e.do("GET", "/v1/events?object_id="+pay2, created.APIKey, nil).Decode(t, &l)
		if len(l.Data) == 1 && l.Data[0].DeliveryStatus == gatewayapi.DeliveryDelivered {
			a := l.Data[0].Attempts
			if len(a) != 2 || a[0].Error == nil || *a[0].Error != gateway.DroppedError || *a[1].StatusCode != 200 {
				t.Fatalf("attempts %+v, want one dropped then one delivered", a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second payment not delivered: %+v", l.Data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *testEnv) ruleHits(id string) int64 {
	e.t.Helper()
	for _, r := range e.rules() {
		if r.ID == id {
			return r.Hits
		}
	}
	e.t.Fatalf("no rule %s", id)
	return 0
}
