package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// intentTTL is how long an unpaid PaymentIntent lives: Stripe's do not
// expire, the core's payments do; a day outlasts any test.
const intentTTL = 24 * time.Hour

// Operations fault rules see for calls no core operation names.
const (
	opUpdatePayment  = "update_payment"
	opConfirmPayment = "confirm_payment"
)

var intentExpand = []string{"latest_charge", "payment_method"}

// handleIntentCreate answers POST /v1/payment_intents; with confirm=true
// it confirms the new intent at once.
func (a *Adapter) handleIntentCreate(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	in, pm, confirm, err := a.readIntentCreate(p)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, intentExpand...)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpCreatePayment, Method: in.Method, Amount: in.Amount, OutTradeNo: in.OutTradeNo, Creates: "payment"})
	if !ok {
		return
	}
	in.Scenario = cl.Scenario.Stored()
	ctx, m := c.Request.Context(), merchant(c)
	pay, _, err := a.svc.CreatePayment(ctx, m, in)
	if err != nil {
		cl.Error(err)
		return
	}
	if confirm {
		if pay, err = a.confirm(ctx, m, pay, pm); err != nil {
			cl.Error(err)
			return
		}
	}
	x, _ := extOf(pay)
	reply(cl, toIntent(pay, x, ex))
}

func (a *Adapter) readIntentCreate(p *params) (gateway.CreatePaymentInput, string, bool, error) {
	var in gateway.CreatePaymentInput
	amount, err := p.integer("amount", 1, gateway.MaxAmount)
	if err != nil {
		return in, "", false, err
	}
	if amount == nil {
		return in, "", false, missing("amount")
	}
	cur, err := currency(p, "currency")
	if err != nil {
		return in, "", false, err
	}
	types, method, err := methodOf(p, "payment_method_types")
	if err != nil {
		return in, "", false, err
	}
	if _, err := p.oneOf("capture_method", "automatic", "automatic_async"); err != nil {
		return in, "", false, err
	}
	if auto, err := p.object("automatic_payment_methods"); err != nil {
		return in, "", false, err
	} else if auto != nil {
		if _, err := auto.boolean("enabled"); err != nil {
			return in, "", false, err
		}
		if _, err := auto.oneOf("allow_redirects", "always", "never"); err != nil {
			return in, "", false, err
		}
	}
	pm, _, err := paymentMethodParam(p)
	if err != nil {
		return in, "", false, err
	}
	confirm, err := p.boolean("confirm")
	if err != nil {
		return in, "", false, err
	}
	if confirm != nil && *confirm && pm == "" {
		return in, "", false, missing("payment_method")
	}
	desc, _, err := p.text("description", 1000, true)
	if err != nil {
		return in, "", false, err
	}
	meta, _, err := p.metadata("metadata")
	if err != nil {
		return in, "", false, err
	}
	meta = mergeMetadata(nil, meta)
	ret, _, err := p.str("return_url")
	if err != nil {
		return in, "", false, err
	}
	if ret != "" && !httpURL(ret) {
		return in, "", false, invalidRequest("return_url", "Invalid URL: return_url must be an absolute http(s) URL.")
	}
	if _, _, err := p.str("receipt_email"); err != nil {
		return in, "", false, err
	}
	if _, err := p.oneOf("setup_future_usage", "on_session", "off_session"); err != nil {
		return in, "", false, err
	}
	now := a.svc.Now()
	id := gateway.NewID("pi", now)
	subject := desc
	if subject == "" {
		subject = "PaymentIntent " + id
	}
	x := paymentExt{Kind: kindIntent, PaymentMethodTypes: types, PaymentMethod: pm, ClientSecret: id + "_secret_" + gateway.RandomToken(24)}
	in = gateway.CreatePaymentInput{
		Protocol: Name, OutTradeNo: id, Amount: *amount, Currency: cur, Method: method, Subject: truncate(subject, 256),
		Description: desc, ReturnURL: ret, ExpiresIn: intentTTL, Metadata: meta,
		Refs: map[string]string{refIntent: id, refCharge: gateway.NewID("ch", now)}, Ext: x.raw(),
	}
	return in, pm, confirm != nil && *confirm, nil
}

