package wechat

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// defaultExpiry is how long an order without time_expire can be paid:
// WeChat Pay's two hours for a Native code_url.
const defaultExpiry = 2 * time.Hour

// Bounds of time_expire, counted from now.
const (
	minExpiry = time.Minute
	maxExpiry = 30 * 24 * time.Hour
)

// prepayRequest is the body of the three prepay endpoints.
type prepayRequest struct {
	AppID       *string `json:"appid"`
	MchID       *string `json:"mchid"`
	Description *string `json:"description"`
	OutTradeNo  *string `json:"out_trade_no"`
	TimeExpire  *string `json:"time_expire"`
	Attach      *string `json:"attach"`
	NotifyURL   *string `json:"notify_url"`
	Amount      *struct {
		Total    *int64  `json:"total"`
		Currency *string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID *string `json:"openid"`
	} `json:"payer"`
	SceneInfo *struct {
		PayerClientIP *string `json:"payer_client_ip"`
		H5Info        *struct {
			Type *string `json:"type"`
		} `json:"h5_info"`
	} `json:"scene_info"`
}

// validate checks a prepay request of a trade type and returns how long
// the order may be paid.
func (r *prepayRequest) validate(tradeType string, creds *Credentials, now time.Time) (time.Duration, error) {
	if err := checkText("/appid", r.AppID, true, 32); err != nil {
		return 0, err
	}
	if *r.AppID != creds.AppID {
		return 0, &apiError{Status: http.StatusBadRequest, Code: CodeAppIDMchIDMismatch, Message: "appid和mch_id不匹配",
			Detail: &errorDetail{Field: "/appid", Issue: "appid " + *r.AppID + " is not the appid of mchid " + creds.MchID + " (" + creds.AppID + ").", Location: "body"}}
	}
	if err := checkText("/mchid", r.MchID, true, 32); err != nil {
		return 0, err
	}
	if err := checkText("/description", r.Description, true, 127); err != nil {
		return 0, err
	}
	if r.OutTradeNo == nil || *r.OutTradeNo == "" {
		return 0, missingField("/out_trade_no")
	}
	if !outTradeNoPattern.MatchString(*r.OutTradeNo) {
		return 0, invalidField("/out_trade_no", "out_trade_no must be 6 to 32 digits, letters, _ - | or *.")
	}
	if err := checkText("/attach", r.Attach, false, 128); err != nil {
		return 0, err
	}
	if err := checkNotifyURL("/notify_url", r.NotifyURL, true); err != nil {
		return 0, err
	}
	if r.Amount == nil {
		return 0, missingField("/amount")
	}
	if err := checkAmount("/amount/total", r.Amount.Total); err != nil {
		return 0, err
	}
	if err := checkCurrency("/amount/currency", r.Amount.Currency); err != nil {
		return 0, err
	}
	switch tradeType {
	case TradeJSAPI:
		if r.Payer == nil {
			return 0, missingField("/payer")
		}
		if err := checkText("/payer/openid", r.Payer.OpenID, true, 128); err != nil {
			return 0, err
		}
	case TradeH5:
		if r.SceneInfo == nil {
			return 0, missingField("/scene_info")
		}
		if err := checkText("/scene_info/payer_client_ip", r.SceneInfo.PayerClientIP, true, 45); err != nil {
			return 0, err
		}
		if r.SceneInfo.H5Info == nil {
			return 0, missingField("/scene_info/h5_info")
		}
		if err := checkText("/scene_info/h5_info/type", r.SceneInfo.H5Info.Type, true, 32); err != nil {
			return 0, err
		}
	}
	expiry := defaultExpiry
	if r.TimeExpire != nil && *r.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, *r.TimeExpire)
		if err != nil {
			return 0, invalidField("/time_expire", "time_expire must be an RFC 3339 time such as 2026-06-08T10:34:56+08:00.")
		}
		expiry = t.Sub(now)
		if expiry < minExpiry || expiry > maxExpiry {
			return 0, invalidField("/time_expire", "time_expire must be between one minute and 30 days from now.")
		}
	}
	return expiry, nil
}

// handlePrepay answers POST /v3/pay/transactions/{native,h5,jsapi}: a new
// order, paid on the cashier. Native answers code_url and H5 h5_url (both
// the cashier's URL, where WeChat Pay would give weixin://… and a
// wx.tenpay.com page); JSAPI answers a prepay_id. The same out_trade_no
// with the same order answers the same again; with another order it is
// 201 商户订单号重复, and a paid or closed order says so.
func (a *Adapter) handlePrepay(tradeType string) gin.HandlerFunc {
	return func(c *gin.Context) {
		creds := credentials(c)
		var req prepayRequest
		if err := decodeBody(apicall.Body(c), &req); err != nil {
			apicall.Refuse(c, err)
			return
		}
		now := a.now()
		expiry, err := req.validate(tradeType, creds, now)
		if err != nil {
			apicall.Refuse(c, err)
			return
		}
		ctx := c.Request.Context()
		if err := a.svc.CheckNotifyURL(ctx, "notify_url", *req.NotifyURL); err != nil {
			apicall.Refuse(c, refusedURL("/notify_url", err))
			return
		}
		x := paymentExt{MchID: creds.MchID, AppID: creds.AppID, TradeType: tradeType, Attach: str(req.Attach)}
		switch tradeType {
		case TradeJSAPI:
			x.OpenID, x.PrepayID = *req.Payer.OpenID, newPrepayID(now)
		case TradeH5:
			x.PayerClientIP = *req.SceneInfo.PayerClientIP
		}
		ext, err := json.Marshal(x)
		if err != nil {
			apicall.Refuse(c, err)
			return
		}
		amount := *req.Amount.Total
		cl, ok := apicall.Begin(c, apicall.Facts{
			Operation: gateway.OpCreatePayment, Method: gateway.MethodWechat, Amount: amount,
			OutTradeNo: *req.OutTradeNo, Creates: "payment",
		})
		if !ok {
			return
		}
		p, created, err := a.svc.CreatePayment(ctx, apicall.MerchantOf(c), gateway.CreatePaymentInput{
			Protocol: Name, OutTradeNo: *req.OutTradeNo, Amount: amount, Currency: "CNY", Method: gateway.MethodWechat,
			Subject: *req.Description, NotifyURL: *req.NotifyURL, ExpiresIn: expiry,
			Refs: map[string]string{refTransactionID: newTransactionID(now)}, Ext: ext, Scenario: cl.Scenario.Stored(),
		})
		if err != nil {
			cl.Error(err)
			return
		}
		if !created {
			old := extOf(p)
			switch {
			case old.TradeType != tradeType || old.AppID != x.AppID || p.Subject != *req.Description:
				cl.Error(errOutTradeNoUsed)
				return
			case p.Status == gateway.PaymentSucceeded:
				cl.Error(errOrderPaid)
				return
			case p.Status == gateway.PaymentClosed:
				cl.Error(errOrderClosed)
				return
			}
			x = old
		}
		var answer any
		switch tradeType {
		case TradeNative:
			answer = map[string]string{"code_url": p.PayURL}
		case TradeH5:
			answer = map[string]string{"h5_url": p.PayURL}
		case TradeJSAPI:
			answer = map[string]string{"prepay_id": x.PrepayID}
		}
		reply(cl, http.StatusOK, answer)
	}
}

// reply records a JSON answer of a call.
func reply(cl *apicall.Call, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		cl.Error(err)
		return
	}
	cl.Reply(apicall.Answer{Status: status, Body: body})
}
