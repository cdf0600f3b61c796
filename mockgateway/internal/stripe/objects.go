package stripe

import (
	"maps"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The objects below are shaped as Stripe's API shapes them (the fields its
// SDKs decode), built from the core's records. Fields PaySandbox has no
// notion of are present with Stripe's empty value (null, false, {}), so a
// decoder that expects them finds them.

// PaymentIntent statuses (DESIGN §11.3).
const (
	statusRequiresPaymentMethod = "requires_payment_method"
	statusRequiresConfirmation  = "requires_confirmation"
	statusSucceeded             = "succeeded"
	statusCanceled              = "canceled"
)

type paymentIntent struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amount_capturable"`
	AmountReceived     int64             `json:"amount_received"`
	CanceledAt         *int64            `json:"canceled_at"`
	CancellationReason *string           `json:"cancellation_reason"`
	CaptureMethod      string            `json:"capture_method"`
	ClientSecret       string            `json:"client_secret"`
	ConfirmationMethod string            `json:"confirmation_method"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	Customer           *string           `json:"customer"`
	Description        *string           `json:"description"`
	LastPaymentError   *errorDetail      `json:"last_payment_error"`
	LatestCharge       any               `json:"latest_charge"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	NextAction         any               `json:"next_action"`
	PaymentMethod      any               `json:"payment_method"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	ReceiptEmail       *string           `json:"receipt_email"`
	SetupFutureUsage   *string           `json:"setup_future_usage"`
	Status             string            `json:"status"`
}

type charge struct {
	ID                   string            `json:"id"`
	Object               string            `json:"object"`
	Amount               int64             `json:"amount"`
	AmountCaptured       int64             `json:"amount_captured"`
	AmountRefunded       int64             `json:"amount_refunded"`
	BillingDetails       map[string]any    `json:"billing_details"`
	Captured             bool              `json:"captured"`
	Created              int64             `json:"created"`
	Currency             string            `json:"currency"`
	Description          *string           `json:"description"`
	Disputed             bool              `json:"disputed"`
	FailureCode          *string           `json:"failure_code"`
	FailureMessage       *string           `json:"failure_message"`
	Livemode             bool              `json:"livemode"`
	Metadata             map[string]string `json:"metadata"`
	Outcome              chargeOutcome     `json:"outcome"`
	Paid                 bool              `json:"paid"`
	PaymentIntent        any               `json:"payment_intent"`
	PaymentMethod        string            `json:"payment_method"`
	PaymentMethodDetails map[string]any    `json:"payment_method_details"`
	Refunded             bool              `json:"refunded"`
	Status               string            `json:"status"`
}

type chargeOutcome struct {
	NetworkStatus string  `json:"network_status"`
	Reason        *string `json:"reason"`
	RiskLevel     string  `json:"risk_level"`
	SellerMessage string  `json:"seller_message"`
	Type          string  `json:"type"`
}

type refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        any               `json:"charge"`
	Created       int64             `json:"created"`
	Currency      string            `json:"currency"`
	FailureReason *string           `json:"failure_reason,omitempty"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent any               `json:"payment_intent"`
	Reason        *string           `json:"reason"`
	Status        string            `json:"status"`
}

