// Package jsonapi writes the gateway's JSON answers outside a protocol's
// own dialect — the admin API, unknown API routes — in the native API's
// shape: one table from error codes to HTTP status and error type (DESIGN
// §3), used by the native adapter too.
package jsonapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// errorStatus is the one table from error codes to the native API's HTTP
// status and error type (DESIGN §3).
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

// ErrorBody turns err into the status and JSON of a native error answer,
// logging internal errors once.
func ErrorBody(c *gin.Context, err error) (int, []byte) {
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		slog.ErrorContext(c.Request.Context(), "internal error", "request_id", apicall.RequestIDOf(c), "err", err)
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

// WriteError writes a native error answer directly and ends the request.
func WriteError(c *gin.Context, err error) {
	status, body := ErrorBody(c, err)
	c.Data(status, "application/json", body)
	c.Abort()
}

// WriteJSON writes a JSON answer directly.
func WriteJSON(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Data(status, "application/json", body)
}

// Bearer returns the token of an Authorization: Bearer header.
func Bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
