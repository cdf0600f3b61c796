package stripe

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Ref kinds: the Stripe ids of a core payment, each indexed by the core
// (Payment.Refs) so a lookup by it finds the payment. A refund's and an
// event's Stripe ids are the core's own (re_…, evt_…).
const (
	refIntent  = "stripe.payment_intent"
	refCharge  = "stripe.charge"
	refSession = "stripe.checkout_session"
)

// Kinds of Stripe object a core payment stands for.
const (
	kindIntent  = "payment_intent"
	kindSession = "checkout_session"
)

// paymentExt is what the adapter keeps with a payment (Payment.Ext).
type paymentExt struct {
	Kind               string   `json:"kind"`
	PaymentMethodTypes []string `json:"payment_method_types"`
	// PaymentMethod is the attached payment method, "" when none.
	PaymentMethod string `json:"payment_method,omitempty"`
	// DeclinedMethod is the payment method of the latest declined attempt.
	DeclinedMethod string `json:"declined_method,omitempty"`
	// AttemptedAt is when the latest confirmation was made (the charge's
	// creation).
	AttemptedAt        *time.Time   `json:"attempted_at,omitempty"`
	CaptureMethod      string       `json:"capture_method,omitempty"`
	CancellationReason string       `json:"cancellation_reason,omitempty"`
	ClientSecret       string       `json:"client_secret"`
	Session            *sessionData `json:"session,omitempty"`
}

// sessionData is a Checkout Session's own part.
type sessionData struct {
	SuccessURL        string            `json:"success_url"`
	CancelURL         string            `json:"cancel_url,omitempty"`
	LineItems         []lineItemData    `json:"line_items"`
	ClientReferenceID string            `json:"client_reference_id,omitempty"`
	CustomerEmail     string            `json:"customer_email,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
}

type lineItemData struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	UnitAmount int64  `json:"unit_amount"`
	Quantity   int64  `json:"quantity"`
}

// extOf reads a payment's Stripe data; a payment made by another protocol
// has none and is not a Stripe object.
func extOf(p *gateway.Payment) (paymentExt, bool) {
	var x paymentExt
	if p.Protocol != gateway.ProtocolStripe || len(p.Ext) == 0 {
		return x, false
	}
	if err := json.Unmarshal(p.Ext, &x); err != nil {
		return x, false
	}
	return x, true
}

func (x paymentExt) raw() json.RawMessage {
	b, _ := json.Marshal(x)
	return b
}

// lower is a currency as Stripe writes it.
func lower(currency string) string { return strings.ToLower(currency) }
