package alipay_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/smartwalle/alipay/v3"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// The whole flow with smartwalle/alipay, unmodified, through the real
// binary: precreate → pay on the cashier → the notification the SDK
// verifies → query → two partial refunds → the same out_request_no again
// → refunds refused → refund query → full refund closing the trade →
// close of another trade; then page.pay's and wap.pay's redirects, a
// page.pay posted as a form, and the signed return.
func TestSmartwalle_Flow(t *testing.T) {
	start := time.Now()
	g := startGateway(t, nil)
	rc := newReceiver(t)
	m := newMerchant(t, g, rc.URL)
	client := m.client(t)
	rc.use(client)
	ctx := context.Background()

	otn := orderNo("sw")
	pre, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{
		Subject: "一杯茶 Tea", OutTradeNo: otn, TotalAmount: "19.99", ProductCode: "FACE_TO_FACE_PAYMENT",
	}})
	wantCode(t, "precreate", pre.Error, err, "10000", "")
	if pre.OutTradeNo != otn || !strings.HasPrefix(pre.QRCode, g.URL+"/pay/pay_") {
		t.Fatalf("precreate answered %+v", pre)
	}
	payID := paymentID(t, pre.QRCode)

	t.Run("PrecreateAgainAnswersTheSameTrade", func(t *testing.T) {
		again, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: "19.99"}})
		wantCode(t, "precreate again", again.Error, err, "10000", "")
		if again.QRCode != pre.QRCode {
			t.Fatalf("qr_code %q, want the first %q", again.QRCode, pre.QRCode)
		}
		other, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: "20.00"}})
		wantCode(t, "precreate with another amount", other.Error, err, "40004", "ACQ.CONTEXT_INCONSISTENT")
	})

	t.Run("UnscannedTradeDoesNotExist", func(t *testing.T) {
		q, err := client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn})
		wantCode(t, "query before the scan", q.Error, err, "40004", "ACQ.TRADE_NOT_EXIST")
		c, err := client.TradeClose(ctx, sdk.TradeClose{OutTradeNo: otn})
		wantCode(t, "close before the scan", c.Error, err, "40004", "ACQ.TRADE_NOT_EXIST")
		if p := m.payment(t, payID); p.Status != "pending" {
			t.Fatalf("the refused close changed the payment: %s", p.Status)
		}
	})

	openCashier(t, pre.QRCode)
	q, err := client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn})
	wantCode(t, "query after the scan", q.Error, err, "10000", "")
	if q.TradeStatus != sdk.TradeStatusWaitBuyerPay || q.TotalAmount != "19.99" || len(q.TradeNo) != 28 {
		t.Fatalf("scanned trade: %+v", q)
	}
	tradeNo := q.TradeNo

	payOnCashier(t, pre.QRCode)
	got := rc.waitFor(t, otn, "TRADE_SUCCESS", func(ns []notice) bool { return len(ns) >= 1 })
	n := got[0]
	if n.Err != nil {
		t.Fatalf("the SDK refused the notification: %v\n%v", n.Err, n.Form)
	}
	if n.N.TradeStatus != sdk.TradeStatusSuccess || n.N.TotalAmount != "19.99" || n.N.TradeNo != tradeNo ||
		n.N.AppId != m.Alipay.AppID || n.N.NotifyType != sdk.NotifyTypeTradeStatusSync || n.N.ReceiptAmount != "19.99" ||
		n.N.GmtPayment == "" || n.N.Subject != "一杯茶 Tea" || n.Form.Get("sign_type") != "RSA2" {
		t.Fatalf("notification %+v", n.N)
	}
	evs := m.waitEvent(t, payID, "delivery", func(evs []gatewayapi.Event) bool {
		return len(evs) == 1 && evs[0].DeliveryStatus == gatewayapi.DeliveryDelivered
	})
	if evs[0].Type != "payment.succeeded" || len(evs[0].Attempts) != 1 || evs[0].Attempts[0].ResponseBody != "success" {
		t.Fatalf("the native events list shows %+v", evs[0])
	}

	q, err = client.TradeQuery(ctx, sdk.TradeQuery{TradeNo: tradeNo})
	wantCode(t, "query by trade_no", q.Error, err, "10000", "")
	if q.TradeStatus != sdk.TradeStatusSuccess || q.OutTradeNo != otn || q.BuyerPayAmount != "19.99" || q.SendPayDate == "" {
		t.Fatalf("paid trade: %+v", q)
	}

	refund := func(requestNo, amount string) *sdk.TradeRefundRsp {
		t.Helper()
		r, err := client.TradeRefund(ctx, sdk.TradeRefund{OutTradeNo: otn, RefundAmount: amount, OutRequestNo: requestNo, RefundReason: "退货"})
		if err != nil {
			t.Fatalf("refund %s %s: %v", requestNo, amount, err)
		}
		return r
	}
	r1 := refund("r1", "5.00")
	wantCode(t, "first refund", r1.Error, nil, "10000", "")
	r2 := refund("r2", "3.00")
	wantCode(t, "second refund", r2.Error, nil, "10000", "")
	if r1.FundChange != "Y" || r1.RefundFee != "5.00" || r2.FundChange != "Y" || r2.RefundFee != "8.00" || r2.TradeNo != tradeNo {
		t.Fatalf("refunds answered %+v and %+v", r1, r2)
	}
	again := refund("r1", "5.00")
	wantCode(t, "the same out_request_no again", again.Error, nil, "10000", "")
	if again.FundChange != "N" || again.RefundFee != "8.00" {
		t.Fatalf("a repeated refund answered %+v, want fund_change N and refund_fee 8.00", again)
	}
	wantCode(t, "the same out_request_no, another amount", refund("r1", "6.00").Error, nil, "40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
	wantCode(t, "over-refund", refund("r3", "12.00").Error, nil, "40004", "ACQ.REASON_TRADE_REFUND_FEE_ERR")

	rq, err := client.TradeFastPayRefundQuery(ctx, sdk.TradeFastPayRefundQuery{OutTradeNo: otn, OutRequestNo: "r2"})
	wantCode(t, "refund query", rq.Error, err, "10000", "")
	if rq.RefundStatus != "REFUND_SUCCESS" || rq.RefundAmount != "3.00" || rq.TotalAmount != "19.99" || rq.OutRequestNo != "r2" {
		t.Fatalf("refund query: %+v", rq)
	}
	rq, err = client.TradeFastPayRefundQuery(ctx, sdk.TradeFastPayRefundQuery{TradeNo: tradeNo, OutRequestNo: "r9"})
	wantCode(t, "query of a refund never asked for", rq.Error, err, "10000", "")
	if rq.RefundStatus != "" || rq.RefundAmount != "" {
		t.Fatalf("an unknown refund is shown as %+v", rq)
	}

	got = rc.waitFor(t, otn, "two refund notifications", func(ns []notice) bool { return len(ns) >= 3 })
	fees := map[string]string{}
	for _, n := range got[1:] {
		if n.Err != nil || n.N.TradeStatus != sdk.TradeStatusSuccess || n.N.GmtRefund == "" {
			t.Fatalf("refund notification %+v (%v)", n.N, n.Err)
		}
		fees[n.N.OutBizNo] = n.N.RefundFee
	}
	if fees["r1"] != "5.00" || fees["r2"] != "8.00" {
		t.Fatalf("refund notifications carry refund_fee by out_biz_no %v, want r1 5.00 and r2 8.00", fees)
	}

	full := refund("r4", "11.99")
	wantCode(t, "refund of the rest", full.Error, nil, "10000", "")
	q, err = client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn})
	wantCode(t, "query of a refunded trade", q.Error, err, "10000", "")
	if q.TradeStatus != sdk.TradeStatusClosed || full.RefundFee != "19.99" {
		t.Fatalf("after the full refund: trade %s, refund_fee %s", q.TradeStatus, full.RefundFee)
	}
	got = rc.waitFor(t, otn, "TRADE_CLOSED after the full refund", func(ns []notice) bool { return len(ns) >= 4 })
	if last := got[3]; last.Err != nil || last.N.TradeStatus != sdk.TradeStatusClosed || last.N.RefundFee != "19.99" || last.N.OutBizNo != "r4" {
		t.Fatalf("last notification %+v (%v)", last.N, last.Err)
	}
	wantCode(t, "refund of a refunded trade", refund("r5", "0.01").Error, nil, "40004", "ACQ.TRADE_HAS_CLOSE")

	t.Run("CloseAnotherTrade", func(t *testing.T) {
		otn2 := orderNo("swc")
		pre2, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Cake", OutTradeNo: otn2, TotalAmount: "8"}})
		wantCode(t, "precreate", pre2.Error, err, "10000", "")
		openCashier(t, pre2.QRCode)
		c, err := client.TradeClose(ctx, sdk.TradeClose{OutTradeNo: otn2})
		wantCode(t, "close", c.Error, err, "10000", "")
		if c.OutTradeNo != otn2 || len(c.TradeNo) != 28 {
			t.Fatalf("close answered %+v", c)
		}
		q, err := client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn2})
		wantCode(t, "query", q.Error, err, "10000", "")
		if q.TradeStatus != sdk.TradeStatusClosed || q.TotalAmount != "8.00" {
			t.Fatalf("closed trade: %+v", q)
		}
		again, err := client.TradeClose(ctx, sdk.TradeClose{OutTradeNo: otn2})
		wantCode(t, "close again", again.Error, err, "40004", "ACQ.TRADE_STATUS_ERROR")
		ns := rc.waitFor(t, otn2, "TRADE_CLOSED", func(ns []notice) bool { return len(ns) >= 1 })
		if ns[0].Err != nil || ns[0].N.TradeStatus != sdk.TradeStatusClosed {
			t.Fatalf("close notification %+v (%v)", ns[0].N, ns[0].Err)
		}
		pre3, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Cake", OutTradeNo: otn2, TotalAmount: "8.00"}})
		wantCode(t, "precreate of the closed trade", pre3.Error, err, "40004", "ACQ.TRADE_HAS_CLOSE")
		paidAgain, err := client.TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: "19.99"}})
		wantCode(t, "precreate of the paid trade", paidAgain.Error, err, "40004", "ACQ.TRADE_HAS_SUCCESS")
	})

	t.Run("PagePayRedirectsToTheCashier", func(t *testing.T) {
		otn3 := orderNo("swp")
		link, err := client.TradePagePay(sdk.TradePagePay{Trade: sdk.Trade{
			Subject: "Teapot", OutTradeNo: otn3, TotalAmount: "88.80", ProductCode: "FAST_INSTANT_TRADE_PAY",
			ReturnURL: "http://shop.test/alipay/return?order=7", NotifyURL: rc.URL,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link.String(), m.gatewayURL()+"?") {
			t.Fatalf("the SDK built %s", link)
		}
		res, body := get(t, link.String())
		if res.StatusCode != http.StatusFound {
			t.Fatalf("GET page.pay: %d %s", res.StatusCode, body)
		}
		cashier := res.Header.Get("Location")
		pid := paymentID(t, cashier)
		// A page.pay trade exists from the redirect on.
		q, err := client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn3})
		wantCode(t, "query after the redirect", q.Error, err, "10000", "")
		if q.TradeStatus != sdk.TradeStatusWaitBuyerPay || q.TotalAmount != "88.80" {
			t.Fatalf("page.pay trade: %+v", q)
		}
		if p := m.payment(t, pid); p.Method != "alipay" || p.Amount != 8880 || p.OutTradeNo != otn3 {
			t.Fatalf("core payment %+v", p)
		}
		// The same link again lands on the same cashier page.
		if res, _ := get(t, link.String()); res.Header.Get("Location") != cashier {
			t.Fatalf("the link again went to %s, want %s", res.Header.Get("Location"), cashier)
		}

		page := payOnCashier(t, cashier)
		mm := regexp.MustCompile(`href="([^"]+)">Return to merchant`).FindStringSubmatch(page)
		if mm == nil {
			t.Fatalf("no return link on the result page:\n%s", page)
		}
		ret, err := url.Parse(html.UnescapeString(mm[1])) // as the browser reads the link
		if err != nil {
			t.Fatal(err)
		}
		v := ret.Query()
		if err := client.VerifySign(ctx, v); err != nil {
			t.Fatalf("the SDK refused the return's signature: %v\n%s", err, ret)
		}
		if ret.Host != "shop.test" || v.Get("order") != "7" || v.Get("out_trade_no") != otn3 || v.Get("total_amount") != "88.80" ||
			v.Get("method") != "alipay.trade.page.pay.return" || v.Get("app_id") != m.Alipay.AppID || len(v.Get("trade_no")) != 28 {
			t.Fatalf("return %s", ret)
		}
		v.Set("total_amount", "0.01")
		if err := client.VerifySign(ctx, v); err == nil {
			t.Fatal("a tampered return verifies")
		}
		ns := rc.waitFor(t, otn3, "TRADE_SUCCESS", func(ns []notice) bool { return len(ns) >= 1 })
		if ns[0].Err != nil || ns[0].N.TotalAmount != "88.80" {
			t.Fatalf("page.pay notification %+v (%v)", ns[0].N, ns[0].Err)
		}
	})

	t.Run("WapPayAndAPostedForm", func(t *testing.T) {
		otn4 := orderNo("sww")
		link, err := client.TradeWapPay(sdk.TradeWapPay{Trade: sdk.Trade{
			Subject: "Cup", OutTradeNo: otn4, TotalAmount: "1.50", ProductCode: "QUICK_WAP_WAY", ReturnURL: "http://shop.test/r",
		}, QuitURL: "http://shop.test/quit"})
		if err != nil {
			t.Fatal(err)
		}
		res, body := get(t, strings.Replace(link.String(), "/gateway.do?", "/alipay/gateway.do?", 1))
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), g.URL+"/pay/pay_") {
			t.Fatalf("GET /alipay/gateway.do wap.pay: %d %v %s", res.StatusCode, res.Header, body)
		}
		// A browser cancelling goes back to quit_url, unsigned.
		cashier := res.Header.Get("Location")
		openCashier(t, cashier)
		cancel, err := browser.PostForm(cashier+"/cancel", url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		cancel.Body.Close()
		loc, _ := cancel.Location()
		_, resultPage := get(t, loc.String())
		if !strings.Contains(resultPage, `href="http://shop.test/quit"`) {
			t.Fatalf("the cancelled wap.pay does not lead to quit_url:\n%s", resultPage)
		}

		// Java's and Node's SDKs post page.pay as a form from the browser.
		otn5 := orderNo("swf")
		values, err := client.URLValues(sdk.TradePagePay{Trade: sdk.Trade{Subject: "Form", OutTradeNo: otn5, TotalAmount: "2.00", ProductCode: "FAST_INSTANT_TRADE_PAY"}})
		if err != nil {
			t.Fatal(err)
		}
		posted, err := browser.PostForm(m.gatewayURL(), values)
		if err != nil {
			t.Fatal(err)
		}
		posted.Body.Close()
		if posted.StatusCode != http.StatusFound || !strings.HasPrefix(posted.Header.Get("Location"), g.URL+"/pay/pay_") {
			t.Fatalf("POSTed page.pay: %d %v", posted.StatusCode, posted.Header)
		}
	})
	t.Logf("flow through the binary took %s", time.Since(start).Round(time.Millisecond))
}
