package web

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/i18n/i18ntest"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/templates"
)

// TestTemplates_AllTextFromCatalogue: the shop's templates print no words
// of their own: every title, label, button and sentence comes from the
// catalogue, in every language.
func TestTemplates_AllTextFromCatalogue(t *testing.T) {
	pages, _ := fs.Sub(templates.Shop, "shop")
	n := 0
	for _, pattern := range []string{"*.tmpl", "partials/*.tmpl", "pages/*.tmpl"} {
		n += i18ntest.CheckTemplates(t, pages, pattern, nil)
	}
	if n < 200 {
		t.Errorf("the templates use %d catalogue keys; the check did not read them", n)
	}
}

// pageCase is one page of TestPages_BothLanguages: who asks for it, the
// status, and a text it must show in each language.
type pageCase struct {
	who    string // anon, alice, sam
	path   string
	status int
	want   map[string]string
}

// TestPages_BothLanguages renders every page of the shop and the back
// office in English and in Chinese (chosen by Accept-Language) and checks
// each is wholly in its language: <html lang>, no key or missing argument
// left, no English sentence in the Chinese page, and a text of its own.
// Timeline entries and notices are stored once, as keys, and each reader
// sees them in their language; an entry from before keys existed shows its
// stored text.
func TestPages_BothLanguages(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	pending, _ := e.pendingOrder("alice@example.com", 6800)
	paid, _ := e.paidOrder("alice@example.com", 12800)
	refundable, _ := e.paidOrder("alice@example.com", 4500)
	r := e.requested(paid, "alice@example.com", 5000)
	failed, _ := e.paidOrder("alice@example.com", 8800)
	rf := e.requested(failed, "alice@example.com", 8800)
	// Support approves rf while the gateway is down, and the gateway then
	// refuses it: a failed refund, and two notices for the customer.
	setup := e.browser()
	setup.signIn("support@example.com", "support-sandbox")
	if resp, _ := setup.post("/admin/refunds/"+rf.No+"/approve", url.Values{"note": {"好的"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	refunds, _ := e.db.Refunds(ctx, failed.ID)
	if err := e.db.RefundRefused(ctx, refunds[0].ID, "payment_not_refundable", "Only succeeded payments can be refunded.", shop.ActorReconciler); err != nil {
		t.Fatal(err)
	}
	// A row written by the shop before messages had keys: English text only.
	legacy := "Order placed; it must be paid by 2026-05-12 10:00:00 UTC."
	if _, err := e.db.SQL().Exec(`INSERT INTO timeline (order_id, at, kind, message, actor) VALUES (?, 0, 'created', ?, 'shop')`, pending.ID, legacy); err != nil {
		t.Fatal(err)
	}

	cases := []pageCase{
		{"anon", "/", 200, map[string]string{"en": "Add to cart", "zh-CN": "加入购物车"}},
		{"anon", "/products/green-tea", 200, map[string]string{"en": "Longjing green tea", "zh-CN": "西湖龙井"}},
		{"anon", "/cart", 200, map[string]string{"en": "Your cart is empty.", "zh-CN": "您的购物车是空的。"}},
		{"anon", "/signin", 200, map[string]string{"en": "No account yet?", "zh-CN": "还没有账户？"}},
		{"anon", "/signup", 200, map[string]string{"en": "Password (at least 8 characters)", "zh-CN": "密码（至少 8 个字符）"}},
		{"anon", "/no-such-page", 404, map[string]string{"en": "There is nothing here.", "zh-CN": "这里什么也没有。"}},
		{"alice", "/cart", 200, map[string]string{"en": "Check out", "zh-CN": "去结算"}},
		{"alice", "/checkout", 200, map[string]string{"en": "Postal code (6 digits)", "zh-CN": "邮政编码（6 位数字）"}},
		{"alice", "/orders", 200, map[string]string{"en": "Awaiting payment", "zh-CN": "待支付"}},
		{"alice", "/orders/" + pending.No, 200, map[string]string{"en": "Payment attempt 1 (Alipay) opened as", "zh-CN": "已发起第 1 次支付（支付宝）"}},
		{"alice", "/orders/" + pending.No + "/pay", 200, map[string]string{"en": "Pay another way", "zh-CN": "换一种支付方式"}},
		{"alice", "/orders/" + pending.No + "/result", 200, map[string]string{"en": "Waiting for your payment", "zh-CN": "等待支付结果"}},
		{"alice", "/orders/" + pending.No + "/return?payment_id=x", 400, map[string]string{"en": "Return not verified", "zh-CN": "返回链接未通过验证"}},
		{"alice", "/orders/" + paid.No, 200, map[string]string{"en": "Refund requested", "zh-CN": "退款申请中"}},
		{"alice", "/orders/" + paid.No + "/result", 200, map[string]string{"en": "Payment received", "zh-CN": "支付成功"}},
		{"alice", "/orders/" + refundable.No + "/refund", 200, map[string]string{"en": "An item arrived damaged or defective", "zh-CN": "商品破损或有质量问题"}},
		{"alice", "/refunds/" + r.No, 200, map[string]string{"en": "is waiting for customer service", "zh-CN": "正在等待客服审核"}},
		{"alice", "/refunds/" + rf.No, 200, map[string]string{"en": "Refund pending", "zh-CN": "退款处理中"}},
		{"alice", "/orders/" + failed.No, 200, map[string]string{"en": "Refund pending", "zh-CN": "退款处理中"}},
		{"alice", "/notifications", 200, map[string]string{"en": "was approved", "zh-CN": "已批准"}},
		{"sam", "/admin", 200, map[string]string{"en": "Oldest first.", "zh-CN": "按申请时间从早到晚排列。"}},
		{"sam", "/admin/refunds/" + r.No, 200, map[string]string{"en": "Approve and refund ¥50.00", "zh-CN": "批准并退款 ¥50.00"}},
		{"sam", "/admin/refunds/" + rf.No, 200, map[string]string{"en": "Retry the refund", "zh-CN": "重试退款"}},
		{"sam", "/admin/failed", 200, map[string]string{"en": "payment_not_refundable", "zh-CN": "重试"}},
		{"sam", "/admin/orders", 200, map[string]string{"en": "Partially refunded", "zh-CN": "部分退款"}},
		{"sam", "/admin/orders?status=closed", 200, map[string]string{"en": "No orders in this state.", "zh-CN": "没有处于该状态的订单。"}},
		{"sam", "/admin/orders/" + failed.No, 200, map[string]string{"en": "The gateway refused refund", "zh-CN": "支付网关拒绝了退款"}},
		{"sam", "/admin/orders/" + pending.No, 200, map[string]string{"en": legacy, "zh-CN": legacy}},
	}
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			who := map[string]*browser{"anon": e.browserIn(lang), "alice": e.browserIn(lang), "sam": e.browserIn(lang)}
			who["alice"].signIn("alice@example.com", "alice-sandbox")
			who["sam"].signIn("support@example.com", "support-sandbox")
			for _, pc := range cases {
				if pc.path == "/cart" && pc.who == "alice" {
					who["alice"].post("/cart/add", url.Values{"product_id": {"1"}})
				}
				resp, body := who[pc.who].get(pc.path)
				if resp.StatusCode != pc.status {
					t.Errorf("%s GET %s: status %d, want %d", pc.who, pc.path, resp.StatusCode, pc.status)
					continue
				}
				checkPage(t, pc.who+" "+pc.path, body, lang)
				if want := pc.want[lang]; !strings.Contains(body, want) {
					t.Errorf("%s GET %s (%s) lacks %q:\n%s", pc.who, pc.path, lang, want, i18ntest.VisibleText(body))
				}
			}
		})
	}
}

