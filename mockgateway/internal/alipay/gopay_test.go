package alipay_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pay/gopay"
	gpalipay "github.com/go-pay/gopay/alipay"
)

// gopaySandboxHost is the host gopay's v2 client sends every request to
// when it is not in production; it has no option to change it.
const gopaySandboxHost = "openapi-sandbox.dl.alipaydev.com"

// toGateway is an http.RoundTripper that sends requests for Alipay's
// sandbox host to this gateway instead — how a gopay user points it at
// the mock through its public SetTransport option.
type toGateway struct{ target *url.URL }

func (t toGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == gopaySandboxHost {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host, req.Host = t.target.Scheme, t.target.Host, t.target.Host
	}
	return http.DefaultTransport.RoundTrip(req)
}

// pemBody is a PEM's base64 body on one line: what gopay takes for keys.
func pemBody(p string) string {
	var b strings.Builder
	for _, line := range strings.Split(p, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			b.WriteString(strings.TrimSpace(line))
		}
	}
	return b.String()
}

// gopayNotices records notifications verified with gopay.
type gopayNotices struct {
	mu  sync.Mutex
	got []gopay.BodyMap
	bad int
}

// The core flow with a second community SDK, github.com/go-pay/gopay's
// alipay package, unmodified: precreate → cashier → notification verified
// with gopay's VerifySign → query → refund → refund query → close, every
// answer checked by gopay's automatic signature verification.
func TestGopay_Flow(t *testing.T) {
	g := startGateway(t, nil)
	var alipayPublicKey string
	notes := &gopayNotices{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bm, err := gpalipay.ParseNotifyToBodyMap(r)
		ok := false
		if err == nil {
			ok, err = gpalipay.VerifySign(alipayPublicKey, bm)
		}
		notes.mu.Lock()
		defer notes.mu.Unlock()
		if !ok || err != nil {
			notes.bad++
			_, _ = io.WriteString(w, "fail")
			return
		}
		notes.got = append(notes.got, bm)
		_, _ = io.WriteString(w, "success")
	}))
	t.Cleanup(hook.Close)
	m := newMerchant(t, g, hook.URL)
	alipayPublicKey = pemBody(m.Alipay.AlipayPublicKey)

	client, err := gpalipay.NewClient(m.Alipay.AppID, pemBody(m.Alipay.AppPrivateKey), false)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(g.URL)
	client.GetHttpClient().SetTransport(toGateway{target: target})
	client.AutoVerifySign([]byte(m.Alipay.AlipayPublicKey))
	ctx := context.Background()

	otn := orderNo("gp")
	pre, err := client.TradePrecreate(ctx, gopay.BodyMap{"subject": "Tea", "out_trade_no": otn, "total_amount": "12.30"})
	if err != nil {
		t.Fatalf("precreate: %v", err)
	}
	if ok, err := gpalipay.VerifySyncSign(alipayPublicKey, pre.SignData, pre.Sign); !ok || err != nil {
		t.Fatalf("VerifySyncSign of the precreate answer: %v", err)
	}
	payOnCashier(t, pre.Response.QrCode)

	deadlineNotes := func(n int) []gopay.BodyMap {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			notes.mu.Lock()
			got := append([]gopay.BodyMap(nil), notes.got...)
			notes.mu.Unlock()
			if len(got) >= n {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d verified notifications, want %d", len(got), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	got := deadlineNotes(1)
	if got[0].GetString("trade_status") != "TRADE_SUCCESS" || got[0].GetString("out_trade_no") != otn || got[0].GetString("total_amount") != "12.30" {
		t.Fatalf("notification %v", got[0])
	}

	q, err := client.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": otn})
	if err != nil || q.Response.TradeStatus != "TRADE_SUCCESS" || q.Response.TotalAmount != "12.30" {
		t.Fatalf("query: %+v %v", q, err)
	}
	r, err := client.TradeRefund(ctx, gopay.BodyMap{"out_trade_no": otn, "refund_amount": "2.30", "out_request_no": "g1"})
	if err != nil || r.Response.FundChange != "Y" || r.Response.RefundFee != "2.30" {
		t.Fatalf("refund: %+v %v", r, err)
	}
	_, err = client.TradeRefund(ctx, gopay.BodyMap{"out_trade_no": otn, "refund_amount": "20.00", "out_request_no": "g2"})
	var be *gpalipay.BizErr
	if !errors.As(err, &be) || be.SubCode != "ACQ.REASON_TRADE_REFUND_FEE_ERR" {
		t.Fatalf("over-refund: %v", err)
	}
	rq, err := client.TradeFastPayRefundQuery(ctx, gopay.BodyMap{"out_trade_no": otn, "out_request_no": "g1"})
	if err != nil || rq.Response.RefundStatus != "REFUND_SUCCESS" || rq.Response.RefundAmount != "2.30" {
		t.Fatalf("refund query: %+v %v", rq, err)
	}
	got = deadlineNotes(2)
	if got[1].GetString("refund_fee") != "2.30" || got[1].GetString("out_biz_no") != "g1" {
		t.Fatalf("refund notification %v", got[1])
	}

	otn2 := orderNo("gpc")
	pre2, err := client.TradePrecreate(ctx, gopay.BodyMap{"subject": "Cake", "out_trade_no": otn2, "total_amount": "1.00"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.TradeClose(ctx, gopay.BodyMap{"out_trade_no": otn2})
	if !errors.As(err, &be) || be.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("close before the scan: %v", err)
	}
	openCashier(t, pre2.Response.QrCode)
	c, err := client.TradeClose(ctx, gopay.BodyMap{"out_trade_no": otn2})
	if err != nil || c.Response.OutTradeNo != otn2 {
		t.Fatalf("close: %+v %v", c, err)
	}

	// page.pay: gopay builds the link on Alipay's sandbox host; the
	// merchant's page sends the browser to this gateway instead.
	link, err := client.TradePagePay(ctx, gopay.BodyMap{"subject": "Pot", "out_trade_no": orderNo("gpp"), "total_amount": "3.00"})
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, strings.Replace(link, "https://"+gopaySandboxHost, g.URL, 1))
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), g.URL+"/pay/pay_") {
		t.Fatalf("gopay's page.pay link: %d %s", res.StatusCode, body)
	}
	notes.mu.Lock()
	defer notes.mu.Unlock()
	if notes.bad != 0 {
		t.Fatalf("gopay refused %d notifications", notes.bad)
	}
}
