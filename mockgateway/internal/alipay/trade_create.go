package alipay

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Bounds of a trade's time to pay (timeout_express, time_expire), as
// Alipay's: 1 minute to 15 days.
const (
	minExpiry = time.Minute
	maxExpiry = 15 * 24 * time.Hour
)

// handlePrecreate serves alipay.trade.precreate: a trade whose QR code the
// buyer scans. The code is the cashier's URL. The same out_trade_no with
// the same amount answers the same trade while it can be paid.
func (a *Adapter) handlePrecreate(c *gin.Context, cl *call) {
	in, err := a.tradeInput(c, cl)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	call, p, created, ok := a.createTrade(c, in)
	if !ok {
		return
	}
	if !created {
		if err := tradeTaken(p, a.svc.Now()); err != nil {
			call.Error(err)
			return
		}
	}
	reply(c, call, struct {
		result
		OutTradeNo string `json:"out_trade_no"`
		QRCode     string `json:"qr_code"`
	}{success, p.OutTradeNo, p.PayURL})
}

// handlePagePay serves alipay.trade.page.pay and alipay.trade.wap.pay,
// which SDKs send from the buyer's browser (a GET link or an auto-posted
// form): the trade is created and the browser goes on to the cashier. An
// existing trade with the same out_trade_no and amount goes to its
// cashier page, which says whether it was paid or closed.
func (a *Adapter) handlePagePay(c *gin.Context, cl *call) {
	in, err := a.tradeInput(c, cl)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	call, p, _, ok := a.createTrade(c, in)
	if !ok {
		return
	}
	call.Reply(apicall.Answer{Status: http.StatusFound, Header: http.Header{"Location": {p.PayURL}}})
}

