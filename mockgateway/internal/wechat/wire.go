package wechat

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Ref kinds: WeChat Pay's own ids of core objects, indexed by the core.
const (
	refTransactionID = "wechat.transaction_id"
	refRefundID      = "wechat.refund_id"
)

// Trade types, one per prepay endpoint.
const (
	TradeNative = "NATIVE"
	TradeH5     = "H5"
	TradeJSAPI  = "JSAPI"
)

// Trade states (DESIGN §11.2).
const (
	StateNotPay   = "NOTPAY"
	StateSuccess  = "SUCCESS"
	StateClosed   = "CLOSED"
	StateRefund   = "REFUND"
	StatePayError = "PAYERROR"
)

// Refund statuses.
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundAbnormal   = "ABNORMAL"
	RefundClosed     = "CLOSED"
)

// beijing is the zone WeChat Pay writes its times in (+08:00); a fixed
// zone, so the binary needs no time zone database.
var beijing = time.FixedZone("CST", 8*60*60)

// wxTime writes a time as WeChat Pay does: RFC 3339 at +08:00.
func wxTime(t time.Time) string { return t.In(beijing).Format(time.RFC3339) }

// paymentExt is what the adapter keeps with a payment.
type paymentExt struct {
	MchID         string `json:"mchid"`
	AppID         string `json:"appid"`
	TradeType     string `json:"trade_type"`
	Attach        string `json:"attach,omitempty"`
	OpenID        string `json:"openid,omitempty"`
	PayerClientIP string `json:"payer_client_ip,omitempty"`
	PrepayID      string `json:"prepay_id,omitempty"`
}

func extOf(p *gateway.Payment) paymentExt {
	var x paymentExt
	_ = json.Unmarshal(p.Ext, &x)
	return x
}

// transaction is a payment as WeChat Pay's query answers and
// TRANSACTION.SUCCESS notifications show it.
type transaction struct {
	AppID          string   `json:"appid"`
	MchID          string   `json:"mchid"`
	OutTradeNo     string   `json:"out_trade_no"`
	TransactionID  string   `json:"transaction_id,omitempty"`
	TradeType      string   `json:"trade_type,omitempty"`
	TradeState     string   `json:"trade_state"`
	TradeStateDesc string   `json:"trade_state_desc"`
	BankType       string   `json:"bank_type,omitempty"`
	Attach         string   `json:"attach,omitempty"`
	SuccessTime    string   `json:"success_time,omitempty"`
	Payer          *payer   `json:"payer,omitempty"`
	Amount         txAmount `json:"amount"`
}

type payer struct {
	OpenID string `json:"openid"`
}

type txAmount struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency"`
}

// tradeState is a payment's trade_state and its description.
func tradeState(p *gateway.Payment) (string, string) {
	switch {
	case p.Status == gateway.PaymentClosed:
		return StateClosed, "订单已关闭"
	case p.Status == gateway.PaymentSucceeded && p.AmountRefunded+p.Reserved > 0:
		return StateRefund, "订单发生过退款"
	case p.Status == gateway.PaymentSucceeded:
		return StateSuccess, "支付成功"
	case p.LastError != nil:
		return StatePayError, "支付失败，请重新下单支付"
	}
	return StateNotPay, "订单未支付"
}

// transactionOf maps a payment to WeChat Pay's transaction: the payer,
// the transaction_id and the payment's time only once it was paid.
func transactionOf(p *gateway.Payment) transaction {
	x := extOf(p)
	t := transaction{
		AppID: x.AppID, MchID: x.MchID, OutTradeNo: p.OutTradeNo, Attach: x.Attach,
		Amount: txAmount{Total: p.Amount, Currency: p.Currency, PayerCurrency: p.Currency},
	}
	t.TradeState, t.TradeStateDesc = tradeState(p)
	if p.PaidAt != nil {
		t.TransactionID, t.TradeType, t.BankType = p.Refs[refTransactionID], x.TradeType, "OTHERS"
		t.SuccessTime = wxTime(*p.PaidAt)
		t.Payer = &payer{OpenID: openIDOf(p, x)}
		total := p.Amount
		t.Amount.PayerTotal = &total
	}
	return t
}

// openIDOf is the payer's openid: the one a JSAPI order named, or one made
// up from the payment (the same on every answer) for a QR or H5 payer.
func openIDOf(p *gateway.Payment, x paymentExt) string {
	if x.OpenID != "" {
		return x.OpenID
	}
	sum := sha256.Sum256([]byte("openid:" + p.ID))
	return "o" + base64.RawURLEncoding.EncodeToString(sum[:])[:27]
}

