package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// ProtocolRules are what the core knows of a protocol (DESIGN §10): which
// notifications a change makes in it and how they are retried. Everything
// else about a protocol — its wire format, signatures, errors — is the
// adapter's.
type ProtocolRules struct {
	// Schedule is the protocol's notification retry schedule, unscaled.
	Schedule Schedule
	// Topics names the notifications a change makes in the protocol, in the
	// order they are created; none means the change is not notified and no
	// event is stored for it. Nil notifies every change except a refund's
	// creation, under the change's own name (NotifyChanges).
	Topics func(ch Change) []string
	// RefKinds are the kinds of the protocol's own ids it keeps in
	// Payment.Refs and Refund.Refs, so a search across the gateway can look
	// them up (Find).
	RefKinds []string
	// NewRefund fills in what the protocol gives every refund — its own
	// ids (Refs), its Ext — for a refund made outside the protocol's own
	// API (the console), so the merchant's SDK finds and reads it as one
	// of its own. Nil: nothing to add.
	NewRefund func(p *Payment, in *CreateRefundInput)
}

// Change is what happened to an object, as a protocol's Topics sees it.
type Change struct {
	// Type is one of the Event* constants.
	Type    string
	Payment *Payment
	// Refund is set for refund changes.
	Refund *Refund
}

// NotifyChanges is the default Topics: every change except a refund's
// creation, named as the core names it (the native protocol's rule).
func NotifyChanges(ch Change) []string {
	if ch.Type == EventRefundCreated {
		return nil
	}
	return []string{ch.Type}
}

// Config holds what the core needs to know about its deployment.
type Config struct {
	// PublicURL is the base of pay_url and qr_code_url.
	PublicURL string
	// Protocols are the rules of each protocol by name. A protocol missing
	// here gets Schedule and NotifyChanges.
	Protocols map[string]ProtocolRules
	// Schedule is the retry schedule of protocols that name none, unscaled
	// (default: the wechat preset).
	Schedule Schedule
	// TimeScale multiplies schedule delays, Retry-After, RefundDelay and
	// scenario delays (not expires_in).
	TimeScale float64
	// RefundDelay is how long a refund stays pending before it settles.
	RefundDelay time.Duration
	// EventRetention and DataRetention bound how long events and
	// payments/refunds are kept.
	EventRetention time.Duration
	DataRetention  time.Duration
	// Issuers issue each protocol's credentials to new merchants.
	Issuers map[string]CredentialIssuer
	// CheckNotifyURL, when set, refuses notify URLs the deployment does not
	// deliver to (NOTIFY_DENY_PRIVATE), saying why.
	CheckNotifyURL func(ctx context.Context, url string) error
	// OnDue, when set, is called after a commit that made a notification
	// due at once, so this process's dispatcher sends it without waiting
	// for its next poll.
	OnDue func()
	// Now is the clock; tests replace it. The store gets "now" from here
	// too (Batch.Now), so the whole core runs on it.
	Now func() time.Time
}

// Service applies the gateway's rules on top of a Store. All its methods are
// safe for concurrent use, also across processes sharing one Store.
type Service struct {
	store  Store
	cfg    Config
	faults faultCache
	cache  cache
}

// NewService returns a Service over store.
func NewService(store Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule, _ = ParseSchedule("wechat")
	}
	if cfg.EventRetention <= 0 {
		cfg.EventRetention = 7 * 24 * time.Hour
	}
	if cfg.DataRetention <= 0 {
		cfg.DataRetention = 30 * 24 * time.Hour
	}
	rules := map[string]ProtocolRules{}
	for name, r := range cfg.Protocols {
		rules[name] = r
	}
	cfg.Protocols = rules
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Service{store: store, cfg: cfg}
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Now returns the service clock's time in UTC, at millisecond precision so
// that what is stored and what is returned compare equal.
func (s *Service) Now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) now() time.Time { return s.Now() }

// Scaled applies TIME_SCALE to a delay.
func (s *Service) Scaled(d time.Duration) time.Duration { return Scale(d, s.cfg.TimeScale) }

func (s *Service) scaled(d time.Duration) time.Duration { return s.Scaled(d) }

// rules returns the rules of a protocol, with the defaults filled in.
// PrepareRefund has p's protocol fill in what it gives every refund
// (ProtocolRules.NewRefund), for a refund made outside its own API.
func (s *Service) PrepareRefund(p *Payment, in *CreateRefundInput) {
	if f := s.cfg.Protocols[p.Protocol].NewRefund; f != nil {
		f(p, in)
	}
}

func (s *Service) rules(protocol string) ProtocolRules {
	r := s.cfg.Protocols[protocol]
	if len(r.Schedule) == 0 {
		r.Schedule = s.cfg.Schedule
	}
	if r.Topics == nil {
		r.Topics = NotifyChanges
	}
	return r
}

