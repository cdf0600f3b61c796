package alipay

import (
	"encoding/json"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// refundNumbers are a refund's numbers in the core. Alipay scopes an
// out_request_no to its trade while the core's out_refund_no and refs are
// unique per merchant, so both carry the trade: out_refund_no is
// "{out_trade_no}:{out_request_no}" (readable in the console and the
// native API), the ref "{trade_no}:{out_request_no}".
func refundNumbers(p *gateway.Payment, outRequestNo string) (outRefundNo, ref string) {
	return p.OutTradeNo + ":" + outRequestNo, p.Refs[refTradeNo] + ":" + outRequestNo
}

// handleRefund serves alipay.trade.refund. Refunds are synchronous, as
// Alipay's are (gateway.SettleInCall): 10000 with fund_change "Y" once
// settled; the same out_request_no again answers the same refund with
// fund_change "N" (another amount is ACQ.REFUND_AMT_NOT_EQUAL_TOTAL);
// refund_fail=X answers 40004 with sub_code X; a refund left pending
// (refund_delay, refund_stuck) answers 20000 ACQ.SYSTEM_ERROR, and the
// merchant queries or retries.
func (a *Adapter) handleRefund(c *gin.Context, cl *call) {
	if cl.biz == nil {
		apicall.Refuse(c, missingParam("biz_content", "send out_trade_no or trade_no, refund_amount and out_request_no in biz_content, a JSON object"))
		return
	}
	amount, err := cl.amount("refund_amount")
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	outRequestNo, err := cl.outNo("out_request_no", false)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	reason, err := cl.text("refund_reason", false, 256)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	p, err := a.findTrade(c, cl)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	if outRequestNo == "" {
		// Alipay's default: the trade's own number (a full refund's).
		outRequestNo = p.OutTradeNo
	}
	facts := tradeFacts(gateway.OpCreateRefund, p)
	facts.Amount, facts.Creates = amount, "refund"
	call, ok := apicall.Begin(c, facts)
	if !ok {
		return
	}
	ext, err := json.Marshal(refundExt{OutRequestNo: outRequestNo})
	if err != nil {
		call.Error(err)
		return
	}
	outRefundNo, ref := refundNumbers(p, outRequestNo)
	ctx, m := c.Request.Context(), apicall.MerchantOf(c)
	re, created, err := a.svc.CreateRefund(ctx, m, gateway.CreateRefundInput{
		Protocol: Name, PaymentID: p.ID, OutRefundNo: outRefundNo, Amount: &amount, Reason: reason,
		Refs: map[string]string{refRequestNo: ref}, Ext: ext, Settle: gateway.SettleInCall, Scenario: call.Scenario.Stored(),
	})
	if err != nil {
		call.Error(a.refundRefused(c, p, err))
		return
	}
	switch re.Status {
	case gateway.RefundPending:
		call.Error(bizError(codeUnavailable, subSystemError,
			"系统繁忙（refund %s is still being processed: query it with alipay.trade.fastpay.refund.query, or retry with the same out_request_no）", outRequestNo))
		return
	case gateway.RefundFailed:
		call.Error(bizError(codeFailed, re.FailureCode, "退款失败（%s）", re.FailureMessage))
		return
	}
	now, err := a.svc.Payment(ctx, m, p.ID)
	if err != nil {
		call.Error(err)
		return
	}
	fundChange := "N"
	if created {
		fundChange = "Y"
	}
	b, _ := buyerOf(now)
	reply(c, call, struct {
		result
		TradeNo      string `json:"trade_no"`
		OutTradeNo   string `json:"out_trade_no"`
		BuyerLogonID string `json:"buyer_logon_id"`
		BuyerUserID  string `json:"buyer_user_id"`
		FundChange   string `json:"fund_change"`
		RefundFee    string `json:"refund_fee"`
		GmtRefundPay string `json:"gmt_refund_pay"`
		SendBackFee  string `json:"send_back_fee"`
	}{success, now.Refs[refTradeNo], now.OutTradeNo, b.LogonID, b.UserID, fundChange,
		yuan(now.AmountRefunded), wireTime(*re.SettledAt), yuan(re.Amount)})
}

// refundRefused names a refused refund as Alipay would, from the trade's
// state now: a closed or fully refunded trade is ACQ.TRADE_HAS_CLOSE, an
// unpaid one ACQ.TRADE_STATUS_ERROR, too much ACQ.REASON_TRADE_REFUND_FEE_ERR.
func (a *Adapter) refundRefused(c *gin.Context, p *gateway.Payment, err error) error {
	code := gateway.ErrorCode(err)
	if code != gateway.PaymentNotRefundable && code != gateway.AmountExceedsRefundable {
		return err
	}
	if now, rerr := a.svc.Payment(c.Request.Context(), apicall.MerchantOf(c), p.ID); rerr == nil {
		p = now
	}
	switch {
	case p.Status == gateway.PaymentClosed || p.Status == gateway.PaymentSucceeded && p.FullyRefunded():
		return bizError(codeFailed, "ACQ.TRADE_HAS_CLOSE", "交易已经关闭（the trade is closed or fully refunded; nothing is left to refund）")
	case p.Status == gateway.PaymentPending:
		return bizError(codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态非法（the trade is not paid; only a paid trade can be refunded）")
	}
	return err
}

// handleRefundQuery serves alipay.trade.fastpay.refund.query. As at
// Alipay, refund_status is REFUND_SUCCESS once the refund settled and
// absent otherwise: not received, still pending, or failed.
func (a *Adapter) handleRefundQuery(c *gin.Context, cl *call) {
	if cl.biz == nil {
		apicall.Refuse(c, missingParam("biz_content", "send out_trade_no or trade_no and out_request_no in biz_content, a JSON object"))
		return
	}
	outRequestNo, err := cl.outNo("out_request_no", false)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	p, err := a.findTrade(c, cl)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	if outRequestNo == "" {
		outRequestNo = p.OutTradeNo
	}
	_, ref := refundNumbers(p, outRequestNo)
	re, err := a.svc.RefundByRef(c.Request.Context(), apicall.MerchantOf(c), refRequestNo, ref)
	if err != nil && gateway.ErrorCode(err) != gateway.ResourceMissing {
		apicall.Fail(c, err)
		return
	}
	facts := tradeFacts(gateway.OpGetRefund, p)
	facts.Amount = 0
	if re != nil {
		facts.Amount = re.Amount
	}
	call, ok := apicall.Begin(c, facts)
	if !ok {
		return
	}
	type refundQueryResponse struct {
		result
		TradeNo      string `json:"trade_no"`
		OutTradeNo   string `json:"out_trade_no"`
		OutRequestNo string `json:"out_request_no"`
		TotalAmount  string `json:"total_amount,omitempty"`
		RefundAmount string `json:"refund_amount,omitempty"`
		RefundStatus string `json:"refund_status,omitempty"`
		GmtRefundPay string `json:"gmt_refund_pay,omitempty"`
		SendBackFee  string `json:"send_back_fee,omitempty"`
	}
	out := refundQueryResponse{result: success, TradeNo: p.Refs[refTradeNo], OutTradeNo: p.OutTradeNo, OutRequestNo: outRequestNo}
	if re != nil && re.Status == gateway.RefundSucceeded {
		out.TotalAmount, out.RefundAmount, out.SendBackFee = yuan(p.Amount), yuan(re.Amount), yuan(re.Amount)
		out.RefundStatus, out.GmtRefundPay = "REFUND_SUCCESS", wireTime(*re.SettledAt)
	}
	reply(c, call, out)
}
