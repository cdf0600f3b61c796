package wechat

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// handleQueryByOutTradeNo answers GET /v3/pay/transactions/out-trade-no/
// {out_trade_no}?mchid=: the order as a transaction.
func (a *Adapter) handleQueryByOutTradeNo(c *gin.Context) {
	if !requireMchIDQuery(c) {
		return
	}
	p, err := a.svc.PaymentByOutTradeNo(c.Request.Context(), apicall.MerchantOf(c), c.Param("no"))
	a.replyTransaction(c, p, err)
}

// handleQueryByTransactionID answers GET /v3/pay/transactions/id/
// {transaction_id}?mchid=.
func (a *Adapter) handleQueryByTransactionID(c *gin.Context) {
	if !requireMchIDQuery(c) {
		return
	}
	p, err := a.svc.PaymentByRef(c.Request.Context(), apicall.MerchantOf(c), refTransactionID, c.Param("id"))
	a.replyTransaction(c, p, err)
}

// requireMchIDQuery refuses a query without its mchid parameter (the
// authenticator has checked that a given one is the caller's).
func requireMchIDQuery(c *gin.Context) bool {
	if c.Query("mchid") == "" {
		apicall.Refuse(c, queryParamError("mchid", "The mchid query parameter is required."))
		return false
	}
	return true
}

// wechatPayment keeps only payments made through this protocol: a native
// payment of the same merchant is not a WeChat Pay order.
func wechatPayment(p *gateway.Payment, err error) (*gateway.Payment, error) {
	if err != nil {
		if gateway.ErrorCode(err) == gateway.ResourceMissing {
			return nil, errOrderNotExist
		}
		return nil, err
	}
	if p.Protocol != Name {
		return nil, errOrderNotExist
	}
	return p, nil
}

func (a *Adapter) replyTransaction(c *gin.Context, p *gateway.Payment, err error) {
	if p, err = wechatPayment(p, err); err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, p))
	if !ok {
		return
	}
	reply(cl, http.StatusOK, transactionOf(p))
}

func paymentFacts(op string, p *gateway.Payment) apicall.Facts {
	return apicall.Facts{Operation: op, Method: p.Method, Amount: p.Amount, OutTradeNo: p.OutTradeNo}
}

type closeRequest struct {
	MchID *string `json:"mchid"`
}

// handleClose answers POST /v3/pay/transactions/out-trade-no/{no}/close:
// 204 once the order is closed (closing a closed order again too), 403
// ORDERPAID for a paid one.
func (a *Adapter) handleClose(c *gin.Context) {
	var req closeRequest
	if err := decodeBody(apicall.Body(c), &req); err != nil {
		apicall.Refuse(c, err)
		return
	}
	if err := checkText("/mchid", req.MchID, true, 32); err != nil {
		apicall.Refuse(c, err)
		return
	}
	ctx := c.Request.Context()
	m := apicall.MerchantOf(c)
	p, err := wechatPayment(a.svc.PaymentByOutTradeNo(ctx, m, c.Param("no")))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(gateway.OpClosePayment, p))
	if !ok {
		return
	}
	if _, err := a.svc.ClosePayment(ctx, m, p.ID); err != nil {
		if gateway.ErrorCode(err) == gateway.PaymentNotClosable {
			err = errOrderPaid
		}
		cl.Error(err)
		return
	}
	cl.Reply(apicall.Answer{Status: http.StatusNoContent})
}
