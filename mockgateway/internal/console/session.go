package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/ratelimit"
)

// Sessions are scs's (a maintained session manager: token rotation at
// sign-in, idle and absolute expiry, a cookie it alone writes) over a Redis
// store, so every gateway process on one Redis shares them and a restart
// signs nobody out. A session holds no secret: the mark of the token it
// was opened with, a short id for the request log, and the flash message.
const (
	sessionCookie = "ps_console"
	keyMark       = "admin"
	keySID        = "sid"
	keyFlash      = "flash"
	keyFlashErr   = "flash_error"
)

func newSessionManager(store scs.Store, publicURL string) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = 24 * time.Hour
	sm.IdleTimeout = 8 * time.Hour
	sm.Cookie.Name = sessionCookie
	sm.Cookie.Path = "/admin"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteStrictMode
	u, err := url.Parse(publicURL)
	sm.Cookie.Secure = err == nil && u.Scheme == "https"
	return sm
}

// session loads the request's session (scs.SessionManager.LoadAndSave,
// made a Gin middleware so that the console's routes stay on the gateway's
// engine): the session is in the request's context for the handlers, and it
// is saved — its cookie set — just before the answer's header is written.
func (con *Console) session(c *gin.Context) {
	// Every console answer depends on the session and on the language
	// (the gateway_lang cookie, Accept-Language).
	c.Writer.Header().Set("Vary", "Accept-Language, Cookie")
	var token string
	if ck, err := c.Request.Cookie(sessionCookie); err == nil {
		token = ck.Value
	}
	ctx, err := con.sm.Load(c.Request.Context(), token)
	if err != nil {
		con.log.ErrorContext(c.Request.Context(), "console: load session", "request_id", apicall.RequestIDOf(c), "err", err)
		c.String(http.StatusInternalServerError, con.t(c, "console.session.failed")+"\n")
		c.Abort()
		return
	}
	c.Request = c.Request.WithContext(ctx)
	w := &sessionWriter{ResponseWriter: c.Writer, c: c, con: con}
	c.Writer = w
	c.Next()
	w.save()
}

// sessionWriter saves the session before the first byte of the header goes
// out, whichever way the handler answers.
type sessionWriter struct {
	gin.ResponseWriter
	c     *gin.Context
	con   *Console
	saved bool
}

func (w *sessionWriter) save() {
	if w.saved {
		return
	}
	w.saved = true
	ctx := w.c.Request.Context()
	switch w.con.sm.Status(ctx) {
	case scs.Modified:
		token, expiry, err := w.con.sm.Commit(ctx)
		if err != nil {
			// Too late for an error page: the answer is on its way.
			w.con.log.ErrorContext(ctx, "console: save session", "request_id", apicall.RequestIDOf(w.c), "err", err)
			return
		}
		w.con.sm.WriteSessionCookie(ctx, w.ResponseWriter, token, expiry)
	case scs.Destroyed:
		w.con.sm.WriteSessionCookie(ctx, w.ResponseWriter, "", time.Time{})
	}
}

func (w *sessionWriter) WriteHeader(code int) { w.save(); w.ResponseWriter.WriteHeader(code) }
func (w *sessionWriter) WriteHeaderNow()      { w.save(); w.ResponseWriter.WriteHeaderNow() }
func (w *sessionWriter) Write(b []byte) (int, error) {
	w.save()
	return w.ResponseWriter.Write(b)
}
func (w *sessionWriter) WriteString(s string) (int, error) {
	w.save()
	return w.ResponseWriter.WriteString(s)
}

// tokenMark identifies an admin token without revealing it: a session
// opened with one token is signed out when the gateway restarts with
// another.
func tokenMark(token string) string {
	sum := sha256.Sum256([]byte("paysandbox console session\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// requireSession lets signed-in requests through and sends anyone else to
// the sign-in page (a POST gets 401 and changes nothing). The session's
// short id goes into the request log line.
func (con *Console) requireSession(c *gin.Context) {
	ctx := c.Request.Context()
	mark := con.sm.GetString(ctx, keyMark)
	if mark == "" || subtle.ConstantTimeCompare([]byte(mark), []byte(con.tokenMark)) != 1 {
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			con.renderMessage(c, http.StatusUnauthorized, i18n.M("console.signed_out.title"), i18n.M("console.signed_out.text"))
			return
		}
		c.Redirect(http.StatusSeeOther, "/admin/signin?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	apicall.AddLogAttrs(c, "console_session", con.sm.GetString(ctx, keySID))
	c.Next()
}

type signinData struct {
	Next  string
	Error string
}

func (con *Console) handleSigninPage(c *gin.Context) {
	if con.sm.GetString(c.Request.Context(), keyMark) == con.tokenMark {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	con.render(c, http.StatusOK, "signin", i18n.M("console.signin.title"), "", signinData{Next: safeNext(c.Query("next"))})
}

// handleSignin checks the admin token in constant time. A wrong token is
// refused with nothing set (no session, no cookie); attempts are limited
// per client address.
func (con *Console) handleSignin(c *gin.Context) {
	ctx := c.Request.Context()
	next := safeNext(c.PostForm("next"))
	if ok, wait := con.limiter.Take(ratelimit.AddressKey(c.RemoteIP()), time.Now()); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", fmt.Sprint(secs))
		apicall.AddLogAttrs(c, "console_signin", "limited")
		con.render(c, http.StatusTooManyRequests, "signin", i18n.M("console.signin.title"), "", signinData{Next: next,
			Error: con.t(c, "console.signin.error.too_many", "Count", secs)})
		return
	}
	token := c.PostForm("token")
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(con.o.Token)) != 1 {
		apicall.AddLogAttrs(c, "console_signin", "refused")
		msg := con.t(c, "console.signin.error.wrong")
		if token == "" {
			msg = con.t(c, "console.signin.error.empty")
		}
		con.render(c, http.StatusUnauthorized, "signin", i18n.M("console.signin.title"), "", signinData{Next: next, Error: msg})
		return
	}
	// A new session id at sign-in: a session fixed before it is worthless.
	if err := con.sm.RenewToken(ctx); err != nil {
		con.fail(c, err)
		return
	}
	sid := gateway.RandomToken(8)
	con.sm.Put(ctx, keyMark, con.tokenMark)
	con.sm.Put(ctx, keySID, sid)
	con.flash(c, i18n.M("console.signin.done"))
	apicall.AddLogAttrs(c, "console_signin", "ok", "console_session", sid)
	c.Redirect(http.StatusSeeOther, next)
}

func (con *Console) handleSignout(c *gin.Context) {
	ctx := c.Request.Context()
	if err := con.sm.Destroy(ctx); err != nil {
		con.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/signin")
}

// safeNext keeps a post-sign-in destination inside the console.
func safeNext(next string) string {
	if next == "/admin" || (strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "/admin/api") &&
		!strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, "/admin/signin")) {
		return next
	}
	return "/admin"
}

// flash leaves a message for the next page the browser shows, said in
// that page's language.
func (con *Console) flash(c *gin.Context, m i18n.Message) {
	con.sm.Put(c.Request.Context(), keyFlash, encodeMessage(m))
}

func (con *Console) flashError(c *gin.Context, m i18n.Message) {
	con.sm.Put(c.Request.Context(), keyFlashErr, encodeMessage(m))
}
