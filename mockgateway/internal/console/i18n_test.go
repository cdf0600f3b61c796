package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/cashier"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/i18n/i18ntest"
	"github.com/paysandbox/paysandbox/templates"
)

// consoleAllow is what the console's templates print as it is: the brand,
// HTTP as it is written, API field names and codes, example ids and paths.
var consoleAllow = []string{
	`<meta http-equiv="refresh" content="`, // inside <noscript>, read as text
	"PaySandbox", "HTTP", "POST", "PUT /admin/api/merchants/", " ms",
	"docs/scenarios.md", "docs/protocols/", ".md", "Mock-Scenario",
	"pay_…, re_…, evt_…, m_…, out_trade_no, out_refund_no, trade_no, transaction_id, pi_…",
	"pay_…, out_trade_no, trade_no, transaction_id, pi_…",
	"http://localhost:8080/webhooks/gateway",
	"out_trade_no", "out_refund_no", "card_declined", "refund_rejected", "metadata.", "id",
}

// TestTemplates_AllTextFromCatalogue: the console's templates print no
// words of their own, and every key they name exists in every language.
func TestTemplates_AllTextFromCatalogue(t *testing.T) {
	if n := i18ntest.CheckTemplates(t, templates.Console, "console/*.html", consoleAllow); n < 200 {
		t.Errorf("the templates use %d keys; the check did not see them", n)
	}
}

