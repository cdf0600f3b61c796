package stripe

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Event types the subset sends (DESIGN §11.3).
const (
	evIntentSucceeded = "payment_intent.succeeded"
	evIntentFailed    = "payment_intent.payment_failed"
	evIntentCanceled  = "payment_intent.canceled"
	evSessionComplete = "checkout.session.completed"
	evSessionExpired  = "checkout.session.expired"
	evChargeRefunded  = "charge.refunded"
	evRefundCreated   = "refund.created"
	evRefundUpdated   = "refund.updated"
)

// Topics names the Stripe events a change of a Stripe payment or refund
// makes, in the order they are created (one change may make several, as
// on Stripe). A refund settled inside its create call (no refund scenario)
// is announced once settled: refund.created with its final status and
// charge.refunded; one a scenario delays or fails is announced pending
// (refund.created), then settled (refund.updated, and charge.refunded when
// it succeeded).
func Topics(ch gateway.Change) []string {
	x, _ := extOf(ch.Payment)
	session := x.Kind == kindSession
	inCall := ch.Refund != nil && !ch.Refund.Scenario.HasLevel(gateway.LevelRefund)
	switch ch.Type {
	case gateway.EventPaymentSucceeded:
		if session {
			return []string{evSessionComplete, evIntentSucceeded}
		}
		return []string{evIntentSucceeded}
	case gateway.EventPaymentFailed:
		return []string{evIntentFailed}
	case gateway.EventPaymentClosed:
		if session {
			return []string{evSessionExpired}
		}
		return []string{evIntentCanceled}
	case gateway.EventRefundCreated:
		if inCall {
			return nil
		}
		return []string{evRefundCreated}
	case gateway.EventRefundSucceeded:
		if inCall {
			return []string{evRefundCreated, evChargeRefunded}
		}
		return []string{evRefundUpdated, evChargeRefunded}
	case gateway.EventRefundFailed:
		return []string{evRefundUpdated}
	}
	return nil
}

// toEvent shapes a stored event as a Stripe Event; tampered is the payload
// a notify_tamper_amount attempt carries (nil otherwise).
func toEvent(ev, payload *gateway.Event, apiVersion string) (*event, error) {
	if payload == nil {
		payload = ev
	}
	x, _ := extOf(payload.Payment)
	var obj any
	switch ev.Topic {
	case evIntentSucceeded, evIntentFailed, evIntentCanceled:
		obj = toIntent(payload.Payment, x, nil)
	case evSessionComplete, evSessionExpired:
		obj = toSession(payload.Payment, x, nil)
	case evChargeRefunded:
		ch := toCharge(payload.Payment, x, nil)
		// A tampered refund amount shows in what the charge says was
		// refunded.
		ch.AmountRefunded += payload.Amount() - ev.Amount()
		obj = ch
	case evRefundCreated, evRefundUpdated:
		if payload.Refund == nil {
			return nil, fmt.Errorf("stripe: event %s (%s) has no refund", ev.ID, ev.Topic)
		}
		obj = toRefund(payload.Refund, payload.Payment, nil)
	default:
		return nil, fmt.Errorf("stripe: event %s has the unknown type %q", ev.ID, ev.Topic)
	}
	pending := 0
	if ev.DeliveryStatus == gateway.DeliveryPending {
		pending = 1
	}
	return &event{
		ID: ev.ID, Object: "event", APIVersion: apiVersion, Created: unix(ev.CreatedAt), Data: eventData{Object: obj},
		PendingWebhooks: pending, Type: ev.Topic,
	}, nil
}

// stripeEvent reads one of the merchant's Stripe events.
func (a *Adapter) stripeEvent(c *gin.Context, id string) (*gateway.Event, error) {
	ev, err := a.svc.Event(c.Request.Context(), merchant(c), id)
	if err == nil && ev.Protocol != Name {
		err = gateway.NotFound("event", id)
	}
	if err != nil {
		return nil, lookupError(err, "event", "id", id)
	}
	return ev, nil
}

func (a *Adapter) apiVersion(c *gin.Context) (string, error) {
	creds, err := credentialsOf(merchant(c))
	return creds.APIVersion, err
}

func (a *Adapter) handleEventGet(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	if _, ok := finish(c, p); !ok {
		return
	}
	ev, err := a.stripeEvent(c, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "get_event"})
	if !ok {
		return
	}
	ver, err := a.apiVersion(c)
	if err != nil {
		cl.Error(err)
		return
	}
	out, err := toEvent(ev, nil, ver)
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, out)
}

// handleEventList answers GET /v1/events: the merchant's Stripe events,
// newest first, of one type when type is given.
func (a *Adapter) handleEventList(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	q, err := listQuery(p, func(id string) (string, error) {
		ev, err := a.stripeEvent(c, id)
		if err != nil {
			return "", err
		}
		return ev.ID, nil
	})
	var typ string
	if err == nil {
		typ, _, err = p.str("type")
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	if _, ok := finish(c, p); !ok {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_events"})
	if !ok {
		return
	}
	ver, err := a.apiVersion(c)
	if err != nil {
		cl.Error(err)
		return
	}
	evs, more, err := a.svc.ListEvents(c.Request.Context(), merchant(c), gateway.EventFilter{Protocol: Name, Topic: typ}, q)
	if err != nil {
		cl.Error(err)
		return
	}
	out := make([]any, 0, len(evs))
	for _, ev := range evs {
		e, err := toEvent(ev, nil, ver)
		if err != nil {
			cl.Error(err)
			return
		}
		out = append(out, e)
	}
	replyList(cl, "/v1/events", out, more)
}
