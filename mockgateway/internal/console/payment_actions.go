package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// paymentAction loads the payment of :id and its merchant for an action,
// and names the action in the request log.
func (con *Console) paymentAction(c *gin.Context, action string) (*gateway.Payment, *gateway.Merchant, bool) {
	p, m, err := con.core.PublicPayment(c.Request.Context(), c.Param("id"))
	if err != nil {
		con.fail(c, err)
		return nil, nil, false
	}
	apicall.AddLogAttrs(c, "console_action", action, "merchant", m.ID, "payment", p.ID)
	return p, m, true
}

func paymentPath(id string) string { return "/admin/payments/" + id }

// handlePaymentSucceed is the customer paying (the succeed test helper).
func (con *Console) handlePaymentSucceed(c *gin.Context) {
	p, m, ok := con.paymentAction(c, "succeed")
	if !ok {
		return
	}
	back := backTo(c, paymentPath(p.ID))
	res, err := con.core.SucceedPayment(c.Request.Context(), m, p.ID)
	switch {
	case err != nil:
		con.refuse(c, back, i18n.M("console.doing.succeed"), err)
	case res.FailedCode != "":
		con.done(c, back, i18n.M("console.payment.auto_failed", "Code", res.FailedCode))
	default:
		con.done(c, back, i18n.M("console.payment.succeeded", "ID", p.ID))
	}
}

// handlePaymentFail records a declined attempt with a chosen code.
func (con *Console) handlePaymentFail(c *gin.Context) {
	p, m, ok := con.paymentAction(c, "fail")
	if !ok {
		return
	}
	code := strings.TrimSpace(c.PostForm("code"))
	if code == "" {
		code = strings.TrimSpace(c.PostForm("code_choice"))
	}
	if !gateway.ValidFailureCode(code) {
		con.showPayment(c, http.StatusUnprocessableEntity, p.ID, paymentForms{FailCode: code,
			FailErr: con.t(c, "console.payment.error.fail_code")})
		return
	}
	back := backTo(c, paymentPath(p.ID))
	if _, err := con.core.FailPayment(c.Request.Context(), m, p.ID, code); err != nil {
		con.refuse(c, back, i18n.M("console.doing.fail"), err)
		return
	}
	con.done(c, back, i18n.M("console.payment.declined", "ID", p.ID, "Code", code))
}

// handlePaymentExpire closes a pending payment as its expiry would.
func (con *Console) handlePaymentExpire(c *gin.Context) {
	p, m, ok := con.paymentAction(c, "expire")
	if !ok {
		return
	}
	back := backTo(c, paymentPath(p.ID))
	if _, err := con.core.ExpirePayment(c.Request.Context(), m, p.ID); err != nil {
		con.refuse(c, back, i18n.M("console.doing.expire"), err)
		return
	}
	con.done(c, back, i18n.M("console.payment.expired", "ID", p.ID))
}

// handlePaymentClose closes a pending payment as the merchant would.
func (con *Console) handlePaymentClose(c *gin.Context) {
	p, m, ok := con.paymentAction(c, "close")
	if !ok {
		return
	}
	back := backTo(c, paymentPath(p.ID))
	if p.Status == gateway.PaymentClosed {
		con.flashError(c, i18n.M("console.payment.already_closed", "ID", p.ID))
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	if _, err := con.core.ClosePayment(c.Request.Context(), m, p.ID); err != nil {
		con.refuse(c, back, i18n.M("console.doing.close"), err)
		return
	}
	con.done(c, back, i18n.M("console.payment.closed", "ID", p.ID))
}
