package console

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/dispatcher"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// eventTypes are the core's kinds of change, which every protocol's
// notifications are named after.
var eventTypes = []string{
	gateway.EventPaymentSucceeded, gateway.EventPaymentFailed, gateway.EventPaymentClosed,
	gateway.EventRefundCreated, gateway.EventRefundSucceeded, gateway.EventRefundFailed,
}

type eventListData struct {
	Filters []filter
	Invalid []filter
	Events  []*gateway.Event
	Nav     listNav
}

func (d eventListData) pending() bool {
	for _, e := range d.Events {
		if e.DeliveryStatus == gateway.DeliveryPending {
			return true
		}
	}
	return false
}

// handleEventList answers GET /admin/events: every merchant's events,
// newest first, filtered by merchant, type, delivery status and protocol.
func (con *Console) handleEventList(c *gin.Context) {
	mf, err := con.merchantFilter(c)
	if err != nil {
		con.fail(c, err)
		return
	}
	filters := []filter{
		mf,
		readFilter(c, "type", "console.filter.type", eventTypes),
		readFilter(c, "delivery", "console.filter.delivery", []string{gateway.DeliveryPending, gateway.DeliveryDelivered, gateway.DeliveryFailed}),
		readFilter(c, "protocol", "console.filter.protocol", con.o.Protocols),
	}
	f := gateway.EventFilter{Type: filters[1].Value, DeliveryStatus: filters[2].Value, Protocol: filters[3].Value}
	after := c.Query("after")
	page, err := con.core.ScanEvents(c.Request.Context(), mf.Value, f, gateway.ScanQuery{Limit: pageSize, StartingAfter: after, MaxScan: listMaxScan})
	if err != nil {
		con.fail(c, err)
		return
	}
	con.render(c, http.StatusOK, "events", i18n.M("console.nav.events"), "events", eventListData{
		Filters: filters, Invalid: invalidFilters(filters), Events: page.Items,
		Nav: nav("/admin/events", filters, nil, after, page.Next, page.More, page.Scanned, len(page.Items) < pageSize),
	})
}

// headerLine is one header of a sent request.
type headerLine struct{ Name, Value string }

type attemptView struct {
	gateway.Attempt
	Headers []headerLine
	// Body is the body sent; Reencoded says the attempt log kept none and
	// the protocol encoded it again from the event and the attempt's
	// faults (its bodies depend on nothing else).
	Body      string
	Reencoded bool
	OK        bool
}

// sentBody is what an attempt sent as its body, in the event's protocol.
func (con *Console) sentBody(m *gateway.Merchant, ev *gateway.Event, a gateway.Attempt) ([]byte, error) {
	n, ok := con.o.Notifiers[ev.Protocol]
	if !ok {
		if a.Request.Reproducible {
			return nil, fmt.Errorf("no notifier for protocol %q", ev.Protocol)
		}
		return []byte(a.Request.Body), nil
	}
	return dispatcher.SentBody(n, m, ev, a)
}

type eventData struct {
	E        *gateway.Event
	M        *gateway.Merchant
	Attempts []attemptView
	Snapshot string
	Path     string
}

func (d eventData) pending() bool { return d.E.DeliveryStatus == gateway.DeliveryPending }

// handleEventPage answers GET /admin/events/{id}?m=: what was sent on each
// attempt — URL, headers, body in the merchant's dialect — and what came
// back.
func (con *Console) handleEventPage(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	m, err := con.merchantOf(ctx, c.Query("m"), id)
	if err != nil {
		con.fail(c, err)
		return
	}
	ev, err := con.core.Event(ctx, m, id)
	if err != nil {
		con.fail(c, err)
		return
	}
	d := eventData{E: ev, M: m, Path: "/admin/events/" + url.PathEscape(ev.ID) + "?m=" + url.QueryEscape(m.ID)}
	for _, a := range ev.Attempts {
		v := attemptView{Attempt: a, OK: a.Acknowledged}
		if a.Request != nil {
			for _, h := range a.Request.Header {
				v.Headers = append(v.Headers, headerLine{h[0], h[1]})
			}
			body, err := con.sentBody(m, ev, a)
			if err != nil {
				con.fail(c, fmt.Errorf("console: the body of %s attempt %d: %w", ev.ID, a.Number, err))
				return
			}
			v.Body, v.Reencoded = string(body), a.Request.Reproducible
		}
		d.Attempts = append(d.Attempts, v)
	}
	con.render(c, http.StatusOK, "event", i18n.M("console.event.title", "ID", ev.ID), "events", d)
}

// handleEventRedeliver asks for one extra delivery attempt now.
func (con *Console) handleEventRedeliver(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	m, err := con.merchantOf(ctx, c.PostForm("m"), id)
	if err != nil {
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "redeliver", "merchant", m.ID, "event", id)
	back := backTo(c, "/admin/events/"+url.PathEscape(id)+"?m="+url.QueryEscape(m.ID))
	ev, err := con.core.RedeliverEvent(ctx, m, id)
	if err != nil {
		con.refuse(c, back, i18n.M("console.doing.redeliver"), err)
		return
	}
	if ev.URL == "" {
		con.flashError(c, i18n.M("console.event.no_url", "ID", ev.ID))
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	con.done(c, back, i18n.M("console.event.redelivered", "ID", ev.ID, "URL", ev.URL))
}
