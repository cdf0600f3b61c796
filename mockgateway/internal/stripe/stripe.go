// Package stripe is the Stripe-compatible subset of DESIGN §11.3: the
// PaymentIntents, Charges, Checkout Sessions, Refunds and Events APIs as
// Stripe's SDKs call them, served under /stripe/v1 on the gateway's port and
// at /v1 on a listener of its own (STRIPE_ADDR), with webhooks signed so
// that the SDKs' webhook.ConstructEvent accepts them. It is one adapter
// over the core: every object is a core payment or refund, so the cashier,
// the scenarios, the fault rules and the console work for it as they are.
package stripe

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
)

// Name is the protocol's name.
const Name = gateway.ProtocolStripe

// DefaultAPIVersion is the api_version a merchant's events carry unless
// it chose another: the version the pinned stripe-go release
// (github.com/stripe/stripe-go/v85) expects in webhook.ConstructEvent,
// which accepts any version of the same release train.
const DefaultAPIVersion = "2026-03-25.dahlia"

// Prefix is where the subset is served on the gateway's own port.
const Prefix = "/stripe"

// aliasSecretKey is the merchant alias kind of a Stripe secret key.
const aliasSecretKey = "stripe.secret_key"

// Adapter is the Stripe protocol.
type Adapter struct {
	svc      *gateway.Service
	pipeline *apicall.Pipeline
	log      *slog.Logger
}

// Options configure the adapter.
type Options struct {
	Service   *gateway.Service
	Store     apicall.IdemStore
	FaultHold time.Duration
	Log       *slog.Logger
}

// New returns the Stripe adapter.
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

// Protocol describes the Stripe subset to the gateway: notifications on
// the standard preset (DESIGN §11.3), Stripe's event names, Stripe
// credentials for every merchant.
func Protocol() server.Protocol {
	return server.Protocol{
		Name: Name, Preset: "standard", Topics: Topics, Issuer: Issuer{},
		RefKinds: []string{refIntent, refCharge, refSession},
		New: func(d server.Deps) server.Adapter {
			return New(Options{Service: d.Service, Store: d.Store, FaultHold: d.FaultHold, Log: d.Log})
		},
	}
}

// Register adds the subset under /stripe/v1 on the gateway's port.
func (a *Adapter) Register(r *gin.Engine) { a.routes(r.Group(Prefix + "/v1")) }

// RegisterRoot adds the subset at /v1 on the Stripe listener (STRIPE_ADDR),
// where SDKs that take only a host and port (Node, Python) find it.
func (a *Adapter) RegisterRoot(r *gin.Engine) { a.routes(r.Group("/v1")) }

// AnswerNotFound answers an unknown route of the subset in Stripe's words;
// root is true on the Stripe listener.
func (a *Adapter) AnswerNotFound(c *gin.Context, root bool) bool {
	path := c.Request.URL.Path
	if !root && !strings.HasPrefix(path, Prefix+"/") {
		return false
	}
	writeDirect(c, &apiError{status: http.StatusNotFound, typ: typeInvalidRequest,
		msg: "Unrecognized request URL (" + c.Request.Method + ": " + strings.TrimPrefix(path, Prefix) +
			"). PaySandbox's Stripe subset serves payment_intents, charges, checkout/sessions, refunds and events; see docs/protocols/stripe.md."})
	return true
}

func (a *Adapter) routes(g *gin.RouterGroup) {
	g.Use(a.authenticate, a.pipeline.Handler())
	g.POST("/payment_intents", a.handleIntentCreate)
	g.GET("/payment_intents", a.handleIntentList)
	g.GET("/payment_intents/:id", a.handleIntentGet)
	g.POST("/payment_intents/:id", a.handleIntentUpdate)
	g.POST("/payment_intents/:id/confirm", a.handleIntentConfirm)
	g.POST("/payment_intents/:id/cancel", a.handleIntentCancel)
	g.GET("/charges/:id", a.handleChargeGet)
	g.POST("/checkout/sessions", a.handleSessionCreate)
	g.GET("/checkout/sessions", a.handleSessionList)
	g.GET("/checkout/sessions/:id", a.handleSessionGet)
	g.GET("/checkout/sessions/:id/line_items", a.handleSessionLineItems)
	g.POST("/checkout/sessions/:id/expire", a.handleSessionExpire)
	g.POST("/refunds", a.handleRefundCreate)
	g.GET("/refunds", a.handleRefundList)
	g.GET("/refunds/:id", a.handleRefundGet)
	g.GET("/events", a.handleEventList)
	g.GET("/events/:id", a.handleEventGet)
}

