package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/cashier"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/templates"
)

// pageNames are the console's pages: each is parsed once, with the layout
// and the partials, into a set of its own.
var pageNames = []string{
	"signin", "message", "overview", "search", "merchants", "merchant", "payments", "payment",
	"refunds", "events", "event", "faults", "scenarios", "reset",
}

// parsePages parses every page once per language, with the language's
// functions bound (t, msg, and the console's own that speak: rel, status,
// …), as the cashier does. The templates are embedded, so an error is a
// bug caught by every test that builds a console.
func parsePages() (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		loc := i18n.Default.Localizer(lang)
		fm := template.FuncMap{}
		maps.Copy(fm, funcs)
		maps.Copy(fm, loc.Funcs())
		maps.Copy(fm, spoken(loc))
		out[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(fm).ParseFS(templates.Console,
				"console/layout.html", "console/partials.html", "console/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("console: parse %s: %w", name, err)
			}
			out[lang][name] = t
		}
	}
	return out, nil
}

// loc is the language of a console page (docs/i18n.md): the person's choice
// with the gateway's switcher (the cashier's cookie, so a choice holds on
// both), then Accept-Language, then English.
func (con *Console) loc(c *gin.Context) *i18n.Localizer {
	return i18n.Default.Localizer(i18n.Default.Request(c.Request, cashier.LangCookie))
}

// t renders a key in the request's language (field errors, shown at once).
func (con *Console) t(c *gin.Context, key string, kv ...any) string {
	return con.loc(c).T(key, kv...)
}

// view is what the layout gets: the page's own data is Data.
type view struct {
	Title string
	// Lang is the page's language; Next is where the language switcher
	// brings the browser back to.
	Lang, Next string
	// Nav names the section the page belongs to, highlighted in the menu.
	Nav      string
	SignedIn bool
	Flash    string
	// FlashError is a flash that says why something could not be done.
	FlashError string
	// Refresh, when set, reloads the page after that many seconds (it shows
	// something pending).
	Refresh int
	Data    any
}

// refresher is page data that knows whether it shows something pending.
type refresher interface{ pending() bool }

// refreshSeconds is how soon a page showing something pending reloads.
const refreshSeconds = 3

