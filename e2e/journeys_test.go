package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Journey 1: a customer signs in, puts two products in the cart, checks out,
// picks Alipay, follows the payment page's link to the cashier, pays, and is
// brought back to the shop's success page; the order is paid and its
// timeline shows the notification that said so. It runs in English and in
// Chinese, as every journey does.
func TestJourney_AlipayPaid(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyAlipayPaid)
}

func journeyAlipayPaid(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	p := newPageIn(t, "alipay-paid", lang, false)
	docs := func(name string) string {
		if lang != i18n.English {
			return ""
		}
		return name
	}
	p.signIn(s, "alice@example.com", "alice-sandbox")
	no := p.order(s, "green-tea", "cups")

	p.click(`button[name=method][value=alipay]`, `[data-testid=qr]`)
	p.waitVisible(`[data-testid=pay-link]`, stepTimeout)
	// The page has loaded (images included), so the QR image has arrived.
	if w := eval[int](p, "measure the QR code", `document.querySelector('[data-testid=qr]').naturalWidth`); w == 0 {
		t.Error("the payment page's QR image did not load")
	}
	p.checkLang("the shop's payment page")
	p.shot("shop-payment-page", docs("shop-payment-page"))

	p.click(`[data-testid=pay-link]`, `[data-testid=pay-button]`)
	p.checkLang("the cashier")
	p.shot("cashier-alipay", docs("cashier-alipay"))
	p.payAtCashier("", "cashier-paid")
	p.shot("cashier-paid", "")
	// No click: the cashier's result page returns to the shop by itself
	// after 3 s.
	p.waitVisible(`[data-testid=result-paid]`, 15*time.Second)
	p.shot("shop-paid", "")

	if got := p.openOrder(no); got != "paid" {
		t.Errorf("order status %q, want paid", got)
	}
	if got, want := p.timelineActors("paid"), p.say(actorNotification); !slices.Equal(got, []string{want}) {
		t.Errorf("timeline: paid by %q, want one entry by %q", got, want)
	}
	p.checkLang("the order page")
	p.shot("order-paid", "")
}

// Journey 2: the declined test card shows the decline and the order stays
// pending; paying again with the good card succeeds; the timeline shows both
// tries.
func TestJourney_CardDeclinedThenPaid(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyCardDeclinedThenPaid)
}

func journeyCardDeclinedThenPaid(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	p := newPageIn(t, "card-declined-then-paid", lang, false)
	p.signIn(s, "alice@example.com", "alice-sandbox")
	no := p.order(s, "teapot")

	// Card payments go straight to the cashier.
	p.click(`button[name=method][value=card]`, `#number`)
	p.payAtCashier(cardDeclined, "cashier-declined")
	if got, want := p.text(`[data-testid=cashier-declined] h1`), p.say("cashier.result.declined.title"); got != want {
		t.Errorf("the cashier's decline says %q, want %q", got, want)
	}
	p.shot("cashier-declined", "")
	p.returnToShop(s, "result-declined")
	p.shot("shop-declined", "")
	if got := p.openOrder(no); got != "pending_payment" {
		t.Fatalf("after the decline the order is %q, want pending_payment", got)
	}

	p.click(`main a[href="/orders/`+no+`/pay"]`, `[data-testid=last-declined]`)
	p.shot("pay-after-decline", "")
	p.click(`[data-testid=pay-link]`, `#number`)
	p.payAtCashier(cardOK, "cashier-paid")
	p.returnToShop(s, "result-paid")
	if got := p.openOrder(no); got != "paid" {
		t.Errorf("order status %q, want paid", got)
	}
	if n := len(p.timelineActors("payment_declined")); n != 1 {
		t.Errorf("timeline has %d declines, want 1", n)
	}
	if n := len(p.timelineActors("paid")); n != 1 {
		t.Errorf("timeline has %d payments, want 1", n)
	}
	p.shot("order-paid", "")
}

// Journey 3: the customer asks for part of the money back with a reason;
// customer service approves in the back office; the customer sees the
// refund completed, a notification with the unread count, and the order
// partially refunded.
func TestJourney_PartialRefund(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyPartialRefund)
}

