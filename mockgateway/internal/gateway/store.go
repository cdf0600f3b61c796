package gateway

import (
	"context"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// PaymentRecord is a payment as stored: the public object plus the state only
// the gateway sees.
type PaymentRecord struct {
	gatewayapi.Payment
	// Version increases with every committed change; Store.Commit refuses a
	// write whose expected version is stale.
	Version int64 `json:"version"`
	// Reserved is the sum of pending refunds, already promised.
	Reserved int64 `json:"amount_reserved"`
	// AutoFailUsed is set once an auto_fail scenario has declined a pay action.
	AutoFailUsed bool `json:"auto_fail_used,omitempty"`
	// Expired is set when the payment was closed by its expiry (or the
	// expire helper) rather than by the merchant; the cashier says which.
	Expired bool `json:"expired,omitempty"`
}

// Refundable is what may still be refunded.
func (p *PaymentRecord) Refundable() int64 { return p.Amount - p.AmountRefunded - p.Reserved }

// RefundRecord is a refund as stored.
type RefundRecord struct {
	gatewayapi.Refund
	Version int64 `json:"version"`
	// RequestedAmount is the amount the create call named, nil when it named
	// none; an out_refund_no replay must match it exactly.
	RequestedAmount *int64 `json:"requested_amount"`
}

// EventRecord is an event with its delivery state.
type EventRecord struct {
	// Body is the exact JSON delivered (a gatewayapi.Envelope).
	Body     []byte `json:"-"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	ObjectID string `json:"object_id"`
	Version  int64  `json:"version"`
	// URL is where the notification goes; empty when neither the object nor
	// the merchant has one.
	URL            string               `json:"url"`
	Scenario       string               `json:"scenario"`
	DeliveryStatus string               `json:"delivery_status"`
	NextAttemptAt  *time.Time           `json:"next_attempt_at"`
	Attempts       []gatewayapi.Attempt `json:"attempts"`
	// RulesApplied is set once the fault rules for notifications have been
	// consulted for this event (before its first attempt).
	RulesApplied bool `json:"rules_applied,omitempty"`
	// Scheduled counts the schedule slots used so far (redeliveries use none).
	Scheduled int       `json:"scheduled"`
	CreatedAt time.Time `json:"created_at"`
}

// Queues of the Store's schedule. Every entry is claimed with a lease.
const (
	// QueueDeliver holds event ids due for a scheduled delivery attempt.
	QueueDeliver = "deliver"
	// QueueRedeliver holds event ids due for an extra, unscheduled attempt.
	QueueRedeliver = "redeliver"
	// QueueTimer holds "kind:id" members: payment expiry, auto-success and
	// refund settlement.
	QueueTimer = "timer"
)

// Timer kinds of QueueTimer members ("kind:id").
const (
	TimerExpire      = "expire"
	TimerAutoSucceed = "auto_succeed"
	TimerSettle      = "settle"
)

// ListQuery selects a page of a list, newest first.
type ListQuery struct {
	Limit         int
	StartingAfter string
}

// Batch is one atomic unit of work: conditions and writes that Store.Commit
// applies all together or, when a condition fails, not at all (ErrConflict).
// Every write of a batch belongs to one merchant.
type Batch struct {
	Payments      []*PaymentRecord
	NewPayment    bool // Payments[0] is new: claim its out_trade_no or conflict
	Refunds       []*RefundRecord
	NewRefund     bool // Refunds[0] is new: claim its out_refund_no or conflict
	Events        []*EventRecord
	Schedule      []ScheduleEntry
	Unschedule    []ScheduleEntry
	DataRetention time.Duration
	EventTTL      time.Duration
}

// ScheduleEntry puts a member on a queue, due at At.
type ScheduleEntry struct {
	Queue  string
	Member string
	At     time.Time
}

// Empty reports whether the batch writes nothing.
func (b *Batch) Empty() bool {
	return len(b.Payments) == 0 && len(b.Refunds) == 0 && len(b.Events) == 0 &&
		len(b.Schedule) == 0 && len(b.Unschedule) == 0
}

// IdemState is what Store.IdemBegin found under an Idempotency-Key.
type IdemState int

// Outcomes of IdemBegin.
const (
	IdemNew      IdemState = iota // key was free, now marked in flight
	IdemInFlight                  // another request with this key is running
	IdemDone                      // a stored answer exists (same fingerprint)
	IdemMismatch                  // key used with another fingerprint
)

// IdemAnswer is a stored answer replayed for an Idempotency-Key.
type IdemAnswer struct {
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}

// Store keeps the gateway's state. Implementations must make Commit atomic
// and every list newest first. Lookups of missing objects return an *Error
// with code ResourceMissing.
type Store interface {
	FaultStore

	CreateMerchant(ctx context.Context, m *gatewayapi.Merchant) error
	Merchant(ctx context.Context, id string) (*gatewayapi.Merchant, error)
	MerchantByAPIKey(ctx context.Context, key string) (*gatewayapi.Merchant, error)
	Merchants(ctx context.Context) ([]*gatewayapi.Merchant, error)
	// Reset wipes all state; the caller seeds the demo merchant again.
	Reset(ctx context.Context) error

	Payment(ctx context.Context, merchantID, id string) (*PaymentRecord, error)
	PaymentByOutTradeNo(ctx context.Context, merchantID, outTradeNo string) (*PaymentRecord, error)
	// PaymentOwner returns the merchant of a payment id, for the
	// unauthenticated cashier.
	PaymentOwner(ctx context.Context, id string) (string, error)
	// IndexPaymentOwner records the merchant of a new payment id before the
	// payment itself is committed.
	IndexPaymentOwner(ctx context.Context, id, merchantID string, ttl time.Duration) error
	ListPayments(ctx context.Context, merchantID string, q ListQuery, keep func(*PaymentRecord) bool) ([]*PaymentRecord, bool, error)

	Refund(ctx context.Context, merchantID, id string) (*RefundRecord, error)
	RefundByOutRefundNo(ctx context.Context, merchantID, outRefundNo string) (*RefundRecord, error)
	ListRefunds(ctx context.Context, merchantID, paymentID string, q ListQuery, keep func(*RefundRecord) bool) ([]*RefundRecord, bool, error)

	Event(ctx context.Context, merchantID, id string) (*EventRecord, error)
	ListEvents(ctx context.Context, merchantID, objectID string, q ListQuery, keep func(*EventRecord) bool) ([]*EventRecord, bool, error)

	// Commit applies a batch atomically, or returns ErrConflict.
	Commit(ctx context.Context, merchantID string, b *Batch) error

	// Claim takes up to max members of a queue that are due at now and pushes
	// them to now+lease, so no other process takes them while this one works.
	Claim(ctx context.Context, merchantID, queue string, now time.Time, lease time.Duration, max int) ([]string, error)
	// QueueStats counts members due at now and scheduled later.
	QueueStats(ctx context.Context, merchantID, queue string, now time.Time) (due, later int64, err error)
	// DueMerchants returns the merchants with a member of queue due at now.
	DueMerchants(ctx context.Context, queue string, now time.Time) ([]string, error)
	// MakeDue moves every member of a queue scheduled after now to now and
	// returns how many it moved.
	MakeDue(ctx context.Context, merchantID, queue string, now time.Time) (int, error)

	IdemBegin(ctx context.Context, merchantID, key, fingerprint string, inFlight time.Duration) (IdemState, *IdemAnswer, error)
	IdemFinish(ctx context.Context, merchantID, key, fingerprint string, a IdemAnswer, ttl time.Duration) error
	IdemRelease(ctx context.Context, merchantID, key, fingerprint string) error

	Ping(ctx context.Context) error
}
