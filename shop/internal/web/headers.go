package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy is what every answer of the shop allows a browser
// to do with it: load scripts, styles, images and everything else only
// from the shop itself (the pages carry no inline script or style), never
// be framed by anyone (clickjacking), no plugins, no <base> rewriting.
// form-action is left open: the pay form's answer redirects to the
// gateway's cashier, whose public address the shop learns only from a
// payment, and browsers apply form-action to that redirect.
const contentSecurityPolicy = "default-src 'self'; img-src 'self'%s; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries, pages, static
// files, redirects and errors alike.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp(""))
		h.Set("X-Content-Type-Options", "nosniff")
		// Return URLs carry signatures: they are not sent to other sites.
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func csp(imageOrigin string) string {
	extra := ""
	if imageOrigin != "" {
		extra = " " + imageOrigin
	}
	return fmt.Sprintf(contentSecurityPolicy, extra)
}

// plainOrigin is what an origin may look like to go into the policy.
var plainOrigin = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]+)?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// allowImagesFrom lets the page being served show images from the origin
// of rawURL too (the gateway's QR code); anything but a plain http(s)
// origin is ignored.
func allowImagesFrom(c *gin.Context, rawURL string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	origin := u.Scheme + "://" + u.Host
	if plainOrigin.MatchString(origin) {
		c.Header("Content-Security-Policy", csp(origin))
	}
}
