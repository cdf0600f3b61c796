// Package wechat is a WeChat Pay API v3 adapter over the gateway's core
// (DESIGN §11.2): an integration built on wechatpay-go, gopay or WeChat
// Pay's other SDKs runs against it unchanged once pointed at the gateway.
// Requests are authenticated by their WECHATPAY2-SHA256-RSA2048
// Authorization header, every answer is signed with the merchant's
// platform key, notifications carry their resource AEAD_AES_256_GCM-
// encrypted with the merchant's APIv3 key, and refunds settle
// asynchronously. Payments made here are ordinary core payments (protocol
// wechat, method wechat): the cashier, fault rules, scenarios and the
// native event list treat them like any other.
package wechat

import (
	"crypto/rsa"
	"log/slog"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// Name is the protocol's name.
const Name = gateway.ProtocolWechat

// Options configure the adapter.
type Options struct {
	Service *gateway.Service
	// FaultHold bounds how long api_timeout holds a call.
	FaultHold time.Duration
	Log       *slog.Logger
}

// Adapter is the WeChat Pay protocol.
type Adapter struct {
	svc      *gateway.Service
	pipeline *apicall.Pipeline
	dialect  dialect
	keys     *keyCache
	// stranger is the key notify_bad_signature signs with.
	stranger func() (*rsa.PrivateKey, error)
	log      *slog.Logger
}

// New returns the adapter.
func New(o Options) *Adapter {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	d := dialect{now: o.Service.Now, log: o.Log}
	return &Adapter{
		svc: o.Service, dialect: d, keys: &keyCache{}, stranger: sync.OnceValues(newStranger), log: o.Log,
		// No idempotency keys: WeChat Pay's creates are idempotent by the
		// merchant's out_trade_no and out_refund_no.
		pipeline: apicall.New(apicall.Options{
			Dialect: d, Scenarios: o.Service, FaultHold: o.FaultHold,
			TimeScale: o.Service.Config().TimeScale, Log: o.Log,
		}),
	}
}

func (a *Adapter) now() time.Time { return a.svc.Now() }

// Register adds the /v3 routes, each behind the authenticator and the
// shared call pipeline.
func (a *Adapter) Register(r *gin.Engine) {
	v3 := r.Group("/v3", a.authenticate, a.pipeline.Handler())
	v3.POST("/pay/transactions/native", a.handlePrepay(TradeNative))
	v3.POST("/pay/transactions/h5", a.handlePrepay(TradeH5))
	v3.POST("/pay/transactions/jsapi", a.handlePrepay(TradeJSAPI))
	v3.GET("/pay/transactions/out-trade-no/:no", a.handleQueryByOutTradeNo)
	v3.GET("/pay/transactions/id/:id", a.handleQueryByTransactionID)
	v3.POST("/pay/transactions/out-trade-no/:no/close", a.handleClose)
	v3.POST("/refund/domestic/refunds", a.handleRefundCreate)
	v3.GET("/refund/domestic/refunds/:no", a.handleRefundQuery)
	v3.GET("/certificates", a.handleCertificates)
}

// Protocol describes WeChat Pay to the gateway: notifications retried on
// the wechat preset, credentials issued to every merchant (a small pool of
// pre-generated keys keeps merchant creation fast), and a form to register
// a merchant's own key.
func Protocol() server.Protocol {
	pool := newKeyPool(poolSize)
	return server.Protocol{
		Name: Name, Preset: "wechat", Topics: topics, Form: registerOwnKey,
		RefKinds: []string{refTransactionID, refRefundID},
		// A refund made outside the v3 API (the console) gets a refund_id
		// as every WeChat refund does.
		NewRefund: func(_ *gateway.Payment, in *gateway.CreateRefundInput) {
			in.Refs = map[string]string{refRefundID: newRefundID(time.Now())}
		},
		Issuer: &issuer{pool: pool, now: time.Now},
		New: func(d server.Deps) server.Adapter {
			return New(Options{Service: d.Service, FaultHold: d.FaultHold, Log: d.Log})
		},
	}
}
