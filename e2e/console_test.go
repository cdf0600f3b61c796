package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The QA console's journeys: the QA engineer at the gateway's /admin while a
// customer uses the shop, in real Chromium against the real binaries.

// signInConsole signs in to the console with a token and waits for want.
func (p *page) signInConsole(s *stack, token, want string) {
	p.t.Helper()
	p.open(s.gw.URL+"/admin", `#token`)
	p.fill(map[string]string{`#token`: token})
	p.click(`main form button.primary`, want)
}

// clickFlash clicks sel (a button of a console action) and waits for the
// page it leads to to say what happened: a flash message holding want.
// (The page clicked may show an older flash, so its mere presence says
// nothing.)
func (p *page) clickFlash(sel, want string) {
	p.t.Helper()
	p.clickOnly(sel)
	expr := `(() => { const e = document.querySelector("main .flash"); return e ? e.innerText : ""; })()`
	deadline := time.Now().Add(stepTimeout)
	last := ""
	for !strings.Contains(last, want) {
		if time.Now().After(deadline) {
			p.fail("wait for the message "+jsString(want)+" (last: "+jsString(last)+")", context.DeadlineExceeded)
		}
		time.Sleep(100 * time.Millisecond)
		last = eval[string](p, "read the flash", expr)
	}
}

// Journey: QA signs in (a wrong token first), makes a fault rule that drops
// the next notification, a customer pays an order on the cashier, and QA
// follows the payment in the console: the event shows the dropped attempt
// and the delivered retry, QA redelivers it, finds the payment by its
// out_trade_no, refunds part of it and settles the stuck refund as failed.
func TestConsole_QAJourney(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil, nil)
	qa := newPage(t, "console-qa", false)

	// A wrong token is refused, with the reason beside the field (and a
	// 401, which the browser reports).
	qa.expectError("/admin/signin: Failed to load resource: the server responded with a status of 401")
	qa.signInConsole(s, "not-the-admin-token-at-all", `#token-error`)
	if got := qa.text(`#token-error`); !strings.Contains(got, "not this gateway's admin token") {
		t.Fatalf("wrong token: %q", got)
	}
	if !strings.Contains(qa.location(), "/admin/signin") {
		t.Fatalf("a refused sign-in left the sign-in page: %s", qa.location())
	}
	qa.fill(map[string]string{`#token`: s.gw.AdminToken})
	qa.click(`main form button.primary`, `.tiles`)

	// A rule from a preset: drop the next notification of the demo merchant.
	qa.click(`nav.menu a[href="/admin/faults"]`, `#fault-form`)
	qa.fill(map[string]string{`#preset`: "drop_next", `#merchant`: "m_demo"})
	qa.shot("fault-rule-form", "console-fault-rule")
	qa.clickFlash(`#create-rule`, "created: notify_drop=1")

	// The customer pays an order with Alipay on the cashier.
	alice := newPage(t, "console-customer", false)
	alice.signIn(s, "alice@example.com", "alice-sandbox")
	no := alice.order(s, "mooncakes")
	alice.click(`button[name=method][value=alipay]`, `[data-testid=pay-link]`)
	alice.click(`[data-testid=pay-link]`, `[data-testid=pay-button]`)
	alice.payAtCashier("", "cashier-paid")

	// QA finds the payment by its out_trade_no from the header's search.
	outTradeNo := no + "-1"
	qa.fill(map[string]string{`header .search input[name=q]`: outTradeNo})
	qa.click(`header .search button`, `#timeline`)
	if got := qa.text(`h1 .st`); got != "succeeded" {
		t.Fatalf("payment status %q, want succeeded", got)
	}
	// The page refreshes itself until the notification is delivered.
	qa.waitVisible(`table .st-delivered`, 20*time.Second)

	// The event: the first attempt dropped by the rule, the retry delivered.
	qa.click(`table a[href^="/admin/events/"]`, `#attempt-2`)
	a1 := qa.text(`#attempt-1`)
	if !strings.Contains(a1, "dropped by scenario") || !strings.Contains(a1, "notify_drop") || !strings.Contains(a1, "Nothing was sent") {
		t.Fatalf("attempt 1: %q, want dropped by the notify_drop scenario", a1)
	}
	a2 := qa.text(`#attempt-2`)
	if !strings.Contains(a2, "HTTP 200") || !strings.Contains(a2, "Webhook-Signature") || !strings.Contains(a2, outTradeNo) {
		t.Fatalf("attempt 2: %q, want the signed request delivered with HTTP 200", a2)
	}
	qa.clickFlash(`#act-redeliver`, "Redelivery of evt_")
	qa.waitReloading(`#attempt-3`, 20*time.Second)
	if got := qa.text(`#attempt-3`); !strings.Contains(got, "HTTP 200") {
		t.Fatalf("attempt 3: %q, want HTTP 200", got)
	}

	// Back to the payment: refund part of it, with a refund that sticks.
	qa.click(`.crumbs a[href^="/admin/payments/pay_"]`, `#refund-form`)
	qa.fill(map[string]string{`#refund-amount`: "1.00", `#refund-scenario`: "refund_stuck"})
	qa.clickFlash(`#act-refund`, "of ¥1.00 created; it is pending")
	qa.fill(map[string]string{`input[id^=settle-code-]`: "REFUND_REJECTED"})
	qa.clickFlash(`.settle-fail`, "failed with REFUND_REJECTED")
	tl := qa.text(`#timeline`)
	for _, want := range []string{"Created through Native", "Succeeded (paid)", "attempt 1: dropped by scenario", "attempt 2: HTTP 200",
		"attempt 3: HTTP 200", "of ¥1.00 requested", "failed"} {
		if !strings.Contains(tl, want) {
			t.Fatalf("timeline lacks %q:\n%s", want, tl)
		}
	}
	qa.shot("payment-timeline", "console-payment-timeline")

	// The overview counts what happened.
	qa.click(`nav.menu a[href="/admin"]`, `.tiles`)
	qa.shot("overview", "console-overview")
	if got := qa.text(`.tiles`); !strings.Contains(got, "succeeded") || !strings.Contains(got, "failed") {
		t.Fatalf("overview tiles: %q", got)
	}
}

// Journey: the console on a phone — the overview and a list fit the
// screen's width (tables scroll inside their box), and signing out ends the
// session.
func TestConsole_Phone(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil, nil)
	p := newPage(t, "console-phone", true)
	p.signInConsole(s, s.gw.AdminToken, `.tiles`)
	for _, path := range []string{"/admin", "/admin/payments", "/admin/faults", "/admin/merchants/m_demo"} {
		p.open(s.gw.URL+path, `main h1`)
		if wide := eval[bool](p, "measure the page", `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
			t.Errorf("%s is wider than the phone's screen", path)
		}
		p.shot(strings.ReplaceAll(strings.Trim(path, "/"), "/", "-"), "")
	}
	p.click(`form.signout button`, `#token`)
	p.open(s.gw.URL+"/admin/payments", `#token`)
	if u, _ := url.Parse(p.location()); u.Path != "/admin/signin" {
		t.Fatalf("after sign-out /admin/payments shows %s", p.location())
	}
}
