package cashier

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Outcomes of a cashier action, named in the result page's query.
const (
	outcomePaid      = "paid"
	outcomeDeclined  = "declined"
	outcomeCancelled = "cancelled"
)

// resultPage is the data of result.html.
type resultPage struct {
	layoutData
	P       *paymentView
	Outcome string
	// Code and Reason explain a decline.
	Code, Reason string
	// Card is the masked card number ("•••• 4242") of a card payment.
	Card      string
	ReturnURL string
}

// handleCashierResult answers GET /pay/{id}/result?outcome=, where every
// action lands. The outcome only picks which page to show; what the page
// says, and what the signed return redirect tells the merchant, comes from
// the stored payment. A result that no longer matches the payment (an old
// tab, a hand-made URL) shows the payment's current page instead, so the
// gateway never signs a status the payment does not have.
func (cs *Cashier) handleCashierResult(c *gin.Context) {
	p, m, ok := cs.load(c)
	if !ok {
		return
	}
	state := paymentState(p, cs.now())
	loc := cs.loc(c, p)
	out := resultPage{
		layoutData: cs.layout(c, loc, "", p.Method, ""),
		P:          newPaymentView(loc, p, m, cs.now()), Outcome: c.Query("outcome"),
	}
	switch {
	case out.Outcome == outcomePaid && (state == statePaid || state == stateRefunded):
		out.Title = loc.T("cashier.result.paid.title")
		if last4 := c.Query("card"); p.Method == gateway.MethodCard && len(last4) == 4 && allDigits(last4) {
			out.Card = "•••• " + last4
		}
		out.ReturnURL = cs.returnURL(c, p, m, gateway.PaymentSucceeded, "")
	case out.Outcome == outcomeDeclined && state == statePending && p.LastError != nil:
		out.Title = loc.T("cashier.result.declined.title")
		out.Code, out.Reason = p.LastError.Code, failureReason(loc, p.LastError.Code)
		out.ReturnURL = cs.returnURL(c, p, m, gateway.PaymentPending, p.LastError.Code)
	case out.Outcome == outcomeCancelled && state == statePending:
		out.Title = loc.T("cashier.result.cancelled.title")
		out.ReturnURL = cs.returnURL(c, p, m, gateway.PaymentPending, "")
	default:
		seeOther(c, payPath(p.ID))
		return
	}
	out.Refresh = out.ReturnURL
	cs.render(c, loc, http.StatusOK, pageResult, out)
}
