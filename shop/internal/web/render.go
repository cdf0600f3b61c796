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

	"github.com/paysandbox/paysandbox/shared/money"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// renderer holds one parsed template set per page: the layout, the
// partials and the page. Sets are parsed once at start.
type renderer struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"money":        money.Format,
	"stateLabel":   shop.StateLabel,
	"methodLabel":  shop.MethodLabel,
	"qrMethod":     shop.QRMethod,
	"reasonLabel":  shop.ReasonLabel,
	"requestLabel": shop.RequestStatusLabel,
	"noticeClass":  noticeClass,
	"refundable":   shop.Refundable,
	"when":         func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
	// dict builds the argument of the "field" partial.
	"dict": func(kv ...any) (map[string]any, error) {
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
	},
	"minutes": func(d time.Duration) string {
		if d <= 0 {
			return "no time"
		}
		return d.Round(time.Second).String()
	},
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
	r := &renderer{pages: map[string]*template.Template{}}
	for _, p := range pages {
		files := append([]string{"layout.tmpl"}, partials...)
		files = append(files, p)
		t, err := template.New("layout.tmpl").Funcs(funcs).ParseFS(fsys, files...)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", p, err)
		}
		r.pages[strings.TrimSuffix(path.Base(p), ".tmpl")] = t
	}
	return r, nil
}

// view is what every page gets: the common header data and the page's own.
type view struct {
	Title     string
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

// render writes a page. It renders into a buffer first, so a template error
// becomes a clean error page instead of half a page.
func (s *Server) render(c *gin.Context, status int, page, title string, data any, refresh int) {
	t, ok := s.pages.pages[page]
	if !ok {
		s.fail(c, fmt.Errorf("web: no page %q", page))
		return
	}
	v := view{Title: title, User: s.currentUser(c), CartCount: s.cartCount(c), Flash: s.popFlash(c), Refresh: refresh, Data: data}
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
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal error."))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
