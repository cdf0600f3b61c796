package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
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
		f.RefundErr = "Enter an amount such as " + plainAmount(min(p.Amount, 100), p.Currency) + " (in " + p.Currency + ", at most " + plainAmount(p.Refundable(), p.Currency) + ")."
	}
	if len(f.RefundReason) > 256 {
		f.RefundErr = "The reason is at most 256 characters."
	}
	sc, scErr := refundScenario(f.RefundScenario)
	if scErr != "" {
		f.RefundScenarioErr = scErr
	}
	if f.RefundErr != "" || f.RefundScenarioErr != "" {
		con.showPayment(c, http.StatusUnprocessableEntity, p.ID, f)
		return
	}
	in := gateway.CreateRefundInput{Protocol: p.Protocol, PaymentID: p.ID, OutRefundNo: "console-" + gateway.RandomToken(12),
		Amount: &amount, Reason: gateway.CleanText(f.RefundReason, false), Settle: gateway.SettleLater, Scenario: sc}
	re, _, err := con.core.CreateRefund(c.Request.Context(), m, in)
	if err != nil {
		if code := gateway.ErrorCode(err); code == gateway.AmountExceedsRefundable {
			f.RefundErr = "At most " + money.Format(p.Refundable(), p.Currency) + " can still be refunded."
			con.showPayment(c, http.StatusUnprocessableEntity, p.ID, f)
			return
		}
		con.refuse(c, backTo(c, paymentPath(p.ID)), "refund the payment", err)
		return
	}
	apicall.AddLogAttrs(c, "refund", re.ID)
	con.done(c, backTo(c, paymentPath(p.ID))+"#"+re.ID, "Refund %s of %s created; it is pending.", re.ID, money.Format(re.Amount, re.Currency))
}

// refundScenario parses the scenario of a console refund: refund_* and
// notify_* names only, as on a refund creation. It returns the message to
// show beside the field when it is refused.
func refundScenario(text string) (gateway.Scenario, string) {
	if text == "" {
		return gateway.Scenario{}, ""
	}
	sc, err := gateway.ParseScenario(text)
	if err != nil {
		var e *gateway.Error
		if errors.As(err, &e) {
			return sc, e.Message
		}
		return sc, err.Error()
	}
	if sc.HasLevel(gateway.LevelAPI) || sc.HasLevel(gateway.LevelPayment) {
		return sc, "A refund takes only refund_* and notify_* names (e.g. refund_stuck, refund_fail=REFUND_REJECTED, notify_drop=1)."
	}
	return sc, ""
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
		if !failureCode.MatchString(code) {
			con.showPayment(c, http.StatusUnprocessableEntity, re.PaymentID, paymentForms{SettleRefund: re.ID, SettleCode: code,
				SettleErr: "A failure code is 1 to 64 letters, digits or underscores, e.g. REFUND_REJECTED."})
			return
		}
	default:
		con.flashError(c, "Choose whether the refund succeeded or failed; nothing changed.")
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	re, err = con.core.SettleRefund(ctx, m, re.ID, how, code)
	if err != nil {
		con.refuse(c, back, "settle the refund", err)
		return
	}
	if how == gateway.SettleFail {
		con.done(c, back, "Refund %s failed with %s; its amount is refundable again.", re.ID, code)
		return
	}
	con.done(c, back, "Refund %s succeeded.", re.ID)
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