// render executes a page in the request's language into a buffer and
// writes it only when it worked, so a template error never leaves half a
// page behind. It takes the flash messages, which a page shows once, in the
// language of the page that shows them.
func (con *Console) render(c *gin.Context, status int, page string, title i18n.Message, nav string, data any) {
	ctx := c.Request.Context()
	loc := con.loc(c)
	v := view{Title: loc.Msg(title), Nav: nav, Data: data, Lang: loc.Lang(), Next: c.Request.URL.RequestURI(),
		SignedIn: con.sm.GetString(ctx, keyMark) == con.tokenMark}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		// A refused form is shown at the address of its action: switching
		// language goes back to the page the form was on (the browser
		// sends it: Referrer-Policy same-origin), else to the overview.
		v.Next = "/admin"
		if ref, err := url.Parse(c.GetHeader("Referer")); err == nil && strings.HasPrefix(ref.Path, "/admin") {
			v.Next = ref.RequestURI()
		}
	}
	v.Flash = loc.Msg(popMessage(con.sm.PopString(ctx, keyFlash)))
	v.FlashError = loc.Msg(popMessage(con.sm.PopString(ctx, keyFlashErr)))
	if r, ok := data.(refresher); ok && r.pending() {
		v.Refresh = refreshSeconds
	}
	var buf bytes.Buffer
	if err := con.pages[loc.Lang()][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		con.log.ErrorContext(ctx, "console: render", "request_id", apicall.RequestIDOf(c), "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(loc.T("console.internal.plain")+"\n"))
		c.Abort()
		return
	}
	c.Header("Content-Language", loc.Lang())
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type messageData struct {
	Status  int
	Heading string
	Message string
}

// renderMessage shows a page that only says something (an error).
func (con *Console) renderMessage(c *gin.Context, status int, heading, message i18n.Message) {
	loc := con.loc(c)
	con.render(c, status, "message", heading, "", messageData{Status: status, Heading: loc.Msg(heading), Message: loc.Msg(message)})
	c.Abort()
}

// fail shows an error page: a missing object is a 404 that says what is
// missing; anything else is logged once and shown without detail.
func (con *Console) fail(c *gin.Context, err error) {
	var e *gateway.Error
	if gateway.ErrorCode(err) == gateway.ResourceMissing && asError(err, &e) {
		con.renderMessage(c, http.StatusNotFound, i18n.M("console.not_found.title"), coreMessage(e))
		return
	}
	con.log.ErrorContext(c.Request.Context(), "console", "request_id", apicall.RequestIDOf(c), "path", c.Request.URL.Path, "err", err)
	con.renderMessage(c, http.StatusInternalServerError, i18n.M("console.internal.title"),
		i18n.M("console.internal.text", "Request", apicall.RequestIDOf(c)))
}

// done ends an action that worked: a flash that says what happened, and
// back to where the action was started.
func (con *Console) done(c *gin.Context, back string, m i18n.Message) {
	con.flash(c, m)
	c.Redirect(http.StatusSeeOther, back)
}

// refuse ends an action the core refused: a flash that says why (the core's
// sentence, in the reader's language when the console knows it), and back.
// Internal errors are logged and said to be so. doing is what could not be
// done ("mark the payment paid").
func (con *Console) refuse(c *gin.Context, back string, doing i18n.Message, err error) {
	var e *gateway.Error
	if !asError(err, &e) || e.Code == gateway.InternalError {
		con.log.ErrorContext(c.Request.Context(), "console: "+doing.String(), "request_id", apicall.RequestIDOf(c), "err", err)
		con.flashError(c, i18n.M("console.refused.internal", "Doing", doing, "Request", apicall.RequestIDOf(c)))
	} else {
		con.flashError(c, i18n.M("console.refused.core", "Doing", doing, "Reason", coreMessage(e)))
	}
	apicall.AddLogAttrs(c, "console_refused", gateway.ErrorCode(err))
	c.Redirect(http.StatusSeeOther, back)
}

// backTo is where an action returns: the form's "back" field when it is a
// console page, or fallback.
func backTo(c *gin.Context, fallback string) string {
	if b := c.PostForm("back"); b != "" && safeNext(b) == b {
		return b
	}
	return fallback
}

// withFragment points path at an element of its page, in place of any
// fragment it had.
func withFragment(path, id string) string {
	path, _, _ = strings.Cut(path, "#")
	return path + "#" + id
}

var funcs = template.FuncMap{
	"money": money.Format,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
	},
	"pretty":   pretty,
	"inlinemd": inlineMarkdown,
	"derefInt": func(p *int) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprint(*p)
	},
	"derefInt64": func(p *int64) string {
		if p == nil {
			return "∞"
		}
		return fmt.Sprint(*p)
	},
	// dict3 passes three values to a partial (overview tiles).
	"dict3": func(name, path string, k gateway.KindCounts) tile { return tile{name, path, k} },
	"last":  func(s []gateway.Attempt) int { return len(s) - 1 },
	"clip": func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n]) + "…"
		}
		return s
	},
	"credArgs": func(mid, protocol string, fs []credField) credArgs { return credArgs{mid, protocol, fs} },
	"selectArgs": func(name, lbl, empty string, options []string, value, err string) selectArgs {
		return selectArgs{name, lbl, empty, options, value, err}
	},
	"formHasErr": func(fs []keyField) bool {
		for _, f := range fs {
			if f.Err != "" {
				return true
			}
		}
		return false
	},
	"snapshot": func(e *gateway.Event) string {
		v := map[string]any{"payment": e.Payment}
		if e.Refund != nil {
			v["refund"] = e.Refund
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"eventArgs": func(evs []*gateway.Event, back string) eventArgs { return eventArgs{evs, back} },
	"filterArgs": func(fs, invalid []filter, search bool, query string) filterArgs {
		return filterArgs{Filters: fs, Invalid: invalid, Search: search, Query: query}
	},
}

type tile struct {
	Name, Path string
	K          gateway.KindCounts
}

type credArgs struct {
	MerchantID, Protocol string
	Fields               []credField
}

type selectArgs struct {
	Name, Label string
	// Empty is what choosing nothing means.
	Empty      string
	Options    []string
	Value, Err string
}

type eventArgs struct {
	Events []*gateway.Event
	Back   string
}

type filterArgs struct {
	Filters, Invalid []filter
	Search           bool
	Query            string
}

// pretty indents a JSON body for reading; anything else is shown as sent.
func pretty(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return body
	}
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(body), "", "  ") != nil {
		return body
	}
	return buf.String()
}

var (
	mdCode   = regexp.MustCompile("`([^`]+)`")
	mdStrong = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdLink   = regexp.MustCompile(`\[([^\]]+)\]\([^)]+\)`)
)

// inlineMarkdown renders the inline markdown of the project's docs (code,
// bold; links keep their text): the text is escaped first, so only these
// tags can appear.
func inlineMarkdown(s string) template.HTML {
	s = template.HTMLEscapeString(s)
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdCode.ReplaceAllString(s, "<code>$1</code>")
	s = mdStrong.ReplaceAllString(s, "<strong>$1</strong>")
	return template.HTML(s) // escaped above; only code and strong tags are added
}

func asError(err error, target **gateway.Error) bool { return errors.As(err, target) }
