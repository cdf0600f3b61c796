package dispatcher

import (
	"context"
	"fmt"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// deliver makes the attempt a claimed member asks for and records it. When
// anything fails before the record is written, the member stays claimed and
// comes back when its lease ends: at least once, never lost.
func (d *Dispatcher) deliver(ctx context.Context, mid, queue, member string) {
	del, ok, err := d.Service.PrepareDelivery(ctx, mid, queue, member)
	if err != nil {
		d.Log.Warn("dispatcher: prepare failed", "merchant", mid, "member", member, "err", err)
		return
	}
	if !ok {
		return
	}
	n, err := build(del, d.Now())
	var (
		res gateway.AttemptResult
		out string
	)
	switch {
	case del.Drop:
		res, out = gateway.AttemptResult{At: d.Now()}, OutcomeDropped
	case del.Event.URL == "":
		res, out = gateway.AttemptResult{At: d.Now(), Err: "no notify_url: neither the object nor the merchant has one"}, OutcomeNoURL
	case err != nil:
		// Not the merchant's fault, but retrying will not help either: the
		// attempt is recorded so the schedule moves on and the log says why.
		res = gateway.AttemptResult{At: d.Now(), Err: fmt.Sprintf("gateway could not build the notification: %v", err)}
		out = OutcomeNetworkError
		d.Log.Error("dispatcher: build failed", "merchant", mid, "event", del.Event.ID, "err", err)
	default:
		res, out = d.send(ctx, n)
	}
	ev, first, err := d.Service.RecordAttempt(ctx, del, res)
	if err != nil {
		if gateway.ErrorCode(err) != gateway.ResourceMissing {
			d.Log.Warn("dispatcher: record failed", "merchant", mid, "event", del.Event.ID, "err", err)
		}
		return
	}
	d.observe(del.Kind, out, res)
	d.Log.Debug("dispatcher: attempt", "merchant", mid, "event", ev.ID, "kind", del.Kind,
		"status", res.StatusCode, "err", res.Err, "scenario", del.Scenario)
	if !first {
		return
	}
	if d.Observer != nil {
		d.Observer.ObserveDelivered(d.Now().Sub(ev.CreatedAt))
	}
	if del.Duplicates > 0 && n != nil {
		d.duplicate(ctx, del, ev, n)
	}
}

// duplicate sends notify_duplicate's copies of the request that was just
// accepted — same webhook-id, same signed bytes — recording each and
// retrying none.
func (d *Dispatcher) duplicate(ctx context.Context, del *gateway.Delivery, ev *gateway.EventRecord, n *notification) {
	dup := gateway.PlanDelivery(ev, gateway.AttemptDuplicate)
	dup.Merchant = del.Merchant
	for range del.Duplicates {
		res, out := d.send(ctx, n)
		if _, _, err := d.Service.RecordAttempt(ctx, dup, res); err != nil {
			if gateway.ErrorCode(err) != gateway.ResourceMissing {
				d.Log.Warn("dispatcher: record duplicate failed", "event", ev.ID, "err", err)
			}
			return
		}
		d.observe(dup.Kind, out, res)
	}
}

func (d *Dispatcher) observe(kind, outcome string, res gateway.AttemptResult) {
	if d.Observer != nil {
		d.Observer.ObserveAttempt(kind, outcome, res.Duration)
	}
}
