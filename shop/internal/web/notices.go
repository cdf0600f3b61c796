package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// noticesShown bounds the notifications page.
const noticesShown = 100

// handleNotices lists the customer's notifications, newest first, and marks
// the ones shown as read; the page still shows which were new.
func (s *Server) handleNotices(c *gin.Context) {
	ctx := c.Request.Context()
	u := s.currentUser(c)
	notices, err := s.notices.Notices(ctx, u.ID, noticesShown)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(notices) > 0 {
		if err := s.notices.MarkNoticesRead(ctx, u.ID, notices[0].ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "notices", s.t(c, "shop.title.notices"), notices, 0)
}

// noticeClass is the CSS class of a notice's kind.
func noticeClass(n shop.Notice) string {
	switch n.Kind {
	case shop.NoticeRefundRejected, shop.NoticeRefundDelayed:
		return "notice-bad"
	case shop.NoticeRefundSucceeded, shop.NoticeRefundApproved:
		return "notice-ok"
	}
	return ""
}
