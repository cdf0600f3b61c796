package wechat_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/downloader"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/h5"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

var (
	transactionIDPattern = regexp.MustCompile(`^[0-9]{28}$`)
	refundIDPattern      = regexp.MustCompile(`^[0-9]{29}$`)
)

// wechatpay-go, unmodified, with WeChat Pay's platform public key:
// the whole life of an order against the real binary.
func TestWechatpayGo_PublicKeyMode(t *testing.T) {
	g := startGateway(t, nil)
	m := newMerchant(t, g)
	rc := publicKeyReceiver(t, m)
	client := publicKeyClient(t, g, m)
	res := runFlow(t, g, m, client, rc, "PK")
	if got := res.Header.Get("Wechatpay-Serial"); got != m.Wechat.PlatformPublicKeyID {
		t.Errorf("answers signed by %q, want the platform public key id %q", got, m.Wechat.PlatformPublicKeyID)
	}
}

// wechatpay-go, unmodified, in certificate mode: the SDK downloads the
// platform certificate from /v3/certificates (decrypting it with the
// APIv3 key) and verifies every answer and notification with it.
func TestWechatpayGo_CertificateMode(t *testing.T) {
	g := startGateway(t, nil)
	m := demoMerchant(t, g)
	admin(t, g, "PUT", "/admin/api/merchants/"+m.ID+"/wechat", map[string]string{"verify_with": "certificate"}, http.StatusOK, nil)
	ctx := context.Background()

	// option.WithWechatPayAutoAuthCipher registers a certificate downloader
	// for the mchid unless one is registered; registering it first through
	// the SDK's documented RegisterDownloaderWithClient is how its download
	// is given the transport that reaches the gateway (see redirect).
	mgr := downloader.MgrInstance()
	dl, err := core.NewClient(ctx,
		option.WithMerchantCredential(m.Wechat.MchID, m.Wechat.MerchantSerialNo, m.merchantKey),
		option.WithoutValidator(), option.WithHTTPClient(gatewayHTTPClient(t, g)))
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.RegisterDownloaderWithClient(ctx, dl, m.Wechat.MchID, m.Wechat.APIv3Key); err != nil {
		t.Fatalf("the SDK could not download the platform certificate: %v", err)
	}
	t.Cleanup(func() { mgr.RemoveDownloader(ctx, m.Wechat.MchID) })
	if got := mgr.GetNewestCertificateSerial(ctx, m.Wechat.MchID); got != m.Wechat.PlatformSerialNo {
		t.Fatalf("downloaded certificate serial %q, want platform_serial_no %q", got, m.Wechat.PlatformSerialNo)
	}
	pem, ok := mgr.ExportCertificate(ctx, m.Wechat.MchID, m.Wechat.PlatformSerialNo)
	if !ok || pem != m.Wechat.PlatformCertificate {
		t.Fatalf("downloaded certificate differs from platform_certificate:\n%s", pem)
	}

	client, err := core.NewClient(ctx,
		option.WithWechatPayAutoAuthCipher(m.Wechat.MchID, m.Wechat.MerchantSerialNo, m.merchantKey, m.Wechat.APIv3Key),
		option.WithHTTPClient(gatewayHTTPClient(t, g)))
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, m.Wechat.APIv3Key, verifiers.NewSHA256WithRSAVerifier(mgr.GetCertificateVisitor(m.Wechat.MchID)))
	res := runFlow(t, g, m, client, rc, "CERT")
	if got := res.Header.Get("Wechatpay-Serial"); got != m.Wechat.PlatformSerialNo {
		t.Errorf("answers signed by %q, want the certificate serial %q", got, m.Wechat.PlatformSerialNo)
	}
}

