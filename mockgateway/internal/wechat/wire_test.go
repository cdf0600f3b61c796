package wechat

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestTradeState(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		p    gateway.Payment
		want string
	}{
		{"Pending", gateway.Payment{Status: gateway.PaymentPending}, StateNotPay},
		{"Declined", gateway.Payment{Status: gateway.PaymentPending, LastError: &gateway.PaymentError{Code: "card_declined"}}, StatePayError},
		{"Paid", gateway.Payment{Status: gateway.PaymentSucceeded, PaidAt: &now}, StateSuccess},
		{"RefundPending", gateway.Payment{Status: gateway.PaymentSucceeded, PaidAt: &now, Reserved: 1}, StateRefund},
		{"Refunded", gateway.Payment{Status: gateway.PaymentSucceeded, PaidAt: &now, AmountRefunded: 100}, StateRefund},
		{"Closed", gateway.Payment{Status: gateway.PaymentClosed}, StateClosed},
	} {
		if got, _ := tradeState(&tc.p); got != tc.want {
			t.Errorf("%s: trade_state %s, want %s", tc.name, got, tc.want)
		}
	}
}

// A transaction shows WeChat Pay's payment facts only once it is paid.
func TestTransactionOf(t *testing.T) {
	paid := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	ext, _ := json.Marshal(paymentExt{MchID: "1900000001", AppID: "wx0123456789abcdef", TradeType: TradeJSAPI, OpenID: "oPAYER", Attach: "a=1"})
	p := &gateway.Payment{
		ID: "pay_1", OutTradeNo: "ORDER-1", Amount: 1999, Currency: "CNY", Status: gateway.PaymentPending, Ext: ext,
		Refs: map[string]string{refTransactionID: "4200000000000000000000000001"},
	}
	unpaid := transactionOf(p)
	if unpaid.TransactionID != "" || unpaid.Payer != nil || unpaid.SuccessTime != "" || unpaid.Amount.PayerTotal != nil || unpaid.Attach != "a=1" {
		t.Fatalf("unpaid transaction %+v", unpaid)
	}
	p.Status, p.PaidAt = gateway.PaymentSucceeded, &paid
	tx := transactionOf(p)
	if tx.TransactionID != "4200000000000000000000000001" || tx.TradeType != TradeJSAPI || tx.Payer.OpenID != "oPAYER" ||
		tx.SuccessTime != "2031-03-04T13:06:07+08:00" || *tx.Amount.PayerTotal != 1999 || tx.MchID != "1900000001" {
		t.Fatalf("paid transaction %+v", tx)
	}
	p.Ext, _ = json.Marshal(paymentExt{TradeType: TradeNative})
	if a, b := openIDOf(p, extOf(p)), openIDOf(p, extOf(p)); a != b || len(a) != 28 || a[0] != 'o' {
		t.Fatalf("made-up openids %q, %q: want one stable 28-character id", a, b)
	}
}

func TestRefundStatusAndTopics(t *testing.T) {
	for _, tc := range []struct {
		re     gateway.Refund
		status string
		topics []string
	}{
		{gateway.Refund{Status: gateway.RefundPending}, RefundProcessing, nil},
		{gateway.Refund{Status: gateway.RefundSucceeded}, RefundSuccess, []string{EventRefundSuccess}},
		{gateway.Refund{Status: gateway.RefundFailed, FailureCode: "refund_rejected"}, RefundAbnormal, []string{EventRefundAbnormal}},
		{gateway.Refund{Status: gateway.RefundFailed, FailureCode: "REFUND_CLOSED"}, RefundClosed, []string{EventRefundClosed}},
	} {
		if got := refundStatus(&tc.re); got != tc.status {
			t.Errorf("%+v: status %s, want %s", tc.re, got, tc.status)
		}
		typ := map[string]string{
			gateway.RefundPending: gateway.EventRefundCreated, gateway.RefundSucceeded: gateway.EventRefundSucceeded,
			gateway.RefundFailed: gateway.EventRefundFailed,
		}[tc.re.Status]
		if got := topics(gateway.Change{Type: typ, Refund: &tc.re, Payment: &gateway.Payment{}}); !slices.Equal(got, tc.topics) {
			t.Errorf("%s: topics %v, want %v", typ, got, tc.topics)
		}
	}
	for typ, want := range map[string][]string{
		gateway.EventPaymentSucceeded: {EventTransactionSuccess},
		gateway.EventPaymentFailed:    nil,
		gateway.EventPaymentClosed:    nil,
	} {
		if got := topics(gateway.Change{Type: typ, Payment: &gateway.Payment{}}); !slices.Equal(got, want) {
			t.Errorf("%s: topics %v, want %v", typ, got, want)
		}
	}
}

// The one error table: core codes become WeChat Pay's, an error already in
// WeChat Pay's words passes, anything else is a SYSTEM_ERROR that does not
// leak its text.
func TestToAPIError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{gateway.Errorf(gateway.ParameterInvalid, "amount", "x"), 400, CodeParamError},
		{gateway.Errorf(gateway.ScenarioInvalid, "", "x"), 400, CodeParamError},
		{gateway.Errorf(gateway.OutTradeNoConflict, "out_trade_no", "x"), 400, CodeInvalidRequest},
		{gateway.Errorf(gateway.OutRefundNoConflict, "out_refund_no", "x"), 400, CodeInvalidRequest},
		{gateway.Errorf(gateway.AmountExceedsRefundable, "amount", "x"), 400, CodeInvalidRequest},
		{gateway.Errorf(gateway.PaymentNotRefundable, "", "x"), 400, CodeInvalidRequest},
		{gateway.Errorf(gateway.PaymentNotClosable, "", "x"), 403, CodeOrderPaid},
		{gateway.Errorf(gateway.ResourceMissing, "", "x"), 404, CodeResourceNotExists},
		{gateway.Errorf(gateway.BodyTooLarge, "", "x"), 413, CodeInvalidRequest},
		{errOrderNotExist, 404, CodeOrderNotExist},
		{errors.New("redis: connection refused"), 500, CodeSystemError},
	} {
		e := toAPIError(tc.err)
		if e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, e.Status, e.Code, tc.status, tc.code)
		}
		if e.Status == http.StatusInternalServerError && (e.Detail != nil || e.Message != "系统异常，请稍后重试") {
			t.Errorf("%v: internal error shown as %+v", tc.err, e)
		}
	}
}
