// Command wechat pays one order through PaySandbox's WeChat Pay API v3 with
// the official Go SDK (github.com/wechatpay-apiv3/wechatpay-go), exactly as
// a shop's integration would: a Native order, paid on the gateway's cashier,
// its TRANSACTION.SUCCESS notification verified and decrypted by the SDK's
// notify handler, a query, a refund and its REFUND.SUCCESS notification.
//
// Start the gateway with `make run`, then, with the admin token it prints:
//
//	ADMIN_TOKEN=… go run ./examples/wechat
//
// The credentials are the demo merchant's (m_demo), read from the admin
// API; -manual waits for you to pay the printed code_url in a browser
// instead of paying on the cashier for you.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// config is what the example needs to know.
type config struct {
	// GatewayURL is the gateway's base URL.
	GatewayURL string
	// AdminToken reads the merchant's credentials from the admin API.
	AdminToken string
	// MerchantID is the merchant to pay as.
	MerchantID string
	// Manual waits for a person to pay instead of paying on the cashier.
	Manual bool
	// Wait bounds each wait for a notification.
	Wait time.Duration
}

func main() {
	cfg := config{Wait: 2 * time.Minute}
	flag.StringVar(&cfg.GatewayURL, "gateway", envOr("GATEWAY_URL", "http://localhost:8081"), "the gateway's base URL (GATEWAY_URL)")
	flag.StringVar(&cfg.MerchantID, "merchant", "m_demo", "the merchant to pay as")
	flag.BoolVar(&cfg.Manual, "manual", false, "wait for you to pay the code_url in a browser")
	flag.Parse()
	cfg.AdminToken = os.Getenv("ADMIN_TOKEN")
	if cfg.AdminToken == "" {
		log.Fatal("set ADMIN_TOKEN to the gateway's admin token (make run prints it)")
	}
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// credentials are the merchant's WeChat Pay credentials, as the admin API
// shows them.
type credentials struct {
	MchID               string `json:"mchid"`
	AppID               string `json:"appid"`
	MerchantSerialNo    string `json:"merchant_serial_no"`
	MerchantPrivateKey  string `json:"merchant_private_key"`
	APIv3Key            string `json:"apiv3_key"`
	PlatformPublicKeyID string `json:"platform_public_key_id"`
	PlatformPublicKey   string `json:"platform_public_key"`
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	gw, err := url.Parse(cfg.GatewayURL)
	if err != nil {
		return err
	}
	creds, err := fetchCredentials(ctx, cfg)
	if err != nil {
		return err
	}
	merchantKey, err := utils.LoadPrivateKey(creds.MerchantPrivateKey)
	if err != nil {
		return fmt.Errorf("merchant_private_key: %w", err)
	}
	platformKey, err := utils.LoadPublicKey(creds.PlatformPublicKey)
	if err != nil {
		return fmt.Errorf("platform_public_key: %w", err)
	}

	// wechatpay-go builds every URL from https://api.mch.weixin.qq.com and
	// has no base-URL option; its documented WithHTTPClient takes a client
	// whose transport sends that host to the gateway instead.
	client, err := core.NewClient(ctx,
		option.WithWechatPayPublicKeyAuthCipher(creds.MchID, creds.MerchantSerialNo, merchantKey, creds.PlatformPublicKeyID, platformKey),
		option.WithHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: toGateway{gw}}))
	if err != nil {
		return err
	}

	// The notification endpoint: the SDK's handler checks the signature
	// with the platform public key and decrypts with the APIv3 key.
	handler, err := notify.NewRSANotifyHandler(creds.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(creds.PlatformPublicKeyID, *platformKey))
	if err != nil {
		return err
	}
	notes := make(chan map[string]any, 8)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		content := map[string]any{}
		req, err := handler.ParseNotifyRequest(r.Context(), r, &content)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":"FAIL","message":"验签失败"}`)
			return
		}
		content["event_type"] = req.EventType
		notes <- content
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	notifyURL := "http://" + ln.Addr().String() + "/wechat/notify"

	orderNo := fmt.Sprintf("EXAMPLE-%d", time.Now().UnixMilli())
	pay := native.NativeApiService{Client: client}
	pre, _, err := pay.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(creds.AppID), Mchid: core.String(creds.MchID), Description: core.String("Example tea"),
		OutTradeNo: core.String(orderNo), NotifyUrl: core.String(notifyURL),
		Amount: &native.Amount{Total: core.Int64(1999), Currency: core.String("CNY")},
	})
	if err != nil {
		return fmt.Errorf("prepay: %w", err)
	}
	fmt.Fprintf(out, "order %s: code_url %s\n", orderNo, *pre.CodeUrl)
	if cfg.Manual {
		fmt.Fprintln(out, "open the code_url in a browser and pay…")
	} else if err := payOnCashier(ctx, *pre.CodeUrl); err != nil {
		return err
	}

	paid, err := await(notes, "TRANSACTION.SUCCESS", cfg.Wait)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "notified: TRANSACTION.SUCCESS, transaction_id %s, trade_state %s\n", paid["transaction_id"], paid["trade_state"])

	q, _, err := pay.QueryOrderByOutTradeNo(ctx, native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(orderNo), Mchid: core.String(creds.MchID)})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	fmt.Fprintf(out, "queried: trade_state %s, paid %d fen\n", *q.TradeState, *q.Amount.PayerTotal)

	refunds := refunddomestic.RefundsApiService{Client: client}
	re, _, err := refunds.Create(ctx, refunddomestic.CreateRequest{
		OutTradeNo: core.String(orderNo), OutRefundNo: core.String(orderNo + "-R1"), Reason: core.String("example"),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(1999), Total: core.Int64(1999), Currency: core.String("CNY")},
	})
	if err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	fmt.Fprintf(out, "refund %s: %s\n", *re.RefundId, *re.Status)
	refunded, err := await(notes, "REFUND.SUCCESS", cfg.Wait)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "notified: REFUND.SUCCESS, refund_status %s\n", refunded["refund_status"])
	rq, _, err := refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(orderNo + "-R1")})
	if err != nil {
		return fmt.Errorf("refund query: %w", err)
	}
	fmt.Fprintf(out, "queried refund: status %s\n", *rq.Status)
	return nil
}

