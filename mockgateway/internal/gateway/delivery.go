package gateway

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAttemptsKept bounds the attempt log of one event: the latest 50 are
// kept. A schedule has at most 50 entries (ParseSchedule), so only
// redeliveries and duplicates beyond that ever push old attempts out.
const MaxAttemptsKept = 50

// MaxResponseBody is how much of a receiver's answer an attempt keeps.
const MaxResponseBody = 1024

// MaxRetryAfter bounds how far one Retry-After can push the next attempt.
const MaxRetryAfter = 24 * time.Hour

// StaleTimestampAge is how old notify_stale_timestamp makes the signed
// timestamp: twice the 5-minute tolerance receivers apply.
const StaleTimestampAge = 10 * time.Minute

// DroppedError is the error of an attempt that notify_drop did not send.
const DroppedError = "dropped by scenario"

// outOfOrderStep is how long a released notify_out_of_order notification
// waits for a newer one of its object to go first.
const outOfOrderStep = 100 * time.Millisecond

// Kinds of delivery attempt.
const (
	// AttemptScheduled uses the next slot of the schedule.
	AttemptScheduled = "scheduled"
	// AttemptRedelivery is an extra attempt asked for through the API.
	AttemptRedelivery = "redelivery"
	// AttemptDuplicate is a notify_duplicate copy of a successful delivery.
	AttemptDuplicate = "duplicate"
)

// Delivery is one attempt the dispatcher is to make, with the faults its
// scenario injects into it. The core decides what to do; the dispatcher
// (the protocol adapter) does it: signing, tampering and sending.
type Delivery struct {
	Merchant *Merchant
	Event    *Event
	Kind     string
	// Queue and Member are the claimed schedule entry.
	Queue, Member string

	// Drop: record the attempt as dropped and send nothing.
	Drop bool
	// BadSignature: sign with a key that is not the merchant's.
	BadSignature bool
	// StaleTimestamp: sign with a timestamp StaleTimestampAge old.
	StaleTimestamp bool
	// TamperAmount: change the amount in the payload, then sign validly.
	TamperAmount bool
	// Duplicates is how many more copies to send if this attempt is the
	// event's first 2xx.
	Duplicates int
	// Scenario names the injected faults that shaped the attempt, for the
	// attempt log ("" when none).
	Scenario string
}

// Payload is the event as this attempt carries it: with its amount
// tampered when notify_tamper_amount shapes the attempt. How the tampered
// payload is signed is the protocol's choice (DESIGN §6, §10).
func (d *Delivery) Payload() *Event {
	if d.TamperAmount {
		return d.Event.WithTamperedAmount()
	}
	return d.Event
}

// AttemptResult is what happened when the dispatcher made an attempt.
type AttemptResult struct {
	At       time.Time
	Duration time.Duration
	// StatusCode is 0 when no answer came (dropped, network error, timeout).
	StatusCode   int
	Err          string
	ResponseBody string
	// Acknowledged is set when the answer acknowledged the notification as
	// its protocol requires (native: any 2xx; Alipay: exactly "success").
	Acknowledged bool
	// RetryAfter is the receiver's Retry-After, unscaled; it counts only
	// with a 429 or 503.
	RetryAfter time.Duration
	// Request is what was sent, for the attempt log.
	Request *SentRequest
}

// Delay returns the wait before the next scheduled attempt after used slots
// have been spent, the last one answered with status (and Retry-After): entry
// used of the schedule, scaled, or the scaled Retry-After of a 429/503 when
// that is longer. ok is false when the schedule has no slot left.
func (sch Schedule) Delay(used int, scale float64, status int, retryAfter time.Duration) (d time.Duration, ok bool) {
	if used < 0 || used >= len(sch) {
		return 0, false
	}
	d = Scale(sch[used], scale)
	if (status == 429 || status == 503) && retryAfter > 0 {
		d = max(d, Scale(min(retryAfter, MaxRetryAfter), scale))
	}
	return d, true
}

