package web

import (
	"fmt"
	"math"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/ratelimit"
)

// Default limits of sign-in and sign-up attempts (bcrypt work), per minute.
const (
	DefaultSigninPerAddress = 30
	DefaultSigninPerAccount = 10
)

// limitSignin spends one sign-in or sign-up attempt (doing: the catalogue
// key of "sign in" or "create an account") of the client's address and one
// of the account (email). When either is used up it sets Retry-After and
// returns the message to show, in the request's language; "" lets the
// attempt go on. The address is checked first, so one address's flood does
// not wear an account down.
func (s *Server) limitSignin(c *gin.Context, email, doing string) string {
	now := s.cfg.Now()
	ok, wait := s.perAddress.Take(ratelimit.AddressKey(c.RemoteIP()), now)
	who := "network"
	if ok {
		ok, wait = s.perAccount.Take(strings.ToLower(strings.TrimSpace(email)), now)
		who = "account"
	}
	if ok {
		return ""
	}
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", fmt.Sprint(secs))
	s.log.Warn("sign-in attempts limited", "who", who, "retry_after_s", secs, "request_id", requestID(c.Request.Context()))
	return s.t(c, "shop.error.too_many", "Doing", i18n.M(doing), "Who", i18n.M("shop.limit."+who), "Wait", waitWords(secs))
}

// waitWords says a wait in seconds the way a person would.
func waitWords(secs int) i18n.Message {
	if secs < 90 {
		return i18n.M("shop.wait.seconds", "Count", max(secs, 1))
	}
	return i18n.M("shop.wait.minutes", "Count", (secs+59)/60)
}
