// Package server assembles the gateway: the core over its Redis store, the
// protocol adapters, the cashier, the admin API and console, QR images and static
// files, health and metrics, and the background workers (dispatcher and
// timers). The binary and in-process tests build it the same way, so a
// test adapter can be added to a real gateway.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/adminapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/assets"
	"github.com/paysandbox/paysandbox/mockgateway/internal/cashier"
	"github.com/paysandbox/paysandbox/mockgateway/internal/console"
	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/metrics"
	"github.com/paysandbox/paysandbox/mockgateway/internal/netguard"
	"github.com/paysandbox/paysandbox/mockgateway/internal/redisstore"
	"github.com/paysandbox/paysandbox/mockgateway/internal/timers"
)

// Adapter is a protocol adapter (DESIGN §10): its routes, its notifier and
// its signed return redirect.
type Adapter interface {
	Register(r *gin.Engine)
	dispatcher.Notifier
	cashier.ReturnSigner
}

// RootServer is an adapter that also serves its protocol at the root of a
// listener of its own, for SDKs that take only a host and port (Stripe's
// Node and Python SDKs, DESIGN §11.3).
type RootServer interface {
	// RegisterRoot adds the protocol's routes to its own listener.
	RegisterRoot(r *gin.Engine)
}

// NotFoundAnswerer is an adapter that answers unknown routes under its own
// paths in its own words (root: on its own listener), so an SDK calling an
// endpoint the gateway lacks gets an error it can read. It returns false
// for paths that are not its.
type NotFoundAnswerer interface {
	AnswerNotFound(c *gin.Context, root bool) bool
}

// Deps are what an adapter is built from.
type Deps struct {
	Service   *gateway.Service
	Store     *redisstore.Store
	FaultHold time.Duration
	Log       *slog.Logger
}

// Protocol describes one protocol to the gateway: everything a new protocol
// adds is one of these, listed in the binary's protocols.
type Protocol struct {
	Name string
	// Preset is the retry schedule preset of its notifications (DESIGN §4).
	Preset string
	// Topics names the notifications a change makes in the protocol (nil:
	// gateway.NotifyChanges).
	Topics func(gateway.Change) []string
	// Issuer issues its credentials to merchants (nil: none).
	Issuer gateway.CredentialIssuer
	// Form registers a merchant's own keys (nil: not supported).
	Form adminapi.CredentialsForm
	// RefKinds are the kinds of its own ids it keeps in Payment.Refs and
	// Refund.Refs, which the console's search looks up.
	RefKinds []string
	// NewRefund fills in the protocol's own ids of a refund made outside
	// its API (gateway.ProtocolRules.NewRefund).
	NewRefund func(*gateway.Payment, *gateway.CreateRefundInput)
	// New builds the adapter over the service.
	New func(Deps) Adapter
}

// Config is the gateway's configuration.
type Config struct {
	PublicURL  string
	AdminToken string
	// Demo is the seeded merchant, restored by reset.
	Demo *gateway.Merchant
	// Schedules are the configured retry schedules by protocol; a protocol
	// missing here uses its preset.
	Schedules         map[string]gateway.Schedule
	TimeScale         float64
	RefundDelay       time.Duration
	EventRetention    time.Duration
	DataRetention     time.Duration
	FaultHold         time.Duration
	NotifyTimeout     time.Duration
	NotifyConcurrency int
	// DenyPrivate refuses loopback, link-local and private notify URLs at
	// creation and at delivery (NOTIFY_DENY_PRIVATE).
	DenyPrivate bool
	// PollInterval, when set, is how often the dispatcher and the timers
	// poll their schedules when nothing was due (tests shorten it).
	PollInterval time.Duration
	OpenAPI      []byte
	Now          func() time.Time
	Log          *slog.Logger
	// RequestLog, when set, receives the line logged per request instead
	// of Log (the binary's holds them briefly: package logbuf).
	RequestLog *slog.Logger
	Protocols  []Protocol
}

// Gateway is an assembled gateway.
type Gateway struct {
	Service *gateway.Service
	Store   *redisstore.Store
	Metrics *metrics.Metrics

	cfg        Config
	adapters   map[string]Adapter
	dispatcher atomic.Pointer[dispatcher.Dispatcher]
	handler    http.Handler
	notifiers  map[string]dispatcher.Notifier
}