// Schedule returns the retry schedule of a protocol's notifications.
func (s *Service) Schedule(protocol string) Schedule { return s.rules(protocol).Schedule }

func (s *Service) batch() *Batch {
	return &Batch{Now: s.now(), DataRetention: s.cfg.DataRetention, EventTTL: s.cfg.EventRetention}
}

// commitRetry runs decide against freshly read state and commits the batch
// it fills, again and again while another writer wins the race. decide must
// depend only on what it reads. An error from decide ends the loop and is
// returned after whatever decide put in the batch has been committed, so a
// refusal can still carry a side effect (an expiry noticed on the way).
func (s *Service) commitRetry(ctx context.Context, merchantID string, decide func(b *Batch) error) error {
	for attempt := 0; ; attempt++ {
		b := s.batch()
		derr := decide(b)
		if b.Empty() {
			return derr
		}
		err := s.commit(ctx, merchantID, b)
		if err == nil {
			return derr
		}
		if !errors.Is(err, ErrConflict) {
			return err
		}
		// Back off a little, with jitter, so a crowd of writers on one object
		// spreads out instead of colliding again in lockstep.
		wait := time.Duration(rand.IntN(1+min(attempt, 20))) * time.Millisecond
		select {
		case <-ctx.Done():
			return fmt.Errorf("gateway: gave up after %d conflicts: %w", attempt+1, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// commit applies a batch and, when it made a notification due now, tells
// the dispatcher.
func (s *Service) commit(ctx context.Context, merchantID string, b *Batch) error {
	if err := s.store.Commit(ctx, merchantID, b); err != nil {
		return err
	}
	if s.cfg.OnDue != nil {
		for _, e := range b.Schedule {
			if (e.Queue == QueueDeliver || e.Queue == QueueRedeliver) && !e.At.After(b.Now) {
				s.cfg.OnDue()
				break
			}
		}
	}
	return nil
}

// newEvents records a change as the events its protocol makes of it, each
// with a snapshot of the objects, and schedules their first attempts. A
// change the protocol does not notify stores nothing.
func (s *Service) newEvents(b *Batch, m *Merchant, protocol string, ch Change, notifyURL string, scenario Scenario, now time.Time) {
	topics := s.rules(protocol).Topics(ch)
	if len(topics) == 0 {
		return
	}
	url := notifyURL
	if url == "" {
		url = m.NotifyURL
	}
	objectID := ch.Payment.ID
	var refund *Refund
	if ch.Refund != nil {
		objectID = ch.Refund.ID
		refund = ch.Refund.Snapshot()
	}
	payment := ch.Payment.Snapshot()
	notify := scenario.Notify()
	for _, topic := range topics {
		ev := &Event{
			ID: NewID("evt", now), MerchantID: m.ID, Protocol: protocol, Type: ch.Type, Topic: topic,
			ObjectID: objectID, Payment: payment, Refund: refund, URL: url, Scenario: notify,
			DeliveryStatus: DeliveryPending, CreatedAt: now,
		}
		if url == "" {
			// Nowhere to send it: recorded, never attempted.
			ev.DeliveryStatus = DeliveryFailed
		} else {
			due := now.Add(s.scaled(s.rules(protocol).Schedule[0]) + s.firstAttemptHold(notify))
			ev.NextAttemptAt = &due
			b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueDeliver, Member: ev.ID, At: due})
		}
		b.Events = append(b.Events, ev)
	}
}

// firstAttemptHold is the extra delay a notification scenario puts on the
// first attempt: notify_delay, and the notify_out_of_order window (once it
// is over, the dispatcher sends the object's held notifications newest
// first; see PrepareDelivery).
func (s *Service) firstAttemptHold(sc Scenario) time.Duration {
	hold := sc.NotifyDelay
	if sc.HasNotifyOutOfOrder {
		hold += sc.NotifyOutOfOrder
	}
	return s.scaled(hold)
}

// CheckNotifyURL refuses a notify URL the deployment does not deliver to
// (NOTIFY_DENY_PRIVATE: loopback, link-local, private addresses) with a
// parameter_invalid naming param. Adapters call it with the rest of their
// input validation; an empty URL passes.
func (s *Service) CheckNotifyURL(ctx context.Context, param, url string) error {
	if url == "" || s.cfg.CheckNotifyURL == nil {
		return nil
	}
	if err := s.cfg.CheckNotifyURL(ctx, url); err != nil {
		return Errorf(ParameterInvalid, param, "%s is refused: %v. This gateway delivers only to public addresses (NOTIFY_DENY_PRIVATE).", param, err)
	}
	return nil
}

// timerMember names a QueueTimer entry.
func timerMember(kind, id string) string { return kind + ":" + id }

// SplitTimer splits a QueueTimer member into kind and id.
func SplitTimer(member string) (kind, id string) {
	kind, id, _ = strings.Cut(member, ":")
	return kind, id
}
