package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// ownOrder loads the order named in the path if it is the signed-in user's;
// anyone else's is a 404 like a missing one.
func (s *Server) ownOrder(c *gin.Context) (*shop.Order, bool) {
	o, err := s.orders.FindOrderForUser(c.Request.Context(), c.Param("no"), s.currentUser(c).ID)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return o, true
}

func (s *Server) handleOrders(c *gin.Context) {
	orders, err := s.orders.ListOrdersForUser(c.Request.Context(), s.currentUser(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "orders", s.t(c, "shop.title.orders"), orders, 0)
}

type orderPage struct {
	Order    *shop.Order
	Attempts []shop.Attempt
	Timeline []shop.TimelineEntry
	Refunds  []shop.Refund
	Requests []shop.RefundRequest
	CanPay   bool
	// CanRefund: the customer may ask for (more of) the money back.
	CanRefund bool
}

// orderDetails loads what an order page shows. The customer's page leaves
// out support-only timeline entries (forSupport false).
func (s *Server) orderDetails(c *gin.Context, o *shop.Order, forSupport bool) (*orderPage, error) {
	ctx := c.Request.Context()
	p := &orderPage{Order: o, CanPay: o.Status == shop.OrderPendingPayment && o.TimeLeft(s.cfg.Now()) > 0, CanRefund: shop.CanRequestRefund(o)}
	var err error
	if p.Attempts, err = s.history.Attempts(ctx, o.ID); err != nil {
		return nil, err
	}
	if p.Timeline, err = s.history.Timeline(ctx, o.ID); err != nil {
		return nil, err
	}
	if !forSupport {
		p.Timeline = slices.DeleteFunc(p.Timeline, func(e shop.TimelineEntry) bool { return e.Internal })
	}
	if p.Refunds, err = s.history.Refunds(ctx, o.ID); err != nil {
		return nil, err
	}
	if p.Requests, err = s.history.RefundRequests(ctx, o.ID); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) handleOrder(c *gin.Context) {
	o, ok := s.ownOrder(c)
	if !ok {
		return
	}
	p, err := s.orderDetails(c, o, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "order", s.t(c, "shop.title.order", "Order", o.No), p, 0)
}

func (s *Server) handleCancel(c *gin.Context) {
	o, err := s.payer.Cancel(c.Request.Context(), s.currentUser(c), c.Param("no"))
	switch {
	case err == nil:
		s.setFlash(c, s.t(c, "shop.flash.cancelled", "Order", o.No))
	case shop.ErrorCode(err) == shop.ECONFLICT || shop.ErrorCode(err) == shop.EUNAVAILABLE:
		s.setFlash(c, s.msg(c, shop.ErrorText(err)))
	default:
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/orders/"+c.Param("no"))
}
