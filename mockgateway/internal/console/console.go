// Package console is the gateway's QA console at /admin (DESIGN §7): a
// server-rendered home for the QA engineer, where every payment,
// notification and failure of every protocol is one click away, and
// everything the admin API and the test helpers can do is a button. It acts
// through the core, as the admin API does, never over HTTP.
//
// Pages are parsed once from templates/console, rendered into a buffer and
// work without JavaScript; every action is a POST, refused when a browser
// sends it from another site, that answers with a redirect back and a flash
// message. Sign-in takes the admin token and keeps a server-side session in
// Redis (see session.go).
package console

import (
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/adminapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/ratelimit"
)

// Core is what the console asks of the core (gateway.Service).
type Core interface {
	Now() time.Time
	Merchant(ctx context.Context, id string) (*gateway.Merchant, error)
	Merchants(ctx context.Context) ([]*gateway.Merchant, error)
	MerchantIDs(ctx context.Context) ([]string, error)
	CreateMerchant(ctx context.Context, name, notifyURL string) (*gateway.Merchant, error)
	CheckNotifyURL(ctx context.Context, param, url string) error
	SetCredentials(ctx context.Context, m *gateway.Merchant, protocol string, raw json.RawMessage) (*gateway.Merchant, error)
	Reset(ctx context.Context, demo *gateway.Merchant) error

	PublicPayment(ctx context.Context, id string) (*gateway.Payment, *gateway.Merchant, error)
	ScanPayments(ctx context.Context, merchantID string, f gateway.PaymentFilter, q gateway.ScanQuery) (gateway.Page[*gateway.Payment], error)
	ScanRefunds(ctx context.Context, merchantID string, f gateway.RefundScan, q gateway.ScanQuery) (gateway.Page[*gateway.Refund], error)
	ScanEvents(ctx context.Context, merchantID string, f gateway.EventFilter, q gateway.ScanQuery) (gateway.Page[*gateway.Event], error)
	Find(ctx context.Context, term string) ([]gateway.ObjectRef, error)
	Counts(ctx context.Context, since time.Time, sample int) (gateway.Counts, error)
	FailingDeliveries(ctx context.Context, limit int) ([]*gateway.Event, error)

	Refund(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Refund, error)
	ListRefunds(ctx context.Context, m *gateway.Merchant, f gateway.RefundFilter, q gateway.ListQuery) ([]*gateway.Refund, bool, error)
	Event(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Event, error)
	ListEvents(ctx context.Context, m *gateway.Merchant, f gateway.EventFilter, q gateway.ListQuery) ([]*gateway.Event, bool, error)

	SucceedPayment(ctx context.Context, m *gateway.Merchant, id string) (gateway.PayResult, error)
	FailPayment(ctx context.Context, m *gateway.Merchant, id, code string) (*gateway.Payment, error)
	ExpirePayment(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error)
	ClosePayment(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error)
	CreateRefund(ctx context.Context, m *gateway.Merchant, in gateway.CreateRefundInput) (*gateway.Refund, bool, error)
	PrepareRefund(p *gateway.Payment, in *gateway.CreateRefundInput)
	MatchRefunds(ctx context.Context, f gateway.RefundScan, rs []*gateway.Refund) ([]*gateway.Refund, error)
	SettleRefund(ctx context.Context, m *gateway.Merchant, id, how, code string) (*gateway.Refund, error)
	RedeliverEvent(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Event, error)

	CreateFaultRule(ctx context.Context, match gateway.FaultMatch, scenario string, remaining *int64) (*gateway.FaultRule, error)
	FaultRules(ctx context.Context) ([]*gateway.FaultRule, error)
	DeleteFaultRule(ctx context.Context, id string) error
}

// Options configure the console.
type Options struct {
	Core Core
	// Sessions keeps the sessions (redisstore.SessionStore).
	Sessions scs.Store
	// Token is ADMIN_TOKEN, the one credential the console takes.
	Token string
	// PublicURL is the gateway's public base URL: its origin is trusted for
	// posts, and https makes the session cookie Secure.
	PublicURL string
	// Demo is the seeded merchant, restored by reset.
	Demo *gateway.Merchant
	// Protocols are the protocols the gateway speaks, in display order.
	Protocols []string
	// Forms register a merchant's own keys, by protocol (as the admin API's).
	Forms map[string]adminapi.CredentialsForm
	// Notifiers encode each protocol's notifications: an attempt log keeps
	// no body a notifier can encode again, and the event page shows it.
	Notifiers map[string]dispatcher.Notifier
	// SigninPerMinute bounds sign-in attempts per client address (default 10).
	SigninPerMinute int
	Log             *slog.Logger
}