// PrepareDelivery turns a claimed member of QueueDeliver or QueueRedeliver
// into the attempt to make; ev is its event when the claim read it already
// (nil: read it here). ok is false when there is nothing to send: the
// event expired or was settled meanwhile (the member is dropped), or a
// notify_out_of_order notification must let a newer one of its object go
// first (both are rescheduled). Errors leave the member claimed; it comes
// back when its lease ends.
func (s *Service) PrepareDelivery(ctx context.Context, merchantID, queue, member string, ev *Event) (d *Delivery, ok bool, err error) {
	m, err := s.merchantByID(ctx, merchantID)
	if err != nil {
		return nil, false, err
	}
	if ev == nil {
		ev, err = s.store.Event(ctx, merchantID, memberEventID(member))
	}
	if ErrorCode(err) == ResourceMissing {
		return nil, false, s.forget(ctx, merchantID, queue, member)
	} else if err != nil {
		return nil, false, err
	}
	kind := AttemptRedelivery
	if queue == QueueDeliver {
		kind = AttemptScheduled
		if ev.DeliveryStatus != DeliveryPending || ev.URL == "" {
			return nil, false, s.forget(ctx, merchantID, queue, member)
		}
		if ev.Scheduled >= len(s.Schedule(ev.Protocol)) {
			// The schedule was shortened across a restart: nothing is left.
			return nil, false, s.exhaust(ctx, merchantID, ev.ID)
		}
		if ev.Scheduled == 0 {
			if !ev.RulesApplied {
				held, err := s.applyNotifyRules(ctx, merchantID, ev)
				if err != nil || held {
					return nil, false, err
				}
			}
			turn, err := s.outOfOrderTurn(ctx, merchantID, ev)
			if err != nil || !turn {
				return nil, false, err
			}
		}
	}
	d = PlanDelivery(ev, kind)
	d.Merchant, d.Queue, d.Member = m, queue, member
	return d, true, nil
}

// PlanDelivery decides which injected faults shape the next attempt of an
// event (DESIGN §6):
//   - notify_drop=N drops scheduled slots 1..N (every slot when N is -1);
//     redeliveries asked for through the API are always sent;
//   - notify_bad_signature, notify_stale_timestamp and notify_tamper_amount
//     shape the first attempt that is actually sent;
//   - notify_delay and notify_out_of_order are holds before slot 1, already
//     in its due time; they are named on that attempt;
//   - notify_duplicate=N copies the delivery that first gets a 2xx.
func PlanDelivery(ev *Event, kind string) *Delivery {
	d := &Delivery{Event: ev, Kind: kind}
	sc := ev.Scenario
	if kind == AttemptDuplicate {
		d.Scenario = "notify_duplicate"
		return d
	}
	var names []string
	slot := ev.Scheduled + 1
	if kind == AttemptScheduled && (sc.NotifyDrop < 0 || slot <= sc.NotifyDrop) {
		d.Drop = true
		names = append(names, "notify_drop")
	}
	if kind == AttemptScheduled && slot == 1 {
		if sc.NotifyDelay > 0 {
			names = append(names, "notify_delay")
		}
		if sc.HasNotifyOutOfOrder {
			names = append(names, "notify_out_of_order")
		}
	}
	if !d.Drop && !sentBefore(ev) {
		if sc.NotifyBadSignature {
			d.BadSignature = true
			names = append(names, "notify_bad_signature")
		}
		if sc.NotifyStaleTimestamp {
			d.StaleTimestamp = true
			names = append(names, "notify_stale_timestamp")
		}
		if sc.NotifyTamperAmount {
			d.TamperAmount = true
			names = append(names, "notify_tamper_amount")
		}
	}
	if ev.DeliveryStatus != DeliveryDelivered {
		d.Duplicates = sc.NotifyDuplicate
	}
	d.Scenario = strings.Join(names, ",")
	return d
}

// PlanDeliveryFaults rebuilds the delivery an attempt was made from, with
// the faults its scenario names, to encode its body again.
func PlanDeliveryFaults(ev *Event, scenario string) *Delivery {
	d := &Delivery{Event: ev, Scenario: scenario}
	for _, name := range strings.Split(scenario, ",") {
		switch name {
		case "notify_bad_signature":
			d.BadSignature = true
		case "notify_stale_timestamp":
			d.StaleTimestamp = true
		case "notify_tamper_amount":
			d.TamperAmount = true
		}
	}
	return d
}