func journeyPartialRefund(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	alice := newPageIn(t, "partial-refund-customer", lang, false)
	alice.signIn(s, "alice@example.com", "alice-sandbox")
	no := alice.order(s, "green-tea", "cups")
	alice.click(`button[name=method][value=card]`, `#number`)
	alice.payAtCashier(cardOK, "cashier-paid")
	alice.returnToShop(s, "result-paid")
	alice.openOrder(no)

	alice.click(`[data-testid=request-refund]`, `select[name=reason]`)
	// What people type is in their own language.
	details := map[string]string{i18n.English: "One cup arrived chipped.", i18n.Chinese: "有一只杯子磕破了"}[lang]
	note := map[string]string{i18n.English: "Approved: sorry about the cup.", i18n.Chinese: "同意退款，抱歉杯子有破损"}[lang]
	alice.fill(map[string]string{`input[name=amount]`: "50.00", `select[name=reason]`: "damaged", `textarea[name=details]`: details})
	alice.shot("refund-form", "")
	alice.click(`[data-testid=send-refund-request]`, `[data-testid=refund-pending-review]`)
	request := eval[string](alice, "read the request number", `location.pathname.split("/").pop()`)
	// The customer goes back to the order while customer service decides
	// (the refund's own page would mark its notifications read).
	alice.openOrder(no)

	support := newPageIn(t, "partial-refund-support", lang, false)
	support.signIn(s, "support@example.com", "support-sandbox")
	review := `a[href="/admin/refunds/` + request + `"]`
	support.click(`header nav a[href="/admin"]`, review)
	support.click(review, `#note`)
	doc := ""
	if lang == i18n.English {
		doc = "back-office-review"
	}
	support.checkLang("the review page")
	support.shot("review", doc)
	support.fill(map[string]string{`#note`: note})
	support.clickLoad(`[data-testid=approve]`)
	if support.exists(review) {
		t.Errorf("the request is still in the queue after approval")
	}

	alice.waitStatus("partially_refunded", 20*time.Second)
	unread, err := strconv.Atoi(alice.text(`[data-testid=unread-count]`))
	if err != nil || unread < 1 {
		t.Fatalf("unread count %d (%v), want at least one notification", unread, err)
	}
	alice.click(`header nav a[href="/notifications"]`, `[data-testid^=notice]`)
	alice.shot("notifications", "")
	if got := alice.count(`[data-testid=notice-unread]`); got != unread {
		t.Errorf("notifications page shows %d unread, the badge said %d", got, unread)
	}
	alice.click(`[data-testid=notice-unread] a[href="/refunds/`+request+`"]`, `[data-testid=refund-refunded]`)
	alice.shot("refund-completed", "")
	if got := alice.openOrder(no); got != "partially_refunded" {
		t.Errorf("order status %q, want partially_refunded", got)
	}
	alice.checkLang("the refunded order")
	if lang == i18n.English {
		alice.shot("order-timeline", "order-timeline")
	} else {
		alice.shot("order-timeline", "")
	}
}

// Journey 4: a fault rule at the gateway drops every notification of the
// order's payments; the customer pays; the order still becomes paid — by
// the check when the customer comes back from the cashier, or, when the
// customer closes the cashier instead, by the reconciler — and the timeline
// says which.
func TestJourney_NotificationsDropped(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyNotificationsDropped)
}

