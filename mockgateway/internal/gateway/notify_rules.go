package gateway

import (
	"context"
	"encoding/json"
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
func (s *Service) applyNotifyRules(ctx context.Context, merchantID string, ev *EventRecord) (held bool, err error) {
	facts, err := s.eventFacts(ctx, merchantID, ev)
	if err != nil {
		return false, err
	}
	ruleSc, _, err := s.TakeFault(ctx, facts)
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
		own, _ := ParseScenario(cur.Scenario)
		cur.Scenario = own.Merge(ruleSc.Notify()).String()
		cur.RulesApplied = true
		now := s.now()
		b.Events = []*EventRecord{cur}
		b.EventTTL = s.eventTTL(cur, now)
		if cur.Scheduled == 0 {
			due := cur.CreatedAt.Add(s.scaled(s.cfg.Schedule[0]) + s.firstAttemptHold(cur.Scenario)).Truncate(time.Millisecond)
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

// eventFacts describe an event's object for matching notify rules. A
// refund's payment method is its payment's.
func (s *Service) eventFacts(ctx context.Context, merchantID string, ev *EventRecord) (CallFacts, error) {
	var env struct {
		Data struct {
			Object struct {
				Object     string `json:"object"`
				Method     string `json:"method"`
				Amount     int64  `json:"amount"`
				OutTradeNo string `json:"out_trade_no"`
				PaymentID  string `json:"payment_id"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Body, &env); err != nil {
		return CallFacts{}, err
	}
	o := env.Data.Object
	f := CallFacts{MerchantID: merchantID, Operation: OpNotify, Method: o.Method, Amount: o.Amount, OutTradeNo: o.OutTradeNo}
	if o.Object == "refund" && o.PaymentID != "" {
		p, err := s.store.Payment(ctx, merchantID, o.PaymentID)
		if err != nil && ErrorCode(err) != ResourceMissing {
			return CallFacts{}, err
		}
		if p != nil {
			f.Method = p.Method
		}
	}
	return f, nil
}
