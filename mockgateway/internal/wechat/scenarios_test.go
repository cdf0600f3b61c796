package wechat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// The failure injection of DESIGN §6 through fault rules matched on
// protocol wechat, as QA uses it against a WeChat Pay integration, with
// wechatpay-go's own verification as the judge of every notification.
func TestScenarios_FaultRules(t *testing.T) {
	g := startGateway(t, map[string]string{"FAULT_HOLD": "1s"})
	m := demoMerchant(t, g)
	rc := publicKeyReceiver(t, m)
	client := publicKeyClient(t, g, m)
	ctx := context.Background()
	pay := native.NativeApiService{Client: client}
	refunds := refunddomestic.RefundsApiService{Client: client}
	wechatRule := func(op, prefix string) map[string]any {
		return map[string]any{"merchant_id": m.ID, "protocol": "wechat", "operation": op, "out_trade_no_prefix": prefix}
	}
	prepay := func(no string) (string, error) {
		resp, _, err := pay.Prepay(ctx, native.PrepayRequest{
			Appid: core.String(m.Wechat.AppID), Mchid: core.String(m.Wechat.MchID), Description: core.String("Jasmine tea"),
			OutTradeNo: core.String(no), NotifyUrl: core.String(rc.URL), Amount: &native.Amount{Total: core.Int64(1999)},
		})
		if err != nil {
			return "", err
		}
		return *resp.CodeUrl, nil
	}
	mustPrepay := func(t *testing.T, no string) string {
		t.Helper()
		u, err := prepay(no)
		if err != nil {
			t.Fatalf("prepay %s: %v", no, err)
		}
		return u
	}
	query := func(no string) (*string, error) {
		q, _, err := pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(no), Mchid: core.String(m.Wechat.MchID)})
		if err != nil {
			return nil, err
		}
		return q.TradeState, nil
	}
	wantNotExist := func(t *testing.T, no string) {
		t.Helper()
		_, err := query(no)
		if ae := apiError(t, err); ae.StatusCode != http.StatusNotFound || ae.Code != "ORDER_NOT_EXIST" {
			t.Fatalf("query %s: %d %s, want 404 ORDER_NOT_EXIST: nothing was to be created", no, ae.StatusCode, ae.Code)
		}
	}
	// refusedThenAccepted waits until the SDK accepted the payment's
	// TRANSACTION.SUCCESS and returns the refused attempts of the same
	// notification (same envelope id) that came first.
	refusedThenAccepted := func(t *testing.T, no string) (refused []notification, ok notification) {
		t.Helper()
		ok = rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", no)
		for _, n := range rc.all() {
			var env struct{ ID string }
			if n.Err != nil && json.Unmarshal(n.Body, &env) == nil && env.ID == ok.ID {
				refused = append(refused, n)
			}
		}
		return refused, ok
	}

	t.Run("APIError", func(t *testing.T) {
		createRule(t, g, wechatRule("create_payment", "SC-ERR"), "api_error=503", 1)
		// A native call of the same merchant does not match the rule.
		resp, err := g.Request(ctx, "POST", "/v1/payments", []byte(`{"out_trade_no":"SC-ERR-native","amount":100,"method":"wechat","subject":"x"}`),
			http.Header{"Authorization": {"Bearer " + m.APIKey}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("native create under a wechat rule: %d", resp.StatusCode)
		}
		_, err = prepay("SC-ERR-1")
		if ae := apiError(t, err); ae.StatusCode != http.StatusServiceUnavailable || ae.Code != "SYSTEM_ERROR" {
			t.Fatalf("injected error answered %d %s", ae.StatusCode, ae.Code)
		}
		wantNotExist(t, "SC-ERR-1")
		mustPrepay(t, "SC-ERR-1") // the rule is used up: the retry goes through
	})

	t.Run("APIErrorOnQuery", func(t *testing.T) {
		mustPrepay(t, "SC-429-1")
		createRule(t, g, wechatRule("get_payment", "SC-429"), "api_error=429", 1)
		_, err := query("SC-429-1")
		if ae := apiError(t, err); ae.StatusCode != http.StatusTooManyRequests || ae.Code != "FREQUENCY_LIMITED" {
			t.Fatalf("injected 429 answered %d %s", ae.StatusCode, ae.Code)
		}
		if st, err := query("SC-429-1"); err != nil || *st != "NOTPAY" {
			t.Fatalf("query after the rule: %v, %v", st, err)
		}
	})

	t.Run("APITimeout", func(t *testing.T) {
		createRule(t, g, wechatRule("create_payment", "SC-HOLD"), "api_timeout", 1)
		start := time.Now()
		_, err := prepay("SC-HOLD-1")
		if err == nil {
			t.Fatal("a held call answered")
		}
		if held := time.Since(start); held < 900*time.Millisecond {
			t.Fatalf("the call ended after %v, before FAULT_HOLD (1s)", held)
		}
		wantNotExist(t, "SC-HOLD-1")
		mustPrepay(t, "SC-HOLD-1")
	})

	t.Run("RefundFail", func(t *testing.T) {
		cashierPay(t, g, mustPrepay(t, "SC-RF-1"))
		rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", "SC-RF-1")
		for _, tc := range []struct{ code, status, event string }{
			{"REFUND_REJECTED", "ABNORMAL", "REFUND.ABNORMAL"},
			{"REFUND_CLOSED", "CLOSED", "REFUND.CLOSED"},
		} {
			createRule(t, g, wechatRule("create_refund", "SC-RF"), "refund_fail="+tc.code, 1)
			no := "SC-RF-" + tc.code
			re, _, err := refunds.Create(ctx, refunddomestic.CreateRequest{
				OutTradeNo: core.String("SC-RF-1"), OutRefundNo: core.String(no),
				Amount: &refunddomestic.AmountReq{Refund: core.Int64(100), Total: core.Int64(1999), Currency: core.String("CNY")},
			})
			if err != nil || *re.Status != refunddomestic.STATUS_PROCESSING {
				t.Fatalf("refund %s: %+v, %v", no, re, err)
			}
			n := rc.accepted(t, tc.event, "out_refund_no", no)
			if n.Plaintext["refund_status"] != tc.status {
				t.Fatalf("%s plaintext %v", tc.event, n.Plaintext)
			}
			rq, _, err := refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(no)})
			if err != nil || string(*rq.Status) != tc.status {
				t.Fatalf("refund query %s: %+v, %v", no, rq, err)
			}
		}
	})

	t.Run("NotifyDrop", func(t *testing.T) {
		createRule(t, g, wechatRule("notify", "SC-DROP"), "notify_drop=1", 1)
		codeURL := mustPrepay(t, "SC-DROP-1")
		cashierPay(t, g, codeURL)
		rc.accepted(t, "TRANSACTION.SUCCESS", "out_trade_no", "SC-DROP-1")
		evs := events(t, g, m, paymentID(t, codeURL))
		if len(evs) != 1 || len(evs[0].Attempts) != 2 {
			t.Fatalf("events %+v, want one with two attempts", evs)
		}
		a := evs[0].Attempts
		if a[0].Error == nil || *a[0].Error != "dropped by scenario" || a[1].StatusCode == nil || *a[1].StatusCode != http.StatusNoContent {
			t.Fatalf("attempts %+v, want dropped then 204", a)
		}
	})

	t.Run("NotifyBadSignature", func(t *testing.T) {
		createRule(t, g, wechatRule("notify", "SC-SIG"), "notify_bad_signature", 1)
		cashierPay(t, g, mustPrepay(t, "SC-SIG-1"))
		refused, _ := refusedThenAccepted(t, "SC-SIG-1")
		if len(refused) != 1 || !strings.Contains(refused[0].Err.Error(), "verify") {
			t.Fatalf("refused attempts %s, want one refused by signature verification", describe(refused))
		}
	})

	t.Run("NotifyStaleTimestamp", func(t *testing.T) {
		createRule(t, g, wechatRule("notify", "SC-STALE"), "notify_stale_timestamp", 1)
		cashierPay(t, g, mustPrepay(t, "SC-STALE-1"))
		refused, _ := refusedThenAccepted(t, "SC-STALE-1")
		if len(refused) != 1 || !strings.Contains(refused[0].Err.Error(), "expires") {
			t.Fatalf("refused attempts %s, want one refused for its timestamp", describe(refused))
		}
	})

	t.Run("NotifyTamperAmount", func(t *testing.T) {
		createRule(t, g, wechatRule("notify", "SC-TAMPER"), "notify_tamper_amount", 1)
		cashierPay(t, g, mustPrepay(t, "SC-TAMPER-1"))
		refused, ok := refusedThenAccepted(t, "SC-TAMPER-1")
		if len(refused) != 1 || !strings.Contains(refused[0].Err.Error(), "verify") {
			t.Fatalf("refused attempts %s, want one refused by signature verification", describe(refused))
		}
		if total := ok.Plaintext["amount"].(map[string]any)["total"]; total != float64(1999) {
			t.Fatalf("accepted notification's amount %v, want the real 1999", total)
		}
		// The tampered amount is inside the encrypted plaintext: the
		// resource opens with the APIv3 key and says 2000.
		var env struct {
			Resource struct {
				Ciphertext, Nonce string
				AssociatedData    string `json:"associated_data"`
			}
		}
		if err := json.Unmarshal(refused[0].Body, &env); err != nil {
			t.Fatal(err)
		}
		plain, err := utils.DecryptAES256GCM(m.Wechat.APIv3Key, env.Resource.AssociatedData, env.Resource.Nonce, env.Resource.Ciphertext)
		if err != nil {
			t.Fatalf("the tampered resource does not open: %v", err)
		}
		var tx struct{ Amount struct{ Total int64 } }
		if err := json.Unmarshal([]byte(plain), &tx); err != nil || tx.Amount.Total != 2000 {
			t.Fatalf("tampered plaintext %s, want amount.total 2000", plain)
		}
	})

	t.Run("NotifyDuplicate", func(t *testing.T) {
		createRule(t, g, wechatRule("notify", "SC-DUP"), "notify_duplicate=2", 1)
		cashierPay(t, g, mustPrepay(t, "SC-DUP-1"))
		got := rc.wait(t, "three copies of SC-DUP-1's notification", func(got []notification) bool {
			n := 0
			for _, x := range got {
				if x.Err == nil && x.Plaintext["out_trade_no"] == "SC-DUP-1" {
					n++
				}
			}
			return n == 3
		})
		var ids []string
		for _, x := range got {
			if x.Plaintext["out_trade_no"] == "SC-DUP-1" {
				ids = append(ids, x.ID)
			}
		}
		if len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] {
			t.Fatalf("copies carry ids %v, want one id three times", ids)
		}
	})

	for _, n := range rc.all() {
		if n.Err != nil && !strings.Contains(n.Err.Error(), "verify") && !strings.Contains(n.Err.Error(), "expires") {
			t.Errorf("the SDK refused a notification for another reason: %v", n.Err)
		}
	}
}
