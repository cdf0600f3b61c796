package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// refundRefresh is how often the refund page reloads itself while the
// request is being reviewed or refunded.
const refundRefresh = 5

type refundPage struct {
	Request *shop.RefundRequest
	Order   *shop.Order
}

// handleRefundResult is the customer's refund page: the decision and the
// result of one request. Another customer's request is a 404 like a missing
// one. Viewing it marks its notices as read.
func (s *Server) handleRefundResult(c *gin.Context) {
	ctx := c.Request.Context()
	u := s.currentUser(c)
	r, err := s.refundRequests.FindRefundRequestForUser(ctx, c.Param("no"), u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.refundRequests.FindOrderByID(ctx, r.OrderID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.notices.MarkRequestNoticesRead(ctx, u.ID, r.ID); err != nil {
		s.fail(c, err)
		return
	}
	refresh := 0
	if r.Status == shop.RequestPendingReview || r.Status == shop.RequestRefunding {
		refresh = refundRefresh
	}
	s.render(c, http.StatusOK, "refund", s.t(c, "shop.title.refund", "Request", r.No), refundPage{Request: r, Order: o}, refresh)
}
