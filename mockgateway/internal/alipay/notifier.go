package alipay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// UserAgent identifies the gateway's Alipay notification requests.
const UserAgent = "PaySandbox-Alipay-Notify/1"

// ackBody is the only answer that acknowledges a notification.
const ackBody = "success"

// Encode builds an Alipay notification (DESIGN §11.1): a form POST of the
// trade as the event's snapshot has it, trade_status being the event's
// topic, signed with the merchant's platform key over every field but sign
// and sign_type. notify_id is the event's id, the same on every attempt
// (the merchant's dedupe key).
//
// The delivery's faults: notify_bad_signature sends a well-formed
// signature no key made; notify_stale_timestamp dates notify_time 10
// minutes back; notify_tamper_amount sends the payload's raised amount —
// total_amount, receipt_amount and buyer_pay_amount of a payment
// notification, refund_fee of a refund's — validly signed, so only a
// merchant that compares the amount with its order catches it.
func (a *Adapter) Encode(d *gateway.Delivery, now time.Time) (http.Header, []byte, error) {
	keys, err := keysOf(d.Merchant)
	if err != nil {
		return nil, nil, err
	}
	form := notification(d, keys.creds.AppID, now)
	content := signContent(form, "sign", "sign_type")
	sig := forgedSignature()
	if !d.BadSignature {
		if sig, err = sign(keys.platform, []byte(content)); err != nil {
			return nil, nil, err
		}
	}
	form.Set("sign", sig)
	h := http.Header{
		"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"},
		"User-Agent":   {UserAgent},
	}
	return h, []byte(form.Encode()), nil
}

// notification is the fields of a delivery's notification, unsigned.
func notification(d *gateway.Delivery, appID string, now time.Time) url.Values {
	ev := d.Payload()
	p := ev.Payment
	form := url.Values{}
	set := func(k, v string) {
		if v != "" {
			form.Set(k, v)
		}
	}
	at := now
	if d.StaleTimestamp {
		at = now.Add(-gateway.StaleTimestampAge)
	}
	set("notify_time", wireTime(at))
	set("notify_type", "trade_status_sync")
	set("notify_id", d.Event.ID)
	set("app_id", appID)
	set("charset", "utf-8")
	set("version", "1.0")
	set("sign_type", "RSA2")
	set("trade_no", p.Refs[refTradeNo])
	set("out_trade_no", p.OutTradeNo)
	set("trade_status", ev.Topic)
	set("total_amount", yuan(p.Amount))
	set("seller_id", sellerID(appID))
	set("subject", p.Subject)
	set("body", p.Description)
	set("passback_params", extOf(p).PassbackParams)
	set("gmt_create", wireTime(p.CreatedAt))
	if b, known := buyerOf(p); known {
		set("buyer_id", b.UserID)
		set("buyer_logon_id", b.LogonID)
	}
	if p.PaidAt != nil {
		paid := yuan(p.Amount)
		set("receipt_amount", paid)
		set("buyer_pay_amount", paid)
		set("invoice_amount", paid)
		set("point_amount", "0.00")
		set("gmt_payment", wireTime(*p.PaidAt))
		set("fund_bill_list", fmt.Sprintf(`[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]`, paid))
	}
	if ev.Topic == statusClosed {
		closed := p.ClosedAt
		if ev.Refund != nil {
			closed = ev.Refund.SettledAt
		}
		if closed != nil {
			set("gmt_close", wireTime(*closed))
		}
	}
	if re := ev.Refund; re != nil {
		// refund_fee is the trade's refunded total; a tampered payload
		// raised this refund's amount, so the total carries the change.
		refunded := d.Event.Payment.AmountRefunded - d.Event.Refund.Amount + re.Amount
		set("refund_fee", yuan(refunded))
		if re.SettledAt != nil {
			set("gmt_refund", re.SettledAt.In(beijing).Format("2006-01-02 15:04:05.000"))
		}
		var ext refundExt
		_ = json.Unmarshal(re.Ext, &ext)
		set("out_biz_no", ext.OutRequestNo)
	}
	return form
}

// Acknowledged reports whether an answer acknowledges an Alipay
// notification: a 2xx whose body is exactly "success".
func (a *Adapter) Acknowledged(status int, body []byte) bool {
	return status >= 200 && status < 300 && string(body) == ackBody
}

// ReturnURL is the synchronous return after the cashier (DESIGN §11.1): as
// at Alipay, the browser goes back only after paying, to return_url with
// out_trade_no, trade_no, total_amount, seller_id, app_id, method
// ("<method>.return"), timestamp, charset, version, sign_type and sign,
// signed like a notification. The merchant's own query parameters stay and
// are signed too, so verifying the whole query works. Without a payment
// there is no return, except to a wap.pay trade's quit_url.
func (a *Adapter) ReturnURL(p *gateway.Payment, m *gateway.Merchant, r gateway.CashierReturn) (string, error) {
	ext := extOf(p)
	if r.Status != gateway.PaymentSucceeded {
		return ext.QuitURL, nil
	}
	keys, err := keysOf(m)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(p.ReturnURL)
	if err != nil {
		return "", fmt.Errorf("alipay: return_url of %s: %w", p.ID, err)
	}
	q := u.Query()
	api := ext.API
	if api == "" {
		api = methodPagePay
	}
	for k, v := range map[string]string{
		"out_trade_no": p.OutTradeNo, "trade_no": p.Refs[refTradeNo], "total_amount": yuan(p.Amount),
		"seller_id": sellerID(keys.creds.AppID), "app_id": keys.creds.AppID, "method": api + ".return",
		"timestamp": wireTime(r.At), "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
	} {
		q.Set(k, v)
	}
	q.Del("sign")
	sig, err := sign(keys.platform, []byte(signContent(q, "sign", "sign_type")))
	if err != nil {
		return "", err
	}
	q.Set("sign", sig)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
