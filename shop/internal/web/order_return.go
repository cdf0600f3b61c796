package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// handleReturn is where the cashier sends the customer back. The redirect
// is verified but only a hint: when the order is not paid yet, the payment
// is read from the gateway and applied like a notification; the result page
// then shows what the shop knows.
func (s *Server) handleReturn(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	ret, err := s.cfg.Verifier.VerifyReturn(c.Request.URL.Query())
	if err != nil {
		s.log.Warn("return redirect not verified", "order", o.No, "err", err, "request_id", requestID(c.Request.Context()))
		s.render(c, http.StatusBadRequest, "error", s.t(c, "shop.title.return_unverified"), struct {
			Status  int
			Message string
			OrderNo string
		}{http.StatusBadRequest, s.t(c, "shop.error.return_unverified"), o.No}, 0)
		return
	}
	a, err := s.orders.FindAttemptByOutTradeNo(c.Request.Context(), ret.OutTradeNo)
	if err != nil || a.OrderID != o.ID {
		s.fail(c, notFoundErr)
		return
	}
	if o.Status == shop.OrderPendingPayment {
		if err := s.payer.CheckReturn(c.Request.Context(), a, ret.PaymentID); err != nil {
			// The result page still shows the order as the shop knows it;
			// the notification or the reconciler will settle it.
			s.log.Warn("return check failed", "order", o.No, "err", err, "request_id", requestID(c.Request.Context()))
		}
	}
	c.Redirect(http.StatusSeeOther, "/orders/"+o.No+"/result?attempt="+strconv.Itoa(a.N))
}

type resultPage struct {
	Order   *shop.Order
	Attempt *shop.Attempt
	// Outcome is "paid", "declined", "waiting" or "closed".
	Outcome string
}

// handleResult is the success or failure page.
func (s *Server) handleResult(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	p := resultPage{Order: o}
	attempts, err := s.history.Attempts(c.Request.Context(), o.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, _ := strconv.Atoi(c.Query("attempt"))
	for i := range attempts {
		if attempts[i].N == n || (n == 0 && i == len(attempts)-1) {
			p.Attempt = &attempts[i]
		}
	}
	refresh := 0
	switch {
	case o.Paid():
		p.Outcome = "paid"
	case o.Status != shop.OrderPendingPayment:
		p.Outcome = "closed"
	case p.Attempt != nil && p.Attempt.Status == shop.AttemptClosed:
		p.Outcome = "closed"
	case p.Attempt != nil && p.Attempt.LastErrorCode != "":
		p.Outcome = "declined"
	default:
		p.Outcome, refresh = "waiting", payRefresh
	}
	s.render(c, http.StatusOK, "result", s.t(c, "shop.title.result"), p, refresh)
}
