package stripe

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Checkout Sessions live from 30 minutes to 24 hours, a day by default, as
// Stripe's do.
const (
	sessionMinTTL = 30 * time.Minute
	sessionMaxTTL = 24 * time.Hour
)

var sessionExpand = []string{"payment_intent", "payment_intent.latest_charge", "line_items"}

// handleSessionCreate answers POST /v1/checkout/sessions (mode payment):
// a payment whose url is the gateway's cashier.
func (a *Adapter) handleSessionCreate(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	in, err := a.readSessionCreate(p)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, sessionExpand...)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpCreatePayment, Method: in.Method, Amount: in.Amount, OutTradeNo: in.OutTradeNo, Creates: "payment"})
	if !ok {
		return
	}
	in.Scenario = cl.Scenario.Stored()
	pay, _, err := a.svc.CreatePayment(c.Request.Context(), merchant(c), in)
	if err != nil {
		cl.Error(err)
		return
	}
	x, _ := extOf(pay)
	reply(cl, toSession(pay, x, ex))
}

func (a *Adapter) readSessionCreate(p *params) (gateway.CreatePaymentInput, error) {
	var in gateway.CreatePaymentInput
	mode, err := p.required("mode")
	if err != nil {
		return in, err
	}
	if mode != "payment" {
		return in, invalidRequest("mode", "Invalid mode: %s. PaySandbox's Checkout Sessions support mode=payment only.", mode)
	}
	success, err := p.required("success_url")
	if err != nil {
		return in, err
	}
	cancel, _, err := p.str("cancel_url")
	if err != nil {
		return in, err
	}
	for name, u := range map[string]string{"success_url": success, "cancel_url": cancel} {
		if u != "" && !httpURL(u) {
			return in, invalidRequest(name, "Not a valid URL: %s must be an absolute http(s) URL.", name)
		}
	}
	top := ""
	if p.has("currency") {
		if top, err = currency(p, "currency"); err != nil {
			return in, err
		}
	}
	items, cur, total, err := readLineItems(p, top)
	if err != nil {
		return in, err
	}
	types, method, err := methodOf(p, "payment_method_types")
	if err != nil {
		return in, err
	}
	meta, _, err := p.metadata("metadata")
	if err != nil {
		return in, err
	}
	ref, _, err := p.text("client_reference_id", 200, false)
	if err != nil {
		return in, err
	}
	email, _, err := p.str("customer_email")
	if err != nil {
		return in, err
	}
	now := a.svc.Now()
	ttl := sessionMaxTTL
	if at, err := p.integer("expires_at", 0, 1<<40); err != nil {
		return in, err
	} else if at != nil {
		ttl = time.Unix(*at, 0).Sub(now)
		if ttl < sessionMinTTL || ttl > sessionMaxTTL+time.Minute {
			return in, invalidRequest("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.")
		}
	}
	var piMeta map[string]string
	var piDesc string
	if pid, err := p.object("payment_intent_data"); err != nil {
		return in, err
	} else if pid != nil {
		if piMeta, _, err = pid.metadata("metadata"); err != nil {
			return in, err
		}
		if piDesc, _, err = pid.text("description", 1000, true); err != nil {
			return in, err
		}
	}
	if _, err := p.oneOf("ui_mode", "hosted"); err != nil {
		return in, err
	}
	if _, err := p.oneOf("submit_type", "auto", "pay", "book", "donate"); err != nil {
		return in, err
	}
	if _, _, err := p.str("locale"); err != nil {
		return in, err
	}
	names := make([]string, len(items))
	for i, li := range items {
		names[i] = li.Name
	}
	id := gateway.NewID("pi", now)
	x := paymentExt{
		Kind: kindSession, PaymentMethodTypes: types, ClientSecret: id + "_secret_" + gateway.RandomToken(24),
		Session: &sessionData{SuccessURL: success, CancelURL: cancel, LineItems: items, ClientReferenceID: ref,
			CustomerEmail: email, Metadata: mergeMetadata(nil, meta)},
	}
	return gateway.CreatePaymentInput{
		Protocol: Name, OutTradeNo: id, Amount: total, Currency: cur, Method: method,
		Subject: truncate(strings.Join(names, ", "), 256), Description: piDesc, ReturnURL: success,
		ExpiresIn: ttl, Metadata: mergeMetadata(nil, piMeta),
		Refs: map[string]string{refIntent: id, refCharge: gateway.NewID("ch", now), refSession: gateway.NewID("cs_test", now)},
		Ext:  x.raw(),
	}, nil
}

