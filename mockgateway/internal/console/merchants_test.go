package console_test

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestConsole_Merchants(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()

	t.Run("BadInputShowsBesideTheFieldAndChangesNothing", func(t *testing.T) {
		before := e.merchantCount()
		for _, tc := range []struct{ name, notify, want string }{
			{"Shop", "ftp://shop.test/hook", "must be an http:// or https:// address"},
			{"Shop", "not a url", "must be an http:// or https:// address"},
			{"", "http://shop.test/hook", "Give the merchant a name."},
			{"Bad\u202eName", "", "control or direction characters"},
		} {
			r := b.post("/admin/merchants", url.Values{"name": {tc.name}, "notify_url": {tc.notify}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r, tc.want, `aria-invalid="true"`)
			if tc.notify != "" {
				wantContains(t, r, `value="`+tc.notify+`"`)
			}
		}
		if after := e.merchantCount(); after != before {
			t.Fatalf("refused forms made %d merchants", after-before)
		}
	})

	t.Run("CreateShowsEveryProtocolsCredentials", func(t *testing.T) {
		r := b.post("/admin/merchants", url.Values{"name": {"QA shop"}, "notify_url": {"http://shop.test/hook"}})
		wantStatus(t, r, http.StatusSeeOther)
		id := strings.TrimPrefix(r.Location, "/admin/merchants/")
		m, err := e.Svc.Merchant(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		page := b.get(r.Location)
		wantContains(t, page, "created with fresh keys", m.APIKey, esc(m.WebhookSecret), "http://shop.test/hook",
			`id="stripe"`, "secret_key", "sk_test_", `id="wechat"`, "mchid", "platform_certificate",
			`<pre class="pem" id="wechat-merchant_private_key-value"><code>-----BEGIN PRIVATE KEY-----`,
			`href="/admin/merchants/`+id+`/pem/wechat/platform_public_key" download`, `class="copy" data-copy="`+m.APIKey+`"`)
		// Snippets from docs/protocols: native, stripe, wechat.
		wantContains(t, page, "gatewayclient.New(", "stripe.NewBackendsWithConfig", "client.SetProxyHost(")
		// The merchant is listed.
		wantContains(t, b.get("/admin/merchants"), id, "QA shop")
	})

	t.Run("PEMDownload", func(t *testing.T) {
		r := b.get("/admin/merchants/m_demo/pem/wechat/merchant_private_key")
		wantStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.Body, "-----BEGIN PRIVATE KEY-----") || !strings.Contains(r.Header.Get("Content-Disposition"), `attachment; filename="m_demo-wechat-merchant_private_key.pem"`) {
			t.Fatalf("download: %v\n%s", r.Header, r.Body[:min(len(r.Body), 80)])
		}
		wantStatus(t, b.get("/admin/merchants/m_demo/pem/wechat/mchid"), http.StatusNotFound)
		wantStatus(t, b.get("/admin/merchants/m_nobody/pem/wechat/merchant_private_key"), http.StatusNotFound)
	})

	t.Run("RegisterOwnKeys", func(t *testing.T) {
		before, _ := e.Svc.Merchant(t.Context(), "m_demo")
		r := b.post("/admin/merchants/m_demo/keys/wechat", url.Values{"merchant_serial_no": {"ABC123"}, "merchant_public_key": {"not a key"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "merchant_public_key must be an RSA public key", `value="ABC123"`, ">not a key</textarea>")
		after, _ := e.Svc.Merchant(t.Context(), "m_demo")
		if string(after.Credentials["wechat"]) != string(before.Credentials["wechat"]) {
			t.Fatal("a refused form changed the credentials")
		}
		r = b.follow("/admin/merchants/m_demo/keys/wechat", url.Values{"verify_with": {"certificate"}})
		wantContains(t, r, "WeChat Pay credentials of m_demo saved.")
		after, _ = e.Svc.Merchant(t.Context(), "m_demo")
		if !strings.Contains(string(after.Credentials["wechat"]), `"verify_with":"certificate"`) {
			t.Fatalf("credentials %s", after.Credentials["wechat"])
		}
		wantStatus(t, b.post("/admin/merchants/m_demo/keys/stripe", nil), http.StatusNotFound)
	})
}

func (e *env) merchantCount() int {
	e.t.Helper()
	ids, err := e.Svc.MerchantIDs(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ids)
}

// esc is text as html/template writes it into a page.
func esc(s string) string {
	return strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;")
}
