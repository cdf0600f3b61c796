package alipay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdk "github.com/smartwalle/alipay/v3"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/gatewayclient"
)

// precreated precreates a trade and opens its cashier page (the buyer
// scanned it); it returns the out_trade_no and the payment id.
func precreated(t *testing.T, client *sdk.Client, amount string) (string, string) {
	t.Helper()
	otn := orderNo("sc")
	r, err := client.TradePreCreate(context.Background(), sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: amount}})
	wantCode(t, "precreate", r.Error, err, "10000", "")
	openCashier(t, r.QRCode)
	return otn, paymentID(t, r.QRCode)
}

// paid precreates a trade and pays it on the cashier.
func paid(t *testing.T, client *sdk.Client, amount string) (string, string) {
	t.Helper()
	otn := orderNo("sc")
	r, err := client.TradePreCreate(context.Background(), sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: amount}})
	wantCode(t, "precreate", r.Error, err, "10000", "")
	payOnCashier(t, r.QRCode)
	return otn, paymentID(t, r.QRCode)
}

// delivered waits until every notification of an object was acknowledged
// and returns them.
func (m *merchant) delivered(t *testing.T, objectID string, n int) []gatewayapi.Event {
	t.Helper()
	return m.waitEvent(t, objectID, "delivery", func(evs []gatewayapi.Event) bool {
		if len(evs) != n {
			return false
		}
		for _, ev := range evs {
			if ev.DeliveryStatus != gatewayapi.DeliveryDelivered {
				return false
			}
		}
		return true
	})
}

