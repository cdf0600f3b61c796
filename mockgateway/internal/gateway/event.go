package gateway

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Event returns one of the merchant's events with its delivery state.
func (s *Service) Event(ctx context.Context, m *Merchant, id string) (*Event, error) {
	return s.store.Event(ctx, m.ID, id)
}

// EventFilter selects events of a list; empty fields select all.
type EventFilter struct {
	ObjectID string
	Type     string
	// Types, when set, keeps only events of one of these types.
	Types          []string
	Topic          string
	DeliveryStatus string
	Protocol       string
}

// ListEvents returns a page of the merchant's events, newest first.
func (s *Service) ListEvents(ctx context.Context, m *Merchant, f EventFilter, q ListQuery) ([]*Event, bool, error) {
	return s.store.ListEvents(ctx, m.ID, f.ObjectID, q, func(e *Event) bool {
		return (f.Type == "" || e.Type == f.Type) && (len(f.Types) == 0 || slices.Contains(f.Types, e.Type)) &&
			(f.Topic == "" || e.Topic == f.Topic) && (f.DeliveryStatus == "" || e.DeliveryStatus == f.DeliveryStatus) &&
			(f.Protocol == "" || e.Protocol == f.Protocol)
	})
}

// RedeliverEvent asks for one extra delivery attempt of an event now,
// outside its schedule. The request is a member of QueueRedeliver, so it
// survives a restart and any gateway process may carry it out; every call
// is an attempt of its own. The event is returned as it is now: the attempt
// happens asynchronously.
func (s *Service) RedeliverEvent(ctx context.Context, m *Merchant, id string) (*Event, error) {
	ev, err := s.store.Event(ctx, m.ID, id)
	if err != nil {
		return nil, err
	}
	b := s.batch()
	b.Schedule = []ScheduleEntry{{Queue: QueueRedeliver, Member: redeliverMember(ev.ID), At: b.Now}}
	if err := s.commit(ctx, m.ID, b); err != nil {
		return nil, err
	}
	return ev, nil
}

// DeliverDue makes every scheduled or held notification of the merchant due
// now — retry back-off, notify_delay and notify_out_of_order holds included
// — and returns how many it moved. An event's next_attempt_at keeps showing
// its scheduled time until the attempt is made.
func (s *Service) DeliverDue(ctx context.Context, m *Merchant) (int, error) {
	n, err := s.store.MakeDue(ctx, m.ID, QueueDeliver, s.now())
	if err == nil && n > 0 && s.cfg.OnDue != nil {
		s.cfg.OnDue()
	}
	return n, err
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
func (s *Service) eventTTL(ev *Event, now time.Time) time.Duration {
	return max(ev.CreatedAt.Add(s.cfg.EventRetention).Sub(now), time.Second)
}

// Amount is the amount the event's object carries: the refund's for a
// refund event, the payment's otherwise.
func (e *Event) Amount() int64 {
	if e.Refund != nil {
		return e.Refund.Amount
	}
	return e.Payment.Amount
}

// WithTamperedAmount returns a copy of the event whose object's amount is
// raised by one minor unit — the smallest change, so that a receiver
// comparing amounts loosely is caught too (notify_tamper_amount).
func (e *Event) WithTamperedAmount() *Event {
	c := *e
	if e.Refund != nil {
		c.Refund = e.Refund.Snapshot()
		c.Refund.Amount++
	} else {
		c.Payment = e.Payment.Snapshot()
		c.Payment.Amount++
	}
	return &c
}
