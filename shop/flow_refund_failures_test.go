package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestFlow_RefundFailedThenRetried: QA makes the gateway fail the next
// refund with a fault rule (refund_fail=REFUND_REJECTED), exactly as they
// would break the shop without touching it. The order becomes refund_failed
// ("Refund pending" to the customer), the refund is in the back office's
// failed list, and support's retry creates a new gateway refund {request}-2
// that succeeds. A second click on the retry creates nothing more.
func TestFlow_RefundFailedThenRetried(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	no, p := alice.paidOrder("2")
	rule := f.gw.AddFault(map[string]any{"match": map[string]any{"operation": "create_refund"}, "scenario": "refund_fail=REFUND_REJECTED", "remaining": 1})

	req := alice.requestRefund(no, "299.00", "not_received", "Nothing arrived.")
	sam.decide(req, "approve", "Refunding the teapot.")
	f.eventually(10*time.Second, "refund never failed", func() bool { return f.order(no).Status == shop.OrderRefundFailed })
	first, err := f.api.GetRefundByOutRefundNo(ctx, req+"-1")
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != gatewayapi.RefundFailed || first.FailureCode == nil || *first.FailureCode != "REFUND_REJECTED" {
		t.Fatalf("gateway refund -1 = %+v, want failed with REFUND_REJECTED", first)
	}
	if hits := f.gw.Faults()[rule.ID].Hits; hits != 1 {
		t.Errorf("fault rule hits = %d, want 1", hits)
	}
	_, body := alice.get("/orders/" + no)
	must(t, body, "Refund pending")
	_, body = alice.get("/notifications")
	must(t, body, "Your refund of ¥299.00 for order "+no+" is pending")
	_, body = alice.get("/refunds/" + req)
	must(t, body, "Refund pending", "Customer service will try again")
	_, body = sam.get("/admin/failed")
	must(t, body, req+"-1", "REFUND_REJECTED", no, "alice@example.com", "/admin/failed/"+req+"-1/retry")
	if tl := f.timeline(no); !strings.Contains(tl, "refund_failed | gateway notification: Refund "+req+"-1 of ¥299.00 failed: REFUND_REJECTED") {
		t.Errorf("timeline:\n%s", tl)
	}

	resp, body := sam.post("/admin/failed/"+req+"-1/retry", url.Values{"note": {"The provider had an outage"}})
	if resp.Request.URL.Path != "/admin/failed" || !strings.Contains(body, "retried as "+req+"-2") {
		t.Fatalf("retry ended at %s\n%s", resp.Request.URL.Path, body)
	}
	if strings.Contains(body, "/admin/failed/"+req+"-1/retry") {
		t.Error("the retried refund is still in the failed list")
	}
	f.eventually(10*time.Second, "retried refund never succeeded", func() bool { return f.order(no).Status == shop.OrderRefunded })
	second, err := f.api.GetRefundByOutRefundNo(ctx, req+"-2")
	if err != nil || second.Status != gatewayapi.RefundSucceeded || second.Amount != 29900 {
		t.Fatalf("gateway refund -2 = %+v, %v", second, err)
	}
	if r := f.request(req); r.Attempt != 2 || r.Status != shop.RequestRefunded {
		t.Errorf("request = %+v, want attempt 2 refunded", r)
	}
	_, body = sam.post("/admin/failed/"+req+"-1/retry", nil)
	must(t, body, "Refund "+req+"-1 was retried already.")
	if n := len(f.gatewayRefunds(p.ID)); n != 2 {
		t.Errorf("gateway refunds = %d, want 2 (the failed one and its retry)", n)
	}
	tl := f.timeline(no)
	for _, want := range []string{
		"refund_retried | support Sam Support: Failed refund " + req + "-1 (REFUND_REJECTED) retried as " + req + "-2: The provider had an outage.",
		"refund_succeeded | gateway notification: Refund " + req + "-2 of ¥299.00 succeeded",
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	_, body = alice.get("/refunds/" + req)
	must(t, body, "Refund completed")
}

// TestFlow_RefundDoubleClickedApproval fires two approvals of one request at
// once. The attempt number is written before the gateway call and only a
// retry raises it, so exactly one gateway refund exists afterwards (listed
// with GET /v1/refunds?payment_id=). The amount is less than half the order,
// so the gateway would have accepted a second refund had the shop sent one.
func TestFlow_RefundDoubleClickedApproval(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	no, p := alice.paidOrder("1", "3")
	req := alice.requestRefund(no, "50", "damaged", "")

	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]string, 2)
	for i := range results {
		wg.Go(func() {
			<-start
			st, loc, err := sam.postRaw("/admin/refunds/"+req+"/approve", url.Values{"note": {"Double click " + strconv.Itoa(i)}})
			results[i] = strconv.Itoa(st) + " " + loc
			if err != nil {
				results[i] = err.Error()
			}
		})
	}
	close(start)
	wg.Wait()
	// One click approves (back to the queue); the other finds the request
	// decided (back to its page, which says so).
	slices.Sort(results)
	if want := []string{"303 /admin", "303 /admin/refunds/" + req}; !slices.Equal(results, want) {
		t.Errorf("answers = %q, want %q", results, want)
	}
	f.eventually(10*time.Second, "refund never applied", func() bool { return f.order(no).Status == shop.OrderPartiallyRefunded })
	// Let any second refund the shop might have sent settle before counting.
	f.eventually(5*time.Second, "refunds at the gateway still pending", func() bool {
		for _, r := range f.gatewayRefunds(p.ID) {
			if r.Status == gatewayapi.RefundPending {
				return false
			}
		}
		return true
	})
	refunds := f.gatewayRefunds(p.ID)
	if len(refunds) != 1 || refunds[0].OutRefundNo != req+"-1" || refunds[0].Amount != 5000 {
		t.Fatalf("gateway refunds = %+v, want exactly %s-1 of 5000", refunds, req)
	}
	local, _ := f.app.db.Refunds(context.Background(), f.order(no).ID)
	if len(local) != 1 {
		t.Errorf("shop refunds = %+v, want one", local)
	}
	if n := count(f.timeline(no), "refund_request_approved |"); n != 1 {
		t.Errorf("approvals on the timeline = %d, want 1", n)
	}
	if o := f.order(no); o.RefundedAmount != 5000 {
		t.Errorf("refunded amount = %d, want 5000", o.RefundedAmount)
	}
}