// runFlow runs native prepay → pay on the cashier → verified
// TRANSACTION.SUCCESS → query SUCCESS (by out_trade_no and by
// transaction_id) → refund PROCESSING → verified REFUND.SUCCESS → refund
// query SUCCESS → close of another unpaid order (the SDK verifies the
// signed 204). It returns the last query's HTTP answer.
func runFlow(t *testing.T, g *gatewaytest.Gateway, m *merchant, client *core.Client, rc *receiver, prefix string) *http.Response {
	t.Helper()
	ctx := context.Background()
	pay := native.NativeApiService{Client: client}
	refunds := refunddomestic.RefundsApiService{Client: client}
	outTradeNo := prefix + "-ORDER-0001"

	pre, _, err := pay.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Oolong tea"),
		OutTradeNo: core.String(outTradeNo), Attach: core.String("cart=7"), NotifyUrl: core.String(rc.URL + "/notify"),
		Amount: &native.Amount{Total: core.Int64(1999), Currency: core.String("CNY")},
	})
	if err != nil {
		t.Fatalf("prepay: %v", err)
	}
	codeURL := *pre.CodeUrl
	if !strings.HasPrefix(codeURL, g.URL+"/pay/pay_") {
		t.Fatalf("code_url %q is not the gateway's cashier", codeURL)
	}
	again, _, err := pay.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Oolong tea"),
		OutTradeNo: core.String(outTradeNo), NotifyUrl: core.String(rc.URL + "/notify"), Amount: &native.Amount{Total: core.Int64(1999)},
	})
	if err != nil || *again.CodeUrl != codeURL {
		t.Fatalf("the same order again: %v, %v; want the same code_url", again, err)
	}
	q, _, err := pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *q.TradeState != "NOTPAY" || q.TransactionId != nil {
		t.Fatalf("before paying: %+v, %v", q, err)
	}

	cashierPay(t, g, codeURL)
	n := rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", outTradeNo)
	txID, _ := n.Plaintext["transaction_id"].(string)
	amount, _ := n.Plaintext["amount"].(map[string]any)
	if n.Plaintext["trade_state"] != "SUCCESS" || !transactionIDPattern.MatchString(txID) || amount["total"] != float64(1999) ||
		n.Plaintext["mchid"] != m.Wechat.MchID || n.Plaintext["appid"] != m.Wechat.AppID || n.Plaintext["attach"] != "cart=7" {
		t.Fatalf("TRANSACTION.SUCCESS plaintext %v", n.Plaintext)
	}
	if n.Header.Get("Wechatpay-Signature-Type") != "WECHATPAY2-SHA256-RSA2048" {
		t.Errorf("notification headers %v", n.Header)
	}

	q, _, err = pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *q.TradeState != "SUCCESS" || *q.TransactionId != txID || *q.Amount.PayerTotal != 1999 || *q.TradeType != "NATIVE" || q.SuccessTime == nil {
		t.Fatalf("query after paying: %+v, %v", q, err)
	}
	byID, _, err := pay.QueryOrderById(ctx, native.QueryOrderByIdRequest{TransactionId: core.String(txID), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *byID.OutTradeNo != outTradeNo || *byID.TradeState != "SUCCESS" {
		t.Fatalf("query by transaction_id: %+v, %v", byID, err)
	}

	re, _, err := refunds.Create(ctx, refunddomestic.CreateRequest{
		OutTradeNo: core.String(outTradeNo), OutRefundNo: core.String(prefix + "-REFUND-1"), Reason: core.String("too sweet"),
		NotifyUrl: core.String(rc.URL + "/refund"),
		Amount:    &refunddomestic.AmountReq{Refund: core.Int64(500), Total: core.Int64(1999), Currency: core.String("CNY")},
	})
	if err != nil || *re.Status != refunddomestic.STATUS_PROCESSING || !refundIDPattern.MatchString(*re.RefundId) || *re.Amount.Refund != 500 || *re.TransactionId != txID {
		t.Fatalf("refund: %+v, %v", re, err)
	}
	rn := rc.accepted(t, "REFUND.SUCCESS", "out_refund_no", prefix+"-REFUND-1")
	if rn.Plaintext["refund_status"] != "SUCCESS" || rn.Plaintext["refund_id"] != *re.RefundId || rn.Plaintext["out_trade_no"] != outTradeNo {
		t.Fatalf("REFUND.SUCCESS plaintext %v", rn.Plaintext)
	}
	rq, _, err := refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(prefix + "-REFUND-1")})
	if err != nil || *rq.Status != refunddomestic.STATUS_SUCCESS || rq.SuccessTime == nil || *rq.RefundId != *re.RefundId {
		t.Fatalf("refund query: %+v, %v", rq, err)
	}
	q, result, err := pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *q.TradeState != "REFUND" {
		t.Fatalf("query after the refund: %+v, %v", q, err)
	}

	other := prefix + "-ORDER-0002"
	if _, _, err := pay.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Green tea"),
		OutTradeNo: core.String(other), NotifyUrl: core.String(rc.URL + "/notify"), Amount: &native.Amount{Total: core.Int64(800)},
	}); err != nil {
		t.Fatalf("second prepay: %v", err)
	}
	closed, err := pay.CloseOrder(ctx, native.CloseOrderRequest{OutTradeNo: core.String(other), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || closed.Response.StatusCode != http.StatusNoContent {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	q, _, err = pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(other), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *q.TradeState != "CLOSED" {
		t.Fatalf("query after close: %+v, %v", q, err)
	}

	// The payment is an ordinary core payment: the native events list
	// shows its notification, delivered.
	evs := events(t, g, m, paymentID(t, codeURL))
	if len(evs) != 1 || evs[0].Type != "payment.succeeded" || evs[0].DeliveryStatus != "delivered" {
		t.Fatalf("native events of the payment: %+v", evs)
	}
	for _, n := range rc.all() {
		if n.Err != nil {
			t.Errorf("the SDK refused a notification: %v", n.Err)
		}
	}
	return result.Response
}

// H5 and JSAPI orders through wechatpay-go: h5_url is the cashier, a
// JSAPI prepay_id signs the client's payment parameters, and both pay on
// the cashier like a Native order, with their own trade_type.
func TestWechatpayGo_H5AndJSAPI(t *testing.T) {
	g := startGateway(t, nil)
	m := demoMerchant(t, g)
	rc := publicKeyReceiver(t, m)
	client := publicKeyClient(t, g, m)
	ctx := context.Background()

	h5svc := h5.H5ApiService{Client: client}
	pre, _, err := h5svc.Prepay(ctx, h5.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Mobile tea"),
		OutTradeNo: core.String("H5-ORDER-1"), NotifyUrl: core.String(rc.URL), Amount: &h5.Amount{Total: core.Int64(650)},
		SceneInfo: &h5.SceneInfo{PayerClientIp: core.String("203.0.113.7"), H5Info: &h5.H5Info{Type: core.String("Wap")}},
	})
	if err != nil || !strings.HasPrefix(*pre.H5Url, g.URL+"/pay/pay_") {
		t.Fatalf("h5 prepay: %+v, %v", pre, err)
	}
	cashierPay(t, g, *pre.H5Url)
	rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", "H5-ORDER-1")
	q, _, err := h5svc.QueryOrderByOutTradeNo(ctx, h5.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("H5-ORDER-1"), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *q.TradeState != "SUCCESS" || *q.TradeType != "H5" {
		t.Fatalf("h5 query: %+v, %v", q, err)
	}

	jsvc := jsapi.JsapiApiService{Client: client}
	const openID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	jp, _, err := jsvc.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Mini-program tea"),
		OutTradeNo: core.String("JSAPI-ORDER-1"), NotifyUrl: core.String(rc.URL), Amount: &jsapi.Amount{Total: core.Int64(880)},
		Payer: &jsapi.Payer{Openid: core.String(openID)},
	})
	if err != nil || !strings.HasPrefix(*jp.PrepayId, "wx") || *jp.Package != "prepay_id="+*jp.PrepayId || *jp.PaySign == "" {
		t.Fatalf("jsapi prepay: %+v, %v", jp, err)
	}
	// The mini-program's payment page is the cashier; its URL is the
	// payment's pay_url in the native API.
	var p struct {
		PayURL string `json:"pay_url"`
	}
	nativeGet(t, g, m, "/v1/payments?out_trade_no=JSAPI-ORDER-1", &p)
	cashierPay(t, g, p.PayURL)
	n := rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", "JSAPI-ORDER-1")
	if payer, _ := n.Plaintext["payer"].(map[string]any); payer["openid"] != openID || n.Plaintext["trade_type"] != "JSAPI" {
		t.Fatalf("JSAPI notification %v", n.Plaintext)
	}
	jq, _, err := jsvc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("JSAPI-ORDER-1"), Mchid: core.String(m.Wechat.MchID)})
	if err != nil || *jq.TradeState != "SUCCESS" || *jq.Payer.Openid != openID {
		t.Fatalf("jsapi query: %+v, %v", jq, err)
	}
	again, _, err := jsvc.Prepay(ctx, jsapi.PrepayRequest{
		Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Mini-program tea"),
		OutTradeNo: core.String("JSAPI-ORDER-1"), NotifyUrl: core.String(rc.URL), Amount: &jsapi.Amount{Total: core.Int64(880)},
		Payer: &jsapi.Payer{Openid: core.String(openID)},
	})
	if ae := apiError(t, err); ae.StatusCode != http.StatusForbidden || ae.Code != "ORDERPAID" {
		t.Fatalf("prepay of a paid order: %+v, %d %s", again, ae.StatusCode, ae.Code)
	}
}
