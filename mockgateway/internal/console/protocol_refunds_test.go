package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// TestSearch_AlipayTradeNo: DESIGN §7, search by any id — an Alipay
// payment is found by its trade_no.
func TestSearch_AlipayTradeNo(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()
	const tradeNo = "2026120222001400000000000001"
	p, _, err := e.Svc.CreatePayment(t.Context(), e.Demo, gateway.CreatePaymentInput{Protocol: gateway.ProtocolAlipay, OutTradeNo: "ALI-1",
		Amount: 100, Currency: "CNY", Method: gateway.MethodAlipay, Subject: "Tea",
		Refs: map[string]string{"alipay.trade_no": tradeNo}})
	if err != nil {
		t.Fatal(err)
	}
	r := b.get("/admin/search?q=" + tradeNo)
	if r.Status != http.StatusSeeOther || r.Location != "/admin/payments/"+p.ID {
		t.Fatalf("search by Alipay trade_no: status %d location %q, want 303 to /admin/payments/%s", r.Status, r.Location, p.ID)
	}
}

// consoleRefund pays p and refunds 0.50 of it through the console, and
// returns the refund.
func consoleRefund(t *testing.T, e *env, p *gateway.Payment) *gateway.Refund {
	t.Helper()
	if _, err := e.Svc.SucceedPayment(t.Context(), e.Demo, p.ID); err != nil {
		t.Fatal(err)
	}
	back := "/admin/payments/" + p.ID + "#refunds"
	r := e.signedIn().post("/admin/payments/"+p.ID+"/refund", map[string][]string{"amount": {"0.50"}, "back": {back}})
	wantStatus(t, r, http.StatusSeeOther)
	res, _, err := e.Svc.ListRefunds(t.Context(), e.Demo, gateway.RefundFilter{PaymentID: p.ID}, gateway.ListQuery{Limit: 10})
	if err != nil || len(res) != 1 {
		t.Fatalf("refunds %v %v", res, err)
	}
	// Back to the page it came from, at the new refund (one fragment).
	if want := "/admin/payments/" + p.ID + "#" + res[0].ID; r.Location != want {
		t.Errorf("after the refund: to %q, want %q", r.Location, want)
	}
	if res[0].Protocol != p.Protocol {
		t.Errorf("console refund's protocol %q, want the payment's %q", res[0].Protocol, p.Protocol)
	}
	return res[0]
}

// TestConsoleRefund_WechatRefundID: a refund made in the console of a
// WeChat payment carries a refund_id, as every WeChat refund does, so its
// notification and queries are complete.
func TestConsoleRefund_WechatRefundID(t *testing.T) {
	e := newEnv(t)
	p, _, err := e.Svc.CreatePayment(t.Context(), e.Demo, gateway.CreatePaymentInput{Protocol: gateway.ProtocolWechat, OutTradeNo: "WXR-1",
		Amount: 100, Currency: "CNY", Method: gateway.MethodWechat, Subject: "Tea",
		Refs: map[string]string{"wechat.transaction_id": "4200000000202612020000000009"}})
	if err != nil {
		t.Fatal(err)
	}
	re := consoleRefund(t, e, p)
	if id := re.Refs["wechat.refund_id"]; !strings.HasPrefix(id, "503") || len(id) != 29 {
		t.Fatalf("console refund %s of a WeChat payment: refund_id %q (Refs %v), want 503 + date + 18 digits", re.ID, id, re.Refs)
	}
}

// TestConsoleRefund_AlipayRequestNo: a refund made in the console of an
// Alipay payment has an out_request_no, and
// alipay.trade.fastpay.refund.query's index finds it by it.
func TestConsoleRefund_AlipayRequestNo(t *testing.T) {
	e := newEnv(t)
	const tradeNo = "2026120222001400000000000002"
	p, _, err := e.Svc.CreatePayment(t.Context(), e.Demo, gateway.CreatePaymentInput{Protocol: gateway.ProtocolAlipay, OutTradeNo: "ALR-1",
		Amount: 100, Currency: "CNY", Method: gateway.MethodAlipay, Subject: "Tea",
		Refs: map[string]string{"alipay.trade_no": tradeNo}})
	if err != nil {
		t.Fatal(err)
	}
	re := consoleRefund(t, e, p)
	var ext struct {
		OutRequestNo string `json:"out_request_no"`
	}
	if err := json.Unmarshal(re.Ext, &ext); err != nil || ext.OutRequestNo == "" {
		t.Fatalf("console refund %s of an Alipay payment: Ext %s (%v), want its out_request_no", re.ID, re.Ext, err)
	}
	got, err := e.Svc.RefundByRef(t.Context(), e.Demo, "alipay.out_request_no", tradeNo+":"+ext.OutRequestNo)
	if err != nil || got.ID != re.ID {
		t.Fatalf("refund query by out_request_no %q: %v, %v; want %s", ext.OutRequestNo, got, err, re.ID)
	}
}
