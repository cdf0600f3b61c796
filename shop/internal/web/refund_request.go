package web

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// refundForm is a customer's refund request. Amount is in yuan as typed
// ("12.34"); the domain checks it against what is left to refund.
type refundForm struct {
	Amount  string `form:"amount" binding:"required,max=20"`
	Reason  string `form:"reason" binding:"required,max=40"`
	Details string `form:"details" binding:"max=2000,text=multiline"`
}

type refundFormPage struct {
	Order      *shop.Order
	Refundable int64
	Reasons    []shop.RefundReason
	Form       refundForm
	Errors     fieldErrors
}

// handleRefundForm shows the request form, the amount preset to all that
// is still refundable.
func (s *Server) handleRefundForm(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	if !shop.CanRequestRefund(o) {
		s.setFlash(c, s.msg(c, shop.ErrorText(shop.CheckRefundRequest(o, 0, "", ""))))
		c.Redirect(http.StatusSeeOther, "/orders/"+o.No)
		return
	}
	s.renderRefundForm(c, http.StatusOK, o, refundForm{Amount: plainAmount(shop.Refundable(o), o.Currency)}, nil)
}

func (s *Server) renderRefundForm(c *gin.Context, status int, o *shop.Order, f refundForm, errs fieldErrors) {
	s.render(c, status, "refund_form", s.t(c, "shop.title.refund_form", "Order", o.No), refundFormPage{Order: o, Refundable: shop.Refundable(o),
		Reasons: shop.RefundReasons, Form: f, Errors: errs}, 0)
}

// handleRefundRequest stores the request; the order waits for customer
// service in refund_requested.
func (s *Server) handleRefundRequest(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	var f refundForm
	if err := c.ShouldBind(&f); err != nil {
		s.renderRefundForm(c, http.StatusUnprocessableEntity, o, f, s.formErrors(c, err))
		return
	}
	f.Details = strings.TrimSpace(f.Details)
	amount, err := money.Parse(f.Amount, o.Currency)
	if err != nil {
		s.renderRefundForm(c, http.StatusUnprocessableEntity, o, f, fieldErrors{"amount": s.t(c, "shop.error.amount_format")})
		return
	}
	u := s.currentUser(c)
	r, err := s.refundRequests.CreateRefundRequest(c.Request.Context(), sqlite.NewRefundRequest{
		OrderNo: o.No, UserID: u.ID, Actor: shop.ActorCustomer(u.Email), Amount: amount, Reason: f.Reason, Details: f.Details,
		NewNo: func() (string, error) { return shop.NewRequestNo(s.cfg.Now(), rand.Reader) },
	})
	switch {
	case err == nil:
	case shop.ErrorField(err) != "":
		s.renderRefundForm(c, http.StatusUnprocessableEntity, o, f, fieldErrors{shop.ErrorField(err): s.msg(c, shop.ErrorText(err))})
		return
	case shop.ErrorCode(err) == shop.ECONFLICT:
		s.setFlash(c, s.msg(c, shop.ErrorText(err)))
		c.Redirect(http.StatusSeeOther, "/orders/"+o.No)
		return
	default:
		s.fail(c, err)
		return
	}
	s.setFlash(c, s.t(c, "shop.flash.request_sent", "Request", r.No))
	c.Redirect(http.StatusSeeOther, "/refunds/"+r.No)
}

// plainAmount is an amount as a form field holds it: "196.00", no symbol.
func plainAmount(amount int64, currency string) string {
	c, _ := money.Lookup(currency)
	return strings.TrimPrefix(money.Format(amount, currency), c.Symbol)
}
