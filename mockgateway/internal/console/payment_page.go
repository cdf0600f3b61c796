package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
)

// paymentForms are the payment page's forms as last submitted, with their
// errors, so a refused submission shows its input again beside the error.
type paymentForms struct {
	FailCode, FailErr                     string
	RefundAmount, RefundReason, RefundErr string
	RefundScenario, RefundScenarioErr     string
	SettleRefund, SettleCode, SettleErr   string
}

// timelineEntry is one line of a payment's history, said in the page's
// language.
type timelineEntry struct {
	At   time.Time
	Kind string // created, state, decline, refund, event, attempt
	Text i18n.Message
	// Detail is a second line, its parts joined by " · "; Link, when set,
	// goes to the entry's page.
	Detail []i18n.Message
	Link   string
	// Bad marks what went wrong (a decline, a failed attempt).
	Bad bool
	seq int
}

// refundView is a refund with its events.
type refundView struct {
	*gateway.Refund
	Events []*gateway.Event
}

type paymentData struct {
	P          *gateway.Payment
	M          *gateway.Merchant
	Refunds    []refundView
	Events     []*gateway.Event
	Timeline   []timelineEntry
	Refundable string
	Codes      []string
	Forms      paymentForms
	Path       string
}

func (d paymentData) pending() bool {
	if d.P.Status == gateway.PaymentPending {
		return true
	}
	for _, r := range d.Refunds {
		if r.Status == gateway.RefundPending {
			return true
		}
		for _, e := range r.Events {
			if e.DeliveryStatus == gateway.DeliveryPending {
				return true
			}
		}
	}
	for _, e := range d.Events {
		if e.DeliveryStatus == gateway.DeliveryPending {
			return true
		}
	}
	return false
}

// handlePaymentPage answers GET /admin/payments/{id}.
func (con *Console) handlePaymentPage(c *gin.Context) {
	con.showPayment(c, http.StatusOK, c.Param("id"), paymentForms{})
}

// showPayment renders a payment's page (status 422 re-renders it with a
// refused form).
func (con *Console) showPayment(c *gin.Context, status int, id string, forms paymentForms) {
	d, err := con.loadPayment(c.Request.Context(), id)
	if err != nil {
		con.fail(c, err)
		return
	}
	d.Forms = forms
	if d.Forms.RefundAmount == "" && d.P.Refundable() > 0 {
		d.Forms.RefundAmount = plainAmount(d.P.Refundable(), d.P.Currency)
	}
	con.render(c, status, "payment", i18n.M("console.payment.title", "ID", d.P.ID), "payments", d)
}

// loadPayment reads a payment with its refunds and every event of both.
func (con *Console) loadPayment(ctx context.Context, id string) (paymentData, error) {
	p, m, err := con.core.PublicPayment(ctx, id)
	if err != nil {
		return paymentData{}, err
	}
	d := paymentData{P: p, M: m, Codes: gateway.PaymentFailureCodes, Path: "/admin/payments/" + p.ID,
		Refundable: money.Format(p.Refundable(), p.Currency)}
	refunds, _, err := con.core.ListRefunds(ctx, m, gateway.RefundFilter{PaymentID: p.ID}, gateway.ListQuery{Limit: 100})
	if err != nil {
		return d, err
	}
	if d.Events, err = con.objectEvents(ctx, m, p.ID); err != nil {
		return d, err
	}
	for _, re := range refunds {
		evs, err := con.objectEvents(ctx, m, re.ID)
		if err != nil {
			return d, err
		}
		d.Refunds = append(d.Refunds, refundView{Refund: re, Events: evs})
	}
	d.Timeline = timeline(p, d.Refunds, d.Events)
	return d, nil
}

func (con *Console) objectEvents(ctx context.Context, m *gateway.Merchant, objectID string) ([]*gateway.Event, error) {
	evs, _, err := con.core.ListEvents(ctx, m, gateway.EventFilter{ObjectID: objectID}, gateway.ListQuery{Limit: 100})
	return evs, err
}

