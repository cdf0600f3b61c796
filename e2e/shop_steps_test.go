package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/i18n/i18ntest"
)

// Who made a timeline entry, by the catalogue key of how the shop names
// them in the page's language (shop/internal/shop's Actor* constants).
const (
	actorNotification = "shop.actor.notification"
	actorReconciler   = "shop.actor.reconciler"
	actorReturn       = "shop.actor.return"
)

// languages are the languages every journey runs in: English, and once in
// Chinese.
var languages = i18n.Languages

// inEachLanguage runs a journey once per language, in parallel, each with
// its own stack.
func inEachLanguage(t *testing.T, journey func(t *testing.T, lang string)) {
	t.Helper()
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			journey(t, lang)
		})
	}
}

// say is a catalogue message in the page's language, as the page shows it.
func (p *page) say(key string, kv ...any) string { return i18n.Default.Localizer(p.lang).T(key, kv...) }

// The test cards of docs/cashier.md.
const (
	cardOK       = "4242424242424242"
	cardDeclined = "4000000000000002"
)

// clickLoad clicks sel and waits for the page it leads to to load (after any
// redirects).
func (p *page) clickLoad(sel string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(css(sel)))); err != nil {
		p.fail("click "+sel+" and wait for the next page", err)
	}
}

// signIn signs in through the sign-in form; the shop then shows the
// catalogue.
func (p *page) signIn(s *stack, email, password string) {
	p.t.Helper()
	p.open(s.shop.URL+"/signin", `input[name=email]`)
	p.fill(map[string]string{`input[name=email]`: email, `input[name=password]`: password})
	p.click(`[data-testid=signin]`, `[data-testid^="add-"]`)
}

// order puts products (by slug) in the cart from the catalogue, checks out
// and returns the order number, read from the payment page's address. It
// starts on any shop page.
func (p *page) order(s *stack, slugs ...string) string {
	p.t.Helper()
	for _, slug := range slugs {
		if eval[string](p, "read the address", "location.pathname") != "/" {
			p.click(`header nav a[href="/"]`, `[data-testid="add-`+slug+`"]`)
		}
		p.click(`[data-testid="add-`+slug+`"]`, `[data-testid=checkout]`)
	}
	p.click(`[data-testid=checkout]`, `input[name=postal_code]`)
	contact := map[string]string{
		`input[name=name]`: "Alice Wang", `input[name=email]`: "alice@example.com", `input[name=phone]`: "+86 138 0000 0000",
		`input[name=address]`: "1 West Lake Road", `input[name=city]`: "Hangzhou", `input[name=postal_code]`: "310000",
	}
	if p.lang == i18n.Chinese {
		contact[`input[name=name]`], contact[`input[name=address]`], contact[`input[name=city]`] = "王爱丽", "西湖路 1 号", "杭州"
	}
	p.fill(contact)
	p.click(`[data-testid=place-order]`, `button[name=method]`)
	u, err := url.Parse(p.location())
	if err != nil {
		p.fail("read the order number", err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "orders" || parts[2] != "pay" {
		p.fail("read the order number", context.Canceled)
	}
	return parts[1]
}

// payAtCashier pays on the gateway's cashier page of any method (a card
// number for cards) and waits for the cashier's result, want being
// "cashier-paid" or "cashier-declined".
func (p *page) payAtCashier(card, want string) {
	p.t.Helper()
	p.waitVisible(`[data-testid=pay-button]`, stepTimeout)
	if card != "" {
		p.fill(map[string]string{`#number`: card, `#expiry`: "12/34", `#cvc`: "123"})
	}
	p.click(`[data-testid=pay-button]`, `[data-testid=`+want+`]`)
}

// returnToShop follows the cashier result page's link back to the shop and
// waits for the shop's result page.
func (p *page) returnToShop(s *stack, want string) {
	p.t.Helper()
	p.click(`a[href^="`+s.shop.URL+`/orders/"]`, `[data-testid=`+want+`]`)
}

// openOrder follows the link to the order's page from a shop page that has
// one and returns its status.
func (p *page) openOrder(no string) string {
	p.t.Helper()
	p.click(`main a[href="/orders/`+no+`"]`, `[data-testid^="order-status-"]`)
	return p.orderStatus()
}

func (p *page) orderStatus() string {
	p.t.Helper()
	return eval[string](p, "read the order status",
		`document.querySelector('[data-testid^="order-status-"]').dataset.testid.replace("order-status-", "")`)
}

// timelineActors lists who made the timeline entries of a kind, in page
// order, as the page shows them (in its language).
func (p *page) timelineActors(kind string) []string {
	p.t.Helper()
	return eval[[]string](p, "read the timeline",
		`Array.from(document.querySelectorAll('[data-testid="timeline-`+kind+`"] [data-testid="timeline-actor"]')).map(e => e.textContent.trim())`)
}

// waitStatus reloads the order page until the order has status want.
func (p *page) waitStatus(want string, timeout time.Duration) {
	p.t.Helper()
	p.waitReloading(`[data-testid="order-status-`+want+`"]`, timeout)
}

// checkLang checks the page as the browser has it now (scripts run) is in
// the journey's language: <html lang>, no catalogue key or missing argument
// left, and no English sentence on a Chinese page.
func (p *page) checkLang(what string) {
	p.t.Helper()
	html := eval[string](p, "read the page", `document.documentElement.outerHTML`)
	i18ntest.CheckPage(p.t, what, html, p.lang)
}