// refundObject is a refund as WeChat Pay's refund answers show it.
type refundObject struct {
	RefundID            string       `json:"refund_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	TransactionID       string       `json:"transaction_id"`
	OutTradeNo          string       `json:"out_trade_no"`
	Channel             string       `json:"channel"`
	UserReceivedAccount string       `json:"user_received_account"`
	SuccessTime         string       `json:"success_time,omitempty"`
	CreateTime          string       `json:"create_time"`
	Status              string       `json:"status"`
	FundsAccount        string       `json:"funds_account"`
	Amount              refundAmount `json:"amount"`
	PromotionDetail     []struct{}   `json:"promotion_detail"`
}

type refundAmount struct {
	Total            int64      `json:"total"`
	Refund           int64      `json:"refund"`
	From             []struct{} `json:"from"`
	PayerTotal       int64      `json:"payer_total"`
	PayerRefund      int64      `json:"payer_refund"`
	SettlementRefund int64      `json:"settlement_refund"`
	SettlementTotal  int64      `json:"settlement_total"`
	DiscountRefund   int64      `json:"discount_refund"`
	Currency         string     `json:"currency"`
	RefundFee        int64      `json:"refund_fee"`
}

// userReceivedAccount is where a refund's money goes back to: the payer's
// WeChat balance, as WeChat Pay names it.
const userReceivedAccount = "支付用户零钱"

// refundStatus is a refund's status: a failed refund is CLOSED when its
// failure code says so (refund_fail=REFUND_CLOSED), ABNORMAL otherwise.
func refundStatus(re *gateway.Refund) string {
	switch re.Status {
	case gateway.RefundSucceeded:
		return RefundSuccess
	case gateway.RefundFailed:
		if c := strings.ToUpper(re.FailureCode); c == "CLOSED" || c == "REFUND_CLOSED" {
			return RefundClosed
		}
		return RefundAbnormal
	}
	return RefundProcessing
}

func refundObjectOf(re *gateway.Refund, p *gateway.Payment) refundObject {
	o := refundObject{
		RefundID: re.Refs[refRefundID], OutRefundNo: re.OutRefundNo, TransactionID: p.Refs[refTransactionID],
		OutTradeNo: p.OutTradeNo, Channel: "ORIGINAL", UserReceivedAccount: userReceivedAccount,
		CreateTime: wxTime(re.CreatedAt), Status: refundStatus(re), FundsAccount: "AVAILABLE",
		Amount: refundAmount{
			Total: p.Amount, Refund: re.Amount, From: []struct{}{}, PayerTotal: p.Amount, PayerRefund: re.Amount,
			SettlementRefund: re.Amount, SettlementTotal: p.Amount, Currency: re.Currency,
		},
		PromotionDetail: []struct{}{},
	}
	if re.Status == gateway.RefundSucceeded && re.SettledAt != nil {
		o.SuccessTime = wxTime(*re.SettledAt)
	}
	return o
}

// refundNotice is the plaintext of a REFUND.* notification.
type refundNotice struct {
	MchID               string       `json:"mchid"`
	OutTradeNo          string       `json:"out_trade_no"`
	TransactionID       string       `json:"transaction_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	RefundID            string       `json:"refund_id"`
	RefundStatus        string       `json:"refund_status"`
	SuccessTime         string       `json:"success_time,omitempty"`
	UserReceivedAccount string       `json:"user_received_account"`
	Amount              noticeAmount `json:"amount"`
}

type noticeAmount struct {
	Total       int64 `json:"total"`
	Refund      int64 `json:"refund"`
	PayerTotal  int64 `json:"payer_total"`
	PayerRefund int64 `json:"payer_refund"`
}

func refundNoticeOf(re *gateway.Refund, p *gateway.Payment) refundNotice {
	o := refundObjectOf(re, p)
	return refundNotice{
		MchID: extOf(p).MchID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID, OutRefundNo: o.OutRefundNo,
		RefundID: o.RefundID, RefundStatus: o.Status, SuccessTime: o.SuccessTime, UserReceivedAccount: o.UserReceivedAccount,
		Amount: noticeAmount{Total: p.Amount, Refund: re.Amount, PayerTotal: p.Amount, PayerRefund: re.Amount},
	}
}

// newTransactionID is a 28-digit transaction_id as WeChat Pay makes them.
func newTransactionID(now time.Time) string {
	return "4200" + now.In(beijing).Format("20060102") + randomDigits(16)
}

// newRefundID is a 29-digit refund_id.
func newRefundID(now time.Time) string {
	return "503" + now.In(beijing).Format("20060102") + randomDigits(18)
}

// newPrepayID is a JSAPI prepay_id: "wx", the time, random hex.
func newPrepayID(now time.Time) string {
	return "wx" + now.In(beijing).Format("20060102150405") + randomHex(10)
}
