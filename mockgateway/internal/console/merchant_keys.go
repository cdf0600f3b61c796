package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// keyField is one field of a form that registers a merchant's own key.
// Label is a catalogue key.
type keyField struct {
	Name, Label, Kind string // Kind: text, pem, select
	Options           []string
	Value, Err        string
}

// keyForms are the fields each protocol's CredentialsForm takes (as its
// PUT /admin/api/merchants/{id}/{protocol} body). A protocol with a form
// but no fields here gets a JSON box.
var keyForms = map[string][]keyField{
	gateway.ProtocolAlipay: {{Name: "app_public_key", Label: "console.keys.alipay.app_public_key", Kind: "pem"}},
	gateway.ProtocolWechat: {
		{Name: "merchant_serial_no", Label: "console.keys.wechat.merchant_serial_no", Kind: "text"},
		{Name: "merchant_public_key", Label: "console.keys.wechat.merchant_public_key", Kind: "pem"},
		{Name: "verify_with", Label: "console.keys.wechat.verify_with", Kind: "select", Options: []string{"", "public_key", "certificate"}},
	},
}

// handleCredentialsSave registers the merchant's own keys for a protocol
// through the protocol's CredentialsForm, as PUT …/{protocol} does.
func (con *Console) handleCredentialsSave(c *gin.Context) {
	ctx := c.Request.Context()
	protocol := c.Param("protocol")
	form, ok := con.o.Forms[protocol]
	if !ok {
		con.renderMessage(c, http.StatusNotFound, i18n.M("console.not_found.title"), i18n.M("console.keys.no_form", "Protocol", protocol))
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
		msg := con.loc(c).Msg(coreMessage(e))
		formErr := msg
		for i := range fields {
			if fields[i].Name == e.Param {
				fields[i].Err, formErr = msg, ""
			}
		}
		con.showMerchant(c, http.StatusUnprocessableEntity, m.ID, protocol, fields, formErr)
		return
	}
	con.done(c, "/admin/merchants/"+m.ID+"#"+protocol, i18n.M("console.keys.saved", "Protocol", labelOf(protocol), "Merchant", m.ID))
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
		con.renderMessage(c, http.StatusNotFound, i18n.M("console.not_found.title"),
			i18n.M("console.keys.no_pem", "Merchant", m.ID, "Field", field, "Protocol", protocol))
		return
	}
	i := slices.IndexFunc(fields, func(f credField) bool { return f.Name == field })
	apicall.AddLogAttrs(c, "console_action", "pem_download", "merchant", m.ID, "protocol", protocol, "field", field)
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", m.ID+"-"+protocol+"-"+field+".pem"))
	c.Data(http.StatusOK, "application/x-pem-file", []byte(fields[i].Value))
}