// sentBefore reports whether any attempt of the event went out on the wire.
func sentBefore(ev *Event) bool {
	for _, a := range ev.Attempts {
		if a.Error != DroppedError {
			return true
		}
	}
	return false
}

// RecordAttempt appends the outcome of an attempt to its event's log and
// decides what comes next, in one atomic commit checked against the event's
// version: a 2xx marks the event delivered and takes it off the schedule; a
// failed scheduled attempt puts the next slot on the schedule, counted from
// the end of this attempt, or marks the event failed when none is left. A
// redelivery never changes the schedule of a pending event. firstDelivery
// reports whether this attempt delivered the event for the first time.
func (s *Service) RecordAttempt(ctx context.Context, d *Delivery, res AttemptResult) (ev *Event, firstDelivery bool, err error) {
	mid := d.Merchant.ID
	// The event the delivery was prepared from is usually still current:
	// the first try commits against its version without reading it again
	// (one round trip per delivery), a conflict reads it afresh.
	known := d.Event.Version > 0
	err = s.commitRetry(ctx, mid, func(b *Batch) error {
		var cur *Event
		var err error
		if known {
			known = false
			cur = d.Event.clone()
		} else {
			cur, err = s.store.Event(ctx, mid, d.Event.ID)
		}
		if ErrorCode(err) == ResourceMissing {
			if d.Member != "" {
				b.Unschedule = append(b.Unschedule, ScheduleEntry{Queue: d.Queue, Member: d.Member})
			}
			return err
		} else if err != nil {
			return err
		}
		ev = cur
		firstDelivery = s.applyAttempt(b, cur, d, res)
		b.Events = append(b.Events, cur)
		b.EventTTL = s.eventTTL(cur, b.Now)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return ev, firstDelivery, nil
}

// applyAttempt changes ev and fills b as one attempt's outcome says.
func (s *Service) applyAttempt(b *Batch, ev *Event, d *Delivery, res AttemptResult) (firstDelivery bool) {
	at := res.At.UTC().Truncate(time.Millisecond)
	a := Attempt{
		Number: 1, At: at, URL: ev.URL, DurationMS: res.Duration.Milliseconds(),
		ResponseBody: truncateUTF8(res.ResponseBody, MaxResponseBody), Scenario: d.Scenario,
	}
	if n := len(ev.Attempts); n > 0 {
		a.Number = ev.Attempts[n-1].Number + 1
	}
	ok := !d.Drop && res.Acknowledged
	a.Acknowledged = ok
	switch {
	case d.Drop:
		a.Error = DroppedError
	case res.Err != "":
		a.Error = res.Err
	}
	if !d.Drop {
		a.Request = res.Request
		if res.StatusCode != 0 {
			a.StatusCode = ptr(res.StatusCode)
		}
	}
	ev.Attempts = append(ev.Attempts, a)
	if over := len(ev.Attempts) - MaxAttemptsKept; over > 0 {
		ev.Attempts = append([]Attempt(nil), ev.Attempts[over:]...)
	}

	firstDelivery = ok && ev.DeliveryStatus != DeliveryDelivered
	if ok {
		ev.DeliveryStatus = DeliveryDelivered
	}
	switch d.Kind {
	case AttemptScheduled:
		ev.Scheduled++
		delay, more := s.Schedule(ev.Protocol).Delay(ev.Scheduled, s.cfg.TimeScale, res.StatusCode, res.RetryAfter)
		if ev.DeliveryStatus == DeliveryPending && more {
			next := at.Add(res.Duration).Add(delay).Truncate(time.Millisecond)
			ev.NextAttemptAt = &next
			b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueDeliver, Member: ev.ID, At: next})
			return firstDelivery
		}
		if ev.DeliveryStatus == DeliveryPending {
			ev.DeliveryStatus = DeliveryFailed
		}
		ev.NextAttemptAt = nil
		b.Unschedule = append(b.Unschedule, ScheduleEntry{Queue: QueueDeliver, Member: ev.ID})
	case AttemptRedelivery:
		if d.Member != "" {
			b.Unschedule = append(b.Unschedule, ScheduleEntry{Queue: QueueRedeliver, Member: d.Member})
		}
		if ok {
			ev.NextAttemptAt = nil
			b.Unschedule = append(b.Unschedule, ScheduleEntry{Queue: QueueDeliver, Member: ev.ID})
		}
	}
	return firstDelivery
}

