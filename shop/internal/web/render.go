package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// renderer holds one parsed template set per language and page: the
// layout, the partials and the page, with the language's functions bound
// (t, msg, the labels). Sets are parsed once at start.
type renderer struct {
	pages map[string]map[string]*template.Template
}

// dict builds the argument of a partial that needs several values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// funcs are the template functions of pages in loc's language.
func funcs(loc *i18n.Localizer) template.FuncMap {
	fm := loc.Funcs()
	label := func(f func(string) i18n.Message) func(string) string {
		return func(s string) string { return loc.Msg(f(s)) }
	}
	for name, f := range map[string]any{
		"money":         money.Format,
		"stateLabel":    label(shop.StateLabel),
		"methodLabel":   label(shop.MethodLabel),
		"attemptLabel":  label(shop.AttemptStatusLabel),
		"refundLabel":   label(shop.RefundStatusLabel),
		"requestLabel":  label(shop.RequestStatusLabel),
		"actorLabel":    label(shop.ActorText),
		"productName":   func(p shop.Product) string { return productText(loc, p.Slug, "name", p.Name) },
		"productAbout":  func(p shop.Product) string { return productText(loc, p.Slug, "about", p.Description) },
		"itemName":      func(it shop.OrderItem) string { return productText(loc, it.Slug, "name", it.Name) },
		"qrMethod":      shop.QRMethod,
		"declineReason": func(code, gatewayMessage string) string { return loc.Msg(shop.DeclineReason(code, gatewayMessage)) },
		"noticeClass":   noticeClass,
		"refundable":    shop.Refundable,
		"when":          func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
		"dict":          dict,
		"timeLeft":      func(d time.Duration) string { return timeLeft(loc, d) },
		"languageNames": languageNames,
	} {
		fm[name] = f
	}
	return fm
}

// productText is shop.ProductText in loc's language.
func productText(loc *i18n.Localizer, slug, field, stored string) string {
	return loc.Msg(shop.ProductText(slug, field, stored))
}

// timeLeft says how long an order may still be paid, in whole minutes
// (rounded down, so the customer is never promised too much).
func timeLeft(loc *i18n.Localizer, d time.Duration) string {
	if d < time.Minute {
		return loc.T("shop.time.under_a_minute")
	}
	return loc.T("shop.time.minutes", "Count", int(d/time.Minute))
}

// language is one entry of the language switcher.
type language struct {
	Tag, Name string
}

// languageNames lists every language by its own name, for the switcher.
func languageNames() []language {
	out := make([]language, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		out = append(out, language{Tag: l, Name: i18n.Default.Localizer(l).T("language.name")})
	}
	return out
}

func newRenderer(fsys fs.FS) (*renderer, error) {
	partials, err := fs.Glob(fsys, "partials/*.tmpl")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(fsys, "pages/*.tmpl")
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("web: no page templates found")
	}
	r := &renderer{pages: map[string]map[string]*template.Template{}}
	for _, lang := range i18n.Languages {
		fm := funcs(i18n.Default.Localizer(lang))
		r.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			files := append([]string{"layout.tmpl"}, partials...)
			files = append(files, p)
			t, err := template.New("layout.tmpl").Funcs(fm).ParseFS(fsys, files...)
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", p, err)
			}
			r.pages[lang][strings.TrimSuffix(path.Base(p), ".tmpl")] = t
		}
	}
	return r, nil
}

// view is what every page gets: the common header data and the page's own.
type view struct {
	Title string
	// Lang is the page's language (<html lang>); Path is where the
	// language switcher brings the browser back to.
	Lang      string
	Path      string
	User      *shop.User
	CartCount int
	// Unread counts the signed-in user's notices not yet seen.
	Unread int
	Flash  string
	// Refresh, when positive, makes the page reload itself after that many
	// seconds (status polling that needs no JavaScript).
	Refresh int
	Data    any
}

// render writes a page in the request's language. title is already in that
// language (s.t). It renders into a buffer first, so a template error
// becomes a clean error page instead of half a page.
func (s *Server) render(c *gin.Context, status int, page, title string, data any, refresh int) {
	loc := s.loc(c)
	t, ok := s.pages.pages[loc.Lang()][page]
	if !ok {
		s.fail(c, fmt.Errorf("web: no page %q", page))
		return
	}
	here := c.Request.URL.Path
	if c.Request.Method == http.MethodGet && c.Request.URL.RawQuery != "" {
		here += "?" + c.Request.URL.RawQuery
	}
	v := view{Title: title, Lang: loc.Lang(), Path: safeNext(here), User: s.currentUser(c), CartCount: s.cartCount(c),
		Flash: s.popFlash(c), Refresh: refresh, Data: data}
	if v.User != nil {
		n, err := s.notices.UnreadNotices(c.Request.Context(), v.User.ID)
		if err != nil {
			// The badge is not worth failing the page for.
			s.log.Warn("unread notices", "err", err, "request_id", requestID(c.Request.Context()))
		}
		v.Unread = n
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.Error("render failed", "page", page, "err", err, "request_id", requestID(c.Request.Context()))
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(loc.T("shop.error.internal")))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", loc.Lang())
	c.Header("Vary", "Accept-Language, Cookie")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
