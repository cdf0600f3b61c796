package gateway

import (
	"context"
	"time"
)

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
	// Now is the service clock's time of the batch; the store uses it for
	// what it derives from time (trimming indexes), never its own clock.
	Now        time.Time
	Payments   []*Payment
	NewPayment bool // Payments[0] is new: claim its out_trade_no and refs or conflict
	Refunds    []*Refund
	NewRefund  bool // Refunds[0] is new: claim its out_refund_no and refs or conflict
	Events     []*Event
	Schedule   []ScheduleEntry
	Unschedule []ScheduleEntry
	// DataRetention is how long payments and refunds are kept; EventTTL how
	// long the batch's events are.
	DataRetention time.Duration
	EventTTL      time.Duration
	// Owner, when set, indexes a new payment's id to its merchant (for the
	// unauthenticated cashier) in the same round trip as the commit.
	Owner *OwnerIndex
	// Idem, when set, stores the answer of the call that made the batch
	// under its idempotency key, in the same atomic step.
	Idem *IdemKept
}

// OwnerIndex indexes a payment id to its merchant for TTL.
type OwnerIndex struct {
	PaymentID string
	TTL       time.Duration
}

// IdemKept is a call's answer to keep under its idempotency key.
type IdemKept struct {
	Key, Fingerprint string
	Status           int
	Body             []byte
	TTL              time.Duration
	// Check: before anything else, the commit checks that the key is free
	// and fails with *IdemTaken when it is not (IdemCommit.Check).
	Check bool
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

// Store keeps the gateway's state. Implementations must make Commit atomic
// and every list newest first. Lookups of missing objects return an *Error
// with code ResourceMissing.
type Store interface {
	FaultStore
	ScanStore

	// PutMerchant stores a merchant (new or changed) and indexes its API
	// key, if the stored one still has version expected (0: none is
	// stored), and sets m.Version; otherwise it returns ErrConflict.
	PutMerchant(ctx context.Context, m *Merchant, expected int64) error
	Merchant(ctx context.Context, id string) (*Merchant, error)
	// MerchantByAPIKey returns the merchant whose API key index holds key;
	// the caller checks the key against the merchant (an index entry may be
	// stale). Unknown keys are invalid_api_key.
	MerchantByAPIKey(ctx context.Context, key string) (*Merchant, error)
	Merchants(ctx context.Context) ([]*Merchant, error)
	// ClaimMerchantAlias makes a protocol's merchant id (an Alipay app_id,
	// a WeChat mchid, a Stripe secret key) point at merchantID, unless it
	// points at another merchant already (claimed false).
	ClaimMerchantAlias(ctx context.Context, kind, alias, merchantID string) (claimed bool, err error)
	// MerchantIDByAlias returns the merchant an alias points at, or
	// resource_missing.
	MerchantIDByAlias(ctx context.Context, kind, alias string) (string, error)
	// Reset wipes all state; the caller seeds the demo merchant again.
	Reset(ctx context.Context) error

	Payment(ctx context.Context, merchantID, id string) (*Payment, error)
	PaymentByOutTradeNo(ctx context.Context, merchantID, outTradeNo string) (*Payment, error)
	// PaymentByRef returns the payment whose Refs[kind] is ref.
	PaymentByRef(ctx context.Context, merchantID, kind, ref string) (*Payment, error)
	// PaymentOwner returns the merchant of a payment id, for the
	// unauthenticated cashier.
	PaymentOwner(ctx context.Context, id string) (string, error)
	// IndexPaymentOwner records the merchant of a new payment id before the
	// payment itself is committed.
	IndexPaymentOwner(ctx context.Context, id, merchantID string, ttl time.Duration) error
	ListPayments(ctx context.Context, merchantID string, q ListQuery, keep func(*Payment) bool) ([]*Payment, bool, error)

	Refund(ctx context.Context, merchantID, id string) (*Refund, error)
	RefundByOutRefundNo(ctx context.Context, merchantID, outRefundNo string) (*Refund, error)
	// RefundByRef returns the refund whose Refs[kind] is ref.
	RefundByRef(ctx context.Context, merchantID, kind, ref string) (*Refund, error)
	ListRefunds(ctx context.Context, merchantID, paymentID string, q ListQuery, keep func(*Refund) bool) ([]*Refund, bool, error)

	Event(ctx context.Context, merchantID, id string) (*Event, error)
	ListEvents(ctx context.Context, merchantID, objectID string, q ListQuery, keep func(*Event) bool) ([]*Event, bool, error)

	// Commit applies a batch atomically, or returns ErrConflict.
	Commit(ctx context.Context, merchantID string, b *Batch) error

	// MakeDue moves every member of a queue scheduled after now to now and
	// returns how many it moved.
	MakeDue(ctx context.Context, merchantID, queue string, now time.Time) (int, error)
}
