package stripe

import (
	"slices"
	"strings"
	"time"
)

// testMethod is one of Stripe's test payment methods: the card it stands
// for and the core failure code a confirmation with it ends in ("" pays).
type testMethod struct {
	brand, last4, failCode string
}

// testMethods are the test payment methods a PaymentIntent can be
// confirmed with (DESIGN §11.3), named as Stripe names them.
var testMethods = map[string]testMethod{
	"pm_card_visa":                            {"visa", "4242", ""},
	"pm_card_visa_debit":                      {"visa", "5556", ""},
	"pm_card_mastercard":                      {"mastercard", "4444", ""},
	"pm_card_amex":                            {"amex", "8431", ""},
	"pm_card_chargeDeclined":                  {"visa", "0002", "card_declined"},
	"pm_card_chargeDeclinedInsufficientFunds": {"visa", "9995", "insufficient_funds"},
	"pm_card_chargeDeclinedExpiredCard":       {"visa", "0069", "expired_card"},
	"pm_card_chargeDeclinedProcessingError":   {"visa", "0119", "processing_error"},
}

// decline is how Stripe reports a core failure code.
type decline struct {
	code, declineCode, message string
}

// declineOf maps a core failure code to Stripe's code, decline_code and
// message; a code a scenario invented is a card_declined with that
// decline_code.
func declineOf(code string) decline {
	switch code {
	case "card_declined":
		return decline{"card_declined", "generic_decline", "Your card was declined."}
	case "insufficient_funds":
		return decline{"card_declined", "insufficient_funds", "Your card has insufficient funds."}
	case "expired_card":
		return decline{"expired_card", "expired_card", "Your card has expired."}
	case "processing_error":
		return decline{"processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit."}
	case "risk_rejected":
		return decline{"card_declined", "fraudulent", "Your card was declined."}
	}
	return decline{"card_declined", strings.ToLower(code), "Your card was declined."}
}

func cardDetails(pm string) map[string]any {
	tm, ok := testMethods[pm]
	if !ok {
		tm = testMethods["pm_card_visa"]
	}
	return map[string]any{
		"brand": tm.brand, "last4": tm.last4, "exp_month": 12, "exp_year": time.Now().Year() + 3,
		"country": "US", "funding": "credit", "checks": map[string]any{"cvc_check": "pass"},
	}
}

func toPaymentMethod(id string, created time.Time) *paymentMethod {
	return &paymentMethod{ID: id, Object: "payment_method", Type: "card", Card: cardDetails(id), Created: unix(created), Metadata: map[string]any{}}
}

// expansion is the expand[] of a request: the properties to show as
// objects instead of ids.
type expansion []string

func (e expansion) has(prop string) bool { return slices.Contains(e, prop) }

// under returns the expansions nested under prop ("payment_intent.latest_charge" → "latest_charge").
func (e expansion) under(prop string) expansion {
	var out expansion
	for _, x := range e {
		if rest, ok := strings.CutPrefix(x, prop+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

// checkExpand refuses an expansion the object cannot make, as Stripe does.
func checkExpand(ex expansion, allowed ...string) error {
	for _, x := range ex {
		if !slices.Contains(allowed, x) {
			return invalidRequest("expand", "This property cannot be expanded (%s).", x)
		}
	}
	return nil
}
