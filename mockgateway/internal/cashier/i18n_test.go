package cashier

import (
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/i18n/i18ntest"
	"github.com/paysandbox/paysandbox/templates"
)

// TestTemplates_AllTextFromCatalogue: the cashier's templates print no
// words of their own but the test-card codes and the MM/YY format.
func TestTemplates_AllTextFromCatalogue(t *testing.T) {
	allow := append([]string{"MM/YY"}, gateway.PaymentFailureCodes...)
	if n := i18ntest.CheckTemplates(t, templates.Gateway, "gateway/*.html", allow); n < 50 {
		t.Errorf("the templates use %d catalogue keys; the check did not read them", n)
	}
}

// TestKeys_FromGo: the keys the cashier's Go code builds exist in every
// language (the templates' own are checked above).
func TestKeys_FromGo(t *testing.T) {
	keys := []string{"cashier.pay.title", "cashier.internal_error", "cashier.fail.error", "cashier.sms.error",
		"cashier.result.paid.title", "cashier.result.declined.title", "cashier.result.cancelled.title",
		"cashier.left.none", "cashier.left.under_a_minute", "cashier.left.minutes", "cashier.left.hours"}
	for _, state := range []string{statePaid, stateRefunded, stateClosed, stateExpired} {
		keys = append(keys, "cashier.status."+state+".title")
	}
	for _, e := range []string{"not_found", "internal", "cross_origin", "form"} {
		keys = append(keys, "cashier.error."+e+".title", "cashier.error."+e+".text")
	}
	f := cardForm{Number: "x", Expiry: "13/99", CVC: "1", Name: string(make([]rune, 101))}
	f.validate(timeZero)
	for _, k := range f.Errors {
		keys = append(keys, k)
	}
	for _, code := range gateway.PaymentFailureCodes {
		keys = append(keys, "decline."+code)
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !i18n.Default.Has(lang, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
	if len(f.Errors) != 4 {
		t.Errorf("the broken form has %d errors, want 4: %v", len(f.Errors), f.Errors)
	}
}
