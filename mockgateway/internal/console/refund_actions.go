package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/money"
)

// handlePaymentRefund refunds an amount of a succeeded payment, through the
// payment's protocol (its notifications speak the merchant's dialect). The
// refund settles after REFUND_DELAY unless its scenario says otherwise.
func (con *Console) handlePaymentRefund(c *gin.Context) {
	p, m, ok := con.paymentAction(c, "refund")
	if !ok {
		return
	}
	f := paymentForms{RefundAmount: strings.TrimSpace(c.PostForm("amount")), RefundReason: strings.TrimSpace(c.PostForm("reason")),
		RefundScenario: strings.TrimSpace(c.PostForm("scenario"))}
	amount, err := money.Parse(f.RefundAmount, p.Currency)
	if err != nil || amount <= 0 {
		f.RefundErr = con.t(c, "console.refund.error.amount", "Example", plainAmount(min(p.Amount, 100), p.Currency),
			"Currency", p.Currency, "Max", plainAmount(p.Refundable(), p.Currency))
	}
	if len(f.RefundReason) > 256 {
		f.RefundErr = con.t(c, "console.refund.error.reason")
	}
	sc, scErr := refundScenario(f.RefundScenario)
	if !scErr.IsZero() {
		f.RefundScenarioErr = con.loc(c).Msg(scErr)
	}
	if f.RefundErr != "" || f.RefundScenarioErr != "" {
		con.showPayment(c, http.StatusUnprocessableEntity, p.ID, f)
		return
	}
	in := gateway.CreateRefundInput{Protocol: p.Protocol, PaymentID: p.ID, OutRefundNo: "console-" + gateway.RandomToken(12),
		Amount: &amount, Reason: gateway.CleanText(f.RefundReason, false), Settle: gateway.SettleLater, Scenario: sc}
	// In the payment's protocol, with the ids its SDK expects of a refund.
	con.core.PrepareRefund(p, &in)
	re, _, err := con.core.CreateRefund(c.Request.Context(), m, in)
	if err != nil {
		if code := gateway.ErrorCode(err); code == gateway.AmountExceedsRefundable {
			f.RefundErr = con.t(c, "console.refund.error.exceeds", "Amount", money.Format(p.Refundable(), p.Currency))
			con.showPayment(c, http.StatusUnprocessableEntity, p.ID, f)
			return
		}
		con.refuse(c, backTo(c, paymentPath(p.ID)), i18n.M("console.doing.refund"), err)
		return
	}
	apicall.AddLogAttrs(c, "refund", re.ID)
	con.done(c, withFragment(backTo(c, paymentPath(p.ID)), re.ID), i18n.M("console.refund.created", "ID", re.ID, "Amount", money.Format(re.Amount, re.Currency)))
}

// refundScenario parses the scenario of a console refund: refund_* and
// notify_* names only, as on a refund creation. It returns the message to
// show beside the field when it is refused.
func refundScenario(text string) (gateway.Scenario, i18n.Message) {
	if text == "" {
		return gateway.Scenario{}, i18n.Message{}
	}
	sc, err := gateway.ParseScenario(text)
	if err != nil {
		var e *gateway.Error
		if errors.As(err, &e) {
			return sc, coreMessage(e)
		}
		return sc, i18n.Raw(err.Error())
	}
	if sc.HasLevel(gateway.LevelAPI) || sc.HasLevel(gateway.LevelPayment) {
		return sc, i18n.M("console.refund.error.scenario_level")
	}
	return sc, i18n.Message{}
}

// handleRefundSettle settles a pending (or stuck) refund as succeeded or
// failed with a code, as the refund test helpers do.
func (con *Console) handleRefundSettle(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	m, err := con.merchantOf(ctx, c.PostForm("m"), id)
	if err != nil {
		con.fail(c, err)
		return
	}
	re, err := con.core.Refund(ctx, m, id)
	if err != nil {
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "settle_refund", "merchant", m.ID, "refund", re.ID)
	back := backTo(c, paymentPath(re.PaymentID)+"#"+re.ID)
	how, code := c.PostForm("outcome"), strings.TrimSpace(c.PostForm("code"))
	switch how {
	case gateway.SettleSucceed:
		code = ""
	case gateway.SettleFail:
		if code == "" {
			code = "refund_rejected"
		}
		if !gateway.ValidFailureCode(code) {
			con.showPayment(c, http.StatusUnprocessableEntity, re.PaymentID, paymentForms{SettleRefund: re.ID, SettleCode: code,
				SettleErr: con.t(c, "console.refund.error.settle_code")})
			return
		}
	default:
		con.flashError(c, i18n.M("console.refund.error.outcome"))
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	re, err = con.core.SettleRefund(ctx, m, re.ID, how, code)
	if err != nil {
		con.refuse(c, back, i18n.M("console.doing.settle"), err)
		return
	}
	if how == gateway.SettleFail {
		con.done(c, back, i18n.M("console.refund.failed", "ID", re.ID, "Code", code))
		return
	}
	con.done(c, back, i18n.M("console.refund.succeeded", "ID", re.ID))
}

// merchantOf returns the merchant named by a form or link (m), or finds
// the merchant of an object id when none is named.
func (con *Console) merchantOf(ctx context.Context, mid, objectID string) (*gateway.Merchant, error) {
	if mid == "" {
		refs, err := con.core.Find(ctx, objectID)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if r.ID == objectID {
				mid = r.MerchantID
				break
			}
		}
		if mid == "" {
			return nil, gateway.Errorf(gateway.ResourceMissing, "id", "No object with id %q exists on this gateway.", objectID)
		}
	}
	return con.core.Merchant(ctx, mid)
}
