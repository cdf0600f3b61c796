package cashier

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// LangCookie remembers the language a person chose with the switcher of the
// gateway's pages (the cashier's, and the console's when it is translated).
// The shop's cookie has another name: cookies do not tell ports apart.
const LangCookie = "gateway_lang"

// loc is the language of a cashier page (docs/i18n.md): the person's own
// choice on the gateway's pages, then the payment's locale (the language of
// the merchant's page that sent the customer here), then the browser's
// Accept-Language, then English. p may be nil (no payment yet).
func (cs *Cashier) loc(c *gin.Context, p *gateway.Payment) *i18n.Localizer {
	locale := ""
	if p != nil {
		locale = p.Locale
	}
	return i18n.Default.Localizer(i18n.Default.Request(c.Request, LangCookie, locale))
}

// layout is the layout's data of a page in loc's language; next is where
// the language switcher returns to ("" for the request's own path).
func (cs *Cashier) layout(c *gin.Context, loc *i18n.Localizer, title, theme, next string) layoutData {
	if next == "" {
		next = c.Request.URL.RequestURI()
	}
	return layoutData{Title: title, Theme: theme, Lang: loc.Lang(), Next: localPath(next)}
}

// handleLanguage answers the switcher: POST /lang with lang and next.
func (cs *Cashier) handleLanguage(c *gin.Context) {
	i18n.Switch(c.Writer, c.Request, LangCookie, cs.secure, localPath)
	c.Abort()
}

// localPath returns p when it is a path on this site, else "/": a
// switcher never sends the browser to another site.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsFunc(p, unicode.IsControl) || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}
