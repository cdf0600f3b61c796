package e2e

import (
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Journey 7: a customer whose browser asks for English picks 中文 with the
// shop's switcher; every shop page is then Chinese, the shop creates the
// payment with locale zh-CN, so the gateway's cashier is Chinese too
// although the browser still asks for English; paying brings the customer
// back to a Chinese result page. Switching back on the cashier is
// remembered there and wins over the payment's locale.
func TestJourney_ChosenLanguageReachesTheCashier(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil, nil)
	p := newPage(t, "chosen-language", false) // an English browser
	p.signIn(s, "alice@example.com", "alice-sandbox")
	p.checkLang("the catalogue before the switch")
	p.click(`[data-testid="lang-zh-CN"]`, `html[lang="zh-CN"] [data-testid^="add-"]`)
	p.lang = i18n.Chinese
	p.checkLang("the catalogue after the switch")
	no := p.order(s, "teapot")
	p.checkLang("the payment page")
	p.click(`button[name=method][value=card]`, `#number`)
	p.checkLang("the cashier")
	p.shot("cashier-card-chosen-zh", "")
	if got := gatewayPayment(t, s, no+"-1"); got.Locale == nil || *got.Locale != i18n.Chinese {
		t.Errorf("the shop created the payment with locale %v, want zh-CN", got.Locale)
	}
	p.payAtCashier(cardOK, "cashier-paid")
	p.checkLang("the cashier's result")
	p.returnToShop(s, "result-paid")
	p.checkLang("the shop's result page")
	if got, want := p.text(`[data-testid=result-paid] h1`), p.say("shop.result.paid_title"); got != want {
		t.Errorf("result page says %q, want %q", got, want)
	}

	// On a new payment's cashier the customer switches back to English: the
	// gateway remembers it, over the payment's zh-CN.
	p.order(s, "cups")
	p.click(`button[name=method][value=card]`, `#number`)
	p.click(`[data-testid="lang-en"]`, `html[lang="en"] #number`)
	p.lang = i18n.English
	p.checkLang("the cashier after switching back")
	if got := p.text(`[data-testid=pay-button]`); !strings.HasPrefix(got, "Pay ") {
		t.Errorf("the English cashier's button says %q", got)
	}
}
