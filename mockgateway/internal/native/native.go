// Package native is the gateway's own protocol (DESIGN §3, §4): the /v1
// JSON API, notifications signed per Standard Webhooks, and the signed
// return redirect. It is one adapter over the core (package gateway), wired
// like every other: a router, an authenticator, an error table, a notifier
// and a return-URL signer.
package native

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// Name is the protocol's name.
const Name = gateway.ProtocolNative

// Options configure the adapter.
type Options struct {
	Service *gateway.Service
	// Store keeps idempotency keys.
	Store apicall.IdemStore
	// FaultHold bounds how long api_timeout holds a call.
	FaultHold time.Duration
	Log       *slog.Logger
}

// Adapter is the native protocol.
type Adapter struct {
	svc      *gateway.Service
	pipeline *apicall.Pipeline
	log      *slog.Logger
}

// New returns the native adapter.
func New(o Options) *Adapter {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Adapter{
		svc: o.Service, log: o.Log,
		pipeline: apicall.New(apicall.Options{
			Dialect: dialect{}, Idempotency: idempotency, Store: o.Store, Scenarios: o.Service,
			FaultHold: o.FaultHold, TimeScale: o.Service.Config().TimeScale, Log: o.Log,
		}),
	}
}

// Name returns the protocol's name.
func (a *Adapter) Name() string { return Name }

// Register adds the /v1 routes, each behind the authenticator and the
// shared call pipeline.
func (a *Adapter) Register(r *gin.Engine) {
	jsonbind.Register()
	v1 := r.Group("/v1", a.authenticate, a.pipeline.Handler())
	v1.GET("/merchant", a.handleMerchant)
	v1.POST("/payments", a.handlePaymentCreate)
	v1.GET("/payments", a.handlePaymentList)
	v1.GET("/payments/:id", a.handlePaymentGet)
	v1.POST("/payments/:id/close", a.handlePaymentClose)
	v1.POST("/test_helpers/payments/:id/succeed", a.handleHelperSucceed)
	v1.POST("/test_helpers/payments/:id/fail", a.handleHelperFail)
	v1.POST("/test_helpers/payments/:id/expire", a.handleHelperExpire)
	v1.POST("/refunds", a.handleRefundCreate)
	v1.GET("/refunds", a.handleRefundList)
	v1.GET("/refunds/:id", a.handleRefundGet)
	v1.POST("/test_helpers/refunds/:id/succeed", a.handleHelperRefundSucceed)
	v1.POST("/test_helpers/refunds/:id/fail", a.handleHelperRefundFail)
	v1.GET("/events", a.handleEventList)
	v1.GET("/events/:id", a.handleEventGet)
	v1.POST("/events/:id/redeliver", a.handleEventRedeliver)
	v1.POST("/test_helpers/events/deliver_due", a.handleHelperDeliverDue)
}

// authenticate finds the merchant of a /v1 call by its API key.
func (a *Adapter) authenticate(c *gin.Context) {
	m, err := a.svc.Authenticate(c.Request.Context(), jsonapi.Bearer(c))
	if err != nil {
		jsonapi.WriteError(c, err)
		return
	}
	apicall.SetMerchant(c, m)
	c.Next()
}

// bindJSON decodes and validates the body into obj; on failure it refuses
// the call with a 400 and returns false.
func bindJSON(c *gin.Context, obj any) bool {
	if err := jsonbind.Bind(apicall.Body(c), obj); err != nil {
		apicall.Refuse(c, err)
		return false
	}
	return true
}

func merchant(c *gin.Context) *gateway.Merchant { return apicall.MerchantOf(c) }

// Protocol describes the native protocol to the gateway: notifications
// retried on the wechat preset (DESIGN §4), every change but a refund's
// creation notified under its own name.
func Protocol() server.Protocol {
	return server.Protocol{
		Name: Name, Preset: "wechat", Topics: gateway.NotifyChanges,
		New: func(d server.Deps) server.Adapter {
			return New(Options{Service: d.Service, Store: d.Store, FaultHold: d.FaultHold, Log: d.Log})
		},
	}
}
