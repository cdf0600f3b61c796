package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// placeOrders stores n orders of one green tea for the user with email,
// straight in the store: the race tests need hundreds, and checkout is
// tested elsewhere.
func (f *flow) placeOrders(email string, n int) []string {
	f.t.Helper()
	ctx := context.Background()
	u, err := f.app.db.FindUserByEmail(ctx, email)
	if err != nil {
		f.t.Fatal(err)
	}
	nos := make([]string, n)
	for i := range nos {
		o, err := f.app.db.CreateOrder(ctx, sqlite.NewOrder{
			UserID: u.ID, Actor: shop.ActorCustomer(email), Currency: "CNY", TTL: f.app.cfg.OrderTTL,
			Items:   []shop.OrderItem{{ProductID: 1, Name: "Longjing green tea, 100 g", UnitPrice: 6800, Quantity: 1}},
			Contact: shop.Contact{Name: "Alice Wang", Email: email, Phone: "+86 138 0000 0000", Address: "1 West Lake Road", City: "Hangzhou", PostalCode: "310000"},
			NewNo:   func() (string, error) { return shop.NewOrderNo(time.Now(), rand.Reader) },
		})
		if err != nil {
			f.t.Fatal(err)
		}
		nos[i] = o.No
	}
	return nos
}

// gatewayPayments lists every payment of the demo merchant at the gateway,
// by the order number their out_trade_no ({order_no}-{n}) starts with.
func (f *flow) gatewayPayments() map[string][]gatewayapi.Payment {
	f.t.Helper()
	out := map[string][]gatewayapi.Payment{}
	after := ""
	for {
		page, err := f.api.ListPayments(context.Background(), gatewayclient.ListPaymentsParams{Limit: 100, StartingAfter: after})
		if err != nil {
			f.t.Fatal(err)
		}
		for _, p := range page.Data {
			i := strings.LastIndexByte(p.OutTradeNo, '-')
			out[p.OutTradeNo[:i]] = append(out[p.OutTradeNo[:i]], p)
		}
		if !page.HasMore || len(page.Data) == 0 {
			return out
		}
		after = page.Data[len(page.Data)-1].ID
	}
}

// payable is the time a payment could be paid in, by the gateway's own
// clock: from its creation until it was closed or paid; a pending payment
// still can be.
func payable(p gatewayapi.Payment) (from, until time.Time) {
	until = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	switch {
	case p.ClosedAt != nil:
		until = *p.ClosedAt
	case p.PaidAt != nil:
		until = *p.PaidAt
	}
	return p.CreatedAt, until
}

// overlapping returns two payments of ps that were payable at the same
// moment, if any.
func overlapping(ps []gatewayapi.Payment) (a, b string) {
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			fi, ui := payable(ps[i])
			fj, uj := payable(ps[j])
			if fi.Before(uj) && fj.Before(ui) {
				return ps[i].OutTradeNo, ps[j].OutTradeNo
			}
		}
	}
	return "", ""
}