// showsOtherThanPath reports whether a page shows s anywhere but in the
// language switcher's way back to the page itself (its own path).
func showsOtherThanPath(body, path, s string) bool {
	return strings.Contains(strings.ReplaceAll(body, `name="next" value="`+path+`"`, ""), s)
}

// TestFlow_RefundAccess: customers cannot reach the back office (404, like a
// missing page, for every back-office page and action, signed in or not),
// nor another customer's order refund form or refund page.
func TestFlow_RefundAccess(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	bob := f.signIn("bob@example.com", "bob-sandbox")
	no, _ := alice.paidOrder("6")
	req := alice.requestRefund(no, "0.01", "changed_mind", "")
	anon := &customer{f: f, c: &http.Client{}}

	for _, who := range []struct {
		name string
		c    *customer
	}{{"alice", alice}, {"bob", bob}, {"anonymous", anon}} {
		for _, path := range []string{"/admin", "/admin/refunds/" + req, "/admin/failed", "/admin/orders", "/admin/orders/" + no} {
			if resp, body := who.c.get(path); resp.StatusCode != http.StatusNotFound || showsOtherThanPath(body, path, req) {
				t.Errorf("%s GET %s: %d, want 404 without %s on the page", who.name, path, resp.StatusCode, req)
			}
		}
		for _, path := range []string{"/admin/refunds/" + req + "/approve", "/admin/refunds/" + req + "/reject", "/admin/failed/" + req + "-1/retry"} {
			if resp, _ := who.c.post(path, url.Values{"note": {"self-service"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s: %d, want 404", who.name, path, resp.StatusCode)
			}
		}
	}
	for _, path := range []string{"/refunds/" + req, "/orders/" + no + "/refund", "/refunds/RF-NOPE"} {
		if resp, body := bob.get(path); resp.StatusCode != http.StatusNotFound || showsOtherThanPath(body, path, req) {
			t.Errorf("bob GET %s: %d, want 404 without %s on the page", path, resp.StatusCode, req)
		}
	}
	if resp, _ := bob.post("/orders/"+no+"/refund", url.Values{"amount": {"0.01"}, "reason": {"changed_mind"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob POST refund on alice's order: %d, want 404", resp.StatusCode)
	}
	if _, body := bob.get("/notifications"); strings.Contains(body, no) {
		t.Error("bob's notifications show alice's order")
	}
	if got := f.order(no).Status; got != shop.OrderRefundRequested || f.request(req).Status != shop.RequestPendingReview {
		t.Errorf("order %s, request %s after the refused calls; want untouched", got, f.request(req).Status)
	}
	if resp, _ := alice.get("/refunds/" + req); resp.StatusCode != http.StatusOK {
		t.Errorf("alice's own refund page: %d", resp.StatusCode)
	}
	sam := f.signIn("support@example.com", "support-sandbox")
	if resp, body := sam.get("/admin"); resp.StatusCode != http.StatusOK || !strings.Contains(body, req) {
		t.Errorf("support GET /admin: %d", resp.StatusCode)
	}
}

// TestFlow_RefundNotificationLost: the gateway drops every notification of
// the refund (notify_drop); the reconciler reads the refund once it has been
// refunding longer than RECONCILE_AFTER and applies it exactly as the
// notification would have, customer notice included.
func TestFlow_RefundNotificationLost(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 300 * time.Millisecond }, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	no, _ := alice.paidOrder("4")
	f.setRefundScenario("notify_drop")
	req := alice.requestRefund(no, "88", "not_as_described", "Only five mooncakes.")
	sam.decide(req, "approve", "Refunding.")
	f.eventually(15*time.Second, "refund never settled", func() bool { return f.order(no).Status == shop.OrderRefunded })
	r, err := f.api.GetRefundByOutRefundNo(context.Background(), req+"-1")
	if err != nil {
		t.Fatal(err)
	}
	if tl := f.timeline(no); !strings.Contains(tl, "refund_succeeded | reconciler: Refund "+req+"-1 of ¥88.00 succeeded; reported by reconciliation with the gateway.") {
		t.Errorf("timeline:\n%s", tl)
	}
	events, err := f.api.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: r.ID, Type: gatewayapi.EventRefundSucceeded})
	if err != nil || len(events.Data) != 1 {
		t.Fatalf("events = %+v, %v", events, err)
	}
	for _, a := range events.Data[0].Attempts {
		if a.StatusCode != nil {
			t.Errorf("a refund notification reached the shop (%d); the test proves nothing", *a.StatusCode)
		}
	}
	if _, body := alice.get("/notifications"); !strings.Contains(body, "Your refund of ¥88.00 for order "+no+" has been paid back") {
		t.Error("customer not told of the reconciled refund")
	}
}

// TestFlow_RefundNotificationFaults: the real gateway sends a refund's first
// notification forged (bad signature), stale, or with a tampered amount. The
// shop refuses it (401, 401, 422), flags it on the order's timeline and
// changes nothing; the gateway's genuine retry settles the refund.
func TestFlow_RefundNotificationFaults(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	for _, tt := range []struct{ scenario, answers, flag string }{
		{"notify_bad_signature", "401,200", "its signature does not match"},
		{"notify_stale_timestamp", "401,200", "its timestamp is more than 5 minutes old"},
		{"notify_tamper_amount", "422,200", "amount ¥"},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			no, _ := alice.paidOrder("5")
			f.setRefundScenario(tt.scenario)
			req := alice.requestRefund(no, "45", "damaged", "")
			sam.decide(req, "approve", "Refunding.")
			f.eventually(15*time.Second, "refund never settled", func() bool { return f.order(no).Status == shop.OrderRefunded })
			r, err := f.api.GetRefundByOutRefundNo(context.Background(), req+"-1")
			if err != nil {
				t.Fatal(err)
			}
			events, err := f.api.ListEvents(context.Background(), gatewayclient.ListEventsParams{ObjectID: r.ID, Type: gatewayapi.EventRefundSucceeded})
			if err != nil || len(events.Data) != 1 {
				t.Fatalf("events = %+v, %v", events, err)
			}
			var got []string
			for _, a := range events.Data[0].Attempts {
				if a.StatusCode != nil {
					got = append(got, strconv.Itoa(*a.StatusCode))
				}
			}
			if strings.Join(got, ",") != tt.answers {
				t.Errorf("shop answered %v, want %s", got, tt.answers)
			}
			entries, _ := f.app.db.Timeline(context.Background(), f.order(no).ID)
			flagged := 0
			for _, e := range entries {
				if e.Kind == shop.KindNotificationRejected {
					flagged++
					if !e.Flagged || !strings.Contains(e.Message.String(), tt.flag) {
						t.Errorf("refusal entry = %+v, want flagged and saying %q", e, tt.flag)
					}
				}
			}
			if flagged != 1 {
				t.Errorf("refusals on the timeline = %d, want 1:\n%s", flagged, f.timeline(no))
			}
			if o := f.order(no); o.RefundedAmount != 4500 {
				t.Errorf("refunded amount = %d, want 4500 (applied once)", o.RefundedAmount)
			}
		})
	}
}

