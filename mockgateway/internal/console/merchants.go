package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

type merchantForm struct {
	Name, NotifyURL       string
	NameErr, NotifyURLErr string
}

type merchantsData struct {
	Merchants []*gateway.Merchant
	Form      merchantForm
}

// handleMerchantList answers GET /admin/merchants: every merchant and the
// form that makes one.
func (con *Console) handleMerchantList(c *gin.Context) {
	con.showMerchants(c, http.StatusOK, merchantForm{})
}

func (con *Console) showMerchants(c *gin.Context, status int, f merchantForm) {
	ms, err := con.core.Merchants(c.Request.Context())
	if err != nil {
		con.fail(c, err)
		return
	}
	con.render(c, status, "merchants", "Merchants", "merchants", merchantsData{Merchants: ms, Form: f})
}

// handleMerchantCreate makes a merchant with fresh keys and every
// protocol's credentials, as POST /admin/api/merchants does.
func (con *Console) handleMerchantCreate(c *gin.Context) {
	f := merchantForm{Name: strings.TrimSpace(c.PostForm("name")), NotifyURL: strings.TrimSpace(c.PostForm("notify_url"))}
	switch {
	case f.Name == "":
		f.NameErr = "Give the merchant a name."
	case len(f.Name) > 128:
		f.NameErr = "The name is at most 128 characters."
	default:
		if r, bad := gateway.UnsafeRune(f.Name, false); bad {
			f.NameErr = fmt.Sprintf("The name may not contain control or direction characters (%U).", r)
		}
	}
	if f.NotifyURL != "" {
		u, err := url.Parse(f.NotifyURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			f.NotifyURLErr = "The notify URL must be an http:// or https:// address, e.g. http://localhost:8080/webhooks/gateway."
		case len(f.NotifyURL) > 2048:
			f.NotifyURLErr = "The notify URL is at most 2048 characters."
		default:
			if err := con.core.CheckNotifyURL(c.Request.Context(), "notify_url", f.NotifyURL); err != nil {
				f.NotifyURLErr = messageOf(err)
			}
		}
	}
	if f.NameErr != "" || f.NotifyURLErr != "" {
		con.showMerchants(c, http.StatusUnprocessableEntity, f)
		return
	}
	m, err := con.core.CreateMerchant(c.Request.Context(), f.Name, f.NotifyURL)
	if err != nil {
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "merchant_create", "merchant", m.ID)
	con.done(c, "/admin/merchants/"+m.ID, "Merchant %s (%s) created with fresh keys for every protocol.", m.ID, m.Name)
}

// messageOf is the person-facing text of a core error.
func messageOf(err error) string {
	var e *gateway.Error
	if asError(err, &e) {
		return e.Message
	}
	return "internal error"
}

// credField is one value of a protocol's credentials.
type credField struct {
	Name, Value string
	PEM         bool
}

// keyField is one field of a form that registers a merchant's own key.
type keyField struct {
	Name, Label, Kind string // Kind: text, pem, select
	Options           []string
	Value, Err        string
}

// keyForms are the fields each protocol's CredentialsForm takes (as its
// PUT /admin/api/merchants/{id}/{protocol} body). A protocol with a form
// but no fields here gets a JSON box.
var keyForms = map[string][]keyField{
	gateway.ProtocolAlipay: {{Name: "app_public_key", Label: "Your app public key (PKIX PEM, BEGIN PUBLIC KEY)", Kind: "pem"}},
	gateway.ProtocolWechat: {
		{Name: "merchant_serial_no", Label: "Your API certificate's serial number", Kind: "text"},
		{Name: "merchant_public_key", Label: "Your merchant public key (PEM, or apiclient_cert.pem)", Kind: "pem"},
		{Name: "verify_with", Label: "Answers name the platform's", Kind: "select", Options: []string{"", "public_key", "certificate"}},
	},
}

// protocolView is one protocol's part of the merchant page.
type protocolView struct {
	Name     string
	Fields   []credField
	Form     []keyField
	HasForm  bool
	FormErr  string
	Snippets []snippet
}

type merchantData struct {
	M         *gateway.Merchant
	Native    []credField
	Protocols []protocolView
}

// handleMerchantPage answers GET /admin/merchants/{id}: native keys, every
// protocol's credentials as the admin API shows them, the forms that
// register the merchant's own keys, and how to point each SDK here.
func (con *Console) handleMerchantPage(c *gin.Context) {
	con.showMerchant(c, http.StatusOK, c.Param("id"), "", nil, "")
}

