package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/alipay"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// receiver is a merchant's notify endpoint answering each request with the
// next of statuses (the last one again once they run out).
func receiver(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		w.WriteHeader(st)
		_, _ = io.WriteString(w, http.StatusText(st)+" from the shop")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConsole_EventPage(t *testing.T) {
	e := newEnv(t, fastNotify)
	e.runWorkers()
	b := e.signedIn()
	shop, hits := receiver(t, http.StatusInternalServerError, http.StatusOK)
	m, err := e.Svc.CreateMerchant(t.Context(), "Shop", shop.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := e.Svc.CreatePayment(t.Context(), m, gateway.CreatePaymentInput{OutTradeNo: "EV-1", Amount: 1999, Currency: "CNY", Method: "card", Subject: "Tea"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.SucceedPayment(t.Context(), m, p.ID); err != nil {
		t.Fatal(err)
	}
	evs, _, err := e.Svc.ListEvents(t.Context(), m, gateway.EventFilter{ObjectID: p.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %v, %v", evs, err)
	}
	ev := evs[0]
	path := "/admin/events/" + ev.ID + "?m=" + m.ID
	eventually(t, "two attempts", func() bool {
		got, err := e.Svc.Event(context.Background(), m, ev.ID)
		return err == nil && got.DeliveryStatus == gateway.DeliveryDelivered
	})
	page := b.get(path)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, `id="attempt-1"`, "HTTP 500", "Internal Server Error from the shop", `id="attempt-2"`, "HTTP 200",
		"OK from the shop", "<th>Webhook-Signature</th>", "v1,", "<th>Webhook-Id</th>", ev.ID, "POST <code>"+shop.URL+"/hook</code>",
		"&#34;type&#34;: &#34;payment.succeeded&#34;", "&#34;id&#34;: &#34;"+p.ID+"&#34;", " ms</h3>",
		// A native body is re-encoded from the event (the attempt log keeps none), and the page says so.
		"Native encodes it from the event")
	wantLacks(t, page, "data-refresh")
	// Without m, the event is found by its id.
	wantContains(t, b.get("/admin/events/"+ev.ID), `id="attempt-2"`)
	wantStatus(t, b.get("/admin/events/evt_nope"), http.StatusNotFound)

	// The payment's timeline has the event and both attempts, in order.
	tl := between(b.get("/admin/payments/"+p.ID).Body, `<ol class="timeline" id="timeline">`, `</ol>`)
	order := []string{"Created through Native", "Succeeded (paid)", "Event payment.succeeded", "attempt 1: HTTP 500", "attempt 2: HTTP 200"}
	last := -1
	for _, s := range order {
		i := strings.Index(tl, s)
		if i <= last {
			t.Fatalf("timeline has %q at %d, after %d; timeline:\n%s", s, i, last, tl)
		}
		last = i
	}

	r := b.follow("/admin/events/"+ev.ID+"/redeliver", url.Values{"m": {m.ID}, "back": {path}})
	wantContains(t, r, "Redelivery of "+ev.ID+" asked for")
	eventually(t, "the redelivery", func() bool { return hits.Load() == 3 })
	eventually(t, "the third attempt recorded", func() bool {
		return strings.Contains(b.get(path).Body, `id="attempt-3"`)
	})
}

func TestConsole_Overview(t *testing.T) {
	e := newEnv(t, fastNotify)
	e.runWorkers()
	b := e.signedIn()
	shop, _ := receiver(t, http.StatusServiceUnavailable)
	m, err := e.Svc.CreateMerchant(t.Context(), "Down shop", shop.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := e.Svc.CreatePayment(t.Context(), m, gateway.CreatePaymentInput{OutTradeNo: "OV-1", Amount: 500, Currency: "CNY", Method: "alipay", Subject: "Tea"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.SucceedPayment(t.Context(), m, p.ID); err != nil {
		t.Fatal(err)
	}
	e.payment(gateway.CreatePaymentInput{})
	b.follow("/admin/faults", url.Values{"preset": {"refund_fail"}})
	var page page
	eventually(t, "a failing delivery on the overview", func() bool {
		page = b.get("/admin")
		return strings.Contains(page.Body, "Service Unavailable from the shop")
	})
	wantContains(t, page, "Deliveries failing now", `<p class="big">2</p>`, `<span class="st st-succeeded">succeeded</span> 1`,
		`<span class="st st-pending">pending</span> 1`, "refund_fail=REFUND_REJECTED", "HTTP 503", `data-refresh="3"`)
}

func TestConsole_Reset(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	p := e.payment(gateway.CreatePaymentInput{})
	b.follow("/admin/faults", url.Values{"preset": {"create_503"}})

	r := b.post("/admin/reset", url.Values{"confirm": {"yes"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Type reset in the box to confirm; nothing was changed.")
	if len(e.rules()) != 1 {
		t.Fatal("an unconfirmed reset changed something")
	}
	r = b.follow("/admin/reset", url.Values{"confirm": {"reset"}})
	wantContains(t, r, "The gateway was reset")
	if len(e.rules()) != 0 {
		t.Fatal("rules survived the reset")
	}
	if _, _, err := e.Svc.PublicPayment(t.Context(), p.ID); gateway.ErrorCode(err) != gateway.ResourceMissing {
		t.Fatalf("payment after reset: %v", err)
	}
	// The session survives the reset it asked for.
	wantStatus(t, b.get("/admin/payments"), http.StatusOK)
}

// TestConsole_AttemptAcknowledgedAsItsProtocolSays: an Alipay notification
// answered 200 "fail" was not delivered (Alipay wants exactly "success"),
// so the event page and the timeline show that attempt as failed, and the
// next one, answered "success", as delivered.
func TestConsole_AttemptAcknowledgedAsItsProtocolSays(t *testing.T) {
	e := newEnv(t, func(c *server.Config) {
		c.Schedules = map[string]gateway.Schedule{alipay.Name: {0, 300 * time.Millisecond}}
		c.PollInterval = 50 * time.Millisecond
	})
	e.runWorkers()
	b := e.signedIn()
	var n atomic.Int32
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			_, _ = io.WriteString(w, "fail")
			return
		}
		_, _ = io.WriteString(w, "success")
	}))
	t.Cleanup(shop.Close)
	p, _, err := e.Svc.CreatePayment(t.Context(), e.Demo, gateway.CreatePaymentInput{Protocol: gateway.ProtocolAlipay, OutTradeNo: "ACK-1",
		Amount: 100, Currency: "CNY", Method: gateway.MethodAlipay, Subject: "Tea", NotifyURL: shop.URL,
		Refs: map[string]string{"alipay.trade_no": "2026120222001400000000000003"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.SucceedPayment(t.Context(), e.Demo, p.ID); err != nil {
		t.Fatal(err)
	}
	var ev *gateway.Event
	eventually(t, "the second attempt delivered", func() bool {
		evs, _, err := e.Svc.ListEvents(context.Background(), e.Demo, gateway.EventFilter{ObjectID: p.ID}, gateway.ListQuery{Limit: 10})
		if err != nil || len(evs) != 1 || evs[0].DeliveryStatus != gateway.DeliveryDelivered {
			return false
		}
		ev = evs[0]
		return true
	})
	page := b.get("/admin/events/" + ev.ID + "?m=" + e.Demo.ID)
	wantContains(t, page, `<section class="card attempt attempt-bad" id="attempt-1">`, `<section class="card attempt attempt-ok" id="attempt-2">`)
	tl := between(b.get("/admin/payments/"+p.ID).Body, `<ol class="timeline" id="timeline">`, `</ol>`)
	if bad := strings.Count(tl, `<li class="tl-attempt tl-bad">`); bad != 1 {
		t.Errorf("timeline shows %d failed attempts, want 1 (the 200 \"fail\"):\n%s", bad, tl)
	}
}