// confirm attaches pm (when given) and makes the pay attempt: a test
// method that declines ends in a 402 card_error carrying the intent, back
// in requires_payment_method.
func (a *Adapter) confirm(ctx context.Context, m *gateway.Merchant, p *gateway.Payment, pm string) (*gateway.Payment, error) {
	x, _ := extOf(p)
	if pm == "" {
		pm = x.PaymentMethod
	}
	res, err := a.svc.AttemptPayment(ctx, m, p.ID, gateway.PayAttempt{
		FailCode: testMethods[pm].failCode,
		Ext: func(cur *gateway.Payment, code string) (json.RawMessage, error) {
			x, _ := extOf(cur)
			now := a.svc.Now()
			x.AttemptedAt = &now
			if code != "" {
				x.PaymentMethod, x.DeclinedMethod = "", pm
			} else {
				x.PaymentMethod, x.DeclinedMethod = pm, ""
			}
			return x.raw(), nil
		},
	})
	if err != nil {
		return res.Payment, err
	}
	if res.FailedCode != "" {
		x, _ := extOf(res.Payment)
		d := declineOf(res.FailedCode)
		return res.Payment, &apiError{
			status: http.StatusPaymentRequired, typ: typeCard, code: d.code, declineCode: d.declineCode, msg: d.message,
			intent: toIntent(res.Payment, x, nil),
		}
	}
	return res.Payment, nil
}

// intentFor looks up the intent of :id; it fails the call and returns
// false when there is none.
func (a *Adapter) intentFor(c *gin.Context) (*gateway.Payment, paymentExt, bool) {
	pay, x, err := a.paymentByRef(c, refIntent, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return nil, x, false
	}
	return pay, x, true
}

func (a *Adapter) handleIntentGet(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	if _, _, err := p.str("client_secret"); err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, intentExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.intentFor(c)
	if !ok {
		return
	}
	if cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, pay)); ok {
		reply(cl, toIntent(pay, x, ex))
	}
}

// mutable refuses a change of an intent that is not waiting for its
// payment, or one a Checkout Session manages.
func mutable(pay *gateway.Payment, x paymentExt, verb string) error {
	if x.Kind == kindSession {
		return unexpectedState("payment_intent_unexpected_state",
			"You cannot %s this PaymentIntent because it was created by a Checkout Session (%s); the customer pays it on the session's url.", verb, pay.Refs[refSession])
	}
	switch st := intentStatus(pay, x); st {
	case statusSucceeded, statusCanceled:
		return &apiError{status: 400, typ: typeInvalidRequest, code: "payment_intent_unexpected_state",
			msg: "You cannot " + verb + " this PaymentIntent because it has a status of " + st + ".", intent: toIntent(pay, x, nil)}
	}
	return nil
}

// handleIntentUpdate answers POST /v1/payment_intents/{id}: amount,
// description, metadata and the payment method change while the intent
// waits for its payment.
func (a *Adapter) handleIntentUpdate(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	amount, err := p.integer("amount", 1, gateway.MaxAmount)
	var (
		desc      string
		descGiven bool
		meta      map[string]string
		metaGiven bool
		pm        string
		pmGiven   bool
	)
	if err == nil {
		desc, descGiven, err = p.text("description", 1000, true)
	}
	if err == nil {
		meta, metaGiven, err = p.metadata("metadata")
	}
	if err == nil {
		pm, pmGiven, err = paymentMethodParam(p)
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, intentExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.intentFor(c)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(opUpdatePayment, pay))
	if !ok {
		return
	}
	if err := mutable(pay, x, "update"); err != nil {
		cl.Error(err)
		return
	}
	in := gateway.AmendPaymentInput{Amount: amount}
	if descGiven {
		in.Description = &desc
	}
	if metaGiven {
		in.Metadata = mergeMetadata(pay.Metadata, meta)
		if len(meta) == 0 {
			in.Metadata = map[string]string{}
		}
	}
	if pmGiven {
		x.PaymentMethod = pm
		in.Ext = x.raw()
	}
	pay, err = a.svc.AmendPayment(c.Request.Context(), merchant(c), pay.ID, in)
	if err != nil {
		cl.Error(err)
		return
	}
	x, _ = extOf(pay)
	reply(cl, toIntent(pay, x, ex))
}

