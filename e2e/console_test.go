package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
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

// sayParts is a console message in the page's language cut where its
// arguments named unknown go (ids the journey cannot know): the parts
// that must be on the page.
func (p *page) sayParts(key string, kv ...any) []string {
	var out []string
	for _, part := range strings.Split(p.say(key, kv...), unknown) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// unknown stands for an argument sayParts leaves out.
const unknown = "\x00"

// clickFlashSays is clickFlash waiting for every part of a message.
func (p *page) clickFlashSays(sel, key string, kv ...any) {
	p.t.Helper()
	parts := p.sayParts(key, kv...)
	p.clickFlash(sel, parts[0])
	if got := p.text("main .flash"); !containsAll(got, parts) {
		p.t.Fatalf("flash %q, want %q", got, parts)
	}
}

func containsAll(s string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(s, part) {
			return false
		}
	}
	return true
}

// Journey: QA signs in (a wrong token first), makes a fault rule that drops
// the next notification, a customer pays an order on the cashier, and QA
// follows the payment in the console: the event shows the dropped attempt
// and the delivered retry, QA redelivers it, finds the payment by its
// out_trade_no, refunds part of it and settles the stuck refund as failed.
// It runs in English and in Chinese (the browsers' Accept-Language), as
// every journey does.
func TestConsole_QAJourney(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyConsoleQA)
}

