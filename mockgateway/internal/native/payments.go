package native

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

type createPaymentRequest struct {
	OutTradeNo  string            `json:"out_trade_no" binding:"required,outno"`
	Amount      *int64            `json:"amount" binding:"required,min=1,max=10000000000"`
	Currency    string            `json:"currency" binding:"omitempty,oneof=CNY USD EUR HKD JPY"`
	Method      string            `json:"method" binding:"required,oneof=alipay wechat unionpay card"`
	Subject     string            `json:"subject" binding:"required,min=1,max=256,plaintext"`
	Description string            `json:"description" binding:"max=1024,plaintext=multiline"`
	NotifyURL   string            `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
	ReturnURL   string            `json:"return_url" binding:"omitempty,max=2048,httpurl"`
	ExpiresIn   *int              `json:"expires_in" binding:"omitempty,min=60,max=86400"`
	Metadata    map[string]string `json:"metadata" binding:"max=20,dive,keys,min=1,max=40,endkeys,max=500"`
	// Locale is the language the cashier speaks (i18n.Languages).
	Locale string `json:"locale" binding:"omitempty,oneof=en zh-CN"`
}

func (a *Adapter) handlePaymentCreate(c *gin.Context) {
	var req createPaymentRequest
	if !bindJSON(c, &req) {
		return
	}
	in := gateway.CreatePaymentInput{
		Protocol: Name, OutTradeNo: req.OutTradeNo, Amount: *req.Amount, Currency: req.Currency, Method: req.Method,
		Subject: req.Subject, Description: req.Description, NotifyURL: req.NotifyURL,
		ReturnURL: req.ReturnURL, Metadata: req.Metadata, Locale: req.Locale,
	}
	if req.ExpiresIn != nil {
		in.ExpiresIn = time.Duration(*req.ExpiresIn) * time.Second
	}
	if err := a.svc.CheckNotifyURL(c.Request.Context(), "notify_url", req.NotifyURL); err != nil {
		apicall.Refuse(c, err)
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: gateway.OpCreatePayment, Method: in.Method, Amount: in.Amount, OutTradeNo: in.OutTradeNo, Creates: "payment"})
	if !ok {
		return
	}
	in.Scenario = cl.Scenario.Stored()
	in.Idem = cl.IdemCommit(func(p *gateway.Payment) (int, []byte, error) {
		body, err := json.Marshal(Payment(p))
		return http.StatusCreated, body, err
	})
	p, created, err := a.svc.CreatePayment(c.Request.Context(), merchant(c), in)
	if err != nil {
		cl.Error(err)
		return
	}
	if in.Idem != nil && in.Idem.Done {
		cl.Reply(apicall.Answer{Status: in.Idem.Status, Body: in.Idem.Body})
		return
	}
	replyCreated(cl, created, Payment(p))
}

func (a *Adapter) handlePaymentGet(c *gin.Context) {
	replyPayment(c)(a.svc.Payment(c.Request.Context(), merchant(c), c.Param("id")))
}

// replyPayment answers a lookup of one payment: its error, or the payment
// once the call has begun (fault rules, scenarios).
func replyPayment(c *gin.Context) func(*gateway.Payment, error) {
	return func(p *gateway.Payment, err error) {
		if err != nil {
			apicall.Fail(c, err)
			return
		}
		if cl, ok := apicall.Begin(c, paymentFacts(gateway.OpGetPayment, p)); ok {
			reply(cl, http.StatusOK, Payment(p))
		}
	}
}

func paymentFacts(op string, p *gateway.Payment) apicall.Facts {
	return apicall.Facts{Operation: op, Method: p.Method, Amount: p.Amount, OutTradeNo: p.OutTradeNo}
}

// handlePaymentList answers GET /v1/payments: the payment itself when
// out_trade_no is given, a list otherwise.
func (a *Adapter) handlePaymentList(c *gin.Context) {
	ctx := c.Request.Context()
	if otn, ok := c.GetQuery("out_trade_no"); ok {
		replyPayment(c)(a.svc.PaymentByOutTradeNo(ctx, merchant(c), otn))
		return
	}
	q, ok := listQuery(c)
	if !ok {
		return
	}
	f := gateway.PaymentFilter{Status: c.Query("status"), Method: c.Query("method")}
	if f.Status != "" && !slices.Contains([]string{gateway.PaymentPending, gateway.PaymentSucceeded, gateway.PaymentClosed}, f.Status) {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "status", "status must be one of: pending, succeeded, closed."))
		return
	}
	if f.Method != "" && !slices.Contains(gateway.Methods, f.Method) {
		apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "method", "method must be one of: alipay, wechat, unionpay, card."))
		return
	}
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "list_payments"})
	if !ok {
		return
	}
	ps, more, err := a.svc.ListPayments(ctx, merchant(c), f, q)
	replyList(cl, ps, more, err, Payment)
}

// listQuery reads limit and starting_after.
func listQuery(c *gin.Context) (gateway.ListQuery, bool) {
	q := gateway.ListQuery{Limit: 20, StartingAfter: c.Query("starting_after")}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			apicall.Refuse(c, gateway.Errorf(gateway.ParameterInvalid, "limit", "limit must be a whole number from 1 to 100."))
			return q, false
		}
		q.Limit = n
	}
	return q, true
}

// replyList answers a list call: its error, or the page of records turned
// into their wire objects.
func replyList[R, T any](cl *apicall.Call, recs []R, more bool, err error, wire func(R) T) {
	if err != nil {
		cl.Error(err)
		return
	}
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = wire(r)
	}
	reply(cl, http.StatusOK, gatewayapi.List[T]{Object: "list", Data: out, HasMore: more})
}

func (a *Adapter) handlePaymentClose(c *gin.Context) {
	a.paymentAction(c, gateway.OpClosePayment, a.svc.ClosePayment)
}

// paymentAction runs a POST on one payment that takes no parameters.
func (a *Adapter) paymentAction(c *gin.Context, op string, act func(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error)) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	a.paymentActionWith(c, op, act)
}

func (a *Adapter) paymentActionWith(c *gin.Context, op string, act func(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error)) {
	m := merchant(c)
	p, err := a.svc.Payment(c.Request.Context(), m, c.Param("id"))
	if err != nil {
		apicall.Fail(c, err)
		return
	}
	cl, ok := apicall.Begin(c, paymentFacts(op, p))
	if !ok {
		return
	}
	p, err = act(c.Request.Context(), m, p.ID)
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, http.StatusOK, Payment(p))
}

func (a *Adapter) handleHelperSucceed(c *gin.Context) {
	a.paymentAction(c, "succeed_payment", func(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error) {
		res, err := a.svc.SucceedPayment(ctx, m, id)
		return res.Payment, err
	})
}

func (a *Adapter) handleHelperExpire(c *gin.Context) {
	a.paymentAction(c, "expire_payment", a.svc.ExpirePayment)
}

type failRequest struct {
	Code string `json:"code" binding:"omitempty,failcode"`
}

func (a *Adapter) handleHelperFail(c *gin.Context) {
	var req failRequest
	if !bindJSON(c, &req) {
		return
	}
	a.paymentActionWith(c, "fail_payment", func(ctx context.Context, m *gateway.Merchant, id string) (*gateway.Payment, error) {
		return a.svc.FailPayment(ctx, m, id, req.Code)
	})
}

func (a *Adapter) handleMerchant(c *gin.Context) {
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "get_merchant"})
	if !ok {
		return
	}
	reply(cl, http.StatusOK, Merchant(merchant(c)))
}