// readLineItems reads line_items[] with price_data; they share one
// currency, the session's.
func readLineItems(p *params, cur string) ([]lineItemData, string, int64, error) {
	objs, given, err := p.objects("line_items")
	if err != nil {
		return nil, "", 0, err
	}
	if !given || len(objs) == 0 {
		return nil, "", 0, missing("line_items")
	}
	if len(objs) > 100 {
		return nil, "", 0, invalidRequest("line_items", "Invalid line_items: at most 100 line items are allowed.")
	}
	var items []lineItemData
	var total int64
	for _, o := range objs {
		if pid, ok, err := o.str("price"); err != nil {
			return nil, "", 0, err
		} else if ok {
			return nil, "", 0, noSuch("price", o.name("price"), pid)
		}
		qty, err := o.integer("quantity", 1, 999999)
		if err != nil {
			return nil, "", 0, err
		}
		if qty == nil {
			return nil, "", 0, missing(o.name("quantity"))
		}
		pd, err := o.object("price_data")
		if err != nil {
			return nil, "", 0, err
		}
		if pd == nil {
			return nil, "", 0, missing(o.name("price_data"))
		}
		c, err := currency(pd, "currency")
		if err != nil {
			return nil, "", 0, err
		}
		if cur != "" && c != cur {
			return nil, "", 0, invalidRequest(pd.name("currency"), "All line items must have the same currency (%s).", strings.ToLower(cur))
		}
		cur = c
		unit, err := pd.integer("unit_amount", 0, gateway.MaxAmount)
		if err != nil {
			return nil, "", 0, err
		}
		if unit == nil {
			return nil, "", 0, missing(pd.name("unit_amount"))
		}
		prod, err := pd.object("product_data")
		if err != nil {
			return nil, "", 0, err
		}
		if prod == nil {
			return nil, "", 0, missing(pd.name("product_data"))
		}
		name, _, err := prod.text("name", 250, false)
		if err != nil {
			return nil, "", 0, err
		}
		if name == "" {
			return nil, "", 0, missing(prod.name("name"))
		}
		if _, _, err := prod.text("description", 1000, true); err != nil {
			return nil, "", 0, err
		}
		if _, _, err := prod.strings("images"); err != nil {
			return nil, "", 0, err
		}
		if _, _, err := prod.metadata("metadata"); err != nil {
			return nil, "", 0, err
		}
		total += *unit * *qty
		if total > gateway.MaxAmount {
			return nil, "", 0, amountRange("line_items", total, 1, gateway.MaxAmount)
		}
		items = append(items, lineItemData{ID: gateway.NewID("li", time.Now()), Name: name, UnitAmount: *unit, Quantity: *qty})
	}
	if total < 1 {
		return nil, "", 0, amountRange("line_items", total, 1, gateway.MaxAmount)
	}
	return items, cur, total, nil
}

// sessionFor looks up the session of :id.
func (a *Adapter) sessionFor(c *gin.Context) (*gateway.Payment, paymentExt, bool) {
	pay, x, err := a.paymentByRef(c, refSession, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return nil, x, false
	}
	return pay, x, true
}

func (a *Adapter) handleSessionGet(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	ex, ok := finish(c, p, sessionExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.sessionFor(c)
	if !ok {
		return
	}
	if cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, pay)); ok {
		reply(cl, toSession(pay, x, ex))
	}
}

func (a *Adapter) handleSessionLineItems(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	if _, err := listQuery(p, func(id string) (string, error) { return id, nil }); err != nil {
		apicall.Refuse(c, err)
		return
	}
	if _, ok := finish(c, p); !ok {
		return
	}
	pay, x, ok := a.sessionFor(c)
	if !ok {
		return
	}
	if cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, pay)); ok {
		reply(cl, lineItems(pay, x.Session))
	}
}

// handleSessionExpire answers POST /v1/checkout/sessions/{id}/expire: an
// open session closes (checkout.session.expired).
func (a *Adapter) handleSessionExpire(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	ex, ok := finish(c, p, sessionExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.sessionFor(c)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(gateway.OpClosePayment, pay))
	if !ok {
		return
	}
	notOpen := unexpectedState("checkout_session_unexpected_state", "Only Checkout Sessions with a status in [\"open\"] can be expired.")
	if st, _ := sessionStatus(pay); st != "open" {
		cl.Error(notOpen)
		return
	}
	pay, err := a.svc.ClosePayment(c.Request.Context(), merchant(c), pay.ID)
	if err != nil {
		cl.Error(err)
		return
	}
	if st, _ := sessionStatus(pay); st != "expired" {
		cl.Error(notOpen)
		return
	}
	reply(cl, toSession(pay, x, ex))
}

// handleSessionList answers GET /v1/checkout/sessions, filtered by
// payment_intent or status.
func (a *Adapter) handleSessionList(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	q, err := listQuery(p, a.paymentCursor(c, refSession))
	var status, piID string
	if err == nil {
		status, err = p.oneOf("status", "open", "complete", "expired")
	}
	if err == nil {
		piID, _, err = p.str("payment_intent")
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, listExpansions(sessionExpand...)...)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_payments"})
	if !ok {
		return
	}
	var ps []*gateway.Payment
	var more bool
	if piID != "" {
		// One intent has at most one session.
		pay, x, err := a.paymentByRef(c, refIntent, piID)
		if err == nil && x.Kind == kindSession {
			if st, _ := sessionStatus(pay); status == "" || st == status {
				ps = []*gateway.Payment{pay}
			}
		} else if _, notFound := err.(*apiError); err != nil && !notFound {
			cl.Error(err)
			return
		}
	} else {
		f := gateway.PaymentFilter{Protocol: Name, RefKind: refSession}
		f.Status = map[string]string{"open": gateway.PaymentPending, "complete": gateway.PaymentSucceeded, "expired": gateway.PaymentClosed}[status]
		if ps, more, err = a.svc.ListPayments(c.Request.Context(), merchant(c), f, q); err != nil {
			cl.Error(err)
			return
		}
	}
	out := make([]any, 0, len(ps))
	for _, pay := range ps {
		x, _ := extOf(pay)
		out = append(out, toSession(pay, x, ex.under("data")))
	}
	replyList(cl, "/v1/checkout/sessions", out, more)
}
