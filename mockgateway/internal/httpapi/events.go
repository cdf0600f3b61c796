package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

var (
	eventTypes = []string{
		gatewayapi.EventPaymentSucceeded, gatewayapi.EventPaymentFailed, gatewayapi.EventPaymentClosed,
		gatewayapi.EventRefundSucceeded, gatewayapi.EventRefundFailed,
	}
	deliveryStatuses = []string{gatewayapi.DeliveryPending, gatewayapi.DeliveryDelivered, gatewayapi.DeliveryFailed}
)

// handleEventList answers GET /v1/events: the merchant's notifications,
// newest first, filtered by object_id, type and delivery_status.
func (s *Server) handleEventList(c *gin.Context) {
	q, ok := listQuery(c)
	if !ok {
		return
	}
	f := gateway.EventFilter{ObjectID: c.Query("object_id"), Type: c.Query("type"), DeliveryStatus: c.Query("delivery_status")}
	if f.Type != "" && !oneOf(f.Type, eventTypes) {
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "type", "type must be one of: payment.succeeded, payment.failed, payment.closed, refund.succeeded, refund.failed."))
		return
	}
	if f.DeliveryStatus != "" && !oneOf(f.DeliveryStatus, deliveryStatuses) {
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "delivery_status", "delivery_status must be one of: pending, delivered, failed."))
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "list_events"}); !ok {
		return
	}
	evs, more, err := s.svc.ListEvents(c.Request.Context(), merchant(c), f, q)
	if err != nil {
		replyError(c, err)
		return
	}
	out := make([]gatewayapi.Event, len(evs))
	for i, ev := range evs {
		if out[i], err = ev.Public(); err != nil {
			replyError(c, err)
			return
		}
	}
	reply(c, http.StatusOK, list(out, more))
}

// handleEventGet answers GET /v1/events/{id}: the event with its delivery
// state and attempt log.
func (s *Server) handleEventGet(c *gin.Context) {
	ev, err := s.svc.Event(c.Request.Context(), merchant(c), c.Param("id"))
	if err != nil {
		replyError(c, err)
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "get_event"}); !ok {
		return
	}
	replyEvent(c, http.StatusOK, ev)
}

// handleEventRedeliver answers POST /v1/events/{id}/redeliver: one extra
// attempt, made asynchronously; 202 with the event as it is now.
func (s *Server) handleEventRedeliver(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	m := merchant(c)
	if _, err := s.svc.Event(c.Request.Context(), m, c.Param("id")); err != nil {
		replyError(c, err)
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "redeliver_event"}); !ok {
		return
	}
	ev, err := s.svc.RedeliverEvent(c.Request.Context(), m, c.Param("id"))
	if err != nil {
		replyError(c, err)
		return
	}
	replyEvent(c, http.StatusAccepted, ev)
}

// handleHelperDeliverDue answers POST /v1/test_helpers/events/deliver_due.
func (s *Server) handleHelperDeliverDue(c *gin.Context) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "deliver_due"}); !ok {
		return
	}
	n, err := s.svc.DeliverDue(c.Request.Context(), merchant(c))
	if err != nil {
		replyError(c, err)
		return
	}
	reply(c, http.StatusOK, gin.H{"scheduled": n})
}

func replyEvent(c *gin.Context, status int, ev *gateway.EventRecord) {
	pub, err := ev.Public()
	if err != nil {
		replyError(c, err)
		return
	}
	reply(c, status, pub)
}
