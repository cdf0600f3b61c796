package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/templates"
)

// pageNames are the console's pages: each is parsed once, with the layout
// and the partials, into a set of its own.
var pageNames = []string{
	"signin", "message", "overview", "search", "merchants", "merchant", "payments", "payment",
	"refunds", "events", "event", "faults", "scenarios", "reset",
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templates.Console,
			"console/layout.html", "console/partials.html", "console/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what the layout gets: the page's own data is Data.
type view struct {
	Title string
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

// render executes a page into a buffer and writes it only when it worked,
// so a template error never leaves half a page behind. It takes the flash
// messages, which a page shows once.
func (con *Console) render(c *gin.Context, status int, page, title, nav string, data any) {
	ctx := c.Request.Context()
	v := view{Title: title, Nav: nav, Data: data,
		SignedIn: con.sm.GetString(ctx, keyMark) == con.tokenMark}
	v.Flash = con.sm.PopString(ctx, keyFlash)
	v.FlashError = con.sm.PopString(ctx, keyFlashErr)
	if r, ok := data.(refresher); ok && r.pending() {
		v.Refresh = refreshSeconds
	}
	var buf bytes.Buffer
	if err := con.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		con.log.ErrorContext(ctx, "console: render", "request_id", apicall.RequestIDOf(c), "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error\n"))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type messageData struct {
	Status  int
	Heading string
	Message string
}

// renderMessage shows a page that only says something (an error).
func (con *Console) renderMessage(c *gin.Context, status int, heading, message string) {
	con.render(c, status, "message", heading, "", messageData{Status: status, Heading: heading, Message: message})
	c.Abort()
}

// fail shows an error page: a missing object is a 404 that says what is
// missing; anything else is logged once and shown without detail.
func (con *Console) fail(c *gin.Context, err error) {
	var e *gateway.Error
	if gateway.ErrorCode(err) == gateway.ResourceMissing && asError(err, &e) {
		con.renderMessage(c, http.StatusNotFound, "Not found", e.Message)
		return
	}
	con.log.ErrorContext(c.Request.Context(), "console", "request_id", apicall.RequestIDOf(c), "path", c.Request.URL.Path, "err", err)
	con.renderMessage(c, http.StatusInternalServerError, "Something went wrong",
		"The console could not do that; the gateway's log has the details (look for request "+apicall.RequestIDOf(c)+").")
}

// done ends an action that worked: a flash that says what happened, and
// back to where the action was started.
func (con *Console) done(c *gin.Context, back, format string, args ...any) {
	con.flash(c, fmt.Sprintf(format, args...))
	c.Redirect(http.StatusSeeOther, back)
}

// refuse ends an action the core refused: a flash that says why (the core's
// messages are written for people), and back. Internal errors are logged
// and said to be so.
func (con *Console) refuse(c *gin.Context, back, doing string, err error) {
	var e *gateway.Error
	if !asError(err, &e) || e.Code == gateway.InternalError {
		con.log.ErrorContext(c.Request.Context(), "console: "+doing, "request_id", apicall.RequestIDOf(c), "err", err)
		con.flashError(c, "Could not "+doing+": internal error (request "+apicall.RequestIDOf(c)+" in the gateway's log).")
	} else {
		con.flashError(c, "Could not "+doing+": "+e.Message)
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
	"rel":      relative,
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
	"label": label,
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

// relative says how far t is from now: "4s ago", "in 2m".
func relative(t time.Time) string {
	d := time.Until(t)
	suffix, prefix := "", "in "
	if d < 0 {
		d, suffix, prefix = -d, " ago", ""
	}
	var s string
	switch {
	case d < time.Second:
		return "now"
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return prefix + s + suffix
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

var labels = map[string]string{
	"native": "Native", "alipay": "Alipay", "wechat": "WeChat Pay", "stripe": "Stripe",
	"unionpay": "UnionPay", "card": "Card",
}

// label is a protocol's or method's name as people write it.
func label(s string) string {
	if l, ok := labels[s]; ok {
		return l
	}
	return strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):]
}

func asError(err error, target **gateway.Error) bool { return errors.As(err, target) }
