package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

func TestCrossOriginFormsRefused(t *testing.T) {
	e := newEnv(t, "")
	creds := url.Values{"email": {"alice@example.com"}, "password": {"alice-sandbox"}}
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"browser says cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign Origin", []string{"Sec-Fetch-Site", "", "Origin", "http://evil.example"}, http.StatusForbidden},
		{"same origin", []string{"Origin", e.http.URL}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			resp, body := b.post("/signin", creds, tt.header...)
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d\n%s", resp.StatusCode, tt.want, body)
			}
		})
	}
	t.Run("cart and cancel refused too", func(t *testing.T) {
		o, _ := e.pendingOrder("alice@example.com", 100)
		b := e.browser()
		b.signIn("alice@example.com", "alice-sandbox")
		for _, path := range []string{"/cart/add", "/orders/" + o.No + "/cancel", "/orders/" + o.No + "/pay", "/signout"} {
			resp, _ := b.post(path, url.Values{"product_id": {"1"}, "method": {"card"}}, "Sec-Fetch-Site", "cross-site")
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s cross-site: status %d, want 403", path, resp.StatusCode)
			}
		}
		if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
			t.Errorf("order = %s after refused posts, want unchanged", got)
		}
	})
}

func TestOrders_OnlyTheOwner(t *testing.T) {
	e := newEnv(t, "")
	o, _ := e.pendingOrder("alice@example.com", 1999)
	bob := e.browser()
	bob.signIn("bob@example.com", "bob-sandbox")
	for _, path := range []string{"/orders/" + o.No, "/orders/" + o.No + "/pay", "/orders/" + o.No + "/result", "/orders/PS-NOPE"} {
		if resp, _ := bob.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s as bob: status %d, want 404", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/orders/" + o.No + "/pay", "/orders/" + o.No + "/cancel"} {
		if resp, _ := bob.post(path, url.Values{"method": {"alipay"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s as bob: status %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, body := bob.get("/orders"); resp.StatusCode != 200 || strings.Contains(body, o.No) {
		t.Errorf("bob's order list shows alice's order %s (status %d)", o.No, resp.StatusCode)
	}
	got := e.order(o.No)
	attempts, _ := e.db.Attempts(context.Background(), o.ID)
	if got.Status != shop.OrderPendingPayment || len(attempts) != 1 {
		t.Errorf("order = %s with %d attempts after bob's posts, want untouched with 1", got.Status, len(attempts))
	}
	alice := e.browser()
	alice.signIn("alice@example.com", "alice-sandbox")
	if resp, body := alice.get("/orders/" + o.No); resp.StatusCode != 200 || !strings.Contains(body, "Payment attempt 1 (Alipay) opened") {
		t.Errorf("alice's own order: status %d, timeline missing\n%s", resp.StatusCode, body)
	}
	anon := e.browser()
	if resp, _ := anon.get("/orders/" + o.No); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Errorf("anonymous: status %d location %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCheckout_ValidationKeepsInput(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	b.signIn("alice@example.com", "alice-sandbox")
	if resp, _ := b.post("/cart/add", url.Values{"product_id": {"2"}, "quantity": {"2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", resp.StatusCode)
	}
	bad := url.Values{"name": {"Alice"}, "email": {"not-an-email"}, "phone": {"13800000000"}, "address": {"1 West Lake Road"},
		"city": {"Hangzhou"}, "postal_code": {"31"}}
	resp, body := b.post("/checkout", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Email must be an email address", "Postal code must be exactly 6 characters", `value="1 West Lake Road"`, `value="Hangzhou"`, `value="not-an-email"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	orders, _ := e.db.ListOrdersForUser(context.Background(), e.user("alice@example.com").ID)
	if len(orders) != 0 {
		t.Fatalf("an invalid checkout stored %d orders", len(orders))
	}
	good := bad
	good.Set("email", "alice@example.com")
	good.Set("postal_code", "310000")
	resp, _ = b.post("/checkout", good)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/pay") {
		t.Fatalf("valid checkout: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	orders, _ = e.db.ListOrdersForUser(context.Background(), e.user("alice@example.com").ID)
	if len(orders) != 1 || orders[0].Total != 2*29900 || orders[0].Status != shop.OrderPendingPayment {
		t.Fatalf("orders = %+v, want one of ¥598.00 awaiting payment", orders)
	}
	if _, body := b.get("/cart"); !strings.Contains(body, "Your cart is empty") {
		t.Error("cart not emptied after the order")
	}
}

func TestSignin_SessionAndCookies(t *testing.T) {
	for _, tt := range []struct {
		name, publicURL string
		secure          bool
	}{{"http", "", false}, {"https public URL", "https://shop.example", true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.publicURL)
			b := e.browser()
			origin := []string{"Sec-Fetch-Site", "same-origin"}
			b.post("/cart/add", url.Values{"product_id": {"1"}}, origin...)
			before := sessionCookie(t, b)
			resp, body := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong-password"}}, origin...)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Email or password is wrong") || strings.Contains(body, "wrong-password") {
				t.Errorf("wrong password: status %d; want 422 with a message and without the password", resp.StatusCode)
			}
			resp, _ = b.post("/signin", url.Values{"email": {"Alice@Example.com"}, "password": {"alice-sandbox"}}, origin...)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: status %d", resp.StatusCode)
			}
			var c *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "shop_session" {
					c = ck
				}
			}
			if c == nil {
				t.Fatal("no session cookie set at sign-in")
			}
			if c.Value == before {
				t.Error("session token not renewed at sign-in")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tt.secure {
				t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v; want true, Lax, %v", c.HttpOnly, c.SameSite, c.Secure, tt.secure)
			}
			if tt.secure {
				return // the test client does not send Secure cookies over http
			}
			if _, body := b.get("/cart"); !strings.Contains(body, "Longjing") {
				t.Error("cart lost at sign-in")
			}
			if resp, _ := b.get("/orders"); resp.StatusCode != 200 {
				t.Errorf("orders after sign-in: %d", resp.StatusCode)
			}
			b.post("/signout", nil, origin...)
			if resp, _ := b.get("/orders"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("orders after sign-out: %d, want redirect to sign in", resp.StatusCode)
			}
		})
	}
}

func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "shop_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie before sign-in")
	return ""
}

func TestSignup(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	form := url.Values{"name": {"Carol"}, "email": {"carol@example.com"}, "password": {"short"}, "password_confirm": {"short"}}
	resp, body := b.post("/signup", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Password must be at least 8 characters") || !strings.Contains(body, `value="carol@example.com"`) {
		t.Errorf("short password: status %d\n%s", resp.StatusCode, body)
	}
	form.Set("password", "carol-secret")
	form.Set("password_confirm", "carol-secret")
	if resp, body := b.post("/signup", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up: status %d\n%s", resp.StatusCode, body)
	}
	if u := e.user("carol@example.com"); u.Role != shop.RoleCustomer || string(u.PasswordHash) == "carol-secret" {
		t.Errorf("user = %+v", u)
	}
	other := e.browser()
	if resp, body := other.post("/signup", form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate email: status %d", resp.StatusCode)
	}
}

// TestSignup_PasswordBytes: bcrypt takes at most 72 bytes, and 30 Chinese
// characters are 90. The form says so next to the password instead of
// failing with a 500, and keeps the rest of the input.
func TestSignup_PasswordBytes(t *testing.T) {
	e := newEnv(t, "")
	long := strings.Repeat("密", 30)
	form := url.Values{"name": {"Dan"}, "email": {"dan@example.com"}, "password": {long}, "password_confirm": {long}}
	resp, body := e.browser().post("/signup", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Password must be at most 72 bytes") ||
		!strings.Contains(body, `value="dan@example.com"`) || strings.Contains(body, long) {
		t.Errorf("90-byte password: status %d; want 422 with the error next to the password, input kept, password not echoed\n%s", resp.StatusCode, body)
	}
	if _, err := e.db.FindUserByEmail(context.Background(), "dan@example.com"); shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Errorf("user stored despite the error: %v", err)
	}
	// 24 such characters are exactly 72 bytes: accepted.
	ok := strings.Repeat("密", 24)
	form.Set("password", ok)
	form.Set("password_confirm", ok)
	if resp, body := e.browser().post("/signup", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("72-byte password: status %d, want 303\n%s", resp.StatusCode, body)
	}
}

// TestPay_GatewayDownLosesNothing: with the gateway unreachable the customer
// is told to try again, and the order and its attempt stay as they were so
// the next click continues with the same out_trade_no.
func TestPay_GatewayDownLosesNothing(t *testing.T) {
	e := newEnv(t, "")
	u := e.user("alice@example.com")
	o, err := e.db.CreateOrder(context.Background(), sqlite.NewOrder{UserID: u.ID, Actor: "test", Currency: "CNY", TTL: time.Hour,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}},
		NewNo: func() (string, error) { return "PS-DOWN", nil }})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("alice@example.com", "alice-sandbox")
	for try := 1; try <= 2; try++ {
		resp, _ := b.post("/orders/"+o.No+"/pay", url.Values{"method": {"card"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orders/"+o.No+"/pay" {
			t.Fatalf("try %d: status %d to %q", try, resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := b.get("/orders/" + o.No + "/pay")
		if !strings.Contains(body, "could not be reached") {
			t.Errorf("try %d: page does not say the provider is unreachable", try)
		}
		attempts, _ := e.db.Attempts(context.Background(), o.ID)
		if len(attempts) != 1 || attempts[0].Status != shop.AttemptCreating || attempts[0].OutTradeNo != "PS-DOWN-1" {
			t.Errorf("try %d: attempts = %+v, want the one attempt still being created", try, attempts)
		}
	}
	if got := e.order(o.No).Status; got != shop.OrderPendingPayment {
		t.Errorf("order = %s, want still awaiting payment", got)
	}
}

// TestPay_OnlyConfiguredMethods: PAYMENT_METHODS decides what is offered and
// what is accepted.
func TestPay_OnlyConfiguredMethods(t *testing.T) {
	e := newEnv(t, "", "card", "wechat")
	u := e.user("alice@example.com")
	o, err := e.db.CreateOrder(context.Background(), sqlite.NewOrder{UserID: u.ID, Actor: "test", Currency: "CNY", TTL: time.Hour,
		Items: []shop.OrderItem{{ProductID: 1, Name: "Tea", UnitPrice: 6800, Quantity: 1}},
		NewNo: func() (string, error) { return "PS-METHODS", nil }})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("alice@example.com", "alice-sandbox")
	_, body := b.get("/orders/" + o.No + "/pay")
	for method, offered := range map[string]bool{"card": true, "wechat": true, "alipay": false, "unionpay": false} {
		if got := strings.Contains(body, `value="`+method+`"`); got != offered {
			t.Errorf("%s offered = %v, want %v", method, got, offered)
		}
	}
	b.post("/orders/"+o.No+"/pay", url.Values{"method": {"alipay"}})
	if _, body := b.get("/orders/" + o.No + "/pay"); !strings.Contains(body, "Choose one of the offered payment methods") {
		t.Error("a method that is not offered was not refused with a message")
	}
	if attempts, _ := e.db.Attempts(context.Background(), o.ID); len(attempts) != 0 {
		t.Errorf("attempts = %+v, want none", attempts)
	}
}

// TestCart_DropsWithdrawnProducts: the cart is priced from the catalogue as
// it is now; a product withdrawn since it was added leaves the cart.
func TestCart_DropsWithdrawnProducts(t *testing.T) {
	e := newEnv(t, "")
	b := e.browser()
	for _, add := range []url.Values{{"product_id": {"1"}, "quantity": {"2"}}, {"product_id": {"2"}}, {"product_id": {"3"}}} {
		if resp, _ := b.post("/cart/add", add); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %v: %d", add, resp.StatusCode)
		}
	}
	if _, err := e.db.SQL().Exec(`UPDATE products SET active = 0 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	products, err := e.db.ListProducts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	price := map[int64]int64{}
	for _, p := range products {
		price[p.ID] = p.Price
	}
	_, body := b.get("/cart")
	want := money.Format(2*price[1]+price[3], "CNY")
	if !strings.Contains(body, want) || strings.Contains(body, `name="product_id" value="2"`) || strings.Count(body, `name="product_id"`) != 2 {
		t.Errorf("cart should hold products 1 and 3 only, total %s:\n%s", want, body)
	}
}
