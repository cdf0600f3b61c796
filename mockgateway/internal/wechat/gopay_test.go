package wechat_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pay/gopay"
	wxv3 "github.com/go-pay/gopay/wechat/v3"
)

// gopayReceiver is a notification endpoint written with gopay: parse,
// verify with the platform public key, decrypt with the APIv3 key.
type gopayReceiver struct {
	*httptest.Server
	m        *merchant
	mu       sync.Mutex
	payments []*wxv3.V3DecryptPayResult
	refunds  []*wxv3.V3DecryptRefundResult
	refused  []error
}

func newGopayReceiver(t *testing.T, m *merchant) *gopayReceiver {
	rc := &gopayReceiver{m: m}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *gopayReceiver) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		rc.mu.Lock()
		rc.refused = append(rc.refused, err)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":"FAIL","message":"失败"}`)
	}
	n, err := wxv3.V3ParseNotify(r)
	if err != nil {
		fail(err)
		return
	}
	if err := n.VerifySignByPK(rc.m.platformKey); err != nil {
		fail(err)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	switch {
	case n.EventType == "TRANSACTION.SUCCESS":
		res, err := n.DecryptPayCipherText(rc.m.Wechat.APIv3Key)
		if err != nil {
			rc.refused = append(rc.refused, err)
			return
		}
		rc.payments = append(rc.payments, res)
	case strings.HasPrefix(n.EventType, "REFUND."):
		res, err := n.DecryptRefundCipherText(rc.m.Wechat.APIv3Key)
		if err != nil {
			rc.refused = append(rc.refused, err)
			return
		}
		rc.refunds = append(rc.refunds, res)
	}
	_, _ = io.WriteString(w, `{"code":"SUCCESS","message":"成功"}`)
}

func (rc *gopayReceiver) waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rc.mu.Lock()
		ok := done()
		refused := rc.refused
		rc.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; refused %v", what, refused)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gopay's WeChat Pay v3 client, unmodified, pointed at the gateway with
