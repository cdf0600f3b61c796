package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// paidOrder orders the products, pays with Alipay through the gateway's test
// helper and waits until the shop has the order paid.
func (c *customer) paidOrder(productIDs ...string) (string, *gatewayapi.Payment) {
	c.f.t.Helper()
	no := c.order(productIDs...)
	c.post("/orders/"+no+"/pay", url.Values{"method": {"alipay"}})
	ctx := context.Background()
	p, err := c.f.api.GetPaymentByOutTradeNo(ctx, no+"-1")
	if err != nil {
		c.f.t.Fatal(err)
	}
	if p, err = c.f.api.SucceedPayment(ctx, p.ID); err != nil {
		c.f.t.Fatal(err)
	}
	c.f.eventually(10*time.Second, "order "+no+" never paid", func() bool { return c.f.order(no).Status == shop.OrderPaid })
	return no, p
}

// requestRefund sends the refund form and returns the request number read
// from the refund page the shop redirected to.
func (c *customer) requestRefund(no, amount, reason, details string) string {
	c.f.t.Helper()
	resp, body := c.post("/orders/"+no+"/refund", url.Values{"amount": {amount}, "reason": {reason}, "details": {details}})
	path := resp.Request.URL.Path
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(path, "/refunds/RF-") {
		c.f.t.Fatalf("refund request for %s ended at %s with %d\n%s", no, path, resp.StatusCode, body)
	}
	return strings.TrimPrefix(path, "/refunds/")
}

// decide posts a support decision ("approve", "reject") with a note and
// returns the page the shop ended on.
func (c *customer) decide(requestNo, decision, note string) (*http.Response, string) {
	c.f.t.Helper()
	return c.post("/admin/refunds/"+requestNo+"/"+decision, url.Values{"note": {note}})
}

// request returns a refund request as the shop stored it.
func (f *flow) request(no string) *shop.RefundRequest {
	f.t.Helper()
	r, err := f.app.db.FindRefundRequest(context.Background(), no)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// gatewayRefunds lists a payment's refunds at the gateway, newest first.
func (f *flow) gatewayRefunds(paymentID string) []gatewayapi.Refund {
	f.t.Helper()
	list, err := f.api.ListRefunds(context.Background(), gatewayclient.ListRefundsParams{PaymentID: paymentID, Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return list.Data
}

// addSupportUser creates another support user, so a test can tell whose
// name a decision carries.
func (f *flow) addSupportUser(email, name, password string) {
	f.t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err := f.app.db.CreateUser(context.Background(), &shop.User{Email: email, Name: name, Role: shop.RoleSupport, PasswordHash: hash}); err != nil {
		f.t.Fatal(err)
	}
}

// postRaw posts a form with the customer's cookies from any goroutine: it
// reports errors instead of failing the test, and does not follow
// redirects.
func (c *customer) postRaw(path string, form url.Values) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, c.f.url+path, bytes.NewReader([]byte(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.f.url)
	client := *c.c
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// unread returns the unread count the header shows on a page body, 0
// when there is no badge.
func unread(body string) string {
	const marker = `<span class="badge" aria-label="`
	i := strings.Index(body, marker)
	if i < 0 {
		return "0"
	}
	rest := body[i+len(marker):]
	return rest[:strings.Index(rest, " ")]
}

func must(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