// The scenarios of DESIGN §6 that apply to Alipay, injected by fault rules
// matched on protocol alipay through the admin API, as QA would, and seen
// through smartwalle/alipay.
func TestScenarios(t *testing.T) {
	g := startGateway(t, nil)
	rc := newReceiver(t)
	m := newMerchant(t, g, rc.URL)
	client := m.client(t)
	rc.use(client)
	ctx := context.Background()
	rule := func(operation, scenario string) string {
		t.Helper()
		return g.AddFault(map[string]any{
			"match":    map[string]any{"merchant_id": m.ID, "protocol": "alipay", "operation": operation},
			"scenario": scenario, "remaining": 1,
		}).ID
	}
	hits := func(id string) int64 { t.Helper(); return g.Faults()[id].Hits }

	t.Run("APIError", func(t *testing.T) {
		id := rule("create_payment", "api_error=503")
		// A native create does not match a rule for protocol alipay.
		if _, err := m.native().CreatePayment(ctx, &gatewayclient.CreatePaymentParams{OutTradeNo: orderNo("nat"), Amount: 100, Method: "alipay", Subject: "Tea"}); err != nil {
			t.Fatalf("native create under an alipay rule: %v", err)
		}
		otn := orderNo("err")
		p := sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: "1.00"}}
		r, err := client.TradePreCreate(ctx, p)
		wantCode(t, "precreate under api_error", r.Error, err, "20000", "ACQ.SYSTEM_ERROR")
		if _, err := m.native().GetPaymentByOutTradeNo(ctx, otn); err == nil {
			t.Fatal("api_error created the trade")
		}
		if got := hits(id); got != 1 {
			t.Fatalf("rule hits %d, want 1", got)
		}
		r, err = client.TradePreCreate(ctx, p)
		wantCode(t, "the retry", r.Error, err, "10000", "")
	})

	t.Run("APITimeout", func(t *testing.T) {
		rule("create_payment", "api_timeout")
		otn := orderNo("to")
		p := sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: otn, TotalAmount: "1.00"}}
		began := time.Now()
		_, err := client.TradePreCreate(ctx, p)
		if err == nil {
			t.Fatal("a held and dropped call answered")
		}
		if held := time.Since(began); held < 900*time.Millisecond {
			t.Fatalf("dropped after %s, want FAULT_HOLD (1s)", held)
		}
		if _, err := m.native().GetPaymentByOutTradeNo(ctx, otn); err == nil {
			t.Fatal("api_timeout created the trade")
		}
		r, err := client.TradePreCreate(ctx, p)
		wantCode(t, "the retry", r.Error, err, "10000", "")
	})

	t.Run("RefundFail", func(t *testing.T) {
		otn, _ := paid(t, client, "10.00")
		rule("create_refund", "refund_fail=REFUND_REJECTED")
		r, err := client.TradeRefund(ctx, sdk.TradeRefund{OutTradeNo: otn, RefundAmount: "10.00", OutRequestNo: "f1"})
		wantCode(t, "refused refund", r.Error, err, "40004", "REFUND_REJECTED")
		q, err := client.TradeFastPayRefundQuery(ctx, sdk.TradeFastPayRefundQuery{OutTradeNo: otn, OutRequestNo: "f1"})
		wantCode(t, "query of the failed refund", q.Error, err, "10000", "")
		if q.RefundStatus != "" {
			t.Fatalf("a failed refund shows refund_status %q", q.RefundStatus)
		}
		// The failure released the amount: the whole of it can be refunded.
		r, err = client.TradeRefund(ctx, sdk.TradeRefund{OutTradeNo: otn, RefundAmount: "10.00", OutRequestNo: "f2"})
		wantCode(t, "refund after the failure", r.Error, err, "10000", "")
		// Delivery order is not promised: the payment's and the refund's
		// notifications may arrive either way round.
		rc.waitFor(t, otn, "paid and refunded", func(ns []notice) bool { return len(ns) >= 2 })
		time.Sleep(500 * time.Millisecond) // a notification of the failed refund would be here by now
		ns := rc.of(otn)
		refunds := filter(ns, func(n notice) bool { return n.Form.Has("refund_fee") })
		if len(ns) != 2 || len(refunds) != 1 || refunds[0].N.TradeStatus != sdk.TradeStatusClosed || refunds[0].N.RefundFee != "10.00" || refunds[0].N.OutBizNo != "f2" {
			t.Fatalf("notifications %s: want the payment's and f2's, no word of the failed refund", describe(ns))
		}
	})

	t.Run("RefundStuck", func(t *testing.T) {
		otn, _ := paid(t, client, "6.00")
		rule("create_refund", "refund_stuck")
		refund := sdk.TradeRefund{OutTradeNo: otn, RefundAmount: "2.00", OutRequestNo: "s1"}
		r, err := client.TradeRefund(ctx, refund)
		wantCode(t, "stuck refund", r.Error, err, "20000", "ACQ.SYSTEM_ERROR")
		q, err := client.TradeFastPayRefundQuery(ctx, sdk.TradeFastPayRefundQuery{OutTradeNo: otn, OutRequestNo: "s1"})
		wantCode(t, "query while stuck", q.Error, err, "10000", "")
		if q.RefundStatus != "" {
			t.Fatalf("a pending refund shows refund_status %q", q.RefundStatus)
		}
		r, err = client.TradeRefund(ctx, refund)
		wantCode(t, "retry while stuck", r.Error, err, "20000", "ACQ.SYSTEM_ERROR")

		// Support settles it (the console or the test helper).
		pending, err := m.native().GetRefundByOutRefundNo(ctx, otn+":s1")
		if err != nil || pending.Status != "pending" || pending.Amount != 200 {
			t.Fatalf("the stuck refund in the core: %+v %v", pending, err)
		}
		if _, err := m.native().SucceedRefund(ctx, pending.ID); err != nil {
			t.Fatal(err)
		}
		q, err = client.TradeFastPayRefundQuery(ctx, sdk.TradeFastPayRefundQuery{OutTradeNo: otn, OutRequestNo: "s1"})
		wantCode(t, "query once settled", q.Error, err, "10000", "")
		if q.RefundStatus != "REFUND_SUCCESS" || q.RefundAmount != "2.00" {
			t.Fatalf("settled refund: %+v", q)
		}
		r, err = client.TradeRefund(ctx, refund)
		wantCode(t, "retry once settled", r.Error, err, "10000", "")
		if r.FundChange != "N" || r.RefundFee != "2.00" {
			t.Fatalf("retry once settled: %+v", r)
		}
		ns := rc.waitFor(t, otn, "the refund's notification", func(ns []notice) bool {
			return len(filter(ns, func(n notice) bool { return n.Form.Get("out_biz_no") == "s1" })) == 1
		})
		if r := filter(ns, func(n notice) bool { return n.Form.Get("out_biz_no") == "s1" })[0]; r.Err != nil || r.N.RefundFee != "2.00" {
			t.Fatalf("refund notification %+v (%v)", r.N, r.Err)
		}
	})

	t.Run("NotifyDrop", func(t *testing.T) {
		rule("notify", "notify_drop=1")
		otn, id := paid(t, client, "3.00")
		ev := m.delivered(t, id, 1)[0]
		a := ev.Attempts
		if len(a) != 2 || a[0].Error == nil || *a[0].Error != "dropped by scenario" || a[1].StatusCode == nil || *a[1].StatusCode != 200 {
			t.Fatalf("attempts %+v, want one dropped then one delivered", a)
		}
		if ns := rc.of(otn); len(ns) != 1 || ns[0].Err != nil {
			t.Fatalf("the receiver got %s, want the second attempt only", describe(ns))
		}
	})

	t.Run("NotifyBadSignature", func(t *testing.T) {
		rule("notify", "notify_bad_signature")
		otn, id := paid(t, client, "4.00")
		m.delivered(t, id, 1)
		ns := rc.of(otn)
		if len(ns) != 2 || ns[0].Err == nil || ns[0].Answer != "fail" || ns[1].Err != nil || ns[1].Answer != "success" {
			t.Fatalf("got %s, want the SDK to refuse the first and accept the second", describe(ns))
		}
		if ns[0].Form.Get("notify_id") != ns[1].Form.Get("notify_id") || ns[0].Form.Get("sign") == ns[1].Form.Get("sign") {
			t.Fatal("the retry is not the same notification validly signed")
		}
	})

	t.Run("NotifyTamperAmount", func(t *testing.T) {
		// A careful merchant checks the amount against its order.
		want := map[string]string{}
		rc.setAnswer(func(_ int, nt *sdk.Notification, err error) string {
			if err != nil || nt.TotalAmount != want[nt.OutTradeNo] || nt.RefundFee != want[nt.OutTradeNo+"/refund"] {
				return "fail"
			}
			return "success"
		})
		defer rc.setAnswer(nil)
		rule("notify", "notify_tamper_amount")
		otn, _ := precreated(t, client, "5.00")
		want[otn] = "5.00"
		q, _ := client.TradeQuery(ctx, sdk.TradeQuery{OutTradeNo: otn})
		payOnCashier(t, g.URL+"/pay/"+paymentIDOf(t, m, otn))
		ns := rc.waitFor(t, otn, "the correct retry", func(ns []notice) bool { return len(ns) >= 2 })
		if ns[0].Err != nil || ns[0].N.TotalAmount != "5.01" || ns[0].Form.Get("receipt_amount") != "5.01" || ns[0].Answer != "fail" {
			t.Fatalf("tampered attempt: %s (%v); want 5.01 validly signed", describe(ns[:1]), ns[0].Err)
		}
		if ns[1].Err != nil || ns[1].N.TotalAmount != "5.00" || ns[1].Answer != "success" || ns[1].N.TradeNo != q.TradeNo {
			t.Fatalf("retry: %s", describe(ns[1:2]))
		}
		// In a refund's notification the refunded total is what changes.
		rule("notify", "notify_tamper_amount")
		want[otn+"/refund"] = "1.00"
		r, err := client.TradeRefund(ctx, sdk.TradeRefund{OutTradeNo: otn, RefundAmount: "1.00", OutRequestNo: "t1"})
		wantCode(t, "refund", r.Error, err, "10000", "")
		ns = rc.waitFor(t, otn, "the refund's correct retry", func(ns []notice) bool { return len(ns) >= 4 })
		if ns[2].Err != nil || ns[2].N.RefundFee != "1.01" || ns[2].N.TotalAmount != "5.00" || ns[3].N.RefundFee != "1.00" || ns[3].Answer != "success" {
			t.Fatalf("refund notifications: %s", describe(ns[2:]))
		}
	})

	t.Run("NotifyDuplicate", func(t *testing.T) {
		rule("notify", "notify_duplicate=2")
		otn, id := paid(t, client, "7.00")
		ns := rc.waitFor(t, otn, "three copies", func(ns []notice) bool { return len(ns) >= 3 })
		for _, n := range ns {
			if n.Err != nil || n.Form.Get("notify_id") != ns[0].Form.Get("notify_id") || n.N.TotalAmount != "7.00" {
				t.Fatalf("copies %s: not the same verified notification", describe(ns))
			}
		}
		// Each copy is recorded after it was sent: the receiver can hold the
		// third before the log does.
		m.waitEvent(t, id, "three attempts recorded", func(evs []gatewayapi.Event) bool {
			return len(evs) == 1 && evs[0].DeliveryStatus == gatewayapi.DeliveryDelivered && len(evs[0].Attempts) == 3
		})
	})

	t.Run("NotifyStaleTimestamp", func(t *testing.T) {
		rule("notify", "notify_stale_timestamp")
		otn, id := paid(t, client, "8.00")
		m.delivered(t, id, 1)
		ns := rc.of(otn)
		at, err := time.ParseInLocation("2006-01-02 15:04:05", ns[0].N.NotifyTime, time.FixedZone("CST", 8*3600))
		if err != nil || ns[0].Err != nil || time.Since(at) < 9*time.Minute {
			t.Fatalf("notify_time %q (%v), want a validly signed notification 10 minutes old", ns[0].N.NotifyTime, err)
		}
	})
}

