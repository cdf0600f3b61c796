package cashier

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// maxFormBody bounds a cashier form; the largest is a few hundred bytes.
const maxFormBody = 16 << 10

// unionPayTestAccount is the masked bank account the UnionPay page shows.
const unionPayTestAccount = "6222 •••• •••• 0001"

// payForms are the cashier's forms with what the customer sent and the
// errors to show next to their fields.
type payForms struct {
	Card     cardForm
	SMS      smsForm
	FailCode string
	// FailError is the catalogue key of what is wrong with the code.
	FailError string
}

// payPage is the data of pay.html.
type payPage struct {
	layoutData
	P *paymentView
	payForms
	FailCodes []string
	// LastError is the previous declined attempt, shown above a retry;
	// LastReason says why in the page's language.
	LastError  *gateway.PaymentError
	LastReason string
	Account    string
}

func (cs *Cashier) renderPay(c *gin.Context, status int, p *gateway.Payment, m *gateway.Merchant, forms payForms) {
	if forms.SMS.Code == "" && forms.SMS.Error == "" {
		forms.SMS.Code = "123456" // the "SMS" a sandbox bank would have sent
	}
	loc := cs.loc(c, p)
	view := newPaymentView(loc, p, m, cs.now())
	page := payPage{
		layoutData: cs.layout(c, loc, loc.T("cashier.pay.title", "Amount", view.Amount, "Merchant", m.Name), p.Method, payPath(p.ID)),
		P:          view, payForms: forms,
		FailCodes: gateway.PaymentFailureCodes, LastError: p.LastError, Account: unionPayTestAccount,
	}
	if p.LastError != nil {
		page.LastReason = failureReason(loc, p.LastError.Code)
	}
	cs.render(c, loc, status, pagePay, page)
}

// loadPending starts every cashier action: it reads the form and the
// payment, and sends the customer back to the page (which says why) when
// the payment can no longer be paid.
func (cs *Cashier) loadPending(c *gin.Context) (*gateway.Payment, *gateway.Merchant, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	if err := c.Request.ParseForm(); err != nil {
		cs.renderStatus(c, cs.loc(c, nil), http.StatusBadRequest, "cashier.error.form.")
		return nil, nil, false
	}
	p, m, ok := cs.load(c)
	if !ok {
		return nil, nil, false
	}
	if paymentState(p, cs.now()) != statePending {
		seeOther(c, payPath(p.ID))
		return nil, nil, false
	}
	return p, m, true
}

// handleCashierPay answers POST /pay/{id}/pay: the customer pays with the
// page's method. A declining test card records a failed attempt; otherwise
// the payment succeeds unless an auto_fail scenario declines it.
func (cs *Cashier) handleCashierPay(c *gin.Context) {
	p, m, ok := cs.loadPending(c)
	if !ok {
		return
	}
	var declineCode, last4 string
	switch p.Method {
	case gateway.MethodCard:
		form := cardForm{Number: c.PostForm("number"), Expiry: c.PostForm("expiry"), CVC: c.PostForm("cvc"), Name: c.PostForm("name")}
		digits, valid := form.validate(cs.now())
		if !valid {
			cs.renderPay(c, http.StatusUnprocessableEntity, p, m, payForms{Card: form})
			return
		}
		declineCode, last4 = testCardDeclines[digits], lastFour(digits)
	case gateway.MethodUnionPay:
		form := smsForm{Code: c.PostForm("sms_code")}
		if !form.validate() {
			cs.renderPay(c, http.StatusUnprocessableEntity, p, m, payForms{SMS: form})
			return
		}
	}
	ctx := c.Request.Context()
	var res gateway.PayResult
	var err error
	if declineCode != "" {
		res.FailedCode = declineCode
		res.Payment, err = cs.core.FailPayment(ctx, m, p.ID, declineCode)
	} else {
		res, err = cs.core.SucceedPayment(ctx, m, p.ID)
	}
	if err != nil {
		cs.actionError(c, p.ID, err)
		return
	}
	q := url.Values{}
	if res.FailedCode != "" {
		q.Set("outcome", outcomeDeclined)
	} else {
		q.Set("outcome", outcomePaid)
	}
	if last4 != "" {
		q.Set("card", last4)
	}
	seeOther(c, payPath(p.ID)+"/result?"+q.Encode())
}

// handleCashierFail answers POST /pay/{id}/fail: a declined attempt with the
// code the customer (a tester) chose. The payment stays pending.
func (cs *Cashier) handleCashierFail(c *gin.Context) {
	p, m, ok := cs.loadPending(c)
	if !ok {
		return
	}
	code := c.PostForm("code")
	if !slices.Contains(gateway.PaymentFailureCodes, code) {
		cs.renderPay(c, http.StatusUnprocessableEntity, p, m, payForms{FailCode: code, FailError: "cashier.fail.error"})
		return
	}
	if _, err := cs.core.FailPayment(c.Request.Context(), m, p.ID, code); err != nil {
		cs.actionError(c, p.ID, err)
		return
	}
	seeOther(c, payPath(p.ID)+"/result?outcome="+outcomeDeclined)
}

// handleCashierCancel answers POST /pay/{id}/cancel. Cancelling changes
// nothing: the payment stays pending until it is paid, closed or expires,
// and the merchant is told status=pending.
func (cs *Cashier) handleCashierCancel(c *gin.Context) {
	p, _, ok := cs.loadPending(c)
	if !ok {
		return
	}
	seeOther(c, payPath(p.ID)+"/result?outcome="+outcomeCancelled)
}

// actionError answers an action the core refused. A payment that stopped
// being pending meanwhile (paid in another tab, closed, expired) is not an
// error to the customer: the page says what happened.
func (cs *Cashier) actionError(c *gin.Context, id string, err error) {
	var ge *gateway.Error
	if errors.As(err, &ge) && ge.Code == gateway.PaymentNotPending {
		seeOther(c, payPath(id))
		return
	}
	cs.renderError(c, cs.loc(c, nil), err)
}