// its documented SetProxyHost and verifying with the platform public key.
func TestGopay_Flow(t *testing.T) {
	g := startGateway(t, nil)
	m := demoMerchant(t, g)
	rc := newGopayReceiver(t, m)
	ctx := context.Background()

	client, err := wxv3.NewClientV3(m.Wechat.MchID, m.Wechat.MerchantSerialNo, m.Wechat.APIv3Key, m.Wechat.MerchantPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	client.SetProxyHost(g.URL)
	if err := client.AutoVerifySignByPublicKey([]byte(m.Wechat.PlatformPublicKey), m.Wechat.PlatformPublicKeyID); err != nil {
		t.Fatal(err)
	}

	bm := make(gopay.BodyMap)
	bm.Set("appid", m.Wechat.AppID).Set("description", "Longjing tea").Set("out_trade_no", "GOPAY-ORDER-1").
		Set("notify_url", rc.URL).SetBodyMap("amount", func(b gopay.BodyMap) { b.Set("total", 2500).Set("currency", "CNY") })
	pre, err := client.V3TransactionNative(ctx, bm)
	if err != nil || pre.Code != wxv3.Success || !strings.HasPrefix(pre.Response.CodeUrl, g.URL+"/pay/") {
		t.Fatalf("native prepay: %+v, %v", pre, err)
	}

	cashierPay(t, g, pre.Response.CodeUrl)
	var paid *wxv3.V3DecryptPayResult
	rc.waitFor(t, "TRANSACTION.SUCCESS", func() bool {
		if len(rc.payments) > 0 {
			paid = rc.payments[0]
		}
		return paid != nil
	})
	if paid.OutTradeNo != "GOPAY-ORDER-1" || paid.TradeState != "SUCCESS" || paid.Amount.Total != 2500 || len(paid.TransactionId) != 28 {
		t.Fatalf("decrypted notification %+v", paid)
	}

	q, err := client.V3TransactionQueryOrder(ctx, wxv3.TransactionId, paid.TransactionId)
	if err != nil || q.Code != wxv3.Success || q.Response.TradeState != "SUCCESS" || q.Response.OutTradeNo != "GOPAY-ORDER-1" {
		t.Fatalf("query by transaction_id: %+v, %v", q, err)
	}

	rb := make(gopay.BodyMap)
	rb.Set("transaction_id", paid.TransactionId).Set("out_refund_no", "GOPAY-REFUND-1").Set("reason", "cold").
		SetBodyMap("amount", func(b gopay.BodyMap) { b.Set("refund", 2500).Set("total", 2500).Set("currency", "CNY") })
	re, err := client.V3Refund(ctx, rb)
	if err != nil || re.Code != wxv3.Success || re.Response.Status != "PROCESSING" || len(re.Response.RefundId) != 29 {
		t.Fatalf("refund: %+v, %v", re, err)
	}
	rc.waitFor(t, "REFUND.SUCCESS", func() bool { return len(rc.refunds) > 0 })
	if r := rc.refunds[0]; r.RefundStatus != "SUCCESS" || r.OutRefundNo != "GOPAY-REFUND-1" || r.Amount.Refund != 2500 {
		t.Fatalf("decrypted refund notification %+v", r)
	}
	rq, err := client.V3RefundQuery(ctx, "GOPAY-REFUND-1", nil)
	if err != nil || rq.Code != wxv3.Success || rq.Response.Status != "SUCCESS" {
		t.Fatalf("refund query: %+v, %v", rq, err)
	}

	bm2 := make(gopay.BodyMap)
	bm2.Set("appid", m.Wechat.AppID).Set("description", "Spare tea").Set("out_trade_no", "GOPAY-ORDER-2").
		Set("notify_url", rc.URL).SetBodyMap("amount", func(b gopay.BodyMap) { b.Set("total", 300) })
	if pre, err := client.V3TransactionNative(ctx, bm2); err != nil || pre.Code != wxv3.Success {
		t.Fatalf("second prepay: %+v, %v", pre, err)
	}
	closed, err := client.V3TransactionCloseOrder(ctx, "GOPAY-ORDER-2")
	if err != nil || closed.Code != wxv3.Success {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	q, err = client.V3TransactionQueryOrder(ctx, wxv3.OutTradeNo, "GOPAY-ORDER-2")
	if err != nil || q.Response.TradeState != "CLOSED" {
		t.Fatalf("query after close: %+v, %v", q, err)
	}
	missing, err := client.V3TransactionQueryOrder(ctx, wxv3.OutTradeNo, "GOPAY-NONE-1")
	if err != nil || missing.Code != http.StatusNotFound || missing.ErrResponse.Code != "ORDER_NOT_EXIST" {
		t.Fatalf("query of an unknown order: %+v, %v", missing, err)
	}

	// gopay's certificate mode: AutoVerifySign downloads /v3/certificates
	// through the same host and verifies answers signed under the
	// certificate's serial.
	admin(t, g, "PUT", "/admin/api/merchants/"+m.ID+"/wechat", map[string]string{"verify_with": "certificate"}, http.StatusOK, nil)
	certClient, err := wxv3.NewClientV3(m.Wechat.MchID, m.Wechat.MerchantSerialNo, m.Wechat.APIv3Key, m.Wechat.MerchantPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certClient.SetProxyHost(g.URL)
	if err := certClient.AutoVerifySign(false); err != nil {
		t.Fatalf("gopay could not download the platform certificate: %v", err)
	}
	if certClient.WxSerialNo != m.Wechat.PlatformSerialNo {
		t.Fatalf("gopay selected certificate %q, want %q", certClient.WxSerialNo, m.Wechat.PlatformSerialNo)
	}
	q, err = certClient.V3TransactionQueryOrder(ctx, wxv3.OutTradeNo, "GOPAY-ORDER-1")
	if err != nil || q.Code != wxv3.Success || q.SignInfo.HeaderSerial != m.Wechat.PlatformSerialNo {
		t.Fatalf("query in certificate mode: %+v, %v", q, err)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.refused) > 0 {
		t.Fatalf("gopay refused notifications: %v", rc.refused)
	}
}
