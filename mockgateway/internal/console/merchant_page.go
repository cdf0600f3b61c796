package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// credField is one value of a protocol's credentials.
type credField struct {
	Name, Value string
	PEM         bool
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
	con.render(c, status, "merchant", i18n.M("console.merchant.title", "ID", m.ID), "merchants", d)
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
