// Package httpapi is the native adapter of the gateway: the /v1 JSON API,
// the admin API, the cashier pages and QR images, health and metrics.
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// errorStatus is the one table from error codes to HTTP status and type.
var errorStatus = map[string]struct {
	status int
	typ    string
}{
	gateway.ParameterInvalid:        {http.StatusBadRequest, "invalid_request_error"},
	gateway.ParameterMissing:        {http.StatusBadRequest, "invalid_request_error"},
	gateway.ParameterUnknown:        {http.StatusBadRequest, "invalid_request_error"},
	gateway.InvalidJSON:             {http.StatusBadRequest, "invalid_request_error"},
	gateway.AmountExceedsRefundable: {http.StatusBadRequest, "invalid_request_error"},
	gateway.ScenarioInvalid:         {http.StatusBadRequest, "invalid_request_error"},
	gateway.InvalidAPIKey:           {http.StatusUnauthorized, "authentication_error"},
	gateway.ResourceMissing:         {http.StatusNotFound, "invalid_request_error"},
	gateway.OutTradeNoConflict:      {http.StatusConflict, "invalid_request_error"},
	gateway.OutRefundNoConflict:     {http.StatusConflict, "invalid_request_error"},
	gateway.PaymentNotClosable:      {http.StatusConflict, "invalid_request_error"},
	gateway.PaymentNotPending:       {http.StatusConflict, "invalid_request_error"},
	gateway.PaymentNotRefundable:    {http.StatusConflict, "invalid_request_error"},
	gateway.RefundNotPending:        {http.StatusConflict, "invalid_request_error"},
	gateway.IdempotencyKeyInUse:     {http.StatusConflict, "idempotency_error"},
	gateway.IdempotencyKeyReused:    {http.StatusUnprocessableEntity, "idempotency_error"},
	gateway.BodyTooLarge:            {http.StatusRequestEntityTooLarge, "invalid_request_error"},
	gateway.InjectedFault:           {http.StatusInternalServerError, "api_error"},
	gateway.InternalError:           {http.StatusInternalServerError, "api_error"},
}

// answer is what a /v1 handler decided to say. The pipeline writes it, stores
// it under an Idempotency-Key and lets injected faults reshape it.
type answer struct {
	status int
	body   []byte
	// store is true once the request passed validation and reached the
	// business logic (DESIGN §3: only such answers are kept for replay).
	store bool
	// dropped is set when a fault closed the connection without an answer.
	dropped bool
}

const ctxAnswer = "paysandbox.answer"

// reply records a successful answer of a /v1 handler.
func reply(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		replyError(c, err)
		return
	}
	c.Set(ctxAnswer, &answer{status: status, body: body, store: true})
}

// replyCreated answers a create call: 201 with a new object, 200 with the
// existing one its merchant number named.
func replyCreated(c *gin.Context, created bool, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	reply(c, status, v)
}

// replyError records an error answer that came from the business logic.
func replyError(c *gin.Context, err error) {
	status, body := errorBody(c, err)
	// Internal errors are not kept: the retry that follows should run afresh.
	c.Set(ctxAnswer, &answer{status: status, body: body, store: status < 500})
}

// replyInvalid records an answer to a request that failed validation; it is
// never stored under an Idempotency-Key.
func replyInvalid(c *gin.Context, err error) {
	status, body := errorBody(c, err)
	c.Set(ctxAnswer, &answer{status: status, body: body})
}

func answerOf(c *gin.Context) *answer {
	if v, ok := c.Get(ctxAnswer); ok {
		return v.(*answer)
	}
	return nil
}

// errorBody turns err into the status and JSON of an error answer, logging
// internal errors once.
func errorBody(c *gin.Context, err error) (int, []byte) {
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		slog.ErrorContext(c.Request.Context(), "internal error", "request_id", c.GetString(ctxRequestID), "err", err)
		ge = &gateway.Error{Code: gateway.InternalError, Message: "An internal error occurred; retry the request later."}
	}
	st, ok := errorStatus[ge.Code]
	if !ok {
		st = errorStatus[gateway.InternalError]
	}
	body, _ := json.Marshal(gatewayapi.ErrorBody{Error: gatewayapi.ErrorDetail{
		Type: st.typ, Code: ge.Code, Message: ge.Message, Param: ge.Param,
	}})
	return st.status, body
}

// writeError writes an error answer directly (routes outside the /v1
// pipeline, and answers that end a request early).
func writeError(c *gin.Context, err error) {
	status, body := errorBody(c, err)
	c.Data(status, "application/json", body)
	c.Abort()
}

// writeJSON writes a JSON answer directly.
func writeJSON(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(status, "application/json", body)
}

// replyList answers a list call: its error, or the page of records turned
// into their public objects.
func replyList[R, T any](c *gin.Context, recs []R, more bool, err error, public func(R) T) {
	if err != nil {
		replyError(c, err)
		return
	}
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = public(r)
	}
	reply(c, http.StatusOK, list(out, more))
}

func list[T any](data []T, more bool) gatewayapi.List[T] {
	if data == nil {
		data = []T{}
	}
	return gatewayapi.List[T]{Object: "list", Data: data, HasMore: more}
}
