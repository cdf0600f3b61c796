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
	"github.com/paysandbox/paysandbox/shared/i18n"
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

// parsePages parses every page of templates/gateway into a set of its own,
// once per language, with the language's functions bound (t, msg). The
// templates are embedded, so a parse error is a programming error caught by
// any test that builds a Server.
func parsePages() (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		loc := i18n.Default.Localizer(lang)
		fm := loc.Funcs()
		fm["languages"] = languages
		out[lang] = map[string]*template.Template{}
		for _, name := range []string{pagePay, pageResult, pageStatus, pageError} {
			t, err := template.New(name).Funcs(fm).ParseFS(templates.Gateway, "gateway/layout.html", "gateway/partials.html", "gateway/"+name)
			if err != nil {
				return nil, fmt.Errorf("cashier: parse %s: %w", name, err)
			}
			out[lang][name] = t
		}
	}
	return out, nil
}

// language is one entry of the language switcher.
type language struct{ Tag, Name string }

// languages lists every language by its own name, for the switcher.
func languages() []language {
	out := make([]language, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		out = append(out, language{Tag: l, Name: i18n.Default.Localizer(l).T("language.name")})
	}
	return out
}

// layoutData is what the layout itself needs; every page's data embeds it.
type layoutData struct {
	Title string
	// Theme is the payment method, which colours the page; empty is neutral.
	Theme string
	// Refresh, when set, is where the page sends the browser after 3 s.
	Refresh string
	// Lang is the page's language; Next is where the language switcher
	// brings the browser back to.
	Lang, Next string
}

// paymentView is a payment as the customer sees it, in the page's language.
type paymentView struct {
	ID, Merchant, Subject, Description, OutTradeNo string
	Method, MethodLabel                            string
	Amount, Refunded                               string
	ExpiresAt                                      time.Time
	// ExpiresText and Remaining are computed at render time, so the page
	// says when it expires even without JavaScript.
	ExpiresText, Remaining string
}

// methodLabels are the catalogue keys of the methods' names.
var methodLabels = map[string]string{
	gateway.MethodAlipay:   "method.alipay",
	gateway.MethodWechat:   "method.wechat",
	gateway.MethodUnionPay: "method.unionpay",
	gateway.MethodCard:     "method.card",
}

func newPaymentView(loc *i18n.Localizer, p *gateway.Payment, m *gateway.Merchant, now time.Time) *paymentView {
	label := p.Method
	if key, ok := methodLabels[p.Method]; ok {
		label = loc.T(key)
	}
	v := &paymentView{
		ID: p.ID, Merchant: m.Name, Subject: p.Subject, Description: p.Description,
		OutTradeNo: p.OutTradeNo, Method: p.Method, MethodLabel: label,
		Amount: money.Format(p.Amount, p.Currency), ExpiresAt: p.ExpiresAt.UTC(),
		ExpiresText: p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"),
		Remaining:   remaining(loc, p.ExpiresAt.Sub(now)),
	}
	if p.AmountRefunded > 0 {
		v.Refunded = money.Format(p.AmountRefunded, p.Currency)
	}
	return v
}

// remaining says how long is left, rounded down, so a customer is never
// promised more time than there is.
func remaining(loc *i18n.Localizer, d time.Duration) string {
	mins := int(d / time.Minute)
	switch {
	case d <= 0:
		return loc.T("cashier.left.none")
	case mins == 0:
		return loc.T("cashier.left.under_a_minute")
	case mins < 120:
		return loc.T("cashier.left.minutes", "Count", mins)
	default:
		return loc.T("cashier.left.hours", "Count", mins/60)
	}
}

// failureReason is what a customer is told about a failure code: the
// catalogue's words for the gateway's own codes, else the gateway's.
func failureReason(loc *i18n.Localizer, code string) string {
	if key := "decline." + code; i18n.Default.Has(loc.Lang(), key) {
		return loc.T(key)
	}
	return gateway.FailureMessage(code)
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

// render executes a page in loc's language into a buffer and writes it
// only when it worked, so a template error never leaves half a page behind.
func (cs *Cashier) render(c *gin.Context, loc *i18n.Localizer, status int, page string, data any) {
	var buf bytes.Buffer
	if err := cs.pages[loc.Lang()][page].ExecuteTemplate(&buf, "layout", data); err != nil {
		cs.log.ErrorContext(c.Request.Context(), "render cashier page", "request_id", apicall.RequestIDOf(c), "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(loc.T("cashier.internal_error")+"\n"))
		c.Abort()
		return
	}
	c.Header("Content-Language", loc.Lang())
	c.Header("Vary", "Accept-Language, Cookie")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	layoutData
	Status  int
	Heading string
	Message string
}

// renderError shows a plain error page in loc's language; internal errors
// are logged once and shown without detail.
func (cs *Cashier) renderError(c *gin.Context, loc *i18n.Localizer, err error) {
	switch gateway.ErrorCode(err) {
	case gateway.ResourceMissing:
		cs.renderStatus(c, loc, http.StatusNotFound, "cashier.error.not_found.")
	default:
		cs.log.ErrorContext(c.Request.Context(), "cashier", "request_id", apicall.RequestIDOf(c), "err", err)
		cs.renderStatus(c, loc, http.StatusInternalServerError, "cashier.error.internal.")
	}
}

// renderStatus shows the error page of the catalogue's keys prefix+"title"
// and prefix+"text".
func (cs *Cashier) renderStatus(c *gin.Context, loc *i18n.Localizer, status int, prefix string) {
	heading := loc.T(prefix + "title")
	cs.render(c, loc, status, pageError, errorPage{
		layoutData: cs.layout(c, loc, heading, "", ""), Status: status, Heading: heading, Message: loc.T(prefix + "text"),
	})
	c.Abort()
}