func (con *Console) showMerchant(c *gin.Context, status int, id, formProtocol string, form []keyField, formErr string) {
	m, err := con.core.Merchant(c.Request.Context(), id)
	if err != nil {
		con.fail(c, err)
		return
	}
	d := merchantData{M: m, Native: []credField{
		{Name: "id", Value: m.ID}, {Name: "api_key", Value: m.APIKey},
		{Name: "webhook_secret", Value: m.WebhookSecret}, {Name: "notify_url", Value: m.NotifyURL},
	}}
	for _, p := range con.o.Protocols {
		v := protocolView{Name: p, Snippets: con.snippets[p]}
		if raw, ok := m.Credentials[p]; ok {
			if v.Fields, err = credFields(raw); err != nil {
				con.fail(c, fmt.Errorf("console: credentials of %s for %s: %w", m.ID, p, err))
				return
			}
		}
		if _, ok := con.o.Forms[p]; ok {
			v.HasForm = true
			v.Form = slices.Clone(keyForms[p])
			if p == formProtocol {
				v.Form, v.FormErr = form, formErr
			}
		}
		if len(v.Fields) > 0 || v.HasForm || len(v.Snippets) > 0 {
			d.Protocols = append(d.Protocols, v)
		}
	}
	con.render(c, status, "merchant", "Merchant "+m.ID, "merchants", d)
}

// credFields shows credentials generically: every field, in name order,
// strings as they are and anything else as JSON.
func credFields(raw json.RawMessage) ([]credField, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	var out []credField
	for k, v := range obj {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		out = append(out, credField{Name: k, Value: s, PEM: strings.Contains(s, "-----BEGIN ")})
	}
	slices.SortFunc(out, func(a, b credField) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// handleCredentialsSave registers the merchant's own keys for a protocol
// through the protocol's CredentialsForm, as PUT …/{protocol} does.
func (con *Console) handleCredentialsSave(c *gin.Context) {
	ctx := c.Request.Context()
	protocol := c.Param("protocol")
	form, ok := con.o.Forms[protocol]
	if !ok {
		con.renderMessage(c, http.StatusNotFound, "Not found", "Protocol "+protocol+" takes no keys of the merchant's own.")
		return
	}
	m, err := con.core.Merchant(ctx, c.Param("id"))
	if err != nil {
		con.fail(c, err)
		return
	}
	fields := slices.Clone(keyForms[protocol])
	body := map[string]string{}
	for i := range fields {
		fields[i].Value = strings.TrimSpace(c.PostForm(fields[i].Name))
		if fields[i].Value != "" {
			body[fields[i].Name] = fields[i].Value
		}
	}
	var raw []byte
	if len(fields) == 0 {
		raw = []byte(c.PostForm("json"))
	} else if raw, err = json.Marshal(body); err != nil {
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "credentials", "merchant", m.ID, "protocol", protocol)
	creds, err := form(m.Credentials[protocol], raw)
	if err == nil {
		_, err = con.core.SetCredentials(ctx, m, protocol, creds)
	}
	if err != nil {
		var e *gateway.Error
		if !asError(err, &e) || e.Code == gateway.InternalError {
			con.fail(c, err)
			return
		}
		formErr := e.Message
		for i := range fields {
			if fields[i].Name == e.Param {
				fields[i].Err, formErr = e.Message, ""
			}
		}
		con.showMerchant(c, http.StatusUnprocessableEntity, m.ID, protocol, fields, formErr)
		return
	}
	con.done(c, "/admin/merchants/"+m.ID+"#"+protocol, "%s credentials of %s saved.", label(protocol), m.ID)
}

// handlePEMDownload answers a PEM field of a protocol's credentials as a
// file.
func (con *Console) handlePEMDownload(c *gin.Context) {
	m, err := con.core.Merchant(c.Request.Context(), c.Param("id"))
	if err != nil {
		con.fail(c, err)
		return
	}
	protocol, field := c.Param("protocol"), c.Param("field")
	fields, err := credFields(m.Credentials[protocol])
	if err != nil || !slices.ContainsFunc(fields, func(f credField) bool { return f.Name == field && f.PEM }) {
		con.renderMessage(c, http.StatusNotFound, "Not found", "Merchant "+m.ID+" has no PEM "+field+" for "+protocol+".")
		return
	}
	i := slices.IndexFunc(fields, func(f credField) bool { return f.Name == field })
	apicall.AddLogAttrs(c, "console_action", "pem_download", "merchant", m.ID, "protocol", protocol, "field", field)
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", m.ID+"-"+protocol+"-"+field+".pem"))
	c.Data(http.StatusOK, "application/x-pem-file", []byte(fields[i].Value))
}
