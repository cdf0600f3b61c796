package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// stepTimeout bounds every step, so a broken page fails in seconds (on a
// busy 2-core machine a page of the race-built binaries can take a few).
const stepTimeout = 15 * time.Second

type (
	void = chromedp.Void
	css  = chromedp.CSS
)

// page is one journey's browser tab in its own browser context (own
// cookies). Every step is bounded by a timeout; a failing step fails the
// test with the address, a screenshot and the text of the page. It keeps a
// screenshot of each key page in a temporary folder named in the log.
type page struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	n    int
	errs *consoleErrors
	// lang is the language the browser asks for (Accept-Language).
	lang string
}

// newPage opens a tab of an English browser; phone emulates a phone's 390 ×
// 844 CSS pixels.
func newPage(t *testing.T, name string, phone bool) *page {
	t.Helper()
	return newPageIn(t, name, i18n.English, phone)
}

// newPageIn opens a tab whose browser asks for lang (its Accept-Language;
// English is Chromium's own); phone emulates a phone's 390 × 844 CSS
// pixels.
func newPageIn(t *testing.T, name, lang string, phone bool) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	dir, err := os.MkdirTemp("", "paysandbox-e2e-"+strings.ReplaceAll(name, " ", "-")+"-"+lang+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of %s: %s", name, dir)
	p := &page{t: t, ctx: ctx, dir: dir, errs: &consoleErrors{}, lang: lang}
	// The first Do opens the tab and binds it to ctx, so it gets no
	// deadline of its own; it is bounded here instead.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(ctx) }()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("open a tab: no answer from chromium in 30 s")
	}
	p.watchConsole()
	if lang != i18n.English {
		p.do("ask for "+lang, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			_, err := cdp.Call(ctx, tgt, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}})
			return err
		}))
	}
	if phone {
		// An iPhone 12's viewport; 2 device pixels per CSS pixel rather
		// than its 3 keeps the screenshots smaller and faster.
		p.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	}
	return p
}

// consoleErrors collects what the pages report as errors: uncaught
// exceptions and failed loads, including anything a Content-Security-Policy
// refused.
type consoleErrors struct {
	mu   sync.Mutex
	list []string
	// expected are errors a journey causes on purpose (a refused
	// sign-in's 401), matched by substring of "URL: text".
	expected []string
}

// expectError lets the page report an error holding s: the journey causes
// it on purpose.
func (p *page) expectError(s string) {
	p.errs.mu.Lock()
	defer p.errs.mu.Unlock()
	p.errs.expected = append(p.errs.expected, s)
}

func (p *page) watchConsole() {
	messages := chromedp.Console(p.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != "error" && !m.IsException() {
				continue
			}
			// Chromium asks every site for a favicon nobody serves.
			if strings.Contains(m.Text, "favicon.ico") || strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			msg := fmt.Sprintf("%s: %s", m.URL, m.Text)
			p.errs.mu.Lock()
			if !slices.ContainsFunc(p.errs.expected, func(e string) bool { return strings.Contains(msg, e) }) {
				p.errs.list = append(p.errs.list, msg)
			}
			p.errs.mu.Unlock()
		}
	}()
	p.t.Cleanup(func() {
		p.errs.mu.Lock()
		defer p.errs.mu.Unlock()
		for _, e := range p.errs.list {
			p.t.Errorf("the page reported an error: %s", e)
		}
	})
}

// do runs steps within stepTimeout.
func (p *page) do(what string, steps ...chromedp.Action[void]) {
	p.t.Helper()
	p.doWithin(stepTimeout, what, steps...)
}

func (p *page) doWithin(d time.Duration, what string, steps ...chromedp.Action[void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fail(what, err)
	}
}