// tradeTaken refuses a create that named a trade no longer payable.
func tradeTaken(p *gateway.Payment, now time.Time) error {
	switch {
	case p.Status == gateway.PaymentSucceeded:
		return bizError(codeFailed, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付（out_trade_no %s was paid; use a new out_trade_no for a new order）", p.OutTradeNo)
	case p.Status == gateway.PaymentClosed || !now.Before(p.ExpiresAt):
		return bizError(codeFailed, "ACQ.TRADE_HAS_CLOSE", "交易已经关闭（out_trade_no %s was closed; use a new out_trade_no）", p.OutTradeNo)
	}
	return nil
}

// tradeInput reads a create's parameters into the core's input.
func (a *Adapter) tradeInput(c *gin.Context, cl *call) (gateway.CreatePaymentInput, error) {
	var in gateway.CreatePaymentInput
	var err error
	if cl.biz == nil {
		return in, missingParam("biz_content", "send the trade's out_trade_no, total_amount and subject in biz_content, a JSON object")
	}
	if in.OutTradeNo, err = cl.outNo("out_trade_no", true); err != nil {
		return in, err
	}
	if in.Amount, err = cl.amount("total_amount"); err != nil {
		return in, err
	}
	if in.Subject, err = cl.text("subject", true, 256); err != nil {
		return in, err
	}
	if in.Description, err = cl.text("body", false, 1024); err != nil {
		return in, err
	}
	now := a.svc.Now()
	if in.ExpiresIn, err = cl.expiresIn(now); err != nil {
		return in, err
	}
	if in.NotifyURL, err = urlParam(cl.params, "notify_url"); err != nil {
		return in, err
	}
	if err := a.svc.CheckNotifyURL(c.Request.Context(), "notify_url", in.NotifyURL); err != nil {
		return in, err
	}
	ext := paymentExt{API: cl.method}
	if cl.method != methodPrecreate {
		if in.ReturnURL, err = urlParam(cl.params, "return_url"); err != nil {
			return in, err
		}
	}
	if ext.ProductCode, err = cl.str("product_code"); err != nil {
		return in, err
	}
	if ext.PassbackParams, err = cl.text("passback_params", false, 512); err != nil {
		return in, err
	}
	if cl.method == methodWapPay {
		if ext.QuitURL, err = cl.str("quit_url"); err != nil {
			return in, err
		}
		if ext.QuitURL != "" {
			if _, err := urlParam(map[string][]string{"quit_url": {ext.QuitURL}}, "quit_url"); err != nil {
				return in, err
			}
		}
	}
	if in.Ext, err = json.Marshal(ext); err != nil {
		return in, err
	}
	tradeNo, err := newTradeNo(now)
	if err != nil {
		return in, err
	}
	in.Protocol, in.Method, in.Currency = Name, gateway.MethodAlipay, "CNY"
	in.Refs = map[string]string{refTradeNo: tradeNo}
	return in, nil
}

// createTrade begins a create call (fault rules for create_payment) and
// creates the trade, or finds the one its out_trade_no names. ok is false
// when the call has been answered.
func (a *Adapter) createTrade(c *gin.Context, in gateway.CreatePaymentInput) (*apicall.Call, *gateway.Payment, bool, bool) {
	call, ok := apicall.Begin(c, apicall.Facts{
		Operation: gateway.OpCreatePayment, Method: in.Method, Amount: in.Amount, OutTradeNo: in.OutTradeNo, Creates: "payment",
	})
	if !ok {
		return nil, nil, false, false
	}
	in.Scenario = call.Scenario.Stored()
	p, created, err := a.svc.CreatePayment(c.Request.Context(), apicall.MerchantOf(c), in)
	if err != nil {
		call.Error(err)
		return nil, nil, false, false
	}
	return call, p, created, true
}

var timeoutExpressPattern = regexp.MustCompile(`^([1-9][0-9]{0,5})([mhdc])$`)

// expiresIn reads how long the buyer has to pay: time_expire (Beijing
// time) or else timeout_express ("90m", "2h", "3d", "1c" for the end of
// today). Neither: the core's default.
func (cl *call) expiresIn(now time.Time) (time.Duration, error) {
	if te, err := cl.str("time_expire"); err != nil {
		return 0, err
	} else if te != "" {
		var until time.Time
		var perr error
		for _, layout := range []string{timeLayout, "2006-01-02 15:04"} {
			if until, perr = time.ParseInLocation(layout, te, beijing); perr == nil {
				break
			}
		}
		if perr != nil {
			return 0, invalidParam("time_expire", "time_expire must be yyyy-MM-dd HH:mm:ss in Beijing time; got %q", te)
		}
		d := until.Sub(now)
		if d < minExpiry || d > maxExpiry {
			return 0, invalidParam("time_expire", "time_expire must be 1 minute to 15 days from now; %q is %s away", te, d.Round(time.Second))
		}
		return d, nil
	}
	tx, err := cl.str("timeout_express")
	if err != nil || tx == "" {
		return 0, err
	}
	m := timeoutExpressPattern.FindStringSubmatch(tx)
	if m == nil {
		return 0, invalidParam("timeout_express", "timeout_express must be minutes, hours or days such as 90m, 2h, 1d, or 1c; got %q", tx)
	}
	n, _ := strconv.Atoi(m[1])
	var d time.Duration
	switch m[2] {
	case "m":
		d = time.Duration(n) * time.Minute
	case "h":
		d = time.Duration(n) * time.Hour
	case "d":
		d = time.Duration(n) * 24 * time.Hour
	case "c":
		if n != 1 {
			return 0, invalidParam("timeout_express", "only 1c (the end of today) is allowed; got %q", tx)
		}
		local := now.In(beijing)
		d = time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, beijing).Sub(now)
	}
	if d < minExpiry || d > maxExpiry {
		return 0, invalidParam("timeout_express", "timeout_express must be 1m to 15d; got %q", tx)
	}
	return d, nil
}

// reply records a successful answer under the call's method.
func reply(c *gin.Context, call *apicall.Call, v any) {
	body, err := envelope(c, responseKey(c.GetString(ctxMethod)), v)
	if err != nil {
		call.Error(err)
		return
	}
	call.Reply(apicall.Answer{Status: http.StatusOK, Body: body})
}
