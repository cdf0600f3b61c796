package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

type failedRow struct {
	sqlite.FailedRefund
	Age string
}

// handleAdminFailed lists the failed refunds waiting for a retry.
func (s *Server) handleAdminFailed(c *gin.Context) {
	items, err := s.backOffice.FailedRefunds(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.cfg.Now()
	rows := make([]failedRow, len(items))
	for i, it := range items {
		rows[i] = failedRow{FailedRefund: it, Age: age(s.loc(c), now, it.Refund.UpdatedAt)}
	}
	s.render(c, http.StatusOK, "admin_failed", s.t(c, "shop.title.admin_failed"), rows, 0)
}

// handleAdminRetry retries a failed refund as a new gateway refund; the
// order goes back to refunding. A second click finds it retried already.
func (s *Server) handleAdminRetry(c *gin.Context) {
	var f noteForm
	_ = c.ShouldBind(&f) // a note that is too long is the domain's to refuse
	back := backTo(f.Return, "/admin/failed")
	r, err := s.refundDesk.RetryRefund(c.Request.Context(), s.currentUser(c), c.Param("refund"), f.note())
	switch {
	case err == nil:
		key := "shop.flash.retried"
		if r.Status == shop.RefundCreating {
			key = "shop.flash.retried_later"
		}
		s.setFlash(c, s.t(c, key, "Refund", c.Param("refund"), "Next", r.OutRefundNo))
	case shop.ErrorCode(err) == shop.ECONFLICT || shop.ErrorCode(err) == shop.EINVALID:
		s.setFlash(c, s.msg(c, shop.ErrorText(err)))
	default:
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, back)
}
