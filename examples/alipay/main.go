// Command alipay pays one order through the PaySandbox gateway with the
// unmodified smartwalle/alipay SDK, as a shop would against Alipay's
// sandbox: it reads m_demo's Alipay credentials from the admin API,
// precreates a trade, pays it on the cashier (or waits for you to), verifies
// the notification with the SDK, queries the trade and refunds part of it.
//
// Start the gateway with `make run`, then, with the admin token it prints:
//
//	ADMIN_TOKEN=adm_local_… go run ./examples/alipay
//	ADMIN_TOKEN=adm_local_… go run ./examples/alipay -manual   # pay in your browser
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/smartwalle/alipay/v3"
)

func main() {
	gatewayURL := flag.String("gateway", envOr("GATEWAY_URL", "http://127.0.0.1:8081"), "the PaySandbox gateway")
	merchant := flag.String("merchant", "m_demo", "the merchant whose Alipay credentials to use")
	manual := flag.Bool("manual", false, "print the cashier link and wait for you to pay instead of paying")
	flag.Parse()
	token := os.Getenv("ADMIN_TOKEN")
	if token == "" {
		log.Fatal("set ADMIN_TOKEN to the admin token `make run` printed")
	}
	if err := run(*gatewayURL, token, *merchant, *manual); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// credentials are a merchant's Alipay credentials as the admin API shows them.
type credentials struct {
	AppID           string `json:"app_id"`
	AppPrivateKey   string `json:"app_private_key"`
	AlipayPublicKey string `json:"alipay_public_key"`
}

func run(gatewayURL, token, merchantID string, manual bool) error {
	ctx := context.Background()
	creds, err := fetchCredentials(gatewayURL, token, merchantID)
	if err != nil {
		return err
	}
	// The only change from an integration against Alipay's sandbox: the
	// gateway URL (and the credentials).
	client, err := alipay.New(creds.AppID, creds.AppPrivateKey, false, alipay.WithSandboxGateway(gatewayURL+"/gateway.do"))
	if err != nil {
		return fmt.Errorf("alipay client: %w", err)
	}
	if err := client.LoadAliPayPublicKey(creds.AlipayPublicKey); err != nil {
		return fmt.Errorf("alipay public key: %w", err)
	}

	// The shop's notification endpoint, verifying with the SDK.
	notified := make(chan *alipay.Notification, 4)
	notifyURL, stop, err := serveNotifications(client, notified)
	if err != nil {
		return err
	}
	defer stop()

	outTradeNo := fmt.Sprintf("example-%d", time.Now().UnixNano())
	pre, err := client.TradePreCreate(ctx, alipay.TradePreCreate{Trade: alipay.Trade{
		Subject: "PaySandbox example order", OutTradeNo: outTradeNo, TotalAmount: "19.99", NotifyURL: notifyURL,
	}})
	if err != nil {
		return fmt.Errorf("precreate: %w", err)
	}
	if pre.IsFailure() {
		return fmt.Errorf("precreate: %s %s %s", pre.Code, pre.SubCode, pre.SubMsg)
	}
	fmt.Printf("precreated %s; QR code / cashier: %s\n", outTradeNo, pre.QRCode)

	if manual {
		fmt.Println("open the link above and press \"pay\"; waiting for the notification…")
	} else if err := payOnCashier(pre.QRCode); err != nil {
		return err
	}

	select {
	case n := <-notified:
		fmt.Printf("notification verified by the SDK: %s %s, trade_no %s\n", n.TradeStatus, n.TotalAmount, n.TradeNo)
	case <-time.After(5 * time.Minute):
		return errors.New("no notification within 5 minutes")
	}

	q, err := client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: outTradeNo})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	fmt.Printf("query: %s, paid %s at %s\n", q.TradeStatus, q.TotalAmount, q.SendPayDate)

	r, err := client.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: outTradeNo, RefundAmount: "5.00", OutRequestNo: "refund-1", RefundReason: "example"})
	if err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	fmt.Printf("refund: %s %s, fund_change %s, refunded so far %s\n", r.Code, r.Msg, r.FundChange, r.RefundFee)
	select {
	case n := <-notified:
		fmt.Printf("refund notification: %s, refund_fee %s for %s\n", n.TradeStatus, n.RefundFee, n.OutBizNo)
	case <-time.After(time.Minute):
		fmt.Println("(no refund notification within a minute)")
	}
	return nil
}

// fetchCredentials reads a merchant's Alipay credentials from the admin API.
func fetchCredentials(gatewayURL, token, merchantID string) (*credentials, error) {
	req, err := http.NewRequest(http.MethodGet, gatewayURL+"/admin/api/merchants/"+url.PathEscape(merchantID), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is the gateway running (make run)? %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET merchant %s: %s (is ADMIN_TOKEN right?)", merchantID, res.Status)
	}
	var m struct {
		Alipay *credentials `json:"alipay"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return nil, err
	}
	if m.Alipay == nil || m.Alipay.AppPrivateKey == "" {
		return nil, fmt.Errorf("merchant %s has no generated Alipay key pair", merchantID)
	}
	return m.Alipay, nil
}

// serveNotifications listens on loopback for Alipay notifications, verifies
// each with the SDK and acknowledges it with "success".
func serveNotifications(client *alipay.Client, out chan<- *alipay.Notification) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		n, err := client.DecodeNotification(r.Context(), r.PostForm)
		if err != nil {
			log.Printf("refused a notification: %v", err)
			_, _ = w.Write([]byte("fail"))
			return
		}
		alipay.ACKNotification(w)
		select {
		case out <- n:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String() + "/alipay/notify", func() { _ = srv.Close() }, nil
}

// payOnCashier does what a buyer's browser does: open the cashier page and
// press "pay".
func payOnCashier(cashierURL string) error {
	res, err := http.Get(cashierURL)
	if err != nil {
		return err
	}
	res.Body.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noRedirect.PostForm(cashierURL+"/pay", url.Values{})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("paying on the cashier: %s", res.Status)
	}
	fmt.Println("paid on the cashier")
	return nil
}
