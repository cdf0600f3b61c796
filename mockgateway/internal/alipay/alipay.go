// Package alipay is the Alipay-compatible protocol (DESIGN §11.1): the open
// platform's v2 gateway (gateway.do) with RSA2-signed requests and answers,
// trade_status_sync notifications acknowledged by "success", and the signed
// synchronous return. Payments made through it are ordinary core payments
// (protocol alipay, method alipay), paid on the cashier and shaped by the
// same scenarios and fault rules as every other protocol's. Unmodified
// Alipay SDKs pointed at this gateway pay, get notified and refund.
package alipay

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// Name is the protocol's name.
const Name = gateway.ProtocolAlipay

// Ref kinds: the protocol's ids, indexed by the core.
const (
	// refTradeNo is a payment's 28-digit trade_no.
	refTradeNo = "alipay.trade_no"
	// refRequestNo is a refund's out_request_no, which Alipay scopes to its
	// trade: "{trade_no}:{out_request_no}".
	refRequestNo = "alipay.out_request_no"
)

// Trade notification topics (trade_status).
const (
	statusWaitBuyerPay = "WAIT_BUYER_PAY"
	statusSuccess      = "TRADE_SUCCESS"
	statusClosed       = "TRADE_CLOSED"
)

// Options configure the adapter.
type Options struct {
	Service   *gateway.Service
	Store     apicall.IdemStore
	FaultHold time.Duration
	Log       *slog.Logger
}

// Adapter is the Alipay protocol.
type Adapter struct {
	svc      *gateway.Service
	pipeline *apicall.Pipeline
	log      *slog.Logger
}

// New returns the Alipay adapter.
func New(o Options) *Adapter {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Adapter{
		svc: o.Service, log: o.Log,
		// No idempotency keys: Alipay's creates are idempotent by the
		// merchant's own numbers (out_trade_no, out_request_no).
		pipeline: apicall.New(apicall.Options{
			Dialect: dialect{log: o.Log}, Store: o.Store, Scenarios: o.Service,
			FaultHold: o.FaultHold, TimeScale: o.Service.Config().TimeScale, Log: o.Log,
		}),
	}
}

// Register adds gateway.do at the root (where SDKs append nothing to the
// host) and under /alipay, for GET (browser redirects, as SDKs build
// them) and POST. The pipeline runs first and reads the body: the
// authenticator needs it, since app_id and sign may travel there.
func (a *Adapter) Register(r *gin.Engine) {
	for _, path := range []string{"/gateway.do", "/alipay/gateway.do"} {
		r.GET(path, a.pipeline.Handler(), a.handleGateway)
		r.POST(path, a.pipeline.Handler(), a.handleGateway)
	}
}

// Protocol describes the Alipay protocol to the gateway (DESIGN §10).
func Protocol() server.Protocol {
	return server.Protocol{
		Name: Name, Preset: "alipay", Topics: topics, RefKinds: []string{refTradeNo},
		Issuer: &issuer{pool: newKeyPool()}, Form: registerAppKey, NewRefund: newRefund,
		New: func(d server.Deps) server.Adapter {
			return New(Options{Service: d.Service, Store: d.Store, FaultHold: d.FaultHold, Log: d.Log})
		},
	}
}

// topics names the notifications a change makes (DESIGN §11.1): the
// trade's status after a payment, a close or a refund; nothing for a
// decline, a refund's creation or a failed refund. A precreated trade
// nobody scanned does not exist for the merchant, so its expiry is not
// notified either.
func topics(ch gateway.Change) []string {
	p := ch.Payment
	switch ch.Type {
	case gateway.EventPaymentSucceeded:
		return []string{statusSuccess}
	case gateway.EventPaymentClosed:
		if visible(p) {
			return []string{statusClosed}
		}
	case gateway.EventRefundSucceeded:
		if p.FullyRefunded() {
			return []string{statusClosed}
		}
		return []string{statusSuccess}
	}
	return nil
}

// paymentExt is what the adapter keeps with a payment (gateway.Payment.Ext).
type paymentExt struct {
	// API is the method that created the trade.
	API            string `json:"api"`
	ProductCode    string `json:"product_code,omitempty"`
	QuitURL        string `json:"quit_url,omitempty"`
	PassbackParams string `json:"passback_params,omitempty"`
}

// refundExt is what the adapter keeps with a refund.
// newRefund gives a refund made outside gateway.do (the console) what
// alipay.trade.refund gives every refund: its out_request_no (the refund's
// out_refund_no as the console chose it) and the index that
// alipay.trade.fastpay.refund.query finds it by.
func newRefund(p *gateway.Payment, in *gateway.CreateRefundInput) {
	outRequestNo := in.OutRefundNo
	ext, _ := json.Marshal(refundExt{OutRequestNo: outRequestNo}) // a struct of one string
	var ref string
	in.OutRefundNo, ref = refundNumbers(p, outRequestNo)
	in.Refs, in.Ext = map[string]string{refRequestNo: ref}, ext
}

type refundExt struct {
	OutRequestNo string `json:"out_request_no"`
}

func extOf(p *gateway.Payment) paymentExt {
	var e paymentExt
	_ = json.Unmarshal(p.Ext, &e)
	return e
}

// visible reports whether the merchant can see a trade (DESIGN §11.1): a
// precreated trade exists only once its code was scanned — here, once its
// cashier page was opened — or it was paid; page.pay and wap.pay trades
// exist from the redirect on. Payments of other protocols are not
// Alipay trades.
func visible(p *gateway.Payment) bool {
	if p.Protocol != Name {
		return false
	}
	if extOf(p).API != methodPrecreate {
		return true
	}
	return p.OpenedAt != nil || p.Status == gateway.PaymentSucceeded
}