// TestPages_BothLanguages renders every console page in each language —
// with a payment that was declined, paid, refunded twice and notified
// (an attempt refused, then delivered), a fault rule, refused forms — and
// holds each to its language.
func TestPages_BothLanguages(t *testing.T) {
	e := newEnv(t, fastNotify)
	e.runWorkers()
	shop, _ := receiver(t, http.StatusInternalServerError, http.StatusOK)
	m, err := e.Svc.CreateMerchant(t.Context(), "Shop", shop.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, _, err := e.Svc.CreatePayment(ctx, m, gateway.CreatePaymentInput{OutTradeNo: "I18N-1", Amount: 1999, Currency: "CNY", Method: "card", Subject: "Tea"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.FailPayment(ctx, m, p.ID, "insufficient_funds"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.SucceedPayment(ctx, m, p.ID); err != nil {
		t.Fatal(err)
	}
	pending := e.payment(gateway.CreatePaymentInput{})
	b := e.signedIn()
	path := "/admin/payments/" + p.ID
	b.follow(path+"/refund", url.Values{"amount": {"1.00"}, "scenario": {"refund_stuck"}})
	b.follow(path+"/refund", url.Values{"amount": {"2.00"}, "scenario": {"refund_stuck"}})
	refunds, _, err := e.Svc.ListRefunds(ctx, m, gateway.RefundFilter{PaymentID: p.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(refunds) != 2 {
		t.Fatalf("refunds %v, %v", refunds, err)
	}
	b.follow("/admin/refunds/"+refunds[0].ID+"/settle", url.Values{"m": {m.ID}, "outcome": {"failed"}, "code": {"REFUND_REJECTED"}})
	b.follow("/admin/faults", url.Values{"preset": {"drop_next"}, "merchant": {"m_demo"}})
	evs, _, err := e.Svc.ListEvents(ctx, m, gateway.EventFilter{ObjectID: p.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(evs) == 0 {
		t.Fatalf("events %v, %v", evs, err)
	}
	// The receiver refuses the first notification, accepts the others.
	eventually(t, "every notification of the payment delivered", func() bool {
		evs, _, err := e.Svc.ListEvents(context.Background(), m, gateway.EventFilter{ObjectID: p.ID}, gateway.ListQuery{Limit: 10})
		if err != nil {
			return false
		}
		for _, ev := range evs {
			if ev.DeliveryStatus != gateway.DeliveryDelivered {
				return false
			}
		}
		return true
	})
	ev := evs[0]

	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			b := e.signedIn().in(lang)
			anon := e.browser().in(lang)
			check := func(name string, r page, status int) {
				t.Helper()
				wantStatus(t, r, status)
				i18ntest.CheckPage(t, name, r.Body, lang)
				if got := r.Header.Get("Content-Language"); got != lang {
					t.Errorf("%s: Content-Language %q, want %q", name, got, lang)
				}
				if got := r.Header.Get("Vary"); got != "Accept-Language, Cookie" {
					t.Errorf("%s: Vary %q", name, got)
				}
			}
			for _, c := range []struct{ name, path string }{
				{"overview", "/admin"},
				{"merchants", "/admin/merchants"},
				{"demo merchant", "/admin/merchants/m_demo"},
				{"merchant", "/admin/merchants/" + m.ID},
				{"payments", "/admin/payments"},
				{"payments filtered, one filter unknown", "/admin/payments?status=pending&method=card&protocol=bogus"},
				{"payments searched", "/admin/payments?q=I18N"},
				{"payment", path},
				{"pending payment", "/admin/payments/" + pending.ID},
				{"refunds", "/admin/refunds"},
				{"events", "/admin/events?delivery=delivered"},
				{"event", "/admin/events/" + ev.ID + "?m=" + m.ID},
				{"faults", "/admin/faults"},
				{"scenarios", "/admin/scenarios"},
				{"search", "/admin/search"},
				{"search, nothing found", "/admin/search?q=zz-no-such-id"},
				{"reset", "/admin/reset"},
			} {
				check(c.name, b.get(c.path), http.StatusOK)
			}
			check("not found", b.get("/admin/payments/pay_nosuchpayment"), http.StatusNotFound)
			check("sign-in", anon.get("/admin/signin"), http.StatusOK)
			check("sign-in, wrong token", anon.post("/admin/signin", url.Values{"token": {"wrong"}}), http.StatusUnauthorized)
			check("signed out", anon.post("/admin/payments/"+p.ID+"/succeed", nil), http.StatusUnauthorized)
			check("fault form, bad scenario", b.post("/admin/faults", url.Values{"preset": {"custom"}, "scenario": {"no_such_scenario"}}), http.StatusUnprocessableEntity)
			check("fault form, bad fields", b.post("/admin/faults", url.Values{"preset": {"nope"}, "remaining": {"0"}, "amount": {"x"}}), http.StatusUnprocessableEntity)
			check("merchant form", b.post("/admin/merchants", url.Values{"name": {""}, "notify_url": {"ftp://x"}}), http.StatusUnprocessableEntity)
			check("refund form", b.post("/admin/payments/"+p.ID+"/refund", url.Values{"amount": {"-1"}, "scenario": {"api_error"}}), http.StatusUnprocessableEntity)
			check("decline form", b.post("/admin/payments/"+pending.ID+"/fail", url.Values{"code": {"not a code"}}), http.StatusUnprocessableEntity)
			check("reset form", b.post("/admin/reset", url.Values{"confirm": {"no"}}), http.StatusUnprocessableEntity)
			check("cross-site", b.post("/admin/reset", url.Values{"confirm": {"reset"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"), http.StatusForbidden)
			// A success and a refusal, each shown once, as a flash.
			r := b.follow("/admin/payments/"+pending.ID+"/close", nil)
			check("flash", r, http.StatusOK)
			r = b.follow("/admin/payments/"+p.ID+"/succeed", nil)
			check("refusal", r, http.StatusOK)
		})
	}
}

// TestPages_Chinese: what a Chinese-speaking QA engineer reads — a flash,
// a refusal of the core, field errors beside their fields, the timeline,
// statuses — and that ids, codes and amounts stay as they are.
func TestPages_Chinese(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn().in("zh-CN,zh;q=0.9,en;q=0.5")
	p := e.paid(gateway.CreatePaymentInput{OutTradeNo: "ZH-1", Amount: 1234, Currency: "CNY"})
	path := "/admin/payments/" + p.ID

	r := b.get(path)
	wantContains(t, r, `<html lang="zh-CN">`, "<h1>支付 <code>"+p.ID+"</code>", `<span class="st st-succeeded">已成功</span>`,
		"已创建（原生 API）：银行卡 ¥12.34，out_trade_no ZH-1", "支付成功", "<dt>out_trade_no</dt>", "<code>ZH-1</code>")

	r = b.follow(path+"/succeed", nil)
	wantContains(t, r, `<p class="flash bad" role="alert">无法将支付标记为已支付：支付 `+p.ID+` 当前为已成功状态，不是处理中。</p>`)

	r = b.post(path+"/refund", url.Values{"amount": {"99"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `<p class="error" id="refund-amount-error">最多还能退款 ¥12.34。</p>`)

	r = b.follow(path+"/refund", url.Values{"amount": {"1.00"}, "scenario": {"refund_stuck"}})
	wantContains(t, r, `<p class="flash ok" role="status">已创建退款 re_`, "金额 ¥1.00；退款处理中。", "结算为失败")

	r = b.post("/admin/faults", url.Values{"preset": {"custom"}, "scenario": {"notify_drop,notify_drop"}})
	wantContains(t, r, `<p class="error" id="scenario-error">场景“notify_drop”重复出现。可用场景：api_error, `)
	r = b.post("/admin/faults", url.Values{"preset": {"drop_next"}, "remaining": {"0"}})
	wantContains(t, r, "生效次数是 1 到 1000000 之间的整数", `<option value="drop_next" selected>丢弃下一条通知（重试时送达） — notify_drop=1 作用于 notify ×1</option>`)

	r = e.browser().in("zh-CN").post("/admin/signin", url.Values{"token": {"wrong"}})
	wantContains(t, r, `<p class="error" id="token-error">这不是本网关的管理令牌。`)
	r = e.browser().in("zh-CN").get("/admin/signin")
	wantContains(t, r, `<button type="submit" name="lang" value="en" lang="en" class="link" data-testid="lang-en">English</button>`,
		`<button type="submit" name="lang" value="zh-CN" lang="zh-CN" class="link current" aria-current="true" data-testid="lang-zh-CN">中文</button>`)
}

// TestLanguageChoice: the console speaks the language chosen with the
// gateway's switcher (the cashier's cookie, whatever Accept-Language
// says), else Accept-Language, else English; the switcher brings the
// browser back to the console page it was on.
func TestLanguageChoice(t *testing.T) {
	e := newEnv(t)
	lang := func(r page) string {
		t.Helper()
		return r.Header.Get("Content-Language")
	}
	b := e.signedIn()
	if got := lang(b.get("/admin/payments")); got != i18n.English {
		t.Fatalf("no Accept-Language: %q, want English", got)
	}
	if got := lang(b.in("zh").get("/admin/payments")); got != i18n.Chinese {
		t.Fatalf("Accept-Language zh: %q, want Chinese", got)
	}
	// The switcher, from a console page, in an English-speaking browser.
	b.in("en-US")
	r := b.post("/lang", url.Values{"lang": {i18n.Chinese}, "next": {"/admin/payments?status=pending"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/payments?status=pending" {
		t.Fatalf("switch: %d to %q, want 303 back to the console page", r.Status, r.Location)
	}
	got := b.get("/admin/payments?status=pending")
	if lang(got) != i18n.Chinese {
		t.Fatalf("after choosing 中文: %q", lang(got))
	}
	wantContains(t, got, `<html lang="zh-CN">`, `<input type="hidden" name="next" value="/admin/payments?status=pending">`)
	u, _ := url.Parse(e.URL)
	var chosen string
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == cashier.LangCookie {
			chosen = c.Value
		}
	}
	if chosen != i18n.Chinese {
		t.Fatalf("cookie %s = %q, want the choice, shared with the cashier", cashier.LangCookie, chosen)
	}
	// A refused form is shown at its action's address; the switcher
	// returns to the page the form was on.
	refused := b.post("/admin/faults", url.Values{"preset": {"nope"}}, "Referer", e.URL+"/admin/faults?preset=drop_all")
	wantContains(t, refused, `<input type="hidden" name="next" value="/admin/faults?preset=drop_all">`)
	// The session survived the switch; back to English.
	b.post("/lang", url.Values{"lang": {i18n.English}, "next": {"/admin"}})
	if got := lang(b.in("zh").get("/admin")); got != i18n.English {
		t.Fatalf("chose English in a Chinese browser: %q", got)
	}
	// A switch sent from another site changes nothing.
	r = b.post("/lang", url.Values{"lang": {i18n.Chinese}, "next": {"/admin"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.Status != http.StatusForbidden {
		t.Fatalf("cross-site switch: %d, want 403", r.Status)
	}
	if got := lang(b.get("/admin")); got != i18n.English {
		t.Fatalf("a cross-site switch changed the language: %q", got)
	}
	if !strings.Contains(b.get("/admin").Body, `data-testid="lang-zh-CN"`) {
		t.Fatal("no switcher in the layout")
	}
}
