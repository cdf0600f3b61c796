package native

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

var (
	eventTypes = []string{
		gateway.EventPaymentSucceeded, gateway.EventPaymentFailed, gateway.EventPaymentClosed,
		gateway.EventRefundSucceeded, gateway.EventRefundFailed,
	}
	deliveryStatuses = []string{gateway.DeliveryPending, gateway.DeliveryDelivered, gateway.DeliveryFailed}
)

// handleEventList answers GET /v1/events: the merchant's notifications,
// newest first, filtered by object_id, type and delivery_status.
// Notifications of other protocols are listed too, in the native dialect.
func (a *Adapter) handleEventList(c *gin.Context) {
	q, ok := listQuery(c)
	if !ok {
		return
	}
	// Changes the native protocol never notifies (a refund's creation, made
	// by other protocols) are not notifications in this dialect.
	f := gateway.EventFilter{ObjectID: c.Query("object_id"), Type: c.Query("type"), Types: eventTypes, DeliveryStatus: c.Query("delivery_status")}
	if f.Type != "" && !slices.Contains(eventTypes, f.Type) {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "type", "type must be one of: payment.succeeded, payment.failed, payment.closed, refund.succeeded, refund.failed."))
		return
	}
	if f.DeliveryStatus != "" && !slices.Contains(deliveryStatuses, f.DeliveryStatus) {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "delivery_status", "delivery_status must be one of: pending, delivered, failed."))
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_events"})
	if !ok {
		return
	}
	evs, more, err := a.svc.ListEvents(c.Request.Context(), merchant(c), f, q)
	if err != nil {
		cl.Error(err)
		return
	}
	out := make([]gatewayapi.Event, len(evs))
	for i, ev := range evs {
		if out[i], err = Event(ev); err != nil {
			cl.Error(err)
			return
		}
	}
	reply(cl, http.StatusOK, gatewayapi.List[gatewayapi.Event]{Object: "list", Data: out, HasMore: more})
}

// handleEventGet answers GET /v1/events/{id}: the event with its delivery
// state and attempt log.
func (a *Adapter) handleEventGet(c *gin.Context) {
	ev, err := a.svc.Event(c.Request.Context(), merchant(c), c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "get_event"})
	if !ok {
		return
	}
	replyEvent(cl, http.StatusOK, ev)
}

// handleEventRedeliver answers POST /v1/events/{id}/redeliver: one extra
// attempt, made asynchronously; 202 with the event as it is now.
func (a *Adapter) handleEventRedeliver(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	m := merchant(c)
	if _, err := a.svc.Event(c.Request.Context(), m, c.Param("id")); err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "redeliver_event"})
	if !ok {
		return
	}
	ev, err := a.svc.RedeliverEvent(c.Request.Context(), m, c.Param("id"))
	if err != nil {
		cl.Error(err)
		return
	}
	replyEvent(cl, http.StatusAccepted, ev)
}

// handleHelperDeliverDue answers POST /v1/test_helpers/events/deliver_due.
func (a *Adapter) handleHelperDeliverDue(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "deliver_due"})
	if !ok {
		return
	}
	n, err := a.svc.DeliverDue(c.Request.Context(), merchant(c))
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, http.StatusOK, gin.H{"scheduled": n})
}

func replyEvent(cl *apicall.Call, status int, ev *gateway.Event) {
	pub, err := Event(ev)
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, status, pub)
}
