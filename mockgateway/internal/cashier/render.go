package cashier

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/templates"
)

// Pages of the cashier, each parsed once with the layout and the partials.
const (
	pagePay    = "pay.html"
	pageResult = "result.html"
	pageStatus = "status.html"
	pageError  = "error.html"
)

// cashierCSP lets a page load only its own stylesheet, script and images,
// post only to itself and never be framed (a framed pay button could be
// clickjacked).
const cashierCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// parsePages parses every page of templates/gateway into a set of its own.
// The templates are embedded, so a parse error is a programming error caught
// by any test that builds a Server.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{pagePay, pageResult, pageStatus, pageError} {
		t, err := template.New(name).ParseFS(templates.Gateway, "gateway/layout.html", "gateway/partials.html", "gateway/"+name)
		if err != nil {
			return nil, fmt.Errorf("httpapi: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// layoutData is what the layout itself needs; every page's data embeds it.
type layoutData struct {
	Title string
	// Theme is the payment method, which colours the page; empty is neutral.
	Theme string
	// Refresh, when set, is where the page sends the browser after 3 s.
	Refresh string
}

// paymentView is a payment as the customer sees it.
type paymentView struct {
	ID, Merchant, Subject, Description, OutTradeNo string
	Method, MethodLabel                            string
	Amount, Refunded                               string
	ExpiresAt                                      time.Time
	// ExpiresText and Remaining are computed at render time, so the page
	// says when it expires even without JavaScript.
	ExpiresText, Remaining string
}

var methodLabels = map[string]string{
	gateway.MethodAlipay:   "Alipay",
	gateway.MethodWechat:   "WeChat Pay",
	gateway.MethodUnionPay: "UnionPay",
	gateway.MethodCard:     "Card",
}

func newPaymentView(p *gateway.Payment, m *gateway.Merchant, now time.Time) *paymentView {
	v := &paymentView{
		ID: p.ID, Merchant: m.Name, Subject: p.Subject, Description: p.Description,
		OutTradeNo: p.OutTradeNo, Method: p.Method, MethodLabel: methodLabels[p.Method],
		Amount: money.Format(p.Amount, p.Currency), ExpiresAt: p.ExpiresAt.UTC(),
		ExpiresText: p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"),
		Remaining:   remaining(p.ExpiresAt.Sub(now)),
	}
	if p.AmountRefunded > 0 {
		v.Refunded = money.Format(p.AmountRefunded, p.Currency)
	}
	return v
}

// remaining says how long is left, rounded down, so a customer is never
// promised more time than there is.
func remaining(d time.Duration) string {
	mins := int(d / time.Minute)
	switch {
	case d <= 0:
		return "no time"
	case mins == 0:
		return "less than a minute"
	case mins == 1:
		return "1 minute"
	case mins < 120:
		return fmt.Sprintf("%d minutes", mins)
	default:
		return fmt.Sprintf("%d hours", mins/60)
	}
}

// cashierHeaders applies to every cashier page: pages show live state, so
// nothing is cached, and the policy above holds.
func cashierHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", cashierCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

// render executes a page into a buffer and writes it only when it worked,
// so a template error never leaves half a page behind.
func (cs *Cashier) render(c *gin.Context, status int, page string, data any) {
	var buf bytes.Buffer
	if err := cs.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		cs.log.ErrorContext(c.Request.Context(), "render cashier page", "request_id", apicall.RequestIDOf(c), "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error\n"))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	layoutData
	Status  int
	Heading string
	Message string
}

// renderError shows a plain error page; internal errors are logged once and
// shown without detail.
func (cs *Cashier) renderError(c *gin.Context, err error) {
	switch gateway.ErrorCode(err) {
	case gateway.ResourceMissing:
		cs.renderStatus(c, http.StatusNotFound, "Payment not found",
			"There is no payment at this address. Check the link, or ask the shop for a new one.")
	default:
		cs.log.ErrorContext(c.Request.Context(), "cashier", "request_id", apicall.RequestIDOf(c), "err", err)
		cs.renderStatus(c, http.StatusInternalServerError, "Something went wrong",
			"The payment page could not be shown. Nothing was charged; try again in a moment.")
	}
}

func (cs *Cashier) renderStatus(c *gin.Context, status int, heading, message string) {
	cs.render(c, status, pageError, errorPage{
		layoutData: layoutData{Title: heading}, Status: status, Heading: heading, Message: message,
	})
	c.Abort()
}