type session struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	AmountSubtotal     int64             `json:"amount_subtotal"`
	AmountTotal        int64             `json:"amount_total"`
	CancelURL          *string           `json:"cancel_url"`
	ClientReferenceID  *string           `json:"client_reference_id"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	CustomerEmail      *string           `json:"customer_email"`
	ExpiresAt          int64             `json:"expires_at"`
	LineItems          *list             `json:"line_items,omitempty"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	Mode               string            `json:"mode"`
	PaymentIntent      any               `json:"payment_intent"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	PaymentStatus      string            `json:"payment_status"`
	Status             string            `json:"status"`
	SuccessURL         string            `json:"success_url"`
	UIMode             string            `json:"ui_mode"`
	URL                *string           `json:"url"`
}

type lineItem struct {
	ID             string `json:"id"`
	Object         string `json:"object"`
	AmountSubtotal int64  `json:"amount_subtotal"`
	AmountTotal    int64  `json:"amount_total"`
	Currency       string `json:"currency"`
	Description    string `json:"description"`
	Quantity       int64  `json:"quantity"`
	Price          price  `json:"price"`
}

type price struct {
	ID         string `json:"id"`
	Object     string `json:"object"`
	Active     bool   `json:"active"`
	Currency   string `json:"currency"`
	Type       string `json:"type"`
	UnitAmount int64  `json:"unit_amount"`
}

type paymentMethod struct {
	ID       string         `json:"id"`
	Object   string         `json:"object"`
	Type     string         `json:"type"`
	Card     map[string]any `json:"card,omitempty"`
	Created  int64          `json:"created"`
	Livemode bool           `json:"livemode"`
	Metadata map[string]any `json:"metadata"`
}

type event struct {
	ID              string       `json:"id"`
	Object          string       `json:"object"`
	APIVersion      string       `json:"api_version"`
	Created         int64        `json:"created"`
	Data            eventData    `json:"data"`
	Livemode        bool         `json:"livemode"`
	PendingWebhooks int          `json:"pending_webhooks"`
	Request         eventRequest `json:"request"`
	Type            string       `json:"type"`
}

type eventData struct {
	Object any `json:"object"`
}

type eventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

type list struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

func unix(t time.Time) int64 { return t.Unix() }

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func metadataOf(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

// intentStatus is the PaymentIntent status of a core payment.
func intentStatus(p *gateway.Payment, x paymentExt) string {
	switch p.Status {
	case gateway.PaymentSucceeded:
		return statusSucceeded
	case gateway.PaymentClosed:
		return statusCanceled
	}
	if x.PaymentMethod == "" {
		return statusRequiresPaymentMethod
	}
	return statusRequiresConfirmation
}

// attempted reports whether the payment has a charge: a confirmation was
// made (declined or paid).
func attempted(p *gateway.Payment, x paymentExt) bool {
	return p.Status == gateway.PaymentSucceeded || p.LastError != nil || x.AttemptedAt != nil
}

// toIntent shapes a core payment as a PaymentIntent.
func toIntent(p *gateway.Payment, x paymentExt, ex expansion) *paymentIntent {
	pi := &paymentIntent{
		ID: p.Refs[refIntent], Object: "payment_intent", Amount: p.Amount, CaptureMethod: orDefault(x.CaptureMethod, "automatic_async"),
		ClientSecret: x.ClientSecret, ConfirmationMethod: "automatic", Created: unix(p.CreatedAt),
		Currency: lower(p.Currency), Description: strOrNil(p.Description), Metadata: metadataOf(p.Metadata),
		PaymentMethodTypes: x.PaymentMethodTypes, Status: intentStatus(p, x),
	}
	if x.Kind == kindSession && x.Session != nil {
		pi.Metadata = metadataOf(p.Metadata)
	}
	if pi.Status == statusSucceeded {
		pi.AmountReceived = p.Amount
	}
	if pi.Status == statusCanceled && p.ClosedAt != nil {
		pi.CanceledAt = ptr(unix(*p.ClosedAt))
		reason := orDefault(x.CancellationReason, "abandoned")
		if p.Expired && x.CancellationReason == "" {
			reason = "automatic"
		}
		pi.CancellationReason = &reason
	}
	if pm := currentMethod(p, x); pm != "" {
		pi.PaymentMethod = pm
		if ex.has("payment_method") {
			pi.PaymentMethod = toPaymentMethod(pm, p.CreatedAt)
		}
	}
	if p.LastError != nil && pi.Status == statusRequiresPaymentMethod {
		d := declineOf(p.LastError.Code)
		pi.LastPaymentError = &errorDetail{Type: typeCard, Code: d.code, DeclineCode: d.declineCode, Message: d.message}
		if x.DeclinedMethod != "" {
			pi.LastPaymentError.PaymentMethod = toPaymentMethod(x.DeclinedMethod, p.CreatedAt)
		}
	}
	if attempted(p, x) {
		pi.LatestCharge = p.Refs[refCharge]
		if ex.has("latest_charge") {
			pi.LatestCharge = toCharge(p, x, expansion{})
		}
	}
	return pi
}

// currentMethod is the payment method a PaymentIntent shows: the attached
// one, or the one it was paid with.
func currentMethod(p *gateway.Payment, x paymentExt) string {
	if x.PaymentMethod != "" {
		return x.PaymentMethod
	}
	if p.Status == gateway.PaymentSucceeded {
		// Paid on the cashier (a Checkout Session): the card of the page.
		return "pm_card_visa"
	}
	return ""
}

// toCharge shapes the latest attempt of a core payment as a Charge.
func toCharge(p *gateway.Payment, x paymentExt, ex expansion) *charge {
	paid := p.Status == gateway.PaymentSucceeded
	created := p.CreatedAt
	switch {
	case p.PaidAt != nil:
		created = *p.PaidAt
	case x.AttemptedAt != nil:
		created = *x.AttemptedAt
	}
	pm := currentMethod(p, x)
	if !paid && x.DeclinedMethod != "" {
		pm = x.DeclinedMethod
	}
	if pm == "" {
		pm = "pm_card_visa"
	}
	ch := &charge{
		ID: p.Refs[refCharge], Object: "charge", Amount: p.Amount, AmountRefunded: p.AmountRefunded,
		BillingDetails: map[string]any{"address": nil, "email": nil, "name": nil, "phone": nil},
		Created:        unix(created), Currency: lower(p.Currency), Description: strOrNil(p.Description),
		Metadata: metadataOf(p.Metadata), Paid: paid, PaymentIntent: p.Refs[refIntent], PaymentMethod: pm,
		PaymentMethodDetails: map[string]any{"type": "card", "card": cardDetails(pm)},
		Refunded:             paid && p.FullyRefunded(),
	}
	if paid {
		ch.AmountCaptured, ch.Captured, ch.Status = p.Amount, true, "succeeded"
		ch.Outcome = chargeOutcome{NetworkStatus: "approved_by_network", RiskLevel: "normal", SellerMessage: "Payment complete.", Type: "authorized"}
	} else {
		ch.Status = "failed"
		code := "card_declined"
		if p.LastError != nil {
			code = p.LastError.Code
		}
		d := declineOf(code)
		ch.FailureCode, ch.FailureMessage = &d.code, &d.message
		ch.Outcome = chargeOutcome{NetworkStatus: "declined_by_network", Reason: &d.declineCode, RiskLevel: "normal",
			SellerMessage: "The bank did not return any further details with this decline.", Type: "issuer_declined"}
	}
	if ex.has("payment_intent") {
		ch.PaymentIntent = toIntent(p, x, expansion{})
	}
	return ch
}

// toRefund shapes a core refund (of a Stripe payment) as a Refund.
func toRefund(re *gateway.Refund, p *gateway.Payment, ex expansion) *refund {
	x, _ := extOf(p)
	out := &refund{
		ID: re.ID, Object: "refund", Amount: re.Amount, Charge: p.Refs[refCharge], Created: unix(re.CreatedAt),
		Currency: lower(re.Currency), Metadata: metadataOf(re.Metadata), PaymentIntent: p.Refs[refIntent],
		Reason: strOrNil(re.Reason), Status: re.Status,
	}
	if re.Status == gateway.RefundFailed {
		out.FailureReason = ptr(refundFailureReason(re.FailureCode))
	}
	if ex.has("charge") {
		out.Charge = toCharge(p, x, expansion{})
	}
	if ex.has("payment_intent") {
		out.PaymentIntent = toIntent(p, x, expansion{})
	}
	return out
}

// refundFailureReason is Stripe's failure_reason for a core failure code;
// a code a scenario invented is shown as it was given, lower-cased.
func refundFailureReason(code string) string {
	switch code {
	case "refund_rejected":
		return "declined"
	case "insufficient_balance":
		return "insufficient_funds"
	case "":
		return "unknown"
	}
	return strings.ToLower(code)
}

// sessionStatus is a Checkout Session's status and payment_status.
func sessionStatus(p *gateway.Payment) (status, paymentStatus string) {
	switch p.Status {
	case gateway.PaymentSucceeded:
		return "complete", "paid"
	case gateway.PaymentClosed:
		return "expired", "unpaid"
	}
	return "open", "unpaid"
}

// toSession shapes a core payment made by a Checkout Session.
func toSession(p *gateway.Payment, x paymentExt, ex expansion) *session {
	sd := x.Session
	if sd == nil {
		sd = &sessionData{}
	}
	status, payStatus := sessionStatus(p)
	s := &session{
		ID: p.Refs[refSession], Object: "checkout.session", AmountSubtotal: p.Amount, AmountTotal: p.Amount,
		CancelURL: strOrNil(sd.CancelURL), ClientReferenceID: strOrNil(sd.ClientReferenceID), Created: unix(p.CreatedAt),
		Currency: lower(p.Currency), CustomerEmail: strOrNil(sd.CustomerEmail), ExpiresAt: unix(p.ExpiresAt),
		Metadata: metadataOf(sd.Metadata), Mode: "payment", PaymentMethodTypes: x.PaymentMethodTypes,
		PaymentStatus: payStatus, Status: status, SuccessURL: sd.SuccessURL, UIMode: "hosted",
	}
	if status == "open" {
		s.URL = &p.PayURL
	}
	// The session's PaymentIntent exists from the start, as on Stripe
	// before API version 2022-08-01: retrievable and listed like any.
	s.PaymentIntent = p.Refs[refIntent]
	if ex.has("payment_intent") {
		s.PaymentIntent = toIntent(p, x, ex.under("payment_intent"))
	}
	if ex.has("line_items") {
		s.LineItems = lineItems(p, sd)
	}
	return s
}

func lineItems(p *gateway.Payment, sd *sessionData) *list {
	l := &list{Object: "list", Data: []any{}, URL: "/v1/checkout/sessions/" + p.Refs[refSession] + "/line_items"}
	for _, li := range sd.LineItems {
		l.Data = append(l.Data, lineItem{
			ID: li.ID, Object: "item", AmountSubtotal: li.UnitAmount * li.Quantity, AmountTotal: li.UnitAmount * li.Quantity,
			Currency: lower(p.Currency), Description: li.Name, Quantity: li.Quantity,
			Price: price{ID: "price_" + strings.TrimPrefix(li.ID, "li_"), Object: "price", Active: false, Currency: lower(p.Currency), Type: "one_time", UnitAmount: li.UnitAmount},
		})
	}
	return l
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