// TestFlow_RefundApprovedWhileGatewayDown: support approves while the gateway
// is down. The approval stands and support is told the refund will follow;
// once the gateway is back and the refund is older than RECONCILE_AFTER, the
// reconciler creates it with the number written at approval.
func TestFlow_RefundApprovedWhileGatewayDown(t *testing.T) {
	f := startFlow(t, map[string]string{"REFUND_DELAY": "500ms"}, func(c *config) { c.ReconcileAfter = 500 * time.Millisecond }, "")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	sam := f.signIn("support@example.com", "support-sandbox")
	no, p := alice.paidOrder("1")
	req := alice.requestRefund(no, "68", "not_received", "")
	f.gw.Stop()
	_, body := sam.decide(req, "approve", "Refunding.")
	must(t, body, "could not be reached just now; refund "+req+"-1 will be sent automatically")
	if o := f.order(no); o.Status != shop.OrderRefunding {
		t.Fatalf("order = %s, want refunding", o.Status)
	}
	f.gw.Restart()
	f.eventually(15*time.Second, "refund never created after the gateway came back", func() bool { return f.order(no).Status == shop.OrderRefunded })
	refunds := f.gatewayRefunds(p.ID)
	if len(refunds) != 1 || refunds[0].OutRefundNo != req+"-1" {
		t.Errorf("gateway refunds = %+v, want %s-1 only", refunds, req)
	}
	if tl := f.timeline(no); !strings.Contains(tl, "refund_requested_at_gateway | reconciler: Refund "+req+"-1") {
		t.Errorf("timeline:\n%s", tl)
	}
}
