package httpapi

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// injectBefore applies the API-level faults that act before the business
// logic. It returns false when it answered (or dropped) the call.
func (s *Server) injectBefore(c *gin.Context, sc gateway.Scenario) bool {
	ctx := c.Request.Context()
	switch {
	case sc.APILatency > 0:
		select {
		case <-time.After(gateway.Scale(sc.APILatency, s.svc.Config().TimeScale)):
		case <-ctx.Done():
		}
	case sc.APIError != 0:
		status, body := faultBody(sc.APIError, "api_error", false)
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			c.Header("Retry-After", "1")
		}
		// Not stored under an Idempotency-Key: nothing happened.
		c.Set(ctxAnswer, &answer{status: status, body: body})
		return false
	case sc.APITimeout:
		select {
		case <-time.After(s.cfg.FaultHold):
		case <-ctx.Done():
		}
		s.drop(c, false)
		return false
	case sc.APIReset:
		s.drop(c, true)
		return false
	}
	return true
}

// drop closes the call's connection without an answer; with reset it sends
// a TCP RST instead of an orderly close.
func (s *Server) drop(c *gin.Context, reset bool) {
	c.Set(ctxAnswer, &answer{dropped: true})
	// Free the Idempotency-Key first: once the connection is gone the client
	// retries at once, and must find the key free, not in flight.
	if release, ok := c.Get(ctxIdemRelease); ok {
		release.(func())()
	}
	conn, _, err := c.Writer.Hijack()
	if err != nil {
		// Cannot take the connection over (HTTP/2): abort the stream.
		s.log.Warn("fault: cannot hijack connection", "request_id", c.GetString(ctxRequestID), "err", err)
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// faultBody is the answer of an injected error.
func faultBody(status int, name string, committed bool) (int, []byte) {
	typ := "api_error"
	if status == http.StatusTooManyRequests {
		typ = "rate_limit_error"
	}
	msg := fmt.Sprintf("Injected by scenario %s=%d; nothing was changed. Retry the request.", name, status)
	if committed {
		msg = fmt.Sprintf("Injected by scenario %s=%d after the request took effect. Retry with the same Idempotency-Key to get the real result.", name, status)
	}
	body, _ := json.Marshal(gatewayapi.ErrorBody{Error: gatewayapi.ErrorDetail{Type: typ, Code: gateway.InjectedFault, Message: msg}})
	return status, body
}

type faultRequest struct {
	Match struct {
		MerchantID       string `json:"merchant_id" binding:"omitempty,max=64"`
		Operation        string `json:"operation" binding:"omitempty,oneof=create_payment get_payment close_payment create_refund get_refund notify"`
		Method           string `json:"method" binding:"omitempty,oneof=alipay wechat unionpay card"`
		Amount           *int64 `json:"amount" binding:"omitempty,min=1,max=10000000000"`
		OutTradeNoPrefix string `json:"out_trade_no_prefix" binding:"omitempty,max=64"`
	} `json:"match"`
	Scenario  string `json:"scenario" binding:"required,max=1024"`
	Remaining *int64 `json:"remaining" binding:"omitempty,min=1,max=1000000"`
}

func (s *Server) handleFaultCreate(c *gin.Context) {
	var req faultRequest
	if err := strictJSONBinding.BindBody(requestBody(c), &req); err != nil {
		writeError(c, bindError(err))
		return
	}
	m := req.Match
	r, err := s.svc.CreateFaultRule(c.Request.Context(), gateway.FaultMatch{
		MerchantID: m.MerchantID, Operation: m.Operation, Method: m.Method, Amount: m.Amount, OutTradeNoPrefix: m.OutTradeNoPrefix,
	}, req.Scenario, req.Remaining)
	if err != nil {
		writeError(c, err)
		return
	}
	s.log.Info("fault rule created", "fault_rule", r.ID, "scenario", r.Scenario)
	writeJSON(c, http.StatusCreated, r)
}

func (s *Server) handleFaultList(c *gin.Context) {
	rules, err := s.svc.FaultRules(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]gateway.FaultRule, len(rules))
	for i, r := range rules {
		out[i] = *r
	}
	writeJSON(c, http.StatusOK, list(out, false))
}

func (s *Server) handleFaultDelete(c *gin.Context) {
	id := c.Param("id")
	if err := s.svc.DeleteFaultRule(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"id": id, "object": "fault_rule", "deleted": true})
}
