package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

type createPaymentRequest struct {
	OutTradeNo  string            `json:"out_trade_no" binding:"required,outno"`
	Amount      *int64            `json:"amount" binding:"required,min=1,max=10000000000"`
	Currency    string            `json:"currency" binding:"omitempty,oneof=CNY USD EUR HKD JPY"`
	Method      string            `json:"method" binding:"required,oneof=alipay wechat unionpay card"`
	Subject     string            `json:"subject" binding:"required,min=1,max=256"`
	Description string            `json:"description" binding:"max=1024"`
	NotifyURL   string            `json:"notify_url" binding:"omitempty,max=2048,httpurl"`
	ReturnURL   string            `json:"return_url" binding:"omitempty,max=2048,httpurl"`
	ExpiresIn   *int              `json:"expires_in" binding:"omitempty,min=60,max=86400"`
	Metadata    map[string]string `json:"metadata" binding:"max=20,dive,keys,min=1,max=40,endkeys,max=500"`
}

func (s *Server) handlePaymentCreate(c *gin.Context) {
	var req createPaymentRequest
	if !bindJSON(c, &req) {
		return
	}
	in := gateway.CreatePaymentInput{
		OutTradeNo: req.OutTradeNo, Amount: *req.Amount, Currency: req.Currency, Method: req.Method,
		Subject: req.Subject, Description: req.Description, NotifyURL: req.NotifyURL,
		ReturnURL: req.ReturnURL, Metadata: req.Metadata,
	}
	if req.ExpiresIn != nil {
		in.ExpiresIn = time.Duration(*req.ExpiresIn) * time.Second
	}
	sc, ok := s.begin(c, Facts{Operation: gateway.OpCreatePayment, Method: in.Method, Amount: in.Amount, OutTradeNo: in.OutTradeNo, Creates: "payment"})
	if !ok {
		return
	}
	in.Scenario = sc.Stored()
	p, created, err := s.svc.CreatePayment(c.Request.Context(), merchant(c), in)
	if err != nil {
		replyError(c, err)
		return
	}
	replyCreated(c, created, p.Payment)
}

func (s *Server) handlePaymentGet(c *gin.Context) {
	s.replyPayment(c)(s.svc.Payment(c.Request.Context(), merchant(c), c.Param("id")))
}

// replyPayment answers a lookup of one payment: its error, or the payment
// once begin has let the call through.
func (s *Server) replyPayment(c *gin.Context) func(*gateway.PaymentRecord, error) {
	return func(p *gateway.PaymentRecord, err error) {
		replyFound(s, c, err, func() (Facts, any) { return paymentFacts(gateway.OpGetPayment, p), p.Payment })
	}
}

// replyFound answers a lookup: the error, or what found returns once begin
// (fault rules, scenarios) has let the call through.
func replyFound(s *Server, c *gin.Context, err error, found func() (Facts, any)) {
	if err != nil {
		replyError(c, err)
		return
	}
	facts, obj := found()
	if _, ok := s.begin(c, facts); ok {
		reply(c, http.StatusOK, obj)
	}
}

func paymentFacts(op string, p *gateway.PaymentRecord) Facts {
	return Facts{Operation: op, Method: p.Method, Amount: p.Amount, OutTradeNo: p.OutTradeNo}
}

// handlePaymentList answers GET /v1/payments: the payment itself when
// out_trade_no is given, a list otherwise.
func (s *Server) handlePaymentList(c *gin.Context) {
	ctx := c.Request.Context()
	if otn, ok := c.GetQuery("out_trade_no"); ok {
		s.replyPayment(c)(s.svc.PaymentByOutTradeNo(ctx, merchant(c), otn))
		return
	}
	q, ok := listQuery(c)
	if !ok {
		return
	}
	f := gateway.PaymentFilter{Status: c.Query("status"), Method: c.Query("method")}
	if f.Status != "" && f.Status != gatewayapi.PaymentPending && f.Status != gatewayapi.PaymentSucceeded && f.Status != gatewayapi.PaymentClosed {
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "status", "status must be one of: pending, succeeded, closed."))
		return
	}
	if f.Method != "" && !oneOf(f.Method, gatewayapi.Methods) {
		replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "method", "method must be one of: alipay, wechat, unionpay, card."))
		return
	}
	if _, ok := s.begin(c, Facts{Operation: "list_payments"}); !ok {
		return
	}
	ps, more, err := s.svc.ListPayments(ctx, merchant(c), f, q)
	replyList(c, ps, more, err, func(p *gateway.PaymentRecord) gatewayapi.Payment { return p.Payment })
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// listQuery reads limit and starting_after.
func listQuery(c *gin.Context) (gateway.ListQuery, bool) {
	q := gateway.ListQuery{Limit: 20, StartingAfter: c.Query("starting_after")}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			replyInvalid(c, gateway.Errorf(gateway.ParameterInvalid, "limit", "limit must be a whole number from 1 to 100."))
			return q, false
		}
		q.Limit = n
	}
	return q, true
}

func (s *Server) handlePaymentClose(c *gin.Context) {
	s.paymentAction(c, gateway.OpClosePayment, func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error) {
		return s.svc.ClosePayment(c.Request.Context(), m, id)
	})
}

// paymentAction runs a POST on one payment that takes no parameters.
func (s *Server) paymentAction(c *gin.Context, op string, act func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error)) {
	var empty struct{}
	if !bindJSON(c, &empty) {
		return
	}
	s.paymentActionWith(c, op, act)
}

func (s *Server) paymentActionWith(c *gin.Context, op string, act func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error)) {
	m := merchant(c)
	p, err := s.svc.Payment(c.Request.Context(), m, c.Param("id"))
	if err != nil {
		replyError(c, err)
		return
	}
	if _, ok := s.begin(c, paymentFacts(op, p)); !ok {
		return
	}
	p, err = act(m, p.ID)
	if err != nil {
		replyError(c, err)
		return
	}
	reply(c, http.StatusOK, p.Payment)
}

func (s *Server) handleHelperSucceed(c *gin.Context) {
	s.paymentAction(c, "succeed_payment", func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error) {
		res, err := s.svc.SucceedPayment(c.Request.Context(), m, id)
		return res.Payment, err
	})
}

func (s *Server) handleHelperExpire(c *gin.Context) {
	s.paymentAction(c, "expire_payment", func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error) {
		return s.svc.ExpirePayment(c.Request.Context(), m, id)
	})
}

type failRequest struct {
	Code string `json:"code" binding:"omitempty,failcode"`
}

func (s *Server) handleHelperFail(c *gin.Context) {
	var req failRequest
	if !bindJSON(c, &req) {
		return
	}
	s.paymentActionWith(c, "fail_payment", func(m *gatewayapi.Merchant, id string) (*gateway.PaymentRecord, error) {
		return s.svc.FailPayment(c.Request.Context(), m, id, req.Code)
	})
}

func (s *Server) handleMerchant(c *gin.Context) {
	if _, ok := s.begin(c, Facts{Operation: "get_merchant"}); !ok {
		return
	}
	m := merchant(c)
	reply(c, http.StatusOK, gatewayapi.Merchant{ID: m.ID, Object: "merchant", Name: m.Name, NotifyURL: m.NotifyURL, CreatedAt: m.CreatedAt})
}