// filter keeps the notices for which keep is true.
func filter(ns []notice, keep func(notice) bool) []notice {
	var out []notice
	for _, n := range ns {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// paymentIDOf finds a trade's payment id through the native API.
func paymentIDOf(t *testing.T, m *merchant, outTradeNo string) string {
	t.Helper()
	p, err := m.native().GetPaymentByOutTradeNo(context.Background(), outTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// A notification is acknowledged only by a body of exactly "success": a
// receiver answering "fail", a 200 with another body, or "success" with
// an error status is retried on the schedule, and "success" stops it.
func TestNotifyAcknowledgement(t *testing.T) {
	g := startGateway(t, nil)
	rc := newReceiver(t)
	m := newMerchant(t, g, rc.URL)
	client := m.client(t)
	rc.use(client)
	answers := []string{"fail", "SUCCESS", "success\n", "ok", "success"}
	rc.setAnswer(func(n int, _ *sdk.Notification, _ error) string { return answers[min(n, len(answers))-1] })

	otn, id := paid(t, client, "9.99")
	ev := m.delivered(t, id, 1)[0]
	if len(ev.Attempts) != len(answers) {
		t.Fatalf("%d attempts, want %d (acknowledged by the last)", len(ev.Attempts), len(answers))
	}
	for i, a := range ev.Attempts {
		if a.ResponseBody != answers[i] || a.StatusCode == nil || *a.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %+v, want 200 %q", i+1, a, answers[i])
		}
	}
	if gap := ev.Attempts[1].At.Sub(ev.Attempts[0].At); gap < 250*time.Millisecond || gap > 5*time.Second {
		t.Fatalf("second attempt %s after the first: not NOTIFY_SCHEDULE_ALIPAY's 300ms", gap)
	}
	time.Sleep(time.Second) // three schedule slots
	if n := len(rc.of(otn)); n != len(answers) {
		t.Fatalf("the receiver got %d notifications, want %d: delivery went on after success", n, len(answers))
	}

	// "success" with a 500 is not an acknowledgement either.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("success"))
	}))
	t.Cleanup(failing.Close)
	m2 := newMerchant(t, g, failing.URL)
	_, id2 := paid(t, m2.client(t), "1.00")
	ev2 := m2.waitEvent(t, id2, "two attempts", func(evs []gatewayapi.Event) bool { return len(evs) == 1 && len(evs[0].Attempts) >= 2 })[0]
	if ev2.DeliveryStatus == gatewayapi.DeliveryDelivered || *ev2.Attempts[0].StatusCode != http.StatusInternalServerError {
		t.Fatalf("a 500 with body success was taken as acknowledged: %+v", ev2)
	}
}
