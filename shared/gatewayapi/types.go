// Package gatewayapi is the native wire format of the PaySandbox mock gateway:
// the objects and errors its /v1 API speaks (DESIGN §3, §4). The gateway
// serves these types, and merchants (the sandbox shop among them) decode them.
package gatewayapi

import (
	"encoding/json"
	"time"
)

// Payment statuses.
const (
	PaymentPending   = "pending"
	PaymentSucceeded = "succeeded"
	PaymentClosed    = "closed"
)

// Refund statuses.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// Payment methods.
const (
	MethodAlipay   = "alipay"
	MethodWechat   = "wechat"
	MethodUnionPay = "unionpay"
	MethodCard     = "card"
)

// Methods lists every payment method in display order.
var Methods = []string{MethodAlipay, MethodWechat, MethodUnionPay, MethodCard}

// Event types.
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
	EventPaymentClosed    = "payment.closed"
	EventRefundSucceeded  = "refund.succeeded"
	EventRefundFailed     = "refund.failed"
)

// Delivery statuses of an event.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Merchant is the account a payment belongs to.
type Merchant struct {
	ID            string    `json:"id"`
	Object        string    `json:"object,omitempty"`
	Name          string    `json:"name"`
	NotifyURL     string    `json:"notify_url"`
	APIKey        string    `json:"api_key,omitempty"`
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// PaymentError is the latest failed attempt of a payment.
type PaymentError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Payment is a request to collect money (DESIGN §3).
type Payment struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	MerchantID     string            `json:"merchant_id"`
	OutTradeNo     string            `json:"out_trade_no"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	Method         string            `json:"method"`
	Subject        string            `json:"subject"`
	Description    string            `json:"description"`
	Status         string            `json:"status"`
	LastError      *PaymentError     `json:"last_error"`
	AmountRefunded int64             `json:"amount_refunded"`
	PayURL         string            `json:"pay_url"`
	QRCode         string            `json:"qr_code"`
	QRCodeURL      string            `json:"qr_code_url"`
	NotifyURL      string            `json:"notify_url"`
	ReturnURL      string            `json:"return_url"`
	Metadata       map[string]string `json:"metadata"`
	Scenario       *string           `json:"scenario"`
	// Locale is the language the cashier speaks for this payment (en,
	// zh-CN), null when the customer's browser decides.
	Locale    *string    `json:"locale"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	PaidAt    *time.Time `json:"paid_at"`
	ClosedAt  *time.Time `json:"closed_at"`
}

// Refund returns money of a succeeded payment (DESIGN §3).
type Refund struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	PaymentID      string     `json:"payment_id"`
	OutTradeNo     string     `json:"out_trade_no"`
	OutRefundNo    string     `json:"out_refund_no"`
	Amount         int64      `json:"amount"`
	Currency       string     `json:"currency"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"`
	FailureCode    *string    `json:"failure_code"`
	FailureMessage *string    `json:"failure_message"`
	NotifyURL      string     `json:"notify_url"`
	Scenario       *string    `json:"scenario"`
	CreatedAt      time.Time  `json:"created_at"`
	SettledAt      *time.Time `json:"settled_at"`
}

// EventData holds the object an event is about, as it was when it happened.
type EventData = EventDataOf[json.RawMessage]

// EventDataOf is EventData with its object typed.
type EventDataOf[T any] struct {
	Object T `json:"object"`
}

// Envelope is the body of a notification, exactly as POSTed to the merchant.
type Envelope = EnvelopeOf[json.RawMessage]

// EnvelopeOf is an Envelope whose object is a T (a Payment or a Refund):
// the same JSON, encoded in one pass — a json.RawMessage object is
// validated and copied once more when the envelope is encoded.
type EnvelopeOf[T any] struct {
	ID         string         `json:"id"`
	Object     string         `json:"object"`
	Type       string         `json:"type"`
	CreatedAt  time.Time      `json:"created_at"`
	MerchantID string         `json:"merchant_id"`
	Data       EventDataOf[T] `json:"data"`
}

// Event is a notification as read through the API: the envelope plus its
// delivery state.
type Event struct {
	Envelope
	DeliveryStatus string     `json:"delivery_status"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	Attempts       []Attempt  `json:"attempts"`
}

// Attempt is one delivery attempt of an event.
type Attempt struct {
	Number       int       `json:"number"`
	At           time.Time `json:"at"`
	URL          string    `json:"url"`
	StatusCode   *int      `json:"status_code"`
	DurationMS   int64     `json:"duration_ms"`
	Error        *string   `json:"error"`
	ResponseBody string    `json:"response_body"`
	Scenario     *string   `json:"scenario"`
}

// List is the envelope of every list answer.
type List[T any] struct {
	Object  string `json:"object"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes what went wrong and, in Param, which field.
type ErrorDetail struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}
