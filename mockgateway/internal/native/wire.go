package native

import (
	"encoding/json"
	"fmt"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// The native wire format is shared/gatewayapi; these functions map the
// core's objects onto it. DESIGN §3 and docs/openapi.yaml define it, and the
// contract test holds every answer to it, byte for byte in shape.

// Payment is a payment on the native wire.
func Payment(p *gateway.Payment) gatewayapi.Payment {
	out := gatewayapi.Payment{
		ID: p.ID, Object: "payment", MerchantID: p.MerchantID, OutTradeNo: p.OutTradeNo,
		Amount: p.Amount, Currency: p.Currency, Method: p.Method, Subject: p.Subject,
		Description: p.Description, Status: p.Status, AmountRefunded: p.AmountRefunded,
		PayURL: p.PayURL, QRCode: p.PayURL, QRCodeURL: p.QRCodeURL,
		NotifyURL: p.NotifyURL, ReturnURL: p.ReturnURL, Metadata: p.Metadata,
		Scenario: scenarioText(p.Scenario), CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt,
		PaidAt: p.PaidAt, ClosedAt: p.ClosedAt,
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if p.LastError != nil {
		out.LastError = &gatewayapi.PaymentError{Code: p.LastError.Code, Message: p.LastError.Message}
	}
	if p.Locale != "" {
		out.Locale = &p.Locale
	}
	return out
}

// Refund is a refund on the native wire.
func Refund(r *gateway.Refund) gatewayapi.Refund {
	out := gatewayapi.Refund{
		ID: r.ID, Object: "refund", PaymentID: r.PaymentID, OutTradeNo: r.OutTradeNo,
		OutRefundNo: r.OutRefundNo, Amount: r.Amount, Currency: r.Currency, Reason: r.Reason,
		Status: r.Status, NotifyURL: r.NotifyURL, Scenario: scenarioText(r.Scenario),
		CreatedAt: r.CreatedAt, SettledAt: r.SettledAt,
	}
	if r.FailureCode != "" {
		code, msg := r.FailureCode, r.FailureMessage
		out.FailureCode, out.FailureMessage = &code, &msg
	}
	return out
}

// Merchant is a merchant as GET /v1/merchant shows it to itself.
func Merchant(m *gateway.Merchant) gatewayapi.Merchant {
	return gatewayapi.Merchant{ID: m.ID, Object: "merchant", Name: m.Name, NotifyURL: m.NotifyURL, CreatedAt: m.CreatedAt}
}

func scenarioText(sc gateway.Scenario) *string {
	if sc.IsZero() {
		return nil
	}
	s := sc.String()
	return &s
}

// Envelope is an event as a native notification carries it: the object as
// it was when the event happened. Events of other protocols are shown in
// the native dialect too, under the core's name of the change.
func Envelope(ev *gateway.Event) (gatewayapi.Envelope, error) {
	raw, err := json.Marshal(object(ev))
	if err != nil {
		return gatewayapi.Envelope{}, fmt.Errorf("native: encode event %s: %w", ev.ID, err)
	}
	return envelopeOf(ev, json.RawMessage(raw)), nil
}

// EnvelopeJSON is the JSON of Envelope(ev), a notification's body, encoded
// in one pass (a dispatcher encodes one per attempt).
func EnvelopeJSON(ev *gateway.Event) ([]byte, error) {
	body, err := json.Marshal(envelopeOf(ev, object(ev)))
	if err != nil {
		return nil, fmt.Errorf("native: encode event %s: %w", ev.ID, err)
	}
	return body, nil
}

// object is the event's object on the native wire.
func object(ev *gateway.Event) any {
	if ev.Refund != nil {
		return Refund(ev.Refund)
	}
	return Payment(ev.Payment)
}

func envelopeOf[T any](ev *gateway.Event, obj T) gatewayapi.EnvelopeOf[T] {
	typ := ev.Topic
	if ev.Protocol != gateway.ProtocolNative {
		typ = ev.Type
	}
	return gatewayapi.EnvelopeOf[T]{
		ID: ev.ID, Object: "event", Type: typ, CreatedAt: ev.CreatedAt,
		MerchantID: ev.MerchantID, Data: gatewayapi.EventDataOf[T]{Object: obj},
	}
}

// Event is an event as the API shows it: the envelope plus its delivery
// state.
func Event(ev *gateway.Event) (gatewayapi.Event, error) {
	env, err := Envelope(ev)
	if err != nil {
		return gatewayapi.Event{}, err
	}
	attempts := make([]gatewayapi.Attempt, len(ev.Attempts))
	for i, a := range ev.Attempts {
		attempts[i] = gatewayapi.Attempt{
			Number: a.Number, At: a.At, URL: a.URL, StatusCode: a.StatusCode,
			DurationMS: a.DurationMS, ResponseBody: a.ResponseBody,
			Error: optional(a.Error), Scenario: optional(a.Scenario),
		}
	}
	return gatewayapi.Event{
		Envelope: env, DeliveryStatus: ev.DeliveryStatus,
		NextAttemptAt: ev.NextAttemptAt, Attempts: attempts,
	}, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
