package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// Public returns the event as the API shows it: the envelope that is
// delivered, plus its delivery state.
func (e *EventRecord) Public() (gatewayapi.Event, error) {
	var env gatewayapi.Envelope
	if err := json.Unmarshal(e.Body, &env); err != nil {
		return gatewayapi.Event{}, fmt.Errorf("gateway: decode event %s: %w", e.ID, err)
	}
	attempts := e.Attempts
	if attempts == nil {
		attempts = []gatewayapi.Attempt{}
	}
	return gatewayapi.Event{
		Envelope: env, DeliveryStatus: e.DeliveryStatus,
		NextAttemptAt: e.NextAttemptAt, Attempts: attempts,
	}, nil
}

// Event returns one of the merchant's events with its delivery state.
func (s *Service) Event(ctx context.Context, m *gatewayapi.Merchant, id string) (*EventRecord, error) {
	return s.store.Event(ctx, m.ID, id)
}

// EventFilter selects events of a list; empty fields select all.
type EventFilter struct {
	ObjectID       string
	Type           string
	DeliveryStatus string
}

// ListEvents returns a page of the merchant's events, newest first.
func (s *Service) ListEvents(ctx context.Context, m *gatewayapi.Merchant, f EventFilter, q ListQuery) ([]*EventRecord, bool, error) {
	return s.store.ListEvents(ctx, m.ID, f.ObjectID, q, func(e *EventRecord) bool {
		return (f.Type == "" || e.Type == f.Type) && (f.DeliveryStatus == "" || e.DeliveryStatus == f.DeliveryStatus)
	})
}

// RedeliverEvent asks for one extra delivery attempt of an event now,
// outside its schedule. The request is a member of QueueRedeliver, so it
// survives a restart and any gateway process may carry it out; every call
// is an attempt of its own. The event is returned as it is now: the attempt
// happens asynchronously.
func (s *Service) RedeliverEvent(ctx context.Context, m *gatewayapi.Merchant, id string) (*EventRecord, error) {
	ev, err := s.store.Event(ctx, m.ID, id)
	if err != nil {
		return nil, err
	}
	b := s.batch()
	b.Schedule = []ScheduleEntry{{Queue: QueueRedeliver, Member: redeliverMember(ev.ID), At: s.now()}}
	if err := s.store.Commit(ctx, m.ID, b); err != nil {
		return nil, err
	}
	return ev, nil
}

// DeliverDue makes every scheduled or held notification of the merchant due
// now — retry back-off, notify_delay and notify_out_of_order holds included
// — and returns how many it moved. An event's next_attempt_at keeps showing
// its scheduled time until the attempt is made.
func (s *Service) DeliverDue(ctx context.Context, m *gatewayapi.Merchant) (int, error) {
	return s.store.MakeDue(ctx, m.ID, QueueDeliver, s.now())
}

// redeliverMember names one redelivery request: the event id and a random
// suffix, so two requests are two attempts.
func redeliverMember(eventID string) string { return eventID + ":" + randomToken(10) }

// memberEventID returns the event id of a QueueDeliver or QueueRedeliver
// member.
func memberEventID(member string) string {
	id, _, _ := strings.Cut(member, ":")
	return id
}

// eventTTL is how long an event has left to live: retention counts from its
// creation, not from its latest attempt.
func (s *Service) eventTTL(ev *EventRecord, now time.Time) time.Duration {
	return max(ev.CreatedAt.Add(s.cfg.EventRetention).Sub(now), time.Second)
}
