package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

type queueRow struct {
	sqlite.QueueItem
	Age string
}

// handleAdminQueue is the back office's start page: the refund requests
// waiting for review, oldest first.
func (s *Server) handleAdminQueue(c *gin.Context) {
	items, err := s.backOffice.RefundQueue(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.cfg.Now()
	rows := make([]queueRow, len(items))
	for i, it := range items {
		rows[i] = queueRow{QueueItem: it, Age: age(s.loc(c), now, it.Request.CreatedAt)}
	}
	s.render(c, http.StatusOK, "admin_queue", s.t(c, "shop.title.admin_queue"), rows, 0)
}
