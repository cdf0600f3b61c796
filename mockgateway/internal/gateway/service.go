package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// Config holds what the core needs to know about its deployment.
type Config struct {
	// PublicURL is the base of pay_url and qr_code_url.
	PublicURL string
	// Schedule is the notification retry schedule, unscaled.
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
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Service applies the gateway's rules on top of a Store. All its methods are
// safe for concurrent use, also across processes sharing one Store.
type Service struct {
	store Store
	cfg   Config
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
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Service{store: store, cfg: cfg}
}

// Store returns the Store the service works on.
func (s *Service) Store() Store { return s.store }

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// now returns the clock's time in UTC, at millisecond precision so that what
// is stored and what is returned compare equal.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// scaled applies TIME_SCALE to a delay.
func (s *Service) scaled(d time.Duration) time.Duration { return Scale(d, s.cfg.TimeScale) }

func (s *Service) batch() *Batch {
	return &Batch{DataRetention: s.cfg.DataRetention, EventTTL: s.cfg.EventRetention}
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
		err := s.store.Commit(ctx, merchantID, b)
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

// newEvent builds the event for a change of obj and schedules its first
// delivery attempt.
func (s *Service) newEvent(b *Batch, m *gatewayapi.Merchant, typ, objectID string, obj any, notifyURL, scenario string, now time.Time) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("gateway: marshal %s: %w", typ, err)
	}
	env := gatewayapi.Envelope{
		ID: NewID("evt", now), Object: "event", Type: typ, CreatedAt: now,
		MerchantID: m.ID, Data: gatewayapi.EventData{Object: raw},
	}
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("gateway: marshal event: %w", err)
	}
	url := notifyURL
	if url == "" {
		url = m.NotifyURL
	}
	ev := &EventRecord{
		Body: body, ID: env.ID, Type: typ, ObjectID: objectID, URL: url,
		Scenario: scenario, DeliveryStatus: gatewayapi.DeliveryPending,
		Attempts: []gatewayapi.Attempt{}, CreatedAt: now,
	}
	if url == "" {
		// Nowhere to send it: recorded, never attempted.
		ev.DeliveryStatus = gatewayapi.DeliveryFailed
	} else {
		due := now.Add(s.scaled(s.cfg.Schedule[0]) + s.firstAttemptHold(scenario))
		ev.NextAttemptAt = &due
		b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueDeliver, Member: ev.ID, At: due})
	}
	b.Events = append(b.Events, ev)
	return nil
}

// firstAttemptHold is the extra delay a notification scenario puts on the
// first attempt: notify_delay, and the notify_out_of_order window (once it
// is over, the dispatcher sends the object's held notifications newest
// first; see PrepareDelivery).
func (s *Service) firstAttemptHold(scenario string) time.Duration {
	if scenario == "" {
		return 0
	}
	sc, err := ParseScenario(scenario)
	if err != nil {
		return 0
	}
	hold := sc.NotifyDelay
	if sc.HasNotifyOutOfOrder {
		hold += sc.NotifyOutOfOrder
	}
	return s.scaled(hold)
}

// timerMember names a QueueTimer entry.
func timerMember(kind, id string) string { return kind + ":" + id }

// SplitTimer splits a QueueTimer member into kind and id.
func SplitTimer(member string) (kind, id string) {
	kind, id, _ = strings.Cut(member, ":")
	return kind, id
}
