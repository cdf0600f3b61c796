package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// orderStates are the filters of the back office's order list.
var orderStates = []string{shop.OrderPendingPayment, shop.OrderPaid, shop.OrderClosed, shop.OrderRefundRequested, shop.OrderRefunding,
	shop.OrderPartiallyRefunded, shop.OrderRefunded, shop.OrderRefundFailed}

type adminOrdersPage struct {
	Orders []sqlite.OrderRow
	States []string
	Status string
}

// handleAdminOrders lists every customer's orders, newest first,
// optionally in one state.
func (s *Server) handleAdminOrders(c *gin.Context) {
	status := c.Query("status")
	if !slices.Contains(orderStates, status) {
		status = ""
	}
	orders, err := s.backOffice.ListOrders(c.Request.Context(), status)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_orders", s.t(c, "shop.title.admin_orders"), adminOrdersPage{Orders: orders, States: orderStates, Status: status}, 0)
}

type adminOrderPage struct {
	Customer *shop.User
	Order    *orderPage
}

// handleAdminOrder shows any customer's order with its timeline.
func (s *Server) handleAdminOrder(c *gin.Context) {
	ctx := c.Request.Context()
	o, err := s.backOffice.FindOrder(ctx, c.Param("no"))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := adminOrderPage{}
	if p.Customer, err = s.backOffice.FindUserByID(ctx, o.UserID); err != nil {
		s.fail(c, err)
		return
	}
	if p.Order, err = s.orderDetails(c, o, true); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_order", s.t(c, "shop.title.order", "Order", o.No), p, 0)
}
