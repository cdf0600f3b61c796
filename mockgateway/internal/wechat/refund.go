package wechat

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// refundRequest is the body of POST /v3/refund/domestic/refunds.
type refundRequest struct {
	SubMchID      *string `json:"sub_mchid"`
	TransactionID *string `json:"transaction_id"`
	OutTradeNo    *string `json:"out_trade_no"`
	OutRefundNo   *string `json:"out_refund_no"`
	Reason        *string `json:"reason"`
	NotifyURL     *string `json:"notify_url"`
	FundsAccount  *string `json:"funds_account"`
	Amount        *struct {
		Refund   *int64  `json:"refund"`
		Total    *int64  `json:"total"`
		Currency *string `json:"currency"`
	} `json:"amount"`
}

func (r *refundRequest) validate() error {
	if r.SubMchID != nil && *r.SubMchID != "" {
		return invalidField("/sub_mchid", "The sandbox serves direct merchants only; leave sub_mchid out.")
	}
	if str(r.TransactionID) == "" && str(r.OutTradeNo) == "" {
		return missingField("/out_trade_no")
	}
	if r.OutRefundNo == nil || *r.OutRefundNo == "" {
		return missingField("/out_refund_no")
	}
	if !outRefundNoPattern.MatchString(*r.OutRefundNo) {
		return invalidField("/out_refund_no", "out_refund_no must be 1 to 64 digits, letters, _ - | * or @.")
	}
	if err := checkText("/reason", r.Reason, false, 80); err != nil {
		return err
	}
	if err := checkNotifyURL("/notify_url", r.NotifyURL, false); err != nil {
		return err
	}
	if r.Amount == nil {
		return missingField("/amount")
	}
	if err := checkAmount("/amount/refund", r.Amount.Refund); err != nil {
		return err
	}
	if err := checkAmount("/amount/total", r.Amount.Total); err != nil {
		return err
	}
	if *r.Amount.Refund > *r.Amount.Total {
		return invalidField("/amount/refund", "amount.refund must not be more than amount.total.")
	}
	return checkCurrency("/amount/currency", r.Amount.Currency)
}

// handleRefundCreate answers POST /v3/refund/domestic/refunds: a refund of
// a paid order named by transaction_id (which wins) or out_trade_no,
// PROCESSING until it settles after REFUND_DELAY, as WeChat Pay's refunds
// settle asynchronously. amount.total must be the order's amount. The same
// out_refund_no with the same refund answers the same refund again.
func (a *Adapter) handleRefundCreate(c *gin.Context) {
	var req refundRequest
	if err := decodeBody(apicall.Body(c), &req); err != nil {
		apicall.Refuse(c, err)
		return
	}
	if err := req.validate(); err != nil {
		apicall.Refuse(c, err)
		return
	}
	ctx := c.Request.Context()
	notifyURL := str(req.NotifyURL)
	if err := a.svc.CheckNotifyURL(ctx, "notify_url", notifyURL); err != nil {
		apicall.Refuse(c, refusedURL("/notify_url", err))
		return
	}
	m := apicall.MerchantOf(c)
	var (
		p   *gateway.Payment
		err error
	)
	if id := str(req.TransactionID); id != "" {
		p, err = wechatPayment(a.svc.PaymentByRef(ctx, m, refTransactionID, id))
	} else {
		p, err = wechatPayment(a.svc.PaymentByOutTradeNo(ctx, m, *req.OutTradeNo))
	}
	if err != nil {
		if errors.Is(err, errOrderNotExist) {
			err = errTradeNotExist
		}
		apicall.Fail(c, err)
		return
	}
	if *req.Amount.Total != p.Amount {
		apicall.Fail(c, &apiError{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Message: "订单金额与原订单金额不一致",
			Detail: &errorDetail{Field: "/amount/total", Issue: "amount.total must be the order's amount.", Location: "body"}})
		return
	}
	refund := *req.Amount.Refund
	facts := paymentFacts(gateway.OpCreateRefund, p)
	facts.Amount, facts.Creates = refund, "refund"
	cl, ok := apicall.Begin(c, facts)
	if !ok {
		return
	}
	re, _, err := a.svc.CreateRefund(ctx, m, gateway.CreateRefundInput{
		Protocol: Name, PaymentID: p.ID, OutRefundNo: *req.OutRefundNo, Amount: &refund,
		Reason: str(req.Reason), NotifyURL: notifyURL, Refs: map[string]string{refRefundID: newRefundID(a.now())},
		Settle: gateway.SettleLater, Scenario: cl.Scenario.Stored(),
	})
	if err != nil {
		cl.Error(err)
		return
	}
	if p, err = a.svc.Payment(ctx, m, re.PaymentID); err != nil {
		cl.Error(err)
		return
	}
	reply(cl, http.StatusOK, refundObjectOf(re, p))
}

// handleRefundQuery answers GET /v3/refund/domestic/refunds/{out_refund_no}.
func (a *Adapter) handleRefundQuery(c *gin.Context) {
	ctx := c.Request.Context()
	m := apicall.MerchantOf(c)
	re, err := a.svc.RefundByOutRefundNo(ctx, m, c.Param("no"))
	if err == nil && re.Protocol != Name {
		err = errRefundNotExist
	} else if gateway.ErrorCode(err) == gateway.ResourceMissing {
		err = errRefundNotExist
	}
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	p, err := a.svc.Payment(ctx, m, re.PaymentID)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpGetRefund, Method: p.Method, Amount: re.Amount, OutTradeNo: re.OutTradeNo})
	if !ok {
		return
	}
	reply(cl, http.StatusOK, refundObjectOf(re, p))
}
