package gateway

import (
	"context"
	"time"
)

// applyNotifyRules lets the fault rules with operation "notify" act on an
// event before its first attempt: the oldest rule matching the event's
// object (merchant, payment method, amount, out_trade_no prefix) counts one
// hit and its notify_* names join the event's scenario, the object's own
// names winning for a name both give. It runs once per event; a new hold
// (notify_delay, notify_out_of_order) moves the first attempt and held is
// then true.
//
// Rules are applied here rather than when the event is created because
// creation happens inside retried commits, where taking a rule could count
// it twice; the first attempt is claimed by one process only.
func (s *Service) applyNotifyRules(ctx context.Context, merchantID string, ev *Event) (held bool, err error) {
	ruleSc, _, err := s.TakeFault(ctx, eventFacts(merchantID, ev))
	if err != nil || ruleSc.IsZero() {
		// No rule: nothing to remember; a rule created before a later
		// claim of this first attempt still gets its chance.
		return false, err
	}
	err = s.commitRetry(ctx, merchantID, func(b *Batch) error {
		cur, err := s.store.Event(ctx, merchantID, ev.ID)
		if err != nil {
			return err
		}
		if cur.RulesApplied {
			*ev = *cur
			return nil
		}
		cur.Scenario = cur.Scenario.Merge(ruleSc.Notify())
		cur.RulesApplied = true
		now := b.Now
		b.Events = []*Event{cur}
		b.EventTTL = s.eventTTL(cur, now)
		if cur.Scheduled == 0 {
			due := cur.CreatedAt.Add(s.scaled(s.Schedule(cur.Protocol)[0]) + s.firstAttemptHold(cur.Scenario)).Truncate(time.Millisecond)
			if due.After(now) {
				held = true
				cur.NextAttemptAt = &due
				b.Schedule = []ScheduleEntry{{Queue: QueueDeliver, Member: cur.ID, At: due}}
			}
		}
		*ev = *cur
		return nil
	})
	return held, err
}

// eventFacts describe an event's object for matching notify rules, from
// its snapshot. A refund's payment method is its payment's.
func eventFacts(merchantID string, ev *Event) CallFacts {
	return CallFacts{
		MerchantID: merchantID, Protocol: ev.Protocol, Operation: OpNotify, Method: ev.Payment.Method,
		Amount: ev.Amount(), OutTradeNo: ev.Payment.OutTradeNo,
	}
}