// timeline puts everything known about a payment in time order: creation,
// the cashier opened, declines, state changes, refunds, events and each of
// their delivery attempts. Things of one millisecond keep the order in
// which they happen (a change before its event, an event before its
// attempts).
func timeline(p *gateway.Payment, refunds []refundView, events []*gateway.Event) []timelineEntry {
	var out []timelineEntry
	add := func(e timelineEntry) {
		e.seq = len(out)
		out = append(out, e)
	}
	// scenario is the detail naming a scenario, when there is one.
	scenario := func(sc string) []i18n.Message {
		if sc == "" {
			return nil
		}
		return []i18n.Message{i18n.M("console.timeline.scenario", "Scenario", sc)}
	}
	add(timelineEntry{At: p.CreatedAt, Kind: "created", Detail: scenario(p.Scenario.String()),
		Text: i18n.M("console.timeline.created", "Protocol", labelOf(p.Protocol), "Amount", money.Format(p.Amount, p.Currency),
			"Method", labelOf(p.Method), "OutTradeNo", p.OutTradeNo)})
	if p.OpenedAt != nil {
		add(timelineEntry{At: *p.OpenedAt, Kind: "state", Text: i18n.M("console.timeline.opened")})
	}
	if p.PaidAt != nil {
		add(timelineEntry{At: *p.PaidAt, Kind: "state", Text: i18n.M("console.timeline.paid")})
	}
	if p.ClosedAt != nil {
		text := i18n.M("console.timeline.closed")
		if p.Expired {
			text = i18n.M("console.timeline.expired")
		}
		add(timelineEntry{At: *p.ClosedAt, Kind: "state", Text: text})
	}
	addEvents := func(evs []*gateway.Event) {
		for _, ev := range evs {
			text := i18n.M("console.timeline.event", "Topic", ev.Topic)
			if ev.Topic != ev.Type {
				text = i18n.M("console.timeline.event_type", "Topic", ev.Topic, "Type", ev.Type)
			}
			if ev.Type == gateway.EventPaymentFailed && ev.Payment != nil && ev.Payment.LastError != nil {
				le := ev.Payment.LastError
				add(timelineEntry{At: ev.CreatedAt, Kind: "decline", Bad: true,
					Text: i18n.M("console.timeline.declined", "Code", le.Code), Detail: []i18n.Message{failureOf(le.Code, le.Message)}})
			}
			d := []i18n.Message{i18n.M("console.timeline.delivery", "State", statusOf(ev.DeliveryStatus))}
			if ev.URL == "" {
				d = []i18n.Message{i18n.M("console.timeline.no_url")}
			}
			d = append(d, scenario(ev.Scenario.String())...)
			link := "/admin/events/" + ev.ID + "?m=" + ev.MerchantID
			add(timelineEntry{At: ev.CreatedAt, Kind: "event", Text: text, Detail: d, Link: link})
			for _, a := range ev.Attempts {
				at := timelineEntry{At: a.At, Kind: "attempt", Link: link + "#attempt-" + fmt.Sprint(a.Number)}
				at.Text = i18n.M("console.timeline.attempt", "Topic", ev.Topic, "N", a.Number, "Outcome", attemptOutcome(a))
				at.Bad = !a.Acknowledged
				at.Detail = scenario(a.Scenario)
				add(at)
			}
		}
	}
	if p.LastError != nil && !slices.ContainsFunc(events, func(e *gateway.Event) bool { return e.Type == gateway.EventPaymentFailed }) {
		// The protocol records no event for declines: the latest one is
		// still on the payment.
		at := p.LastError.At
		if at.IsZero() {
			at = p.CreatedAt
		}
		add(timelineEntry{At: at, Kind: "decline", Bad: true, Text: i18n.M("console.timeline.declined_latest", "Code", p.LastError.Code),
			Detail: []i18n.Message{failureOf(p.LastError.Code, p.LastError.Message)}})
	}
	addEvents(events)
	for _, re := range refunds {
		add(timelineEntry{At: re.CreatedAt, Kind: "refund", Detail: scenario(re.Scenario.String()), Link: "#" + re.ID,
			Text: i18n.M("console.timeline.refund", "ID", re.ID, "Amount", money.Format(re.Amount, re.Currency), "OutRefundNo", re.OutRefundNo)})
		if re.SettledAt != nil {
			e := timelineEntry{At: *re.SettledAt, Kind: "refund", Link: "#" + re.ID,
				Text: i18n.M("console.timeline.refund_settled", "ID", re.ID, "State", statusOf(re.Status))}
			if re.Status == gateway.RefundFailed {
				e.Bad = true
				e.Detail = []i18n.Message{i18n.M("console.timeline.failure", "Code", re.FailureCode, "Reason", failureOf(re.FailureCode, re.FailureMessage))}
			}
			add(e)
		}
		addEvents(re.Events)
	}
	slices.SortStableFunc(out, func(a, b timelineEntry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.seq, b.seq))
	})
	return out
}

// attemptOutcome says how an attempt ended.
func attemptOutcome(a gateway.Attempt) i18n.Message {
	switch {
	case a.StatusCode == nil && a.Error != "":
		return attemptError(a.Error)
	case a.StatusCode == nil:
		return i18n.M("console.attempt.no_answer")
	case a.Error != "":
		return i18n.M("console.attempt.http_error", "Status", *a.StatusCode, "Error", attemptError(a.Error))
	}
	return i18n.Raw(fmt.Sprintf("HTTP %d", *a.StatusCode))
}

// plainAmount is an amount as a form field takes it: "12.34", no symbol.
func plainAmount(amount int64, currency string) string {
	cur, ok := money.Lookup(currency)
	if !ok || cur.Decimals == 0 {
		return fmt.Sprint(amount)
	}
	div := int64(1)
	for range cur.Decimals {
		div *= 10
	}
	return fmt.Sprintf("%d.%0*d", amount/div, cur.Decimals, amount%div)
}
