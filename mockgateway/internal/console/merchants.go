package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
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
	con.render(c, status, "merchants", i18n.M("console.nav.merchants"), "merchants", merchantsData{Merchants: ms, Form: f})
}

// handleMerchantCreate makes a merchant with fresh keys and every
// protocol's credentials, as POST /admin/api/merchants does.
func (con *Console) handleMerchantCreate(c *gin.Context) {
	f := merchantForm{Name: strings.TrimSpace(c.PostForm("name")), NotifyURL: strings.TrimSpace(c.PostForm("notify_url"))}
	switch {
	case f.Name == "":
		f.NameErr = con.t(c, "console.merchants.error.name_required")
	case len(f.Name) > 128:
		f.NameErr = con.t(c, "console.merchants.error.name_long")
	default:
		if r, bad := gateway.UnsafeRune(f.Name, false); bad {
			f.NameErr = con.t(c, "console.merchants.error.name_unsafe", "Rune", fmt.Sprintf("%U", r))
		}
	}
	if f.NotifyURL != "" {
		u, err := url.Parse(f.NotifyURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			f.NotifyURLErr = con.t(c, "console.merchants.error.url_scheme")
		case len(f.NotifyURL) > 2048:
			f.NotifyURLErr = con.t(c, "console.merchants.error.url_long")
		default:
			if err := con.core.CheckNotifyURL(c.Request.Context(), "notify_url", f.NotifyURL); err != nil {
				f.NotifyURLErr = con.loc(c).Msg(messageOf(err))
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
	con.done(c, "/admin/merchants/"+m.ID, i18n.M("console.merchants.created", "ID", m.ID, "Name", m.Name))
}

// messageOf is the person-facing message of a core error.
func messageOf(err error) i18n.Message {
	var e *gateway.Error
	if asError(err, &e) {
		return coreMessage(e)
	}
	return i18n.M("console.internal.plain")
}
