package web

import (
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// langCookie remembers the language a person chose with the switcher. The
// gateway's pages use a cookie of their own name: cookies do not tell ports
// apart, and on localhost both sites share them.
const langCookie = "shop_lang"

const ctxLocalizer = "shop.localizer"

// language chooses the request's language (docs/i18n.md): the person's
// choice in the cookie, then Accept-Language, then English.
func (s *Server) language(c *gin.Context) {
	c.Set(ctxLocalizer, i18n.Default.Localizer(i18n.Default.Request(c.Request, langCookie)))
	c.Next()
}

// loc is the request's localizer.
func (s *Server) loc(c *gin.Context) *i18n.Localizer {
	if v, ok := c.Get(ctxLocalizer); ok {
		if l, ok := v.(*i18n.Localizer); ok {
			return l
		}
	}
	return i18n.Default.Localizer(i18n.Default.Request(c.Request, langCookie))
}

// t renders a message key in the request's language.
func (s *Server) t(c *gin.Context, key string, kv ...any) string { return s.loc(c).T(key, kv...) }

// msg renders a message in the request's language.
func (s *Server) msg(c *gin.Context, m i18n.Message) string { return s.loc(c).Msg(m) }

// handleLanguage is the switcher on every page: it remembers the choice
// and goes back to the page it was made on.
func (s *Server) handleLanguage(c *gin.Context) {
	i18n.Switch(c.Writer, c.Request, langCookie, s.sessions.Cookie.Secure, safeNext)
	c.Abort()
}
