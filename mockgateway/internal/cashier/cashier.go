package cashier

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Core is what the cashier asks of the core.
type Core interface {
	PublicPayment(ctx context.Context, id string) (*gateway.Payment, *gateway.Merchant, error)
	MarkOpened(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error)
	SucceedPayment(ctx context.Context, m *gateway.Merchant, id string) (gateway.PayResult, error)
	FailPayment(ctx context.Context, m *gateway.Merchant, id, code string) (*gateway.Payment, error)
}

// ReturnSigner is a protocol's signed return redirect: the payment's
// return_url with what the protocol tells the merchant about r.
type ReturnSigner interface {
	ReturnURL(p *gateway.Payment, m *gateway.Merchant, r gateway.CashierReturn) (string, error)
}

// Options configure the cashier.
type Options struct {
	Core Core
	// Signers sign the return redirect of each protocol's payments.
	Signers map[string]ReturnSigner
	// PublicURL is the gateway's public base URL (a same-site origin).
	PublicURL string
	Now       func() time.Time
	Log       *slog.Logger
}

// Cashier serves the customer-facing pages of DESIGN §5. It writes HTML
// directly: a customer has no API key, only a payment id. Payments of every
// protocol are paid here; the return redirect is signed the way the
// payment's protocol signs it.
type Cashier struct {
	core    Core
	signers map[string]ReturnSigner
	log     *slog.Logger
	nowFn   func() time.Time
	pages   map[string]map[string]*template.Template
	cop     *http.CrossOriginProtection
	// secure marks the language cookie Secure (PUBLIC_URL is https).
	secure bool
}

// New parses the cashier's templates. They are embedded, so failing here is
// a bug in the templates and panics at start, in every test.
func New(o Options) *Cashier {
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cop := http.NewCrossOriginProtection()
	// Behind a proxy the Host header may differ from PUBLIC_URL; a browser
	// that sends only Origin is still recognised as same-site.
	secure := false
	if u, err := url.Parse(o.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		secure = u.Scheme == "https"
	}
	return &Cashier{core: o.Core, signers: o.Signers, log: o.Log, nowFn: o.Now, pages: pages, cop: cop, secure: secure}
}

// Register adds the cashier's routes.
func (cs *Cashier) Register(r *gin.Engine) {
	pay := r.Group("/pay", cashierHeaders)
	pay.GET("/:id", cs.handleCashierPage)
	pay.GET("/:id/result", cs.handleCashierResult)
	pay.GET("/:id/status", cs.handleCashierStatus)
	pay.POST("/:id/pay", cs.crossOrigin, cs.handleCashierPay)
	pay.POST("/:id/fail", cs.crossOrigin, cs.handleCashierFail)
	pay.POST("/:id/cancel", cs.crossOrigin, cs.handleCashierCancel)
	// The language switcher of the gateway's pages (the console's too).
	r.POST("/lang", cashierHeaders, cs.crossOrigin, cs.handleLanguage)
}

func (cs *Cashier) now() time.Time { return cs.nowFn() }

// What a customer is shown for a payment.
const (
	statePending  = "pending"
	statePaid     = "paid"
	stateRefunded = "refunded"
	stateClosed   = "closed"
	stateExpired  = "expired"
)

// paymentState classifies a payment for the customer. A pending payment past
// its expiry is expired even before the expiry timer has closed it.
func paymentState(p *gateway.Payment, now time.Time) string {
	switch p.Status {
	case gateway.PaymentSucceeded:
		if p.FullyRefunded() {
			return stateRefunded
		}
		return statePaid
	case gateway.PaymentClosed:
		if p.Expired {
			return stateExpired
		}
		return stateClosed
	}
	if !now.Before(p.ExpiresAt) {
		return stateExpired
	}
	return statePending
}

// returnStatus is the status a return redirect reports for a state (§4).
func returnStatus(state string) string {
	switch state {
	case statePaid, stateRefunded:
		return gateway.PaymentSucceeded
	case stateClosed, stateExpired:
		return gateway.PaymentClosed
	}
	return gateway.PaymentPending
}

