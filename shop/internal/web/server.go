// Package web is the shop's HTTP adapter: the server-rendered pages (Gin),
// sessions, CSRF protection, the request log and the gateway's webhook
// receiver. Handlers are methods of Server and hold no state of their own;
// the server keeps only what outlives a request: the sign-in limits and the
// queue of notes about refused notifications, which Run writes.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/ratelimit"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// Config holds the server's dependencies.
type Config struct {
	// Store is the shop's data (*sqlite.DB).
	Store Store
	// Payments are the payment steps (*payment.Service).
	Payments Payments
	// Verifier checks notifications and return redirects with the
	// merchant's webhook secret.
	Verifier *webhook.Verifier
	// Sessions stores sessions; see sqlite.SessionStore.
	Sessions  scs.Store
	Templates fs.FS // the shop's templates (templates.Shop)
	Static    fs.FS // static files (templates.Static)
	// PublicURL is the shop's base URL; https makes cookies Secure.
	PublicURL string
	Log       *slog.Logger
	// GatewayReady checks that the gateway answers (readiness).
	GatewayReady func(context.Context) error
	// OrderTTL is how long a new order may be paid (ORDER_TTL).
	OrderTTL time.Duration
	// SigninPerAddress and SigninPerAccount are how many sign-in and
	// sign-up attempts a minute one client address and one email may make
	// (SIGNIN_LIMIT_PER_ADDRESS, SIGNIN_LIMIT_PER_ACCOUNT). Zero means the
	// default (DefaultSigninPerAddress, DefaultSigninPerAccount), never "no
	// limit".
	SigninPerAddress int
	SigninPerAccount int
	Now              func() time.Time
}

// Server serves the shop. Each handler reaches the rest of the shop only
// through the small interfaces of deps.go it needs.
type Server struct {
	cfg            Config
	accounts       Accounts
	catalogue      Catalogue
	orders         Orders
	history        OrderHistory
	refundRequests RefundRequests
	notices        Notices
	backOffice     BackOffice
	notifyLog      NotificationLog
	database       Pinger
	payer          Payer
	refundDesk     RefundDesk
	notifications  Notifications
	notes          chan unverifiedNote
	droppedNotes   atomic.Int64
	perAddress     *ratelimit.Limiter
	perAccount     *ratelimit.Limiter
	sessions       *scs.SessionManager
	pages          *renderer
	log            *slog.Logger
	handler        http.Handler
}

// New builds the server: templates are parsed here, once, so a broken
// template stops the binary at start rather than on a customer's click.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SigninPerAddress <= 0 {
		cfg.SigninPerAddress = DefaultSigninPerAddress
	}
	if cfg.SigninPerAccount <= 0 {
		cfg.SigninPerAccount = DefaultSigninPerAccount
	}
	registerValidations()
	pages, err := newRenderer(cfg.Templates)
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = cfg.Sessions
	sm.Lifetime = 7 * 24 * time.Hour
	sm.IdleTimeout = 24 * time.Hour
	sm.Cookie.Name = "shop_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	u, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	sm.Cookie.Secure = u.Scheme == "https"
	s := &Server{cfg: cfg, accounts: cfg.Store, catalogue: cfg.Store, orders: cfg.Store, history: cfg.Store,
		refundRequests: cfg.Store, notices: cfg.Store, backOffice: cfg.Store, notifyLog: cfg.Store, database: cfg.Store,
		payer: cfg.Payments, refundDesk: cfg.Payments, notifications: cfg.Payments, sessions: sm, pages: pages, log: cfg.Log,
		perAddress: ratelimit.New(cfg.SigninPerAddress), perAccount: ratelimit.New(cfg.SigninPerAccount),
		notes: make(chan unverifiedNote, noteQueue)}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("session store failed", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, i18n.Default.Localizer(i18n.Default.Request(r, langCookie)).T("shop.error.internal"), http.StatusInternalServerError)
	}
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(s.recoverPanic, s.language)
	engine.HandleMethodNotAllowed = true
	engine.NoRoute(func(c *gin.Context) { s.fail(c, notFoundErr) })
	engine.NoMethod(func(c *gin.Context) { s.fail(c, notFoundErr) })
	s.routes(engine)

	cop := http.NewCrossOriginProtection()
	if origin := u.Scheme + "://" + u.Host; u.Host != "" {
		// Behind a proxy the Host header may differ from the public name.
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, err
		}
	}
	// The gateway posts notifications server to server; they are
	// authenticated by their signature, not by a browser's origin.
	cop.AddInsecureBypassPattern("POST /webhooks/gateway")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"),
			"request_id", requestID(r.Context()))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		loc := i18n.Default.Localizer(i18n.Default.Request(r, langCookie))
		_, _ = w.Write([]byte(loc.T("shop.error.cross_origin") + "\n"))
	}))
	s.handler = s.requestLog(securityHeaders(cop.Handler(sm.LoadAndSave(engine))))
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// safeNext returns a local path to go to after signing in, or "/". Browsers
// drop tabs and newlines from a Location and read "//host" and "/\host" as
// another site, so a path with a control character (raw or percent-encoded)
// or one that parses with a scheme or host is refused.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsFunc(next, unicode.IsControl) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.Path, "/\\") || strings.ContainsFunc(u.Path, unicode.IsControl) {
		return "/"
	}
	return next
}