func journeyConsoleQA(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	qa := newPageIn(t, "console-qa", lang, false)
	docs := func(name string) string {
		if lang != i18n.English {
			return ""
		}
		return name
	}

	// A wrong token is refused, with the reason beside the field (and a
	// 401, which the browser reports).
	qa.expectError("/admin/signin: Failed to load resource: the server responded with a status of 401")
	qa.signInConsole(s, "not-the-admin-token-at-all", `#token-error`)
	if got, want := qa.text(`#token-error`), qa.say("console.signin.error.wrong"); got != want {
		t.Fatalf("wrong token: %q, want %q", got, want)
	}
	if !strings.Contains(qa.location(), "/admin/signin") {
		t.Fatalf("a refused sign-in left the sign-in page: %s", qa.location())
	}
	qa.checkLang("the console's sign-in page, refused")
	qa.fill(map[string]string{`#token`: s.gw.AdminToken})
	qa.click(`main form button.primary`, `.tiles`)

	// A rule from a preset: drop the next notification of the demo merchant.
	qa.click(`nav.menu a[href="/admin/faults"]`, `#fault-form`)
	qa.checkLang("the fault rules")
	qa.fill(map[string]string{`#preset`: "drop_next", `#merchant`: "m_demo"})
	qa.shot("fault-rule-form", docs("console-fault-rule"))
	qa.clickFlashSays(`#create-rule`, "console.faults.created", "ID", unknown, "Scenario", "notify_drop=1")

	// The customer pays an order with Alipay on the cashier.
	alice := newPageIn(t, "console-customer", lang, false)
	alice.signIn(s, "alice@example.com", "alice-sandbox")
	no := alice.order(s, "mooncakes")
	alice.click(`button[name=method][value=alipay]`, `[data-testid=pay-link]`)
	alice.click(`[data-testid=pay-link]`, `[data-testid=pay-button]`)
	alice.payAtCashier("", "cashier-paid")

	// QA finds the payment by its out_trade_no from the header's search.
	outTradeNo := no + "-1"
	qa.fill(map[string]string{`header .search input[name=q]`: outTradeNo})
	qa.click(`header .search button`, `#timeline`)
	if got, want := qa.text(`h1 .st`), qa.say("console.status.succeeded"); got != want {
		t.Fatalf("payment status %q, want %q", got, want)
	}
	// The page refreshes itself until the notification is delivered.
	qa.waitVisible(`table .st-delivered`, 20*time.Second)

	// The event: the first attempt dropped by the rule, the retry delivered.
	qa.click(`table a[href^="/admin/events/"]`, `#attempt-2`)
	qa.checkLang("the event")
	a1 := qa.text(`#attempt-1`)
	dropped := qa.say("console.attempt.dropped")
	if !strings.Contains(a1, dropped) || !strings.Contains(a1, "notify_drop") || !strings.Contains(a1, qa.say("console.event.not_sent_because", "Reason", dropped)) {
		t.Fatalf("attempt 1: %q, want dropped by the notify_drop scenario", a1)
	}
	a2 := qa.text(`#attempt-2`)
	if !strings.Contains(a2, "HTTP 200") || !strings.Contains(a2, "Webhook-Signature") || !strings.Contains(a2, outTradeNo) {
		t.Fatalf("attempt 2: %q, want the signed request delivered with HTTP 200", a2)
	}
	qa.clickFlashSays(`#act-redeliver`, "console.event.redelivered", "ID", unknown, "URL", unknown)
	qa.waitReloading(`#attempt-3`, 20*time.Second)
	if got := qa.text(`#attempt-3`); !strings.Contains(got, "HTTP 200") {
		t.Fatalf("attempt 3: %q, want HTTP 200", got)
	}

	// Back to the payment: refund part of it, with a refund that sticks.
	qa.click(`.crumbs a[href^="/admin/payments/pay_"]`, `#refund-form`)
	qa.fill(map[string]string{`#refund-amount`: "1.00", `#refund-scenario`: "refund_stuck"})
	qa.clickFlashSays(`#act-refund`, "console.refund.created", "ID", unknown, "Amount", "¥1.00")
	qa.fill(map[string]string{`input[id^=settle-code-]`: "REFUND_REJECTED"})
	qa.clickFlashSays(`.settle-fail`, "console.refund.failed", "ID", unknown, "Code", "REFUND_REJECTED")
	tl := qa.text(`#timeline`)
	var want []string
	for _, parts := range [][]string{
		qa.sayParts("console.timeline.created", "Protocol", qa.say("console.protocol.native"), "Amount", unknown, "Method", unknown, "OutTradeNo", outTradeNo),
		qa.sayParts("console.timeline.paid"),
		qa.sayParts("console.timeline.attempt", "Topic", unknown, "N", 1, "Outcome", dropped),
		qa.sayParts("console.timeline.attempt", "Topic", unknown, "N", 2, "Outcome", "HTTP 200"),
		qa.sayParts("console.timeline.attempt", "Topic", unknown, "N", 3, "Outcome", "HTTP 200"),
		qa.sayParts("console.timeline.refund", "ID", unknown, "Amount", "¥1.00", "OutRefundNo", unknown),
		qa.sayParts("console.timeline.refund_settled", "ID", unknown, "State", qa.say("console.status.failed")),
	} {
		want = append(want, parts...)
	}
	for _, w := range want {
		if !strings.Contains(tl, w) {
			t.Fatalf("timeline lacks %q:\n%s", w, tl)
		}
	}
	qa.checkLang("the payment")
	qa.shot("payment-timeline", docs("console-payment-timeline"))

	// The overview counts what happened.
	qa.click(`nav.menu a[href="/admin"]`, `.tiles`)
	qa.checkLang("the overview")
	qa.shot("overview", docs("console-overview"))
	if got := qa.text(`.tiles`); !strings.Contains(got, qa.say("console.status.succeeded")) || !strings.Contains(got, qa.say("console.status.failed")) {
		t.Fatalf("overview tiles: %q", got)
	}
}

// Journey: a QA engineer whose browser speaks English switches the console
// to 中文 with the header's switcher — on the sign-in page, without
// JavaScript's help — and the choice holds on every console page and on the
// cashier (one gateway_lang cookie), until switched back.
func TestConsole_LanguageSwitch(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil, nil)
	p := newPage(t, "console-switch", false)
	p.open(s.gw.URL+"/admin/faults", `#token`)
	p.click(`[data-testid="lang-zh-CN"]`, `html[lang="zh-CN"] #token`)
	p.lang = i18n.Chinese
	p.checkLang("the sign-in page after the switch")
	p.fill(map[string]string{`#token`: s.gw.AdminToken})
	p.click(`main form button.primary`, `html[lang="zh-CN"] #fault-form`)
	p.checkLang("the fault rules")
	p.click(`nav.menu a[href="/admin/payments"]`, `html[lang="zh-CN"] .filters`)
	p.checkLang("the payments")
	p.click(`[data-testid="lang-en"]`, `html[lang="en"] .filters`)
	if u, _ := url.Parse(p.location()); u.Path != "/admin/payments" {
		t.Fatalf("the switcher brought the browser to %s, want back to /admin/payments", p.location())
	}
	p.lang = i18n.English
	p.checkLang("the payments, back in English")
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