// returnURL is the payment's return_url signed by its protocol, or "" when
// it has none.
func (cs *Cashier) returnURL(c *gin.Context, p *gateway.Payment, m *gateway.Merchant, status, errorCode string) string {
	if p.ReturnURL == "" {
		return ""
	}
	if u, err := url.Parse(p.ReturnURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		// Validated at creation; never send a customer anywhere else.
		return ""
	}
	signer, ok := cs.signers[p.Protocol]
	if !ok {
		cs.log.ErrorContext(c.Request.Context(), "no return signer", "request_id", apicall.RequestIDOf(c), "payment", p.ID, "protocol", p.Protocol)
		return ""
	}
	signed, err := signer.ReturnURL(p, m, gateway.CashierReturn{Status: status, ErrorCode: errorCode, At: cs.now()})
	if err != nil {
		cs.log.ErrorContext(c.Request.Context(), "sign return url", "request_id", apicall.RequestIDOf(c), "payment", p.ID, "err", err)
		return ""
	}
	return signed
}

// load reads the payment of the request's :id, rendering the error page
// (404 for an unknown id) when it cannot.
func (cs *Cashier) load(c *gin.Context) (*gateway.Payment, *gateway.Merchant, bool) {
	p, m, err := cs.core.PublicPayment(c.Request.Context(), c.Param("id"))
	if err != nil {
		cs.renderError(c, cs.loc(c, nil), err)
		return nil, nil, false
	}
	return p, m, true
}

func payPath(id string) string { return "/pay/" + url.PathEscape(id) }

// seeOther ends a POST with a redirect to a page (post/redirect/get), so a
// reload never repeats an action.
func seeOther(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, path)
	c.Abort()
}

// statusPage is the data of status.html: a payment that cannot be paid.
type statusPage struct {
	layoutData
	P         *paymentView
	State     string
	ReturnURL string
}

// handleCashierPage answers GET /pay/{id}: the cashier for a pending
// payment, a clear page for any other.
func (cs *Cashier) handleCashierPage(c *gin.Context) {
	p, m, ok := cs.load(c)
	if !ok {
		return
	}
	now := cs.now()
	if state := paymentState(p, now); state != statePending {
		cs.renderStatusPage(c, p, m, state)
		return
	}
	if p.OpenedAt == nil {
		// The buyer has the page: some protocols show the trade only from
		// now on (DESIGN §11.1). Showing the page matters more than the mark.
		if opened, err := cs.core.MarkOpened(c.Request.Context(), m, p.ID); err != nil {
			cs.log.WarnContext(c.Request.Context(), "cashier: mark opened", "request_id", apicall.RequestIDOf(c), "payment", p.ID, "err", err)
		} else {
			p = opened
		}
	}
	cs.renderPay(c, http.StatusOK, p, m, payForms{})
}

func (cs *Cashier) renderStatusPage(c *gin.Context, p *gateway.Payment, m *gateway.Merchant, state string) {
	loc := cs.loc(c, p)
	cs.render(c, loc, http.StatusOK, pageStatus, statusPage{
		layoutData: cs.layout(c, loc, loc.T("cashier.status."+state+".title"), p.Method, payPath(p.ID)),
		P:          newPaymentView(loc, p, m, cs.now()), State: state,
		ReturnURL: cs.returnURL(c, p, m, returnStatus(state), ""),
	})
}

// handleCashierStatus answers GET /pay/{id}/status with the customer-facing
// state, which the page's script polls so that a QR code paid on a phone
// turns into the result on the screen that showed it.
func (cs *Cashier) handleCashierStatus(c *gin.Context) {
	p, _, err := cs.core.PublicPayment(c.Request.Context(), c.Param("id"))
	if err != nil {
		status := http.StatusNotFound
		if gateway.ErrorCode(err) != gateway.ResourceMissing {
			cs.log.ErrorContext(c.Request.Context(), "cashier status", "request_id", apicall.RequestIDOf(c), "err", err)
			status = http.StatusInternalServerError
		}
		c.JSON(status, gin.H{"status": "unknown"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": paymentState(p, cs.now())})
}

// crossOrigin refuses state-changing requests a browser sent from another
// site (Sec-Fetch-Site, or an Origin that is not this host), before anything
// is read or changed.
func (cs *Cashier) crossOrigin(c *gin.Context) {
	if err := cs.cop.Check(c.Request); err != nil {
		cs.renderStatus(c, cs.loc(c, nil), http.StatusForbidden, "cashier.error.cross_origin.")
		return
	}
	c.Next()
}