// authenticate finds the merchant by its Stripe secret key, sent as
// `Authorization: Bearer sk_test_…` or as the user of basic auth. The
// native API key is not a Stripe key, and the Stripe key is no native one.
func (a *Adapter) authenticate(c *gin.Context) {
	key := secretKey(c)
	if key == "" {
		writeDirect(c, &apiError{status: http.StatusUnauthorized, typ: typeInvalidRequest,
			msg: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). The Stripe keys of a merchant are under \"stripe\" in the admin API."})
		return
	}
	invalid := &apiError{status: http.StatusUnauthorized, typ: typeInvalidRequest, msg: "Invalid API Key provided: " + redact(key)}
	m, err := a.svc.MerchantByAlias(c.Request.Context(), aliasSecretKey, key)
	if gateway.ErrorCode(err) == gateway.ResourceMissing {
		writeDirect(c, invalid)
		return
	} else if err != nil {
		writeDirect(c, toAPIError(c, err))
		return
	}
	creds, err := credentialsOf(m)
	if err != nil || subtle.ConstantTimeCompare([]byte(creds.SecretKey), []byte(key)) != 1 {
		// An alias left by credentials issued again points at its merchant
		// still: refuse it.
		writeDirect(c, invalid)
		return
	}
	apicall.SetMerchant(c, m)
	c.Next()
}

// secretKey reads the key of a Bearer or Basic Authorization header.
func secretKey(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return strings.TrimSpace(rest)
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return ""
		}
		user, _, _ := strings.Cut(string(raw), ":")
		return user
	}
	return ""
}

// redact shows a key as Stripe does: its last four characters.
func redact(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

// dialect is Stripe's wire for the shared call pipeline.
type dialect struct{}

func (dialect) Protocol() string { return Name }

func (dialect) ErrorAnswer(c *gin.Context, err error) apicall.Answer {
	ae := toAPIError(c, err)
	return apicall.Answer{Status: ae.status, Body: errorBody(ae)}
}

// FaultAnswer answers an injected api_error as Stripe would: a 500 is the
// API's own api_error, which is safe to retry (Stripe-Should-Retry: true);
// 502, 503 and 504 come from in front of the API, with a body that is no
// Stripe error — which is what makes every Stripe SDK retry them (stripe-go
// retries no well-formed Stripe error but a 429 lock_timeout); a 429 is a
// rate limit.
func (dialect) FaultAnswer(_ *gin.Context, status int, name string, committed bool) apicall.Answer {
	what := "nothing was changed"
	if committed {
		what = "the request took effect; retry with the same Idempotency-Key to get its result"
	}
	msg := "Injected by scenario " + name + "=" + http.StatusText(status) + ": " + what + "."
	switch status {
	case http.StatusInternalServerError:
		return apicall.Answer{Status: status, Body: errorBody(&apiError{typ: typeAPI, msg: msg}),
			Header: http.Header{"Stripe-Should-Retry": {"true"}}}
	case http.StatusTooManyRequests:
		return apicall.Answer{Status: status, Body: errorBody(&apiError{typ: typeInvalidRequest, code: "rate_limit", msg: msg}),
			Header: http.Header{"Stripe-Should-Retry": {"false"}}}
	}
	return apicall.Answer{Status: status, Body: []byte(http.StatusText(status) + "\n" + msg + "\n"),
		Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
}

func (dialect) Write(c *gin.Context, a apicall.Answer) {
	ct := "application/json"
	for k, vs := range a.Header {
		if http.CanonicalHeaderKey(k) == "Content-Type" {
			ct = vs[0]
			continue
		}
		for _, v := range vs {
			c.Writer.Header().Add(k, v)
		}
	}
	if v := c.GetHeader("Stripe-Version"); v != "" {
		c.Header("Stripe-Version", v)
	}
	c.Data(a.Status, ct, a.Body)
}

func errorBody(ae *apiError) []byte {
	body, _ := json.Marshal(errorJSON{Error: errorDetail{
		Type: ae.typ, Code: ae.code, DeclineCode: ae.declineCode, Message: ae.msg, Param: ae.param, PaymentIntent: ae.intent,
	}})
	return body
}

// writeDirect answers outside the pipeline (authentication, unknown
// routes) and ends the request.
func writeDirect(c *gin.Context, ae *apiError) {
	c.Data(ae.status, "application/json", errorBody(ae))
	c.Abort()
}

// idempotency is Stripe's rule: the Idempotency-Key header (at most 255
// characters), the request identified by its method, its path under /v1
// (the same on both listeners) and its parameters, whatever their order.
var idempotency = &apicall.Idempotency{
	Key: func(c *gin.Context) (string, error) {
		key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
		if len(key) > 255 {
			return "", invalidRequest("Idempotency-Key", "Idempotency-Key must be at most 255 characters long.")
		}
		return key, nil
	},
	Fingerprint: func(c *gin.Context, body []byte) string {
		h := sha256.New()
		h.Write([]byte(c.Request.Method + " " + strings.TrimPrefix(c.Request.URL.Path, Prefix) + "\n"))
		if vals, err := url.ParseQuery(string(body)); err == nil {
			h.Write([]byte(vals.Encode()))
		} else {
			h.Write(body)
		}
		return hex.EncodeToString(h.Sum(nil))
	},
}
