package gateway

import (
	"encoding/json"
	"maps"
	"time"
)

// Protocols: the adapter a payment or refund was made through (DESIGN §10).
// The core treats them alike; each adapter encodes them in its own dialect.
const (
	ProtocolNative = "native"
	ProtocolAlipay = "alipay"
	ProtocolWechat = "wechat"
	ProtocolStripe = "stripe"
)

// Protocols lists the protocols fault rules may name.
var Protocols = []string{ProtocolNative, ProtocolAlipay, ProtocolWechat, ProtocolStripe}

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

// Changes the core records as events. Each protocol decides which of them
// it notifies and under what name (ProtocolRules.Topics).
const (
	EventPaymentSucceeded = "payment.succeeded"
	EventPaymentFailed    = "payment.failed"
	EventPaymentClosed    = "payment.closed"
	EventRefundCreated    = "refund.created"
	EventRefundSucceeded  = "refund.succeeded"
	EventRefundFailed     = "refund.failed"
)

// Delivery statuses of an event.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Merchant is the account payments belong to. Credentials holds what each
// provider protocol issued it (DESIGN §11.0), by protocol, as the adapter
// that owns them encodes them: the core stores them and never reads them.
// Secrets holds the part of them that is never shown.
type Merchant struct {
	ID            string                     `json:"id"`
	Name          string                     `json:"name"`
	NotifyURL     string                     `json:"notify_url"`
	APIKey        string                     `json:"api_key"`
	WebhookSecret string                     `json:"webhook_secret"`
	Credentials   map[string]json.RawMessage `json:"credentials,omitempty"`
	// Secrets holds what a protocol keeps to itself for the merchant (a
	// platform private key), by protocol: stored with the merchant and
	// never shown, unlike Credentials.
	Secrets   map[string]json.RawMessage `json:"secrets,omitempty"`
	CreatedAt time.Time                  `json:"created_at"`
	// Version increases with every stored change; a change is stored only
	// against the version it was made from (Store.PutMerchant).
	Version int64 `json:"version,omitempty"`
}

// PaymentError is the latest failed attempt of a payment.
type PaymentError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// At is when the attempt failed (zero on payments stored before it
	// was kept).
	At time.Time `json:"at,omitzero"`
}

// Payment is a request to collect money (DESIGN §3), as the gateway keeps
// it. Adapters show it in their own dialect.
type Payment struct {
	ID          string            `json:"id"`
	Protocol    string            `json:"protocol"`
	MerchantID  string            `json:"merchant_id"`
	OutTradeNo  string            `json:"out_trade_no"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Method      string            `json:"method"`
	Subject     string            `json:"subject"`
	Description string            `json:"description,omitempty"`
	Status      string            `json:"status"`
	LastError   *PaymentError     `json:"last_error,omitempty"`
	PayURL      string            `json:"pay_url"`
	QRCodeURL   string            `json:"qr_code_url"`
	NotifyURL   string            `json:"notify_url,omitempty"`
	ReturnURL   string            `json:"return_url,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	// Locale is the cashier's language for this payment, "" for the
	// customer's browser's.
	Locale string `json:"locale,omitempty"`
	// Refs are the protocol's own ids of the payment (Alipay trade_no,
	// WeChat transaction_id, a Stripe checkout session), each indexed so a
	// lookup by it finds the payment.
	Refs map[string]string `json:"refs,omitempty"`
	// Ext is what the adapter keeps with the payment for its dialect
	// (opaque to the core).
	Ext      json.RawMessage `json:"ext,omitempty"`
	Scenario Scenario        `json:"scenario,omitzero"`

	AmountRefunded int64 `json:"amount_refunded"`
	// Reserved is the sum of pending refunds, already promised.
	Reserved int64 `json:"amount_reserved,omitempty"`
	// AutoFailUsed is set once an auto_fail scenario has declined a pay action.
	AutoFailUsed bool `json:"auto_fail_used,omitempty"`
	// Expired is set when the payment was closed by its expiry (or the
	// expire helper) rather than by the merchant; the cashier says which.
	Expired bool `json:"expired,omitempty"`
	// OpenedAt is when the cashier page was first opened (a QR code
	// scanned), which some protocols make visible (DESIGN §11.1).
	OpenedAt *time.Time `json:"opened_at,omitempty"`

	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	PaidAt    *time.Time `json:"paid_at,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`

	// Version increases with every committed change; Store.Commit refuses a
	// write whose expected version is stale. It is kept beside the JSON.
	Version int64 `json:"-"`
}

// Refundable is what may still be refunded.
func (p *Payment) Refundable() int64 { return p.Amount - p.AmountRefunded - p.Reserved }

// FullyRefunded reports whether every fen of the payment went back.
func (p *Payment) FullyRefunded() bool { return p.AmountRefunded >= p.Amount }

