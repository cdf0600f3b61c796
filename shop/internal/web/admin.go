package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// requireSupport lets only support users into the back office. Everyone
// else, signed in or not, gets the same 404 as a missing page (docs/shop.md, "Back office"),
// so the back office is not even advertised to them.
func (s *Server) requireSupport(c *gin.Context) {
	if u := s.currentUser(c); u != nil && u.Role == shop.RoleSupport {
		c.Next()
		return
	}
	s.fail(c, notFoundErr)
	c.Abort()
}

// noteForm is a support user's note on a decision or retry. Whether it is
// required, and its length, are the domain's rules.
type noteForm struct {
	Note string `form:"note" binding:"max=8000,text=multiline"`
	// Return is the back-office page to go back to after a retry.
	Return string `form:"return"`
}

// note returns the trimmed note.
func (f noteForm) note() string { return strings.TrimSpace(f.Note) }

// backTo returns a back-office path to return to, or def.
func backTo(path, def string) string {
	if p := safeNext(path); strings.HasPrefix(p, "/admin") {
		return p
	}
	return def
}

// age is roughly how long ago t was, for lists where the oldest matters.
func age(loc *i18n.Localizer, now, t time.Time) string {
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Minute:
		return loc.T("shop.age.seconds", "S", int(d.Seconds()))
	case d < time.Hour:
		return loc.T("shop.age.minutes", "M", int(d.Minutes()))
	case d < 48*time.Hour:
		return loc.T("shop.age.hours", "H", int(d.Hours()), "M", fmt.Sprintf("%02d", int(d.Minutes())%60))
	}
	return loc.T("shop.age.days", "D", int(d.Hours()/24))
}
