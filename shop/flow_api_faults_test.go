package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/payment"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// TestFlow_GatewayAPIFaults makes the gateway's API misbehave while the shop
// creates a payment. Faults that happen after the payment was made
// (api_error_after_commit, api_malformed) are absorbed by retrying under the
// same Idempotency-Key: one attempt, one gateway payment. A gateway that
// keeps failing leaves the attempt waiting, and the next click, once the
// gateway is back, continues it with the same out_trade_no.
func TestFlow_GatewayAPIFaults(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	for _, scenario := range []string{"api_error_after_commit=500", "api_malformed", "api_latency=200ms"} {
		t.Run(scenario, func(t *testing.T) {
			f.setScenario(scenario)
			no := alice.order("1")
			_, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
			attempts := f.attempts(no)
			if len(attempts) != 1 || attempts[0].Status != shop.AttemptPending || !strings.Contains(body, attempts[0].QRCodeURL) {
				t.Fatalf("attempts = %+v\n%s", attempts, body)
			}
			list, err := f.api.ListPayments(ctx, gatewayclient.ListPaymentsParams{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range list.Data {
				if strings.HasPrefix(p.OutTradeNo, no) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("gateway payments for %s = %d, want 1", no, n)
			}
		})
	}
	t.Run("api_error=503 on every try", func(t *testing.T) {
		f.setScenario("api_error=503")
		no := alice.order("1")
		_, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
		if !strings.Contains(body, "could not be reached") {
			t.Errorf("page does not say the provider is unreachable")
		}
		if a := f.attempts(no); len(a) != 1 || a[0].Status != shop.AttemptCreating {
			t.Fatalf("attempts = %+v, want one still being created", a)
		}
		f.setScenario("")
		alice.post("/orders/"+no+"/pay", url.Values{"method": {"wechat"}})
		a := f.attempts(no)
		if len(a) != 1 || a[0].Status != shop.AttemptPending || a[0].OutTradeNo != no+"-1" {
			t.Fatalf("after the gateway recovered: attempts = %+v", a)
		}
	})
}

// TestFlow_CancelWhileCreating: the gateway holds the create call of
// attempt 1 (api_latency) while the customer cancels in another tab. The
// cancel does not look the attempt up behind the creating request's back:
// it waits until the create has landed, then closes the payment at the
// gateway and the order, so nothing can be paid for a closed order.
func TestFlow_CancelWhileCreating(t *testing.T) {
	f := startFlow(t, nil, nil, "api_latency=2s")
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("3")
	paid := make(chan error, 1)
	go func() {
		_, _, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
		paid <- err
	}()
	f.eventually(5*time.Second, "attempt 1 never written", func() bool { return len(f.attempts(no)) == 1 })
	if _, body := alice.post("/orders/"+no+"/cancel", nil); f.order(no).Status != shop.OrderClosed {
		t.Fatalf("cancel while creating: order %s\n%s\n%s", f.order(no).Status, body, f.timeline(no))
	}
	if err := <-paid; err != nil {
		t.Fatal(err)
	}
	f.closedWithItsPayment(no, "Alipay")
}

// closedWithItsPayment checks that order no is closed, that its one attempt
// was created at the gateway and closed there (not closed here as never
// created), so nothing of the order can be paid.
func (f *flow) closedWithItsPayment(no, method string) {
	f.t.Helper()
	p, err := f.api.GetPaymentByOutTradeNo(context.Background(), no+"-1")
	if err != nil {
		f.t.Fatalf("the delayed create made no payment, the test proves nothing: %v", err)
	}
	if p.Status != gatewayapi.PaymentClosed {
		f.t.Errorf("gateway payment of the closed order is %s, want closed", p.Status)
	}
	a := f.attempts(no)
	if len(a) != 1 || a[0].Status != shop.AttemptClosed || a[0].PaymentID != p.ID {
		f.t.Errorf("attempts = %+v, want attempt 1 closed with payment %s", a, p.ID)
	}
	tl := f.timeline(no)
	if !strings.Contains(tl, "Payment attempt 1 ("+method+", "+p.ID+") was closed") || strings.Contains(tl, "never created") {
		f.t.Errorf("timeline does not say that payment %s was closed at the gateway:\n%s", p.ID, tl)
	}
	if got := f.order(no).Status; got != shop.OrderClosed {
		f.t.Errorf("order = %s, want closed", got)
	}
}

// TestFlow_CancelLookupAnsweredLate: the cancel's lookup
// by out_trade_no reaches the gateway before the held create call has
// landed, and its 404 reaches the shop after the payment was made and
// recorded. A cancel that closed the attempt "never created" on that 404
// would leave a live payment for a closed order.
func TestFlow_CancelLookupAnsweredLate(t *testing.T) {
	f := startFlow(t, nil, nil, "api_latency=300ms")
	f.setLookupDelay(time.Second, time.Second)
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("3")
	paid := make(chan error, 1)
	go func() {
		_, _, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"card"}})
		paid <- err
	}()
	f.eventually(5*time.Second, "attempt 1 never written", func() bool { return len(f.attempts(no)) == 1 })
	alice.post("/orders/"+no+"/cancel", nil)
	if err := <-paid; err != nil {
		t.Fatal(err)
	}
	f.closedWithItsPayment(no, "Bank card")
}