// clone copies an event so that recording an attempt on the copy leaves
// the original as it was.
func (e *Event) clone() *Event {
	c := *e
	c.Attempts = slices.Clone(e.Attempts)
	return &c
}

// forget takes a member whose event needs nothing more off its queue.
func (s *Service) forget(ctx context.Context, merchantID, queue, member string) error {
	b := s.batch()
	b.Unschedule = []ScheduleEntry{{Queue: queue, Member: member}}
	return s.commit(ctx, merchantID, b)
}

// exhaust marks a pending event whose schedule has no slot left as failed.
func (s *Service) exhaust(ctx context.Context, merchantID, id string) error {
	return s.commitRetry(ctx, merchantID, func(b *Batch) error {
		ev, err := s.store.Event(ctx, merchantID, id)
		if err != nil {
			return err
		}
		b.Unschedule = []ScheduleEntry{{Queue: QueueDeliver, Member: id}}
		if ev.DeliveryStatus == DeliveryPending {
			ev.DeliveryStatus, ev.NextAttemptAt = DeliveryFailed, nil
			b.Events = []*Event{ev}
			b.EventTTL = s.eventTTL(ev, b.Now)
		}
		return nil
	})
}

// outOfOrderTurn enforces notify_out_of_order once an event's hold is over
// (its first attempt came due): the object's held notifications go out one
// by one, newest first. turn is false when a newer held notification of the
// same object must go first; that one is then pulled forward to now and ev
// waits outOfOrderStep.
func (s *Service) outOfOrderTurn(ctx context.Context, merchantID string, ev *Event) (turn bool, err error) {
	if !ev.Scenario.HasNotifyOutOfOrder {
		return true, nil
	}
	err = s.commitRetry(ctx, merchantID, func(b *Batch) error {
		held, _, err := s.store.ListEvents(ctx, merchantID, ev.ObjectID, ListQuery{Limit: 100}, func(e *Event) bool {
			return e.DeliveryStatus == DeliveryPending && e.Scheduled == 0 && e.URL != ""
		})
		if err != nil {
			return err
		}
		turn = len(held) == 0 || held[0].ID == ev.ID
		if turn {
			return nil
		}
		now := b.Now
		newest, self := held[0], findEvent(held, ev.ID)
		if self == nil {
			return nil // settled meanwhile; the claim finds out next time
		}
		wait := now.Add(outOfOrderStep)
		self.NextAttemptAt = &wait
		b.Events = []*Event{self}
		b.Schedule = []ScheduleEntry{{Queue: QueueDeliver, Member: self.ID, At: wait}}
		// Pull the newest forward only while it is still held: one already
		// due may be in flight, and moving it would send it twice.
		if newest.NextAttemptAt != nil && newest.NextAttemptAt.After(now) {
			newest.NextAttemptAt = &now
			b.Events = append(b.Events, newest)
			b.Schedule = append(b.Schedule, ScheduleEntry{Queue: QueueDeliver, Member: newest.ID, At: now})
		}
		b.EventTTL = s.eventTTL(self, now)
		return nil
	})
	return turn, err
}

func findEvent(evs []*Event, id string) *Event {
	for _, e := range evs {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// truncateUTF8 cuts s to at most n bytes without splitting a character and
// replaces invalid bytes, so the attempt log stays valid JSON text.
func truncateUTF8(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		// Drop the bytes of a character the cut split in half.
		for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// ClaimedEvent is a claimed member of a delivery queue and its event as the
// claim read it (nil when the event is gone).
type ClaimedEvent struct {
	Member string
	Event  *Event
}