// Refund returns money of a succeeded payment (DESIGN §3).
type Refund struct {
	ID          string `json:"id"`
	Protocol    string `json:"protocol"`
	PaymentID   string `json:"payment_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	Amount      int64  `json:"amount"`
	// RequestedAmount is the amount the create call named, nil when it named
	// none; an out_refund_no replay must match it exactly.
	RequestedAmount *int64            `json:"requested_amount,omitempty"`
	Currency        string            `json:"currency"`
	Reason          string            `json:"reason,omitempty"`
	Status          string            `json:"status"`
	FailureCode     string            `json:"failure_code,omitempty"`
	FailureMessage  string            `json:"failure_message,omitempty"`
	NotifyURL       string            `json:"notify_url,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	Refs            map[string]string `json:"refs,omitempty"`
	Ext             json.RawMessage   `json:"ext,omitempty"`
	Scenario        Scenario          `json:"scenario,omitzero"`
	CreatedAt       time.Time         `json:"created_at"`
	SettledAt       *time.Time        `json:"settled_at,omitempty"`

	Version int64 `json:"-"`
}

// Event is a change the merchant may be notified of, with its delivery
// state. It holds a snapshot of the objects as they were when it happened;
// the protocol's notifier encodes that snapshot when an attempt is sent, so
// what is stored is the same whatever the dialect.
type Event struct {
	ID         string `json:"id"`
	MerchantID string `json:"merchant_id"`
	// Protocol is the protocol of the object; its notifier sends the event.
	Protocol string `json:"protocol"`
	// Type is the core's name of the change (EventPaymentSucceeded, …);
	// Topic the protocol's name of the notification (the native Topic is
	// the Type; one change may make several notifications in a protocol).
	Type     string `json:"type"`
	Topic    string `json:"topic"`
	ObjectID string `json:"object_id"`
	// Payment is the payment as it was (for a refund's events, the refund's
	// payment); Refund is set for refund events.
	Payment *Payment `json:"payment,omitempty"`
	Refund  *Refund  `json:"refund,omitempty"`

	// URL is where the notification goes; empty when neither the object nor
	// the merchant has one.
	URL            string     `json:"url"`
	Scenario       Scenario   `json:"scenario,omitzero"`
	DeliveryStatus string     `json:"delivery_status"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	Attempts       []Attempt  `json:"attempts,omitempty"`
	// RulesApplied is set once the fault rules for notifications have been
	// consulted for this event (before its first attempt).
	RulesApplied bool `json:"rules_applied,omitempty"`
	// Scheduled counts the schedule slots used so far (redeliveries use none).
	Scheduled int       `json:"scheduled,omitempty"`
	CreatedAt time.Time `json:"created_at"`

	Version int64 `json:"-"`
}

// Attempt is one delivery attempt of an event.
type Attempt struct {
	Number       int       `json:"number"`
	At           time.Time `json:"at"`
	URL          string    `json:"url"`
	StatusCode   *int      `json:"status_code,omitempty"`
	DurationMS   int64     `json:"duration_ms"`
	Error        string    `json:"error,omitempty"`
	ResponseBody string    `json:"response_body,omitempty"`
	// Acknowledged is set when the answer acknowledged the notification as
	// its protocol requires (native: any 2xx; Alipay: exactly "success"):
	// whether the attempt delivered it, which the status alone does not say.
	Acknowledged bool `json:"acknowledged,omitempty"`
	// Scenario names the injected faults that shaped the attempt.
	Scenario string `json:"scenario,omitempty"`
	// Request is what was sent, as the protocol encoded it; nil when nothing
	// was sent (dropped, or the request could not be built).
	Request *SentRequest `json:"request,omitempty"`
}

// SentRequest is a notification request as it went on the wire: its
// headers, in name order, and its body. A body its protocol can encode again
// from the event and the attempt's faults alone is not kept (Reproducible):
// the event already holds what it is made of.
type SentRequest struct {
	Header       [][2]string `json:"header"`
	Body         string      `json:"body,omitempty"`
	Reproducible bool        `json:"reproducible,omitempty"`
}

// Snapshot copies a payment for an event: later changes of p do not touch
// it.
func (p *Payment) Snapshot() *Payment {
	c := *p
	if p.LastError != nil {
		e := *p.LastError
		c.LastError = &e
	}
	c.Metadata, c.Refs = maps.Clone(p.Metadata), maps.Clone(p.Refs)
	return &c
}

// Snapshot copies a refund for an event.
func (r *Refund) Snapshot() *Refund {
	c := *r
	c.Metadata, c.Refs = maps.Clone(r.Metadata), maps.Clone(r.Refs)
	return &c
}

// CashierReturn is what the cashier tells the merchant when it sends the
// customer back to the payment's return_url: the payment's status then
// (pending after a decline or a cancel), the decline's code, and when. Each
// protocol signs it its own way.
type CashierReturn struct {
	Status    string
	ErrorCode string
	At        time.Time
}
