package httpapi

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// cashier serves the customer-facing pages of DESIGN §5. It writes HTML
// directly and is not part of the /v1 JSON pipeline: a customer has no API
// key, only a payment id.
type cashier struct {
	svc   *gateway.Service
	log   *slog.Logger
	pages map[string]*template.Template
	cop   *http.CrossOriginProtection
}

// newCashier parses the cashier's templates. They are embedded, so failing
// here is a bug in the templates and panics at start, in every test.
func (s *Server) newCashier() *cashier {
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	cop := http.NewCrossOriginProtection()
	// Behind a proxy the Host header may differ from PUBLIC_URL; a browser
	// that sends only Origin is still recognised as same-site.
	if u, err := url.Parse(s.svc.Config().PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return &cashier{svc: s.svc, log: s.log, pages: pages, cop: cop}
}

func (cs *cashier) now() time.Time { return cs.svc.Config().Now() }

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
func paymentState(p *gateway.PaymentRecord, now time.Time) string {
	switch p.Status {
	case gatewayapi.PaymentSucceeded:
		if p.AmountRefunded >= p.Amount {
			return stateRefunded
		}
		return statePaid
	case gatewayapi.PaymentClosed:
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
		return gatewayapi.PaymentSucceeded
	case stateClosed, stateExpired:
		return gatewayapi.PaymentClosed
	}
	return gatewayapi.PaymentPending
}

// returnURL is the merchant's return_url with the signed query of DESIGN §4,
// or "" when the payment has none. It is signed with the merchant's own
// webhook secret, so the merchant verifies it like a notification.
func (cs *cashier) returnURL(c *gin.Context, p *gateway.PaymentRecord, m *gatewayapi.Merchant, status, errorCode string) string {
	if p.ReturnURL == "" {
		return ""
	}
	if u, err := url.Parse(p.ReturnURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		// Validated at creation; never send a customer anywhere else.
		return ""
	}
	signer, err := webhook.NewSigner(m.WebhookSecret)
	if err == nil {
		var signed string
		signed, err = signer.SignReturnURL(p.ReturnURL, webhook.Return{
			PaymentID: p.ID, OutTradeNo: p.OutTradeNo, Status: status, ErrorCode: errorCode, Timestamp: cs.now(),
		})
		if err == nil {
			return signed
		}
	}
	cs.log.ErrorContext(c.Request.Context(), "sign return url", "request_id", c.GetString(ctxRequestID), "payment", p.ID, "err", err)
	return ""
}

// load reads the payment of the request's :id, rendering the error page
// (404 for an unknown id) when it cannot.
func (cs *cashier) load(c *gin.Context) (*gateway.PaymentRecord, *gatewayapi.Merchant, bool) {
	p, m, err := cs.svc.PublicPayment(c.Request.Context(), c.Param("id"))
	if err != nil {
		cs.renderError(c, err)
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
func (cs *cashier) handleCashierPage(c *gin.Context) {
	p, m, ok := cs.load(c)
	if !ok {
		return
	}
	now := cs.now()
	if state := paymentState(p, now); state != statePending {
		cs.renderStatusPage(c, p, m, state)
		return
	}
	cs.renderPay(c, http.StatusOK, p, m, payForms{})
}

func (cs *cashier) renderStatusPage(c *gin.Context, p *gateway.PaymentRecord, m *gatewayapi.Merchant, state string) {
	titles := map[string]string{
		statePaid: "Payment complete", stateRefunded: "Payment refunded",
		stateClosed: "Payment closed", stateExpired: "Payment expired",
	}
	cs.render(c, http.StatusOK, pageStatus, statusPage{
		layoutData: layoutData{Title: titles[state], Theme: p.Method},
		P:          newPaymentView(p, m, cs.now()), State: state,
		ReturnURL: cs.returnURL(c, p, m, returnStatus(state), ""),
	})
}

// handleCashierStatus answers GET /pay/{id}/status with the customer-facing
// state, which the page's script polls so that a QR code paid on a phone
// turns into the result on the screen that showed it.
func (cs *cashier) handleCashierStatus(c *gin.Context) {
	p, _, err := cs.svc.PublicPayment(c.Request.Context(), c.Param("id"))
	if err != nil {
		status := http.StatusNotFound
		if gateway.ErrorCode(err) != gateway.ResourceMissing {
			cs.log.ErrorContext(c.Request.Context(), "cashier status", "request_id", c.GetString(ctxRequestID), "err", err)
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
func (cs *cashier) crossOrigin(c *gin.Context) {
	if err := cs.cop.Check(c.Request); err != nil {
		cs.renderStatus(c, http.StatusForbidden, "Request refused",
			"This form was sent from another website, so it was refused and nothing changed. Open the payment page again and use its buttons.")
		return
	}
	c.Next()
}