// eval evaluates a JavaScript expression (one without side effects, or
// with ones safe to repeat) within stepTimeout into T, again when a page
// load destroyed the page it ran in.
func eval[T any](p *page, what, expr string) T {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		cancel()
		if err == nil {
			return v
		}
		if !replaced(err) || time.Now().After(deadline) {
			p.fail(what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fail stops the test with where the tab is, a screenshot and the page's
// text.
func (p *page) fail(what string, err error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	shot := "none"
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		shot = filepath.Join(p.dir, "failure.png")
		_ = os.WriteFile(shot, buf, 0o644)
	}
	p.t.Fatalf("%s: %v\n  at %s\n  screenshot: %s\n  page text:\n%s", what, err, loc, shot, text)
}

// open goes to an address, as typing it would, and waits for sel.
func (p *page) open(url, sel string) {
	p.t.Helper()
	p.do("open "+url, chromedp.Navigate(url))
	p.waitVisible(sel, stepTimeout)
}

// click clicks the element sel and waits until next is visible (on the page
// the click leads to; next must not be on the page clicked).
func (p *page) click(sel, next string) {
	p.t.Helper()
	p.clickOnly(sel)
	p.waitVisible(next, stepTimeout)
}

// clickOnly clicks the element sel.
func (p *page) clickOnly(sel string) {
	p.t.Helper()
	p.doReplaced("click "+sel, chromedp.Click(css(sel)))
}

// doReplaced runs steps that are safe to repeat within stepTimeout, again
// when the page changed under them: a page that refreshes itself (the
// shop's payment page, every 3 s) or has just loaded can replace an element
// between finding and using it, and the step then never happened.
func (p *page) doReplaced(what string, steps ...chromedp.Action[void]) {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
		err := chromedp.Do(ctx, steps...)
		cancel()
		if err == nil {
			return
		}
		if !replaced(err) || time.Now().After(deadline) {
			p.fail(what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// replaced reports whether err says the page changed under a query.
func replaced(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not find node") || strings.Contains(msg, "No node with given id") ||
		strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "context was destroyed")
}

// waitVisible waits up to d for an element sel that is rendered (has a box
// and is not hidden) on a page that has finished loading: clicks go to
// coordinates, so a style sheet arriving after the click was aimed could
// move the target away. It asks the page every 100 ms, so it keeps working
// while a click or a refresh replaces the page.
func (p *page) waitVisible(sel string, d time.Duration) {
	p.t.Helper()
	expr := `(() => { const e = document.querySelector(` + jsString(sel) + `);
		return document.readyState === "complete" && !!e && e.getClientRects().length > 0 &&
			getComputedStyle(e).visibility !== "hidden"; })()`
	deadline := time.Now().Add(d)
	var last error
	for {
		ctx, cancel := context.WithTimeout(p.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		if time.Now().After(deadline) {
			if last == nil {
				last = context.DeadlineExceeded
			}
			p.fail(fmt.Sprintf("wait %v for %s", d, sel), last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fill sets form fields, selector → value.
func (p *page) fill(fields map[string]string) {
	p.t.Helper()
	var steps []chromedp.Action[void]
	for sel, v := range fields {
		steps = append(steps, chromedp.SetValue(css(sel), v))
	}
	p.doReplaced("fill the form", steps...)
}

// exists reports whether sel matches an element now.
func (p *page) exists(sel string) bool {
	p.t.Helper()
	return eval[bool](p, "look for "+sel, "document.querySelector("+jsString(sel)+") !== null")
}

// count counts the elements sel matches now.
func (p *page) count(sel string) int {
	p.t.Helper()
	return eval[int](p, "count "+sel, "document.querySelectorAll("+jsString(sel)+").length")
}

// text returns the text of the first element sel matches.
func (p *page) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(eval[string](p, "read "+sel,
		`(() => { const e = document.querySelector(`+jsString(sel)+`); if (!e) throw new Error("no element"); return e.textContent; })()`))
}

// location is the tab's address.
func (p *page) location() string {
	p.t.Helper()
	return eval[string](p, "read the address", "location.href")
}

// waitReloading waits up to timeout for sel, reloading the page every
// second: what a customer does with a page that waits for news.
func (p *page) waitReloading(sel string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !p.exists(sel) {
		if time.Now().After(deadline) {
			p.fail(fmt.Sprintf("wait %v for %s", timeout, sel), context.DeadlineExceeded)
		}
		time.Sleep(time.Second)
		p.do("reload", chromedp.Reload())
	}
}

// shot saves a screenshot of the whole page as NN-name.png in the
// journey's folder; with UPDATE_SCREENSHOTS=1 a docName also goes to
// docs/img/docName.png for the README.
func (p *page) shot(name, docName string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fail("screenshot "+name, err)
	}
	p.n++
	path := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.n, name))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if docName != "" && os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dst := filepath.Join("..", "docs", "img", docName+".png")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := copyFile(path, dst); err != nil {
			p.t.Fatal(err)
		}
		p.t.Logf("UPDATE_SCREENSHOTS: wrote %s", dst)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