// toGateway sends requests for WeChat Pay's API host to the gateway,
// changing nothing else (the signature covers path, query and body).
type toGateway struct{ gw *url.URL }

func (t toGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = t.gw.Scheme, t.gw.Host, ""
	return http.DefaultTransport.RoundTrip(out)
}

func fetchCredentials(ctx context.Context, cfg config) (*credentials, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(cfg.GatewayURL, "/")+"/admin/api/merchants/"+cfg.MerchantID, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is the gateway running (make run)? %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		return nil, fmt.Errorf("admin API: %s: %s", res.Status, body)
	}
	var m struct {
		Wechat *credentials `json:"wechat"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return nil, err
	}
	if m.Wechat == nil || m.Wechat.MerchantPrivateKey == "" {
		return nil, errors.New("the merchant has no generated WeChat Pay key pair (it registered its own key?)")
	}
	return m.Wechat, nil
}

// payOnCashier pays as the customer would in a browser: open the page the
// code_url points at, press pay.
func payOnCashier(ctx context.Context, codeURL string) error {
	browser := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := http.NewRequestWithContext(ctx, "GET", codeURL, nil)
	if err != nil {
		return err
	}
	res, err := browser.Do(page)
	if err != nil {
		return err
	}
	res.Body.Close()
	press, err := http.NewRequestWithContext(ctx, "POST", codeURL+"/pay", strings.NewReader(""))
	if err != nil {
		return err
	}
	press.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err = browser.Do(press); err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("cashier: pay answered %s", res.Status)
	}
	return nil
}

func await(notes <-chan map[string]any, eventType string, wait time.Duration) (map[string]any, error) {
	deadline := time.After(wait)
	for {
		select {
		case n := <-notes:
			if n["event_type"] == eventType {
				return n, nil
			}
		case <-deadline:
			return nil, fmt.Errorf("no %s notification within %s", eventType, wait)
		}
	}
}