// checkPage is i18ntest.CheckPage for a shop page, whose English footer
// the Chinese check would otherwise find... in no page: the shop's pages
// carry nothing English of their own.
func checkPage(t *testing.T, name, body, lang string) {
	t.Helper()
	i18ntest.CheckPage(t, name, body, lang)
	if !strings.Contains(body, `data-testid="lang-en"`) || !strings.Contains(body, `data-testid="lang-zh-CN"`) {
		t.Errorf("%s: no language switcher", name)
	}
}

// TestForms_ErrorsInBothLanguages: validation errors, refusals and flash
// messages are in the language of the person who sent the form.
func TestForms_ErrorsInBothLanguages(t *testing.T) {
	e := newEnv(t, "")
	o, _ := e.paidOrder("alice@example.com", 1999)
	r := e.requested(o, "alice@example.com", 1000)
	want := map[string][]string{
		"en": {"Email must be an email address", "Postal code must be exactly 6 characters", "Email or password is wrong.",
			"Password must be at least 8 characters", "Write a note: the customer is told why", "Added Tea sample to your cart."},
		"zh-CN": {"邮箱必须是有效的邮箱地址", "邮政编码必须是 6 个字符。", "邮箱或密码错误。", "密码至少 8 个字符。", "请填写备注", "已将 茶叶试用装 加入购物车。"},
	}
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			anon, alice, sam := e.browserIn(lang), e.browserIn(lang), e.browserIn(lang)
			alice.signIn("alice@example.com", "alice-sandbox")
			sam.signIn("support@example.com", "support-sandbox")
			var bodies []string
			alice.post("/cart/add", url.Values{"product_id": {"6"}})
			_, checkout := alice.post("/checkout", url.Values{"name": {"王小明"}, "email": {"nope"}, "phone": {"13800000000"}, "address": {"西湖路 1 号"},
				"city": {"杭州"}, "postal_code": {"31"}})
			_, signin := anon.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong-password"}})
			_, signup := anon.post("/signup", url.Values{"name": {"小红"}, "email": {"hong@example.com"}, "password": {"short"}, "password_confirm": {"short"}})
			_, review := sam.post("/admin/refunds/"+r.No+"/reject", url.Values{"note": {" "}})
			_, cart := alice.get("/cart")
			bodies = append(bodies, checkout, signin, signup, review, cart)
			all := strings.Join(bodies, "\n")
			for i, b := range bodies {
				checkPage(t, "form "+string(rune('a'+i)), b, lang)
			}
			for _, w := range want[lang] {
				if !strings.Contains(all, w) {
					t.Errorf("%s: the answers lack %q", lang, w)
				}
			}
		})
	}
}

// TestLanguageSwitcher: the choice made with the switcher is remembered in
// a cookie and wins over Accept-Language; the browser returns to the page
// it was on.
func TestLanguageSwitcher(t *testing.T) {
	e := newEnv(t, "")
	b := e.browserIn("en-US,en;q=0.9")
	if _, body := b.get("/cart"); !strings.Contains(body, `<html lang="en">`) {
		t.Fatalf("before the switch: not English")
	}
	resp, _ := b.post("/lang", url.Values{"lang": {"zh-CN"}, "next": {"/cart"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cart" {
		t.Fatalf("switch: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := b.get("/cart"); !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, "您的购物车") {
		t.Errorf("after choosing Chinese with an English browser: not Chinese")
	}
	resp, _ = b.post("/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example/"}})
	if resp.Header.Get("Location") != "/" {
		t.Errorf("switch with a foreign next went to %q", resp.Header.Get("Location"))
	}
	if _, body := b.get("/"); !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("after choosing English again: not English")
	}
	if resp, _ := b.post("/lang", url.Values{"lang": {"zh-CN"}}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site switch: %d, want 403", resp.StatusCode)
	}
}
