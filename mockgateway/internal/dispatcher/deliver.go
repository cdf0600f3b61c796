package dispatcher

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// maxKeptRequestBody bounds the body an attempt log keeps of what was sent.
const maxKeptRequestBody = 8 << 10

// request is one encoded notification, ready to send (again, for
// duplicates).
type request struct {
	url          string
	header       http.Header
	body         []byte
	ack          func(status int, body []byte) bool
	reproducible bool
}

// deliver makes the attempt a claimed member asks for and records it. When
// anything fails before the record is written, the member stays claimed and
// comes back when its lease ends: at least once, never lost.
func (d *Dispatcher) deliver(ctx context.Context, mid, queue string, c gateway.ClaimedEvent) {
	del, ok, err := d.Core.PrepareDelivery(ctx, mid, queue, c.Member, c.Event)
	if err != nil {
		d.Log.Warn("dispatcher: prepare failed", "merchant", mid, "member", c.Member, "err", err)
		return
	}
	if !ok {
		return
	}
	req, err := d.encode(del)
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
		res, out = d.send(ctx, req)
	}
	ev, first, err := d.Core.RecordAttempt(ctx, del, res)
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
	if del.Duplicates > 0 && req != nil {
		d.duplicate(ctx, del, ev, req)
	}
}

// encode asks the event's protocol for the request of a delivery. A
// dropped attempt is not encoded: nothing is sent.
func (d *Dispatcher) encode(del *gateway.Delivery) (*request, error) {
	if del.Drop || del.Event.URL == "" {
		return nil, nil
	}
	n, ok := d.Notifiers[del.Event.Protocol]
	if !ok {
		return nil, fmt.Errorf("no notifier for protocol %q", del.Event.Protocol)
	}
	h, body, err := n.Encode(del, d.Now())
	if err != nil {
		return nil, err
	}
	r, _ := n.(Reproducer)
	return &request{url: del.Event.URL, header: h, body: body, ack: n.Acknowledged, reproducible: r != nil && r.Reproducible()}, nil
}

// duplicate sends notify_duplicate's copies of the request that was just
// acknowledged — same ids, same signed bytes — recording each and retrying
// none.
func (d *Dispatcher) duplicate(ctx context.Context, del *gateway.Delivery, ev *gateway.Event, req *request) {
	dup := gateway.PlanDelivery(ev, gateway.AttemptDuplicate)
	dup.Merchant = del.Merchant
	for range del.Duplicates {
		res, out := d.send(ctx, req)
		if _, _, err := d.Core.RecordAttempt(ctx, dup, res); err != nil {
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

// sent is what an attempt log keeps of a request: the headers, and the
// body unless the notifier can encode it again from the delivery alone.
func sent(req *request) *gateway.SentRequest {
	h := make([][2]string, 0, len(req.header))
	for k, vs := range req.header {
		if len(vs) > 0 {
			h = append(h, [2]string{k, vs[0]})
		}
	}
	slices.SortFunc(h, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if req.reproducible {
		return &gateway.SentRequest{Header: h, Reproducible: true}
	}
	body := req.body
	if len(body) > maxKeptRequestBody {
		body = body[:maxKeptRequestBody]
	}
	return &gateway.SentRequest{Header: h, Body: string(body)}
}

// Reproducer is a notifier whose bodies depend only on the delivery — the
// event's snapshot and the faults that shape the attempt — not on the time
// or chance: the attempt log then keeps no copy of them, and SentBody
// encodes them again.
type Reproducer interface {
	Reproducible() bool
}

// SentBody returns the body an attempt sent: the one it kept, or the
// notifier's encoding of the event with the attempt's faults.
func SentBody(n Notifier, m *gateway.Merchant, ev *gateway.Event, a gateway.Attempt) ([]byte, error) {
	if a.Request == nil {
		return nil, nil
	}
	if !a.Request.Reproducible {
		return []byte(a.Request.Body), nil
	}
	d := gateway.PlanDeliveryFaults(ev, a.Scenario)
	d.Merchant = m
	_, body, err := n.Encode(d, a.At)
	return body, err
}