// New assembles a gateway over store.
func New(store *redisstore.Store, cfg Config) (*Gateway, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.RequestLog == nil {
		cfg.RequestLog = cfg.Log
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rules := map[string]gateway.ProtocolRules{}
	issuers := map[string]gateway.CredentialIssuer{}
	for _, p := range cfg.Protocols {
		sch, ok := cfg.Schedules[p.Name]
		if !ok {
			var err error
			if sch, err = gateway.ParseSchedule(p.Preset); err != nil {
				return nil, err
			}
		}
		rules[p.Name] = gateway.ProtocolRules{Schedule: sch, Topics: p.Topics, RefKinds: p.RefKinds, NewRefund: p.NewRefund}
		if p.Issuer != nil {
			issuers[p.Name] = p.Issuer
		}
	}
	gcfg := gateway.Config{
		PublicURL: cfg.PublicURL, Protocols: rules, TimeScale: cfg.TimeScale, RefundDelay: cfg.RefundDelay,
		EventRetention: cfg.EventRetention, DataRetention: cfg.DataRetention, Issuers: issuers, Now: cfg.Now,
	}
	g := &Gateway{}
	// New notifications due at once wake this process's dispatcher.
	gcfg.OnDue = func() {
		if d := g.dispatcher.Load(); d != nil {
			d.Wake()
		}
	}
	if cfg.DenyPrivate {
		gcfg.CheckNotifyURL = func(ctx context.Context, url string) error {
			return netguard.CheckURL(ctx, net.DefaultResolver, url)
		}
	}
	svc := gateway.NewService(store, gcfg)
	g.Service, g.Store, g.Metrics, g.cfg = svc, store, metrics.New(store), cfg
	g.adapters, g.notifiers = map[string]Adapter{}, map[string]dispatcher.Notifier{}
	deps := Deps{Service: svc, Store: store, FaultHold: cfg.FaultHold, Log: cfg.Log}
	signers := map[string]cashier.ReturnSigner{}
	forms := map[string]adminapi.CredentialsForm{}
	var names []string
	for _, p := range cfg.Protocols {
		names = append(names, p.Name)
		a := p.New(deps)
		g.adapters[p.Name], g.notifiers[p.Name], signers[p.Name] = a, a, a
		if p.Form != nil {
			forms[p.Name] = p.Form
		}
	}
	con := console.New(console.Options{Core: svc, Sessions: store.Sessions(), Token: cfg.AdminToken, PublicURL: cfg.PublicURL,
		Demo: cfg.Demo, Protocols: names, Forms: forms, Notifiers: g.notifiers, Log: cfg.Log})
	g.handler = g.routes(
		cashier.New(cashier.Options{Core: svc, Signers: signers, PublicURL: cfg.PublicURL, Now: cfg.Now, Log: cfg.Log}),
		adminapi.New(adminapi.Options{Core: svc, Token: cfg.AdminToken, Demo: cfg.Demo, Forms: forms, Protocols: names, Log: cfg.Log}),
		con,
	)
	return g, nil
}

// Seed stores the demo merchant (its provider credentials generated once
// and kept).
func (g *Gateway) Seed(ctx context.Context) error { return g.Service.SeedMerchant(ctx, g.cfg.Demo) }

// Handler is the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// registrar is anything that adds routes.
type registrar interface{ Register(r *gin.Engine) }

func (g *Gateway) routes(extra ...registrar) http.Handler {
	r := gin.New()
	r.HandleMethodNotAllowed = false
	g.common(r)
	r.NoRoute(func(c *gin.Context) {
		for _, p := range g.cfg.Protocols {
			if nf, ok := g.adapters[p.Name].(NotFoundAnswerer); ok && nf.AnswerNotFound(c, false) {
				return
			}
		}
		notFoundOrError(c, http.StatusNotFound)
	})
	r.GET("/healthz", g.handleHealthz)
	r.GET("/readyz", g.handleReadyz)
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", g.cfg.OpenAPI) })
	r.GET("/metrics", gin.WrapH(g.Metrics.Handler()))
	for _, p := range g.cfg.Protocols {
		g.adapters[p.Name].Register(r)
	}
	for _, x := range extra {
		x.Register(r)
	}
	assets.Register(r, g.Service, g.cfg.Log)
	return r
}

// common adds the middleware every listener's engine has.
func (g *Gateway) common(r *gin.Engine) {
	r.Use(apicall.RequestID, apicall.LogRequests(g.cfg.RequestLog), gin.CustomRecovery(func(c *gin.Context, err any) {
		g.cfg.Log.Error("panic", "request_id", apicall.RequestIDOf(c), "err", err)
		g.Metrics.ObservePanic("http")
		notFoundOrError(c, http.StatusInternalServerError)
	}))
}

// RootHandler is the handler of a protocol's own listener (STRIPE_ADDR):
// its routes at the root, /healthz, and unknown routes answered in its
// words. ok is false when the protocol has no such listener.
func (g *Gateway) RootHandler(protocol string) (h http.Handler, ok bool) {
	rs, ok := g.adapters[protocol].(RootServer)
	if !ok {
		return nil, false
	}
	r := gin.New()
	r.HandleMethodNotAllowed = false
	g.common(r)
	nf, _ := g.adapters[protocol].(NotFoundAnswerer)
	r.NoRoute(func(c *gin.Context) {
		if nf == nil || !nf.AnswerNotFound(c, true) {
			notFoundOrError(c, http.StatusNotFound)
		}
	})
	r.GET("/healthz", g.handleHealthz)
	rs.RegisterRoot(r)
	return r, true
}

// RunWorkers runs the dispatcher, the timers and the change feed until ctx
// ends; on the way out the dispatcher finishes and records the attempts in
// flight.
func (g *Gateway) RunWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		// Merchants and fault rules stay in memory between changes while
		// this process hears of every change.
		if err := g.Service.WatchChanges(ctx, g.Store); err != nil {
			g.cfg.Log.Warn("change feed stopped; merchants and fault rules are read from Redis on every call", "err", err)
		}
	})
	wg.Go(func() {
		(&timers.Runner{
			Core: g.Service, Queue: g.Store, Log: g.cfg.Log, Interval: g.cfg.PollInterval,
			OnPanic: g.Metrics.ObservePanic, Now: g.cfg.Now,
		}).Run(ctx)
	})
	d := &dispatcher.Dispatcher{
		Core: g.Service, Queue: g.Store, Notifiers: g.notifiers, Log: g.cfg.Log,
		Timeout: g.cfg.NotifyTimeout, Concurrency: g.cfg.NotifyConcurrency,
		Interval: g.cfg.PollInterval, Observer: g.Metrics, Now: g.cfg.Now, DialControl: g.dialControl(),
	}
	g.dispatcher.Store(d)
	defer g.dispatcher.Store(nil)
	wg.Go(func() { d.Run(ctx) })
	wg.Wait()
}

// dialControl vets the addresses notifications connect to when private
// ones are denied.
func (g *Gateway) dialControl() func(network, address string, c syscall.RawConn) error {
	if !g.cfg.DenyPrivate {
		return nil
	}
	return netguard.Control
}

// Notifiers returns each protocol's notifier (for tests that run their own
// dispatcher).
func (g *Gateway) Notifiers() map[string]dispatcher.Notifier { return g.notifiers }

// notFoundOrError answers an unknown route or a recovered panic: in the
// native error shape on API paths, as plain text elsewhere.
func notFoundOrError(c *gin.Context, status int) {
	path := c.Request.URL.Path
	api := strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/admin/api/")
	switch {
	case api && status == http.StatusNotFound:
		writeAPIError(c, gateway.Errorf(gateway.ResourceMissing, "", "Unrecognized request URL (%s %s); see /openapi.yaml.", c.Request.Method, path))
	case api:
		writeAPIError(c, gateway.Errorf(gateway.InternalError, "", "An internal error occurred; retry the request later."))
	case status == http.StatusNotFound:
		c.String(http.StatusNotFound, "404 page not found\n")
	default:
		c.String(status, "internal error\n")
	}
}