// handleIntentConfirm answers POST /v1/payment_intents/{id}/confirm.
func (a *Adapter) handleIntentConfirm(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	pm, _, err := paymentMethodParam(p)
	var ret string
	if err == nil {
		ret, _, err = p.str("return_url")
		if err == nil && ret != "" && !httpURL(ret) {
			err = invalidRequest("return_url", "Invalid URL: return_url must be an absolute http(s) URL.")
		}
	}
	if err == nil {
		_, _, err = p.str("client_secret")
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, intentExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.intentFor(c)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(opConfirmPayment, pay))
	if !ok {
		return
	}
	if err := mutable(pay, x, "confirm"); err != nil {
		if st := intentStatus(pay, x); st == statusSucceeded {
			err = unexpectedState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.")
		}
		cl.Error(err)
		return
	}
	if pm == "" && x.PaymentMethod == "" {
		cl.Error(unexpectedState("payment_intent_unexpected_state",
			"You cannot confirm this PaymentIntent because it's missing a payment method. Pass payment_method (for example pm_card_visa)."))
		return
	}
	// return_url is accepted and has no effect: no test payment method
	// needs a redirect (next_action is always null).
	ctx, m := c.Request.Context(), merchant(c)
	pay, err = a.confirm(ctx, m, pay, pm)
	if err != nil {
		cl.Error(err)
		return
	}
	x, _ = extOf(pay)
	reply(cl, toIntent(pay, x, ex))
}

// handleIntentCancel answers POST /v1/payment_intents/{id}/cancel.
func (a *Adapter) handleIntentCancel(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	reason, err := p.oneOf("cancellation_reason", "duplicate", "fraudulent", "requested_by_customer", "abandoned")
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, intentExpand...)
	if !ok {
		return
	}
	pay, x, ok := a.intentFor(c)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(gateway.OpClosePayment, pay))
	if !ok {
		return
	}
	if err := mutable(pay, x, "cancel"); err != nil {
		cl.Error(err)
		return
	}
	ctx, m := c.Request.Context(), merchant(c)
	if reason != "" {
		x.CancellationReason = reason
		if _, err := a.svc.AmendPayment(ctx, m, pay.ID, gateway.AmendPaymentInput{Ext: x.raw()}); err != nil {
			cl.Error(err)
			return
		}
	}
	pay, err = a.svc.ClosePayment(ctx, m, pay.ID)
	if err != nil {
		cl.Error(err)
		return
	}
	x, _ = extOf(pay)
	if intentStatus(pay, x) != statusCanceled {
		// Paid meanwhile (a confirmation raced the cancel).
		cl.Error(mutable(pay, x, "cancel"))
		return
	}
	reply(cl, toIntent(pay, x, ex))
}

// handleIntentList answers GET /v1/payment_intents, newest first.
func (a *Adapter) handleIntentList(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	q, err := listQuery(p, a.paymentCursor(c, refIntent))
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, listExpansions(intentExpand...)...)
	if !ok {
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_payments"})
	if !ok {
		return
	}
	ps, more, err := a.svc.ListPayments(c.Request.Context(), merchant(c), gateway.PaymentFilter{Protocol: Name, RefKind: refIntent}, q)
	if err != nil {
		cl.Error(err)
		return
	}
	out := make([]any, 0, len(ps))
	for _, pay := range ps {
		x, _ := extOf(pay)
		out = append(out, toIntent(pay, x, ex.under("data")))
	}
	replyList(cl, "/v1/payment_intents", out, more)
}

// handleChargeGet answers GET /v1/charges/{id}: the latest attempt of a
// PaymentIntent, once one was made.
func (a *Adapter) handleChargeGet(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	ex, ok := finish(c, p, "payment_intent")
	if !ok {
		return
	}
	pay, x, err := a.paymentByRef(c, refCharge, c.Param("id"))
	if err == nil && !attempted(pay, x) {
		err = noSuch("charge", "id", c.Param("id"))
	}
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	if cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, pay)); ok {
		reply(cl, toCharge(pay, x, ex))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n {
		r = r[:len(r)-1]
	}
	return string(r)
}
