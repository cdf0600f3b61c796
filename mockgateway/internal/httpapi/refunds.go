package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

type createRefundRequest struct {
	PaymentID   string `json:"payment_id" binding:"omitempty,max=64"`
	OutTradeNo  string `json:"out_trade_no" binding:"omitempty,outno"`
	OutRefundNo string `json:"out_refund_no" binding:"required,outno"`
	Amount      *int64 `json:"amount" binding:"omitempty,min=1,max=10000000000"`
	Reason      string `json:"reason" binding:"max=256"`
	NotifyURL   string `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
}

func (s *Server) handleRefundCreate(c *gin.Context) {
	var req createRefundRequest
	if !bindJSON(c, &req) {
		return
	}
	switch {
	case req.PaymentID == "" && req.OutTradeNo == "":
		replyInvalid(c, gateway.Errorf(gateway.ParameterMissing, "payment_id", "Name the payment to refund with payment_id or out_trade_no."))
		return
	case req.PaymentID != "" && req.OutTradeNo != "":
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "out_trade_no", "Give payment_id or out_trade_no, not both."))
		return
	}
	in := gateway.CreateRefundInput{
		PaymentID: req.PaymentID, OutTradeNo: req.OutTradeNo, OutRefundNo: req.OutRefundNo,
		Amount: req.Amount, Reason: req.Reason, NotifyURL: req.NotifyURL,
	}
	ctx := c.Request.Context()
	m := merchant(c)
	p, err := s.svc.RefundPayment(ctx, m, in)
	if err != nil {
		replyError(c, err)
		return
	}
	facts := paymentFacts(gateway.OpCreateRefund, p)
	facts.Creates = "refund"
	if req.Amount != nil {
		facts.Amount = *req.Amount
	}
	sc, ok := s.begin(c, facts)
	if !ok {
		return
	}
	in.Scenario = sc.Stored()
	re, created, err := s.svc.CreateRefund(ctx, m, in)
	if err != nil {
		replyError(c, err)
		return
	}
	replyCreated(c, created, re.Refund)
}

func refundFacts(op string, re *gateway.RefundRecord) Facts {
	return Facts{Operation: op, Amount: re.Amount, OutTradeNo: re.OutTradeNo}
}

func (s *Server) handleRefundGet(c *gin.Context) {
	s.replyRefund(c)(s.svc.Refund(c.Request.Context(), merchant(c), c.Param("id")))
}

// replyRefund answers a lookup of one refund.
func (s *Server) replyRefund(c *gin.Context) func(*gateway.RefundRecord, error) {
	return func(re *gateway.RefundRecord, err error) {
		replyFound(s, c, err, func() (Facts, any) { return refundFacts(gateway.OpGetRefund, re), re.Refund })
	}
}

// handleRefundList answers GET /v1/refunds: the refund itself when
// out_refund_no is given, a list otherwise.
func (s *Server) handleRefundList(c *gin.Context) {
	ctx := c.Request.Context()
	m := merchant(c)
	if orn, ok := c.GetQuery("out_refund_no"); ok {
		s.replyRefund(c)(s.svc.RefundByOutRefundNo(ctx, m, orn))
		return
	}
	q, ok := listQuery(c)
	if !ok {
		return
	}
	status := c.Query("status")
	if status != "" && !oneOf(status, []string{gatewayapi.RefundPending, gatewayapi.RefundSucceeded, gatewayapi.RefundFailed}) {
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "status", "status must be one of: pending, succeeded, failed."))
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "list_refunds"}); !ok {
		return
	}
	res, more, err := s.svc.ListRefunds(ctx, m, c.Query("payment_id"), status, q)
	replyList(c, res, more, err, func(re *gateway.RefundRecord) gatewayapi.Refund { return re.Refund })
}

func (s *Server) handleHelperRefundSucceed(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	s.settleRefund(c, gateway.SettleSucceed, "")
}

func (s *Server) handleHelperRefundFail(c *gin.Context) {
	var req failRequest
	if !bindJSON(c, &req) {
		return
	}
	code := req.Code
	if code == "" {
		code = "refund_rejected"
	}
	s.settleRefund(c, gateway.SettleFail, code)
}

func (s *Server) settleRefund(c *gin.Context, outcome, code string) {
	ctx := c.Request.Context()
	m := merchant(c)
	re, err := s.svc.Refund(ctx, m, c.Param("id"))
	if err != nil {
		replyError(c, err)
		return
	}
	if _, ok := s.begin(c, refundFacts("settle_refund", re)); !ok {
		return
	}
	re, err = s.svc.SettleRefund(ctx, m, re.ID, outcome, code)
	if err != nil {
		replyError(c, err)
		return
	}
	reply(c, http.StatusOK, re.Refund)
}