// TestFlow_ConcurrentMethodChoices: on hundreds of orders, the
// customer picks a bank card and Alipay at once (two tabs, a quick second
// click). Whatever the interleaving, the gateway never has two payable
// payments for one order at the same moment, and paying every payment the
// gateway has for an order succeeds at most once.
//
// The windows are widened the way a slow network would: every create call
// waits 100 ms at the gateway before it takes effect (api_latency), and the
// answer to each lookup by out_trade_no reaches the shop up to 300 ms after
// the gateway read its state. A shop that closes an attempt as "never
// created" on a 404 while its create call is still on the way fails here.
func TestFlow_ConcurrentMethodChoices(t *testing.T) {
	// The reconciler has nothing to do here; its passes would only compete
	// for the database.
	f := startFlow(t, nil, func(c *config) { c.ReconcileEvery = time.Hour }, "api_latency=100ms")
	f.setLookupDelay(0, 300*time.Millisecond)
	alice := f.signIn("alice@example.com", "alice-sandbox")
	const orders, parallel = 200, 16
	nos := f.placeOrders("alice@example.com", orders)

	var mu sync.Mutex
	var problems []string
	work := make(chan string)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for no := range work {
				var pair sync.WaitGroup
				for _, method := range []string{"card", "alipay"} {
					pair.Go(func() {
						st, _, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {method}})
						if err != nil || st != http.StatusSeeOther {
							mu.Lock()
							problems = append(problems, fmt.Sprintf("%s by %s: %d %v", no, method, st, err))
							mu.Unlock()
						}
					})
				}
				pair.Wait()
			}
		})
	}
	start := time.Now()
	for _, no := range nos {
		work <- no
	}
	close(work)
	wg.Wait()
	t.Logf("%d orders, two method choices each, in %v", orders, time.Since(start).Round(time.Millisecond))
	for _, p := range problems {
		t.Errorf("pay: %s", p)
	}

	ctx := context.Background()
	start = time.Now()
	byOrder := f.gatewayPayments()
	var overlaps, twoPending, twoPaid, none int
	check := make(chan string)
	var checkers sync.WaitGroup
	for range parallel {
		checkers.Go(func() {
			for no := range check {
				ps := byOrder[no]
				a, b := overlapping(ps)
				pending, paid := 0, 0
				for _, p := range ps {
					if p.Status == gatewayapi.PaymentPending {
						pending++
					}
					// The customer pays every cashier the gateway would show.
					_, err := f.api.SucceedPayment(ctx, p.ID)
					switch {
					case err == nil:
						paid++
					case gatewayclient.ErrorCode(err) != gatewayclient.CodePaymentNotPending:
						t.Errorf("succeed %s: %v", p.ID, err)
					}
				}
				mu.Lock()
				if len(ps) == 0 {
					none++
				}
				if a != "" {
					overlaps++
					if overlaps <= 3 {
						t.Errorf("order %s: payments %s and %s were payable at the same time", no, a, b)
					}
				}
				if pending > 1 {
					twoPending++
				}
				if paid > 1 {
					twoPaid++
				}
				mu.Unlock()
			}
		})
	}
	for _, no := range nos {
		check <- no
	}
	close(check)
	checkers.Wait()
	t.Logf("checked at the gateway in %v", time.Since(start).Round(time.Millisecond))
	t.Logf("orders with payments payable at the same time: %d, with two pending: %d, paid twice: %d, without any payment: %d",
		overlaps, twoPending, twoPaid, none)
	if overlaps+twoPending+twoPaid > 0 {
		t.Errorf("of %d orders, %d had payments payable at the same time, %d two pending payments, %d were paid twice",
			orders, overlaps, twoPending, twoPaid)
	}
	// Every order was offered a payment: the race must not end in neither.
	if none > 0 {
		t.Errorf("%d orders have no gateway payment at all", none)
	}
}

// TestFlow_CashierDoubleSubmitChargesOnce: the customer submits the
// cashier's card form twice at once (a double click, or a second tab). The
// payment succeeds once: one payment.succeeded, the order paid by it, and
// nothing refunded.
func TestFlow_CashierDoubleSubmitChargesOnce(t *testing.T) {
	f := startFlow(t, nil, nil, "")
	ctx := context.Background()
	alice := f.signIn("alice@example.com", "alice-sandbox")
	no := alice.order("2")
	st, cashier, err := alice.postRaw("/orders/"+no+"/pay", url.Values{"method": {"card"}})
	if err != nil || st != http.StatusSeeOther || !strings.HasPrefix(cashier, f.gw.URL+"/pay/") {
		t.Fatalf("card payment: %d to %q (%v), want the cashier", st, cashier, err)
	}
	card := url.Values{"number": {"4242 4242 4242 4242"}, "expiry": {"12/" + time.Now().AddDate(2, 0, 0).Format("06")}, "cvc": {"123"}}
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() {
			resp, err := http.PostForm(cashier+"/pay", card)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	p, err := f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil || p.Status != gatewayapi.PaymentSucceeded {
		t.Fatalf("payment = %+v, %v (cashier answered %v); want succeeded", p, err, statuses)
	}
	f.eventually(10*time.Second, "order never paid", func() bool { return f.order(no).Status == shop.OrderPaid })
	events, err := f.api.ListEvents(ctx, gatewayclient.ListEventsParams{ObjectID: p.ID, Type: gatewayapi.EventPaymentSucceeded})
	if err != nil || len(events.Data) != 1 {
		t.Errorf("payment.succeeded events = %d (%v), want 1", len(events.Data), err)
	}
	if refunds := f.gatewayRefunds(p.ID); len(refunds) != 0 {
		t.Errorf("gateway refunds = %+v, want none", refunds)
	}
	if o := f.order(no); o.PaidAttemptID != f.attempts(no)[0].ID || len(f.attempts(no)) != 1 {
		t.Errorf("order paid by attempt %d with attempts %+v", o.PaidAttemptID, f.attempts(no))
	}
	if tl := f.timeline(no); strings.Count(tl, "Paid by attempt 1") != 1 || strings.Contains(tl, "refunded automatically") {
		t.Errorf("timeline:\n%s", tl)
	}
}
