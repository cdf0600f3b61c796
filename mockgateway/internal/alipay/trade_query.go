package alipay

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// findTrade resolves the trade a call names by trade_no (first, as Alipay
// does) or out_trade_no. A trade the merchant cannot see yet — a precreated
// one nobody scanned — does not exist, as at Alipay.
func (a *Adapter) findTrade(c *gin.Context, cl *call) (*gateway.Payment, error) {
	if cl.biz == nil {
		return nil, missingParam("biz_content", "send out_trade_no or trade_no in biz_content, a JSON object")
	}
	tradeNo, err := cl.str("trade_no")
	if err != nil {
		return nil, err
	}
	outTradeNo, err := cl.outNo("out_trade_no", false)
	if err != nil {
		return nil, err
	}
	ctx, m := c.Request.Context(), apicall.MerchantOf(c)
	var p *gateway.Payment
	switch {
	case tradeNo != "":
		p, err = a.svc.PaymentByRef(ctx, m, refTradeNo, tradeNo)
		if err == nil && outTradeNo != "" && p.OutTradeNo != outTradeNo {
			return nil, bizError(codeFailed, subTradeMissing, "交易不存在（trade_no %s belongs to another out_trade_no than %s）", tradeNo, outTradeNo)
		}
	case outTradeNo != "":
		p, err = a.svc.PaymentByOutTradeNo(ctx, m, outTradeNo)
	default:
		return nil, missingParam("out_trade_no", "send out_trade_no or trade_no")
	}
	if gateway.ErrorCode(err) == gateway.ResourceMissing || err == nil && p.Protocol != Name {
		return nil, bizError(codeFailed, subTradeMissing, "交易不存在（no Alipay trade with %s for this app_id）", describeTrade(tradeNo, outTradeNo))
	} else if err != nil {
		return nil, err
	}
	if !visible(p) {
		return nil, bizError(codeFailed, subTradeMissing,
			"交易不存在（a precreated trade exists only once the buyer scanned its QR code: open qr_code, the cashier page, first）")
	}
	return p, nil
}

func describeTrade(tradeNo, outTradeNo string) string {
	if tradeNo != "" {
		return "trade_no " + tradeNo
	}
	return "out_trade_no " + outTradeNo
}

func tradeFacts(op string, p *gateway.Payment) apicall.Facts {
	return apicall.Facts{Operation: op, Method: p.Method, Amount: p.Amount, OutTradeNo: p.OutTradeNo}
}

// tradeStatus is a trade's status as Alipay names it: a trade fully
// refunded, or past its time to pay, is closed.
func tradeStatus(p *gateway.Payment, now time.Time) string {
	switch {
	case p.Status == gateway.PaymentSucceeded && p.AmountRefunded < p.Amount:
		return statusSuccess
	case p.Status == gateway.PaymentPending && now.Before(p.ExpiresAt):
		return statusWaitBuyerPay
	}
	return statusClosed
}

// buyer is the sandbox's stand-in for the Alipay user who scanned or paid
// a trade, the same every time it is shown.
type buyer struct {
	LogonID string
	UserID  string
}

func buyerOf(p *gateway.Payment) (buyer, bool) {
	if p.OpenedAt == nil && p.PaidAt == nil {
		return buyer{}, false
	}
	return buyer{LogonID: "buy***@example.com", UserID: "2088" + digits(p.ID, 12)}, true
}

type fundBill struct {
	FundChannel string `json:"fund_channel"`
	Amount      string `json:"amount"`
}

// handleQuery serves alipay.trade.query.
func (a *Adapter) handleQuery(c *gin.Context, cl *call) {
	p, err := a.findTrade(c, cl)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	call, ok := apicall.Begin(c, tradeFacts(gateway.OpGetPayment, p))
	if !ok {
		return
	}
	type queryResponse struct {
		result
		TradeNo        string     `json:"trade_no"`
		OutTradeNo     string     `json:"out_trade_no"`
		BuyerLogonID   string     `json:"buyer_logon_id,omitempty"`
		TradeStatus    string     `json:"trade_status"`
		TotalAmount    string     `json:"total_amount"`
		BuyerPayAmount string     `json:"buyer_pay_amount"`
		PointAmount    string     `json:"point_amount"`
		InvoiceAmount  string     `json:"invoice_amount"`
		ReceiptAmount  string     `json:"receipt_amount"`
		SendPayDate    string     `json:"send_pay_date,omitempty"`
		FundBillList   []fundBill `json:"fund_bill_list,omitempty"`
		BuyerUserID    string     `json:"buyer_user_id,omitempty"`
		BuyerUserType  string     `json:"buyer_user_type,omitempty"`
		Subject        string     `json:"subject"`
		Body           string     `json:"body,omitempty"`
		PassbackParams string     `json:"passback_params,omitempty"`
	}
	out := queryResponse{
		result: success, TradeNo: p.Refs[refTradeNo], OutTradeNo: p.OutTradeNo,
		TradeStatus: tradeStatus(p, a.svc.Now()), TotalAmount: yuan(p.Amount),
		BuyerPayAmount: "0.00", PointAmount: "0.00", InvoiceAmount: "0.00", ReceiptAmount: "0.00",
		Subject: p.Subject, Body: p.Description, PassbackParams: extOf(p).PassbackParams,
	}
	if b, known := buyerOf(p); known {
		out.BuyerLogonID, out.BuyerUserID, out.BuyerUserType = b.LogonID, b.UserID, "PRIVATE"
	}
	if p.PaidAt != nil {
		paid := yuan(p.Amount)
		out.BuyerPayAmount, out.InvoiceAmount, out.ReceiptAmount = paid, paid, paid
		out.SendPayDate = wireTime(*p.PaidAt)
		out.FundBillList = []fundBill{{FundChannel: "ALIPAYACCOUNT", Amount: paid}}
	}
	reply(c, call, out)
}

// handleClose serves alipay.trade.close: an unpaid trade is closed; a
// paid or closed one is ACQ.TRADE_STATUS_ERROR, as at Alipay.
func (a *Adapter) handleClose(c *gin.Context, cl *call) {
	p, err := a.findTrade(c, cl)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	call, ok := apicall.Begin(c, tradeFacts(gateway.OpClosePayment, p))
	if !ok {
		return
	}
	if st := tradeStatus(p, a.svc.Now()); st != statusWaitBuyerPay {
		call.Error(bizError(codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法（the trade is %s; only an unpaid trade can be closed）", st))
		return
	}
	closed, err := a.svc.ClosePayment(c.Request.Context(), apicall.MerchantOf(c), p.ID)
	if err != nil {
		call.Error(err)
		return
	}
	reply(c, call, struct {
		result
		TradeNo    string `json:"trade_no"`
		OutTradeNo string `json:"out_trade_no"`
	}{success, closed.Refs[refTradeNo], closed.OutTradeNo})
}
