package e2e

import (
	"testing"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// layout is what a phone sees of a page, in CSS pixels.
type layout struct {
	ScrollWidth float64 `json:"scrollWidth"`
	InnerWidth  float64 `json:"innerWidth"`
	InnerHeight float64 `json:"innerHeight"`
	Scale       float64 `json:"scale"`
	Found       bool    `json:"found"`
	Left        float64 `json:"left"`
	Right       float64 `json:"right"`
	Top         float64 `json:"top"`
	Bottom      float64 `json:"bottom"`
}

// checkPhoneLayout checks the page as loaded: not zoomed, nothing scrolls
// sideways, and button, when given, lies within the viewport's width and,
// once the customer scrolls down to it, entirely on the screen — reachable
// by scrolling down only, never sideways or by zooming out.
func (p *page) checkPhoneLayout(what, button string) {
	p.t.Helper()
	measure := `(() => {
		const d = document.documentElement, sel = ` + jsString(button) + `;
		const e = sel ? document.querySelector(sel) : null;
		const r = e ? e.getBoundingClientRect() : {left: 0, right: 0, top: 0, bottom: 0};
		return {scrollWidth: d.scrollWidth, innerWidth: innerWidth, innerHeight: innerHeight,
			scale: visualViewport ? visualViewport.scale : 1, found: !!e,
			left: r.left, right: r.right, top: r.top, bottom: r.bottom};
	})()`
	l := eval[layout](p, "measure "+what, measure)
	if l.InnerWidth != 390 {
		p.t.Errorf("%s: viewport %v px wide, want the phone's 390", what, l.InnerWidth)
	}
	if l.Scale != 1 {
		p.t.Errorf("%s: zoomed to %v", what, l.Scale)
	}
	if l.ScrollWidth > l.InnerWidth {
		p.t.Errorf("%s scrolls sideways: %v px of content in a %v px viewport", what, l.ScrollWidth, l.InnerWidth)
	}
	if button == "" {
		return
	}
	if !l.Found {
		p.t.Errorf("%s: no %s", what, button)
		return
	}
	if l.Left < 0 || l.Right > l.InnerWidth+1 {
		p.t.Errorf("%s: %s spans x %v–%v, outside the %v px viewport", what, button, l.Left, l.Right, l.InnerWidth)
	}
	if l.Bottom > l.InnerHeight {
		p.t.Logf("%s: %s is below the fold at load (y %v–%v of %v)", what, button, l.Top, l.Bottom, l.InnerHeight)
	}
	scrolled := eval[layout](p, "scroll to "+button+" and measure",
		`(document.querySelector(`+jsString(button)+`).scrollIntoView({block: "nearest"}), `+measure+`)`)
	if scrolled.Top < 0 || scrolled.Bottom > scrolled.InnerHeight+1 || scrolled.Left < 0 || scrolled.Right > scrolled.InnerWidth+1 || scrolled.Scale != 1 {
		p.t.Errorf("%s: scrolled to, %s is at x %v–%v, y %v–%v, zoom %v: not entirely on the %v × %v screen",
			what, button, scrolled.Left, scrolled.Right, scrolled.Top, scrolled.Bottom, scrolled.Scale, scrolled.InnerWidth, scrolled.InnerHeight)
	}
}

// Journey 6: the payment journeys on a phone (390 px wide): for every
// method, the shop's payment page and the cashier fit the screen (no
// sideways scrolling) and show their pay button without zooming, and the
// payment goes through.
func TestJourney_Phone(t *testing.T) {
	t.Parallel()
	inEachLanguage(t, journeyPhone)
}

// phoneDocs are the screenshots of the phone journey that docs/img keeps,
// by language and page.
var phoneDocs = map[string]map[string]string{
	i18n.English: {"card-cashier": "cashier-card-phone"},
	i18n.Chinese: {"alipay-shop": "shop-payment-page-zh-phone", "alipay-cashier": "cashier-alipay-zh-phone", "card-cashier": "cashier-card-zh-phone"},
}

func journeyPhone(t *testing.T, lang string) {
	s := startStack(t, nil, nil)
	p := newPageIn(t, "phone", lang, true)
	p.signIn(s, "alice@example.com", "alice-sandbox")
	for _, method := range []string{"alipay", "wechat", "unionpay", "card"} {
		// Not t.Run: the steps share the tab and run in order.
		no := p.order(s, "sample")
		chooser := `button[name=method][value=` + method + `]`
		p.checkPhoneLayout(method+": shop payment page", chooser)
		if method == "alipay" || method == "wechat" {
			p.click(chooser, `[data-testid=qr]`)
			p.checkPhoneLayout(method+": shop payment page with the QR code", `[data-testid=pay-link]`)
			p.checkLang(method + ": shop payment page")
			p.shot(method+"-shop-payment-page", phoneDocs[lang][method+"-shop"])
			p.click(`[data-testid=pay-link]`, `[data-testid=pay-button]`)
		} else {
			p.click(chooser, `[data-testid=pay-button]`)
		}
		p.checkPhoneLayout(method+": cashier", `[data-testid=pay-button]`)
		p.checkLang(method + ": cashier")
		p.shot(method+"-cashier", phoneDocs[lang][method+"-cashier"])
		card := ""
		if method == "card" {
			card = cardOK
		}
		p.payAtCashier(card, "cashier-paid")
		p.checkPhoneLayout(method+": cashier result", "")
		p.returnToShop(s, "result-paid")
		p.checkPhoneLayout(method+": shop result", "")
		if got := p.openOrder(no); got != "paid" {
			t.Errorf("%s: order %s is %q, want paid", method, no, got)
		}
		if t.Failed() {
			t.Fatalf("stopped after %s", method)
		}
	}
}