func journeyNotificationsDropped(t *testing.T, lang string) {
	for _, tc := range []struct {
		name      string
		shopEnv   map[string]string
		returns   bool
		wantActor string
	}{
		// The reconciler waits a minute: only the return check can pay it.
		{"customer returns", nil, true, actorReturn},
		// The customer never comes back; the reconciler looks after 1 s.
		{"customer leaves", map[string]string{"RECONCILE_AFTER": "1s", "RECONCILE_EVERY": "500ms"}, false, actorReconciler},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, nil, tc.shopEnv)
			p := newPageIn(t, "notifications-dropped", lang, false)
			p.signIn(s, "alice@example.com", "alice-sandbox")
			no := p.order(s, "mooncakes")
			// Set-up, not a journey step: the gateway has no HTML console
			// yet, so the QA engineer's fault rule goes through its admin
			// API. It matches every payment of this order.
			s.gw.AddFault(map[string]any{"match": map[string]any{"operation": "notify", "out_trade_no_prefix": no}, "scenario": "notify_drop"})

			p.click(`button[name=method][value=alipay]`, `[data-testid=pay-link]`)
			p.click(`[data-testid=pay-link]`, `[data-testid=pay-button]`)
			p.payAtCashier("", "cashier-paid")
			if tc.returns {
				p.returnToShop(s, "result-paid")
				p.openOrder(no)
			} else {
				// Straight to the order page, as from a bookmark, before
				// the cashier sends the browser back.
				p.open(s.shop.URL+"/orders/"+no, `[data-testid^="order-status-"]`)
				p.waitStatus("paid", 20*time.Second)
			}
			if got := p.orderStatus(); got != "paid" {
				t.Fatalf("order status %q, want paid", got)
			}
			if got, want := p.timelineActors("paid"), p.say(tc.wantActor); !slices.Equal(got, []string{want}) {
				t.Errorf("timeline: paid by %q, want one entry by %q", got, want)
			}
			p.shot("order-paid", "")

			// After the journey, the gateway's side: the notification was
			// really dropped, so the notification did not pay the order.
			pay := gatewayPayment(t, s, no+"-1")
			var events gatewayapi.List[gatewayapi.Event]
			gatewayGet(t, s, "/v1/events?object_id="+pay.ID+"&type=payment.succeeded", http.StatusOK, &events)
			if len(events.Data) != 1 || len(events.Data[0].Attempts) == 0 {
				t.Fatalf("events of %s: %+v, want one payment.succeeded with attempts", pay.ID, events.Data)
			}
			for _, a := range events.Data[0].Attempts {
				if a.StatusCode != nil {
					t.Errorf("attempt %d reached the shop (status %d); the rule should have dropped it", a.Number, *a.StatusCode)
				}
			}
		})
	}
}

// Journey 5: the customer opens WeChat Pay, then switches to UnionPay and
// pays; the WeChat payment is closed at the gateway and the order is paid
// once.
func TestJourney_SwitchMethod(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeySwitchMethod)
}

func journeySwitchMethod(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	p := newPageIn(t, "switch-method", lang, false)
	p.signIn(s, "alice@example.com", "alice-sandbox")
	no := p.order(s, "chopsticks")

	p.click(`button[name=method][value=wechat]`, `[data-testid=qr]`)
	p.shot("shop-wechat", "")
	p.click(`button[name=method][value=unionpay]`, `#sms_code`)
	p.shot("cashier-unionpay", "")
	p.payAtCashier("", "cashier-paid")
	p.returnToShop(s, "result-paid")
	if got := p.openOrder(no); got != "paid" {
		t.Errorf("order status %q, want paid", got)
	}
	if n := len(p.timelineActors("paid")); n != 1 {
		t.Errorf("timeline has %d payments, want 1", n)
	}
	p.shot("order-paid", "")

	// The gateway's side, after the journey.
	if got := gatewayPayment(t, s, no+"-1"); got.Method != "wechat" || got.Status != gatewayapi.PaymentClosed {
		t.Errorf("attempt 1 at the gateway: %s %s, want a closed wechat payment", got.Method, got.Status)
	}
	if got := gatewayPayment(t, s, no+"-2"); got.Method != "unionpay" || got.Status != gatewayapi.PaymentSucceeded {
		t.Errorf("attempt 2 at the gateway: %s %s, want a succeeded unionpay payment", got.Method, got.Status)
	}
	gatewayGet(t, s, "/v1/payments?out_trade_no="+no+"-3", http.StatusNotFound, nil)
}

// gatewayPayment reads a payment by out_trade_no through the gateway's API
// with the shop's merchant key.
func gatewayPayment(t *testing.T, s *stack, outTradeNo string) gatewayapi.Payment {
	t.Helper()
	var p gatewayapi.Payment
	gatewayGet(t, s, "/v1/payments?out_trade_no="+outTradeNo, http.StatusOK, &p)
	return p
}

func gatewayGet(t *testing.T, s *stack, path string, want int, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := s.gw.Request(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
}
