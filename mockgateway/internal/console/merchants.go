package console

import (
	"fmt"
	"net/http"
	"net/url"
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