// TestFlow_ExpiryWhileCreating: the order's time runs out
// while its create call is held at the gateway, and the reconciler's lookup
// is answered late. The reconciler leaves the order to a later pass while
// the attempt is being created, then closes the payment that landed and
// the order.
func TestFlow_ExpiryWhileCreating(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.OrderTTL = 3 * time.Second }, "api_latency=2s")
	f.setLookupDelay(2*time.Second, 2*time.Second)
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("3")
	time.Sleep(time.Until(f.order(no).ExpiresAt.Add(-time.Second)))
	// Paid one second before the deadline; the create lands one second
	// after it.
	st, _, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	if err != nil || st != http.StatusSeeOther || len(f.attempts(no)) != 1 {
		t.Fatalf("pay just before the deadline: %d %v, attempts %+v", st, err, f.attempts(no))
	}
	f.eventually(15*time.Second, "expired order never closed", func() bool { return f.order(no).Status != shop.OrderPendingPayment })
	f.closedWithItsPayment(no, "Alipay")
}

// TestFlow_CrashedCreatorDoesNotWedgeTheOrder: a request wrote attempt 1
// and died (its lease is left behind) — before calling the gateway, or
// after its create call landed. Once the lease runs out, another request
// takes the attempt over: it closes it as never created when the gateway
// has no payment, and closes the payment there when it has.
func TestFlow_CrashedCreatorDoesNotWedgeTheOrder(t *testing.T) {
	f := startFlow(t, nil, nil, "", func(o *options) {
		o.payment = func(c *payment.Config) { c.CreateTimeout = 400 * time.Millisecond }
	})
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	u, err := f.app.db.FindUserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// crash writes attempt 1 of a new order with card, held by a request
	// that then dies; with landed, its create call had reached the gateway.
	crash := func(landed bool) (string, time.Time) {
		no := alice.order("3")
		until := f.app.db.Now().Add(600 * time.Millisecond)
		plan, err := f.app.db.StartAttempt(ctx, no, u.ID, "card", "", shop.ActorCustomer(u.Email), sqlite.Lease{Token: "crashed", Until: until})
		if err != nil || !plan.Create {
			t.Fatalf("start attempt = %+v, %v", plan, err)
		}
		if landed {
			a := plan.Attempt
			if _, err := f.api.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: a.OutTradeNo, Amount: a.Amount,
				Currency: a.Currency, Method: a.Method, Subject: "order " + no}); err != nil {
				t.Fatal(err)
			}
		}
		return no, until
	}
	t.Run("NeverSentThenSwitched", func(t *testing.T) {
		no, until := crash(false)
		st, loc, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
		if err != nil || st != http.StatusSeeOther || loc != "/orders/"+no+"/pay" {
			t.Fatalf("switching method after a crash: %d to %q (%v)", st, loc, err)
		}
		if now := f.app.db.Now(); now.Before(until) {
			t.Errorf("the crashed request's attempt was taken over at %v, before its lease ran out at %v", now, until)
		}
		a := f.attempts(no)
		if len(a) != 2 || a[0].Status != shop.AttemptClosed || a[1].Status != shop.AttemptPending || a[1].Method != "alipay" {
			t.Fatalf("attempts = %+v, want 1 closed and 2 pending", a)
		}
		if tl := f.timeline(no); !strings.Contains(tl, "Payment attempt 1 closed: the gateway never created it.") {
			t.Errorf("timeline:\n%s", tl)
		}
	})
	t.Run("LandedThenCancelled", func(t *testing.T) {
		no, _ := crash(true)
		if _, body := alice.post("/orders/"+no+"/cancel", nil); !strings.Contains(body, "was cancelled") {
			t.Fatalf("cancel after a crash:\n%s\n%s", body, f.timeline(no))
		}
		f.closedWithItsPayment(no, "Bank card")
	})
}

// TestFlow_LostCreateAnswer: the gateway makes the payment but its answer
// is lost (api_error_after_commit with a shop that has no tries left), so
// the attempt stays "creating" without the payment's links. The reconciler
// reads the payment and moves the attempt to pending; the links come with
// it, so the QR code is shown and the card customer goes to the cashier.
func TestFlow_LostCreateAnswer(t *testing.T) {
	f := startFlow(t, nil, func(c *config) { c.ReconcileAfter = 300 * time.Millisecond }, "notify_drop", func(o *options) {
		o.gatewayClient = append(o.gatewayClient, gatewayclient.WithMaxAttempts(1))
	})
	ctx := context.Background()
	f.gw.AddFault(map[string]any{"match": map[string]any{"operation": "create_payment"}, "scenario": "api_error_after_commit=500", "remaining": 2})
	alice := f.signIn("alice@example.com", "alice-sandbox")
	for _, method := range []string{"alipay", "card"} {
		t.Run(method, func(t *testing.T) {
			no := alice.order("1")
			if _, body := alice.post("/orders/"+no+"/pay", url.Values{"method": {method}}); !strings.Contains(body, "could not be reached") {
				t.Fatalf("the create answer was not lost:\n%s", body)
			}
			p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
			if err != nil {
				t.Fatalf("no gateway payment behind the lost answer: %v", err)
			}
			f.eventually(10*time.Second, "attempt never reconciled", func() bool { return f.attempts(no)[0].Status == shop.AttemptPending })
			if a := f.attempts(no)[0]; a.PaymentID != p.ID || a.PayURL != p.PayURL || a.QRCodeURL != p.QRCodeURL {
				t.Errorf("attempt = %+v, want payment %s with pay_url %s and qr_code_url %s", a, p.ID, p.PayURL, p.QRCodeURL)
			}
			if method == "alipay" {
				if _, body := alice.get("/orders/" + no + "/pay"); !strings.Contains(body, `src="`+p.QRCodeURL+`"`) || !strings.Contains(body, p.PayURL) {
					t.Errorf("payment page lacks the QR code %s and link %s", p.QRCodeURL, p.PayURL)
				}
				return
			}
			st, loc, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {method}})
			if err != nil || st != http.StatusSeeOther || loc != p.PayURL {
				t.Errorf("paying by card again: %d to %q (%v), want the cashier %s", st, loc, err, p.PayURL)
			}
		})
	}
}
