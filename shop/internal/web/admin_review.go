package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// reviewPage is one refund request with everything support needs to decide
// it: the order, its payments, refunds, earlier requests and timeline.
type reviewPage struct {
	Request  *shop.RefundRequest
	Age      string
	Customer *shop.User
	Order    *orderPage
	Note     string
	Errors   fieldErrors
}

func (s *Server) reviewDetails(c *gin.Context, no string) (*reviewPage, error) {
	ctx := c.Request.Context()
	r, err := s.backOffice.FindRefundRequest(ctx, no)
	if err != nil {
		return nil, err
	}
	p := &reviewPage{Request: r, Age: age(s.loc(c), s.cfg.Now(), r.CreatedAt)}
	if p.Customer, err = s.backOffice.FindUserByID(ctx, r.UserID); err != nil {
		return nil, err
	}
	o, err := s.backOffice.FindOrderByID(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	p.Order, err = s.orderDetails(c, o, true)
	return p, err
}

func (s *Server) handleAdminReview(c *gin.Context) {
	p, err := s.reviewDetails(c, c.Param("no"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_review", s.t(c, "shop.title.admin_review", "Request", p.Request.No), p, 0)
}

func (s *Server) handleAdminApprove(c *gin.Context) { s.decide(c, true) }

func (s *Server) handleAdminReject(c *gin.Context) { s.decide(c, false) }

// decide records support's approval or rejection. A missing note
// re-renders the review page with the error next to the note; a request
// decided meanwhile (a double click, a colleague) is said so on the review
// page.
func (s *Server) decide(c *gin.Context, approve bool) {
	no := c.Param("no")
	var f noteForm
	if err := c.ShouldBind(&f); err != nil {
		s.reviewAgain(c, no, f.Note, s.formErrors(c, err))
		return
	}
	ctx := c.Request.Context()
	u := s.currentUser(c)
	var flash string
	var err error
	if approve {
		var r *shop.Refund
		if r, err = s.refundDesk.ApproveRefund(ctx, u, no, f.note()); err == nil {
			flash = s.msg(c, approvedFlash(no, r))
		}
	} else if err = s.refundDesk.RejectRefund(ctx, u, no, f.note()); err == nil {
		flash = s.t(c, "shop.flash.rejected", "Request", no)
	}
	switch {
	case err == nil:
		s.setFlash(c, flash)
		c.Redirect(http.StatusSeeOther, "/admin")
	case shop.ErrorField(err) != "":
		s.reviewAgain(c, no, f.Note, fieldErrors{shop.ErrorField(err): s.msg(c, shop.ErrorText(err))})
	case shop.ErrorCode(err) == shop.ECONFLICT:
		s.setFlash(c, s.msg(c, shop.ErrorText(err)))
		c.Redirect(http.StatusSeeOther, "/admin/refunds/"+no)
	default:
		s.fail(c, err)
	}
}

// reviewAgain re-renders the review page with the support user's note and
// what is wrong with it.
func (s *Server) reviewAgain(c *gin.Context, no, note string, errs fieldErrors) {
	p, err := s.reviewDetails(c, no)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Note, p.Errors = note, errs
	s.render(c, http.StatusUnprocessableEntity, "admin_review", s.t(c, "shop.title.admin_review", "Request", no), p, 0)
}

// approvedFlash says what became of the approved request's refund.
func approvedFlash(no string, r *shop.Refund) i18n.Message {
	switch r.Status {
	case shop.RefundCreating:
		return i18n.M("shop.flash.approved_later", "Request", no, "Refund", r.OutRefundNo)
	case shop.RefundFailed:
		return i18n.M("shop.flash.approved_refused", "Request", no, "Refund", r.OutRefundNo, "Code", r.FailureCode)
	}
	return i18n.M("shop.flash.approved", "Request", no, "Refund", r.OutRefundNo)
}
