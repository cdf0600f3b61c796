package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestForms_RefuseUnsafeText: what people type and others read (a name, an
// address, refund details, a support note) may not hold control characters
// or bidirectional overrides (DESIGN §12). The form answers 422 with the
// error next to the field, keeps the rest of the input, and stores
// nothing; a textarea's line breaks are fine. (Templates escape "+" as
// &#43;.)
func TestForms_RefuseUnsafeText(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()

	anon := e.browser()
	resp, body := anon.post("/signup", url.Values{"name": {"Mallory\u202Egnp.exe"}, "email": {"mallory@example.com"},
		"password": {"long-enough-1"}, "password_confirm": {"long-enough-1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("sign-up with U+202E in the name: %d, want 422", resp.StatusCode)
	}
	wantIn(t, body, "Name holds a control or text-direction character (U&#43;202E)", `value="mallory@example.com"`)
	if _, err := e.db.FindUserByEmail(ctx, "mallory@example.com"); err == nil {
		t.Error("the refused sign-up created a user")
	}

	alice := e.browserIn("zh-CN")
	alice.signIn("alice@example.com", "alice-sandbox")
	before, err := e.db.ListOrdersForUser(ctx, e.user("alice@example.com").ID)
	if err != nil {
		t.Fatal(err)
	}
	alice.post("/cart/add", url.Values{"product_id": {"6"}})
	resp, body = alice.post("/checkout", url.Values{"name": {"王小明"}, "email": {"alice@example.com"}, "phone": {"13800000000"},
		"address": {"西湖路\a1 号"}, "city": {"杭州"}, "postal_code": {"310000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("checkout with BEL in the address: %d, want 422", resp.StatusCode)
	}
	wantIn(t, body, "地址含有控制字符或文字方向字符（U&#43;0007）", `value="王小明"`, `value="310000"`)
	after, err := e.db.ListOrdersForUser(ctx, e.user("alice@example.com").ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the refused checkout placed an order: %d orders, had %d", len(after), len(before))
	}

	o, _ := e.paidOrder("alice@example.com", 1999)
	resp, body = alice.post("/orders/"+o.No+"/refund", url.Values{"amount": {"1.00"}, "reason": {"other"},
		"details": {"Box \u2066crushed\u2069"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "U&#43;2066") {
		t.Errorf("refund details with U+2066: %d, want 422 naming U+2066", resp.StatusCode)
	}
	resp, _ = alice.post("/orders/"+o.No+"/refund", url.Values{"amount": {"1.00"}, "reason": {"other"},
		"details": {"The box was crushed.\r\nThe tea spilled.\tSorry."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("refund details with CRLF and a tab: %d, want 303", resp.StatusCode)
	}
}

func wantIn(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
