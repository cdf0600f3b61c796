package native

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

type createRefundRequest struct {
	PaymentID   string `json:"payment_id" binding:"omitempty,max=64"`
	OutTradeNo  string `json:"out_trade_no" binding:"omitempty,outno"`
	OutRefundNo string `json:"out_refund_no" binding:"required,outno"`
	Amount      *int64 `json:"amount" binding:"omitempty,min=1,max=10000000000"`
	Reason      string `json:"reason" binding:"max=256"`
	NotifyURL   string `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
}

func (a *Adapter) handleRefundCreate(c *gin.Context) {
	var req createRefundRequest
	if !bindJSON(c, &req) {
		return
	}
	switch {
	case req.PaymentID == "" && req.OutTradeNo == "":
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterMissing, "payment_id", "Name the payment to refund with payment_id or out_trade_no."))
		return
	case req.PaymentID != "" && req.OutTradeNo != "":
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "out_trade_no", "Give payment_id or out_trade_no, not both."))
		return
	}
	in := gateway.CreateRefundInput{
		Protocol: Name, PaymentID: req.PaymentID, OutTradeNo: req.OutTradeNo, OutRefundNo: req.OutRefundNo,
		Amount: req.Amount, Reason: req.Reason, NotifyURL: req.NotifyURL, Settle: gateway.SettleLater,
	}
	ctx := c.Request.Context()
	if err := a.svc.CheckNotifyURL(ctx, "notify_url", req.NotifyURL); err != nil {
		apicall.Refuse(c, err)
		return
	}
	m := merchant(c)
	p, err := a.svc.RefundPayment(ctx, m, in)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	facts := paymentFacts(gateway.OpCreateRefund, p)
	facts.Creates = "refund"
	if req.Amount != nil {
		facts.Amount = *req.Amount
	}
	cl, ok := apicall.Begin(c, facts)
	if !ok {
		return
	}
	in.Scenario = cl.Scenario.Stored()
	re, created, err := a.svc.CreateRefund(ctx, m, in)
	if err != nil {
		cl.Error(err)
		return
	}
	replyCreated(cl, created, Refund(re))
}

func refundFacts(op string, re *gateway.Refund) apicall.Facts {
	return apicall.Facts{Operation: op, Amount: re.Amount, OutTradeNo: re.OutTradeNo}
}

func (a *Adapter) handleRefundGet(c *gin.Context) {
	replyRefund(c)(a.svc.Refund(c.Request.Context(), merchant(c), c.Param("id")))
}

// replyRefund answers a lookup of one refund.
func replyRefund(c *gin.Context) func(*gateway.Refund, error) {
	return func(re *gateway.Refund, err error) {
		if err != nil {
			apicall.Fail(c, err)
			return
		}
		if cl, ok := apicall.Begin(c, refundFacts(gateway.OpGetRefund, re)); ok {
			reply(cl, http.StatusOK, Refund(re))
		}
	}
}

// handleRefundList answers GET /v1/refunds: the refund itself when
// out_refund_no is given, a list otherwise.
func (a *Adapter) handleRefundList(c *gin.Context) {
	ctx := c.Request.Context()
	m := merchant(c)
	if orn, ok := c.GetQuery("out_refund_no"); ok {
		replyRefund(c)(a.svc.RefundByOutRefundNo(ctx, m, orn))
		return
	}
	q, ok := listQuery(c)
	if !ok {
		return
	}
	f := gateway.RefundFilter{PaymentID: c.Query("payment_id"), Status: c.Query("status")}
	if f.Status != "" && !slices.Contains([]string{gateway.RefundPending, gateway.RefundSucceeded, gateway.RefundFailed}, f.Status) {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "status", "status must be one of: pending, succeeded, failed."))
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_refunds"})
	if !ok {
		return
	}
	res, more, err := a.svc.ListRefunds(ctx, m, f, q)
	replyList(cl, res, more, err, Refund)
}

func (a *Adapter) handleHelperRefundSucceed(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	a.settleRefund(c, gateway.SettleSucceed, "")
}

func (a *Adapter) handleHelperRefundFail(c *gin.Context) {
	var req failRequest
	if !bindJSON(c, &req) {
		return
	}
	a.settleRefund(c, gateway.SettleFail, req.Code)
}

func (a *Adapter) settleRefund(c *gin.Context, how, code string) {
	ctx := c.Request.Context()
	m := merchant(c)
	re, err := a.svc.Refund(ctx, m, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, refundFacts("settle_refund", re))
	if !ok {
		return
	}
	re, err = a.svc.SettleRefund(ctx, m, re.ID, how, code)
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, http.StatusOK, Refund(re))
}
