package stripe

import (
	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

var refundExpand = []string{"charge", "payment_intent"}

// handleRefundCreate answers POST /v1/refunds: a refund of a succeeded
// PaymentIntent (named by payment_intent or charge), succeeded at once
// unless a refund scenario delays or fails it (SettleInCallUnlessScenario).
func (a *Adapter) handleRefundCreate(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	piID, _, err := p.str("payment_intent")
	var chID, reason string
	var amount *int64
	var meta map[string]string
	if err == nil {
		chID, _, err = p.str("charge")
	}
	if err == nil {
		amount, err = p.integer("amount", 1, gateway.MaxAmount)
	}
	if err == nil {
		reason, err = p.oneOf("reason", "duplicate", "fraudulent", "requested_by_customer")
	}
	if err == nil {
		meta, _, err = p.metadata("metadata")
	}
	if err == nil && piID == "" && chID == "" {
		err = invalidRequest("payment_intent", "One of the following params should be provided for this request: payment_intent or charge.")
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, refundExpand...)
	if !ok {
		return
	}
	pay, x, err := a.refundTarget(c, piID, chID)
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	facts := paymentFacts(gateway.OpCreateRefund, pay)
	facts.Creates = "refund"
	if amount != nil {
		facts.Amount = *amount
	}
	cl, ok := apicall.Begin(c, facts)
	if !ok {
		return
	}
	if pay.Status == gateway.PaymentSucceeded && pay.FullyRefunded() {
		cl.Error(unexpectedState("charge_already_refunded", "Charge %s has already been refunded.", pay.Refs[refCharge]))
		return
	}
	if pay.Status != gateway.PaymentSucceeded {
		cl.Error(unexpectedState("charge_not_refundable", "This PaymentIntent (%s) does not have a successful charge to refund.", pay.Refs[refIntent]))
		return
	}
	re, _, err := a.svc.CreateRefund(c.Request.Context(), merchant(c), gateway.CreateRefundInput{
		Protocol: Name, PaymentID: pay.ID, OutRefundNo: "stripe_" + gateway.RandomToken(32), Amount: amount,
		Reason: reason, Metadata: mergeMetadata(nil, meta), Settle: gateway.SettleInCallUnlessScenario,
		Scenario: cl.Scenario.Stored(),
	})
	if err != nil {
		if gateway.ErrorCode(err) == gateway.AmountExceedsRefundable {
			err = &apiError{status: 400, typ: typeInvalidRequest, code: "amount_too_large", param: "amount",
				msg: "Refund amount is greater than unrefunded amount on charge. " + err.(*gateway.Error).Message}
		}
		cl.Error(err)
		return
	}
	// The payment as the refund left it (reserved, or refunded in the call).
	if now, err := a.svc.Payment(c.Request.Context(), merchant(c), pay.ID); err == nil {
		pay = now
	}
	_ = x
	reply(cl, toRefund(re, pay, ex))
}

// refundTarget finds the payment a refund names by payment_intent and/or
// charge (both must then agree).
func (a *Adapter) refundTarget(c *gin.Context, piID, chID string) (*gateway.Payment, paymentExt, error) {
	var pay *gateway.Payment
	var x paymentExt
	var err error
	if piID != "" {
		if pay, x, err = a.paymentByRef(c, refIntent, piID); err != nil {
			return nil, x, paramed(err, "payment_intent")
		}
	}
	if chID != "" {
		byCharge, cx, err := a.paymentByRef(c, refCharge, chID)
		if err == nil && !attempted(byCharge, cx) {
			err = noSuch("charge", "charge", chID)
		}
		if err != nil {
			return nil, x, paramed(err, "charge")
		}
		if pay != nil && byCharge.ID != pay.ID {
			return nil, x, invalidRequest("charge", "The charge %s does not belong to PaymentIntent %s.", chID, piID)
		}
		pay, x = byCharge, cx
	}
	return pay, x, nil
}

func paramed(err error, param string) error {
	if ae, ok := err.(*apiError); ok {
		ae.param = param
	}
	return err
}

// refundOf reads a Stripe refund and its payment.
func (a *Adapter) refundOf(c *gin.Context, id string) (*gateway.Refund, *gateway.Payment, error) {
	ctx, m := c.Request.Context(), merchant(c)
	re, err := a.svc.Refund(ctx, m, id)
	if err == nil && re.Protocol != Name {
		err = gateway.NotFound("refund", id)
	}
	if err != nil {
		return nil, nil, lookupError(err, "refund", "id", id)
	}
	pay, err := a.svc.Payment(ctx, m, re.PaymentID)
	if err != nil {
		return nil, nil, err
	}
	return re, pay, nil
}

func (a *Adapter) handleRefundGet(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	ex, ok := finish(c, p, refundExpand...)
	if !ok {
		return
	}
	re, pay, err := a.refundOf(c, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpGetRefund, Method: pay.Method, Amount: re.Amount, OutTradeNo: re.OutTradeNo})
	if ok {
		reply(cl, toRefund(re, pay, ex))
	}
}

// handleRefundList answers GET /v1/refunds, of one payment when
// payment_intent or charge names it.
func (a *Adapter) handleRefundList(c *gin.Context) {
	p, ok := readForm(c)
	if !ok {
		return
	}
	q, err := listQuery(p, func(id string) (string, error) {
		re, _, err := a.refundOf(c, id)
		if err != nil {
			return "", err
		}
		return re.ID, nil
	})
	var piID, chID string
	if err == nil {
		piID, _, err = p.str("payment_intent")
	}
	if err == nil {
		chID, _, err = p.str("charge")
	}
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	ex, ok := finish(c, p, listExpansions(refundExpand...)...)
	if !ok {
		return
	}
	f := gateway.RefundFilter{Protocol: Name}
	if piID != "" || chID != "" {
		pay, _, err := a.refundTarget(c, piID, chID)
		if err != nil {
			apicall.Fail(c, err)
			return
		}
		f.PaymentID = pay.ID
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_refunds"})
	if !ok {
		return
	}
	ctx, m := c.Request.Context(), merchant(c)
	res, more, err := a.svc.ListRefunds(ctx, m, f, q)
	if err != nil {
		cl.Error(err)
		return
	}
	pays := map[string]*gateway.Payment{}
	out := make([]any, 0, len(res))
	for _, re := range res {
		pay, ok := pays[re.PaymentID]
		if !ok {
			if pay, err = a.svc.Payment(ctx, m, re.PaymentID); err != nil {
				cl.Error(err)
				return
			}
			pays[re.PaymentID] = pay
		}
		out = append(out, toRefund(re, pay, ex.under("data")))
	}
	replyList(cl, "/v1/refunds", out, more)
}
