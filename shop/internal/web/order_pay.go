package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// payRefresh is how often the payment page reloads itself while a payment
// is open, to move on as soon as the notification has arrived.
const payRefresh = 3

type payPage struct {
	Order    *shop.Order
	Methods  []string
	Open     *shop.Attempt
	TimeLeft time.Duration
}

// handlePayPage shows the method choice and, while an attempt is open, its
// QR code or cashier link. It reloads itself until the order is paid, then
// the customer is sent to the result page.
func (s *Server) handlePayPage(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	if o.Status != shop.OrderPendingPayment {
		c.Redirect(http.StatusSeeOther, "/orders/"+o.No+"/result")
		return
	}
	attempts, err := s.history.Attempts(c.Request.Context(), o.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := payPage{Order: o, Methods: s.payer.Methods(), TimeLeft: o.TimeLeft(s.cfg.Now())}
	for i := len(attempts) - 1; i >= 0; i-- {
		if attempts[i].Status == shop.AttemptPending {
			p.Open = &attempts[i]
			break
		}
	}
	refresh := 0
	if p.Open != nil && p.TimeLeft > 0 {
		refresh = payRefresh
	}
	if p.Open != nil && shop.QRMethod(p.Open.Method) && p.Open.QRCodeURL != "" {
		allowImagesFrom(c, p.Open.QRCodeURL)
	}
	s.render(c, http.StatusOK, "pay", s.t(c, "shop.title.pay", "Order", o.No), p, refresh)
}

type payForm struct {
	Method string `form:"method" binding:"required"`
}

// handlePay opens or reuses the attempt for the chosen method. QR methods
// come back to the payment page to show the code; card and UnionPay go
// straight to the gateway's cashier.
func (s *Server) handlePay(c *gin.Context) {
	no := c.Param("no")
	var f payForm
	if err := c.ShouldBind(&f); err != nil {
		s.setFlash(c, s.t(c, "shop.flash.choose_method"))
		c.Redirect(http.StatusSeeOther, "/orders/"+no+"/pay")
		return
	}
	a, err := s.payer.Pay(c.Request.Context(), s.currentUser(c), no, f.Method, s.loc(c).Lang())
	switch shop.ErrorCode(err) {
	case "":
	case shop.ECONFLICT, shop.EINVALID, shop.EUNAVAILABLE:
		s.setFlash(c, s.msg(c, shop.ErrorText(err)))
		c.Redirect(http.StatusSeeOther, "/orders/"+no+"/pay")
		return
	default:
		s.fail(c, err)
		return
	}
	if shop.QRMethod(a.Method) || a.Status != shop.AttemptPending || a.PayURL == "" {
		c.Redirect(http.StatusSeeOther, "/orders/"+no+"/pay")
		return
	}
	c.Redirect(http.StatusSeeOther, a.PayURL)
}