// Console is the QA console.
type Console struct {
	o    Options
	core Core
	log  *slog.Logger
	// pages[lang][name] is a page parsed in a language.
	pages   map[string]map[string]*template.Template
	sm      *scs.SessionManager
	cop     *http.CrossOriginProtection
	limiter *ratelimit.Limiter
	// tokenMark identifies the admin token a session was opened with,
	// without being it (session.go).
	tokenMark string
	snippets  map[string][]snippet
	catalogue []scenarioDoc
}

// New builds the console. Its templates and the documents it shows are
// embedded, so failing here is a bug caught by every test that builds a
// gateway; it panics.
func New(o Options) *Console {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.SigninPerMinute <= 0 {
		o.SigninPerMinute = 10
	}
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	catalogue, err := parseCatalogue()
	if err != nil {
		panic(err)
	}
	con := &Console{
		o: o, core: o.Core, log: o.Log, pages: pages, limiter: ratelimit.New(o.SigninPerMinute),
		tokenMark: tokenMark(o.Token), snippets: loadSnippets(o.Protocols), catalogue: catalogue,
	}
	con.sm = newSessionManager(o.Sessions, o.PublicURL)
	con.cop = http.NewCrossOriginProtection()
	// Behind a proxy the Host header may differ from PUBLIC_URL; a browser
	// that sends only Origin is still recognised as same-site.
	if u, err := url.Parse(o.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = con.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return con
}

// Register adds the console's routes under /admin (beside /admin/api,
// which keeps its bearer token).
func (con *Console) Register(r *gin.Engine) {
	open := r.Group("/admin", consoleHeaders, con.session, con.crossOrigin)
	open.GET("/signin", con.handleSigninPage)
	open.POST("/signin", con.handleSignin)

	g := r.Group("/admin", consoleHeaders, con.session, con.crossOrigin, con.requireSession)
	g.POST("/signout", con.handleSignout)
	g.GET("", con.handleOverview)
	g.GET("/search", con.handleSearch)

	g.GET("/merchants", con.handleMerchantList)
	g.POST("/merchants", con.handleMerchantCreate)
	g.GET("/merchants/:id", con.handleMerchantPage)
	g.POST("/merchants/:id/keys/:protocol", con.handleCredentialsSave)
	g.GET("/merchants/:id/pem/:protocol/:field", con.handlePEMDownload)

	g.GET("/payments", con.handlePaymentList)
	g.GET("/payments/:id", con.handlePaymentPage)
	g.POST("/payments/:id/succeed", con.handlePaymentSucceed)
	g.POST("/payments/:id/fail", con.handlePaymentFail)
	g.POST("/payments/:id/expire", con.handlePaymentExpire)
	g.POST("/payments/:id/close", con.handlePaymentClose)
	g.POST("/payments/:id/refund", con.handlePaymentRefund)

	g.GET("/refunds", con.handleRefundList)
	g.POST("/refunds/:id/settle", con.handleRefundSettle)

	g.GET("/events", con.handleEventList)
	g.GET("/events/:id", con.handleEventPage)
	g.POST("/events/:id/redeliver", con.handleEventRedeliver)

	g.GET("/faults", con.handleFaultList)
	g.POST("/faults", con.handleFaultCreate)
	g.POST("/faults/:id/delete", con.handleFaultDelete)
	g.GET("/scenarios", con.handleScenarioCatalogue)

	g.GET("/reset", con.handleResetPage)
	g.POST("/reset", con.handleReset)
}

// consoleCSP lets a page load only its own stylesheet, script and images,
// post only to itself and never be framed, like the cashier's.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// consoleHeaders apply to every console page: live state, never cached.
func consoleHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

// crossOrigin refuses state-changing requests a browser sent from another
// site (Sec-Fetch-Site, or an Origin that is not this host), before
// anything is read or changed.
func (con *Console) crossOrigin(c *gin.Context) {
	if err := con.cop.Check(c.Request); err != nil {
		con.log.WarnContext(c.Request.Context(), "console: cross-origin request refused", "method", c.Request.Method,
			"path", c.Request.URL.Path, "origin", c.GetHeader("Origin"))
		con.renderMessage(c, http.StatusForbidden, i18n.M("console.cross_origin.title"), i18n.M("console.cross_origin.text"))
		return
	}
	c.Next()
}
