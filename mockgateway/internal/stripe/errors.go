package stripe

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Stripe's error types.
const (
	typeInvalidRequest = "invalid_request_error"
	typeCard           = "card_error"
	typeIdempotency    = "idempotency_error"
	typeAPI            = "api_error"
)

// apiError is an error in Stripe's words: the adapter's own refusals and
// declines. Core errors are translated by errorTable.
type apiError struct {
	status      int
	typ         string
	code        string
	declineCode string
	msg         string
	param       string
	// intent is the PaymentIntent a card error concerns (Stripe puts it in
	// the error, so a merchant sees its new state without another call).
	intent *paymentIntent
}

func (e *apiError) Error() string { return fmt.Sprintf("stripe: %s %s: %s", e.typ, e.code, e.msg) }

func invalidRequest(param, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, param: param, msg: fmt.Sprintf(format, args...)}
}

func missing(param string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, code: "parameter_missing", param: param,
		msg: "Missing required param: " + param + "."}
}

func noSuch(kind, param, id string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: "resource_missing", param: param,
		msg: fmt.Sprintf("No such %s: '%s'", kind, id)}
}

func unexpectedState(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// amountRange refuses an amount outside what the gateway takes.
func amountRange(param string, n, lo, hi int64) *apiError {
	if n < lo {
		return &apiError{status: 400, typ: typeInvalidRequest, code: "amount_too_small", param: param,
			msg: fmt.Sprintf("This value must be greater than or equal to %d.", lo)}
	}
	return &apiError{status: 400, typ: typeInvalidRequest, code: "amount_too_large", param: param,
		msg: fmt.Sprintf("Amount must be no more than %d.", hi)}
}

// errorTable is the one table from the core's error codes to Stripe's
// status, type and code (DESIGN §11.3).
var errorTable = map[string]struct {
	status int
	typ    string
	code   string
}{
	gateway.ParameterInvalid:        {400, typeInvalidRequest, "parameter_invalid"},
	gateway.ParameterMissing:        {400, typeInvalidRequest, "parameter_missing"},
	gateway.ParameterUnknown:        {400, typeInvalidRequest, "parameter_unknown"},
	gateway.InvalidJSON:             {400, typeInvalidRequest, ""},
	gateway.ScenarioInvalid:         {400, typeInvalidRequest, "scenario_invalid"},
	gateway.AmountExceedsRefundable: {400, typeInvalidRequest, "amount_too_large"},
	gateway.InvalidAPIKey:           {401, typeInvalidRequest, ""},
	gateway.ResourceMissing:         {404, typeInvalidRequest, "resource_missing"},
	gateway.OutTradeNoConflict:      {400, typeInvalidRequest, "idempotency_key_in_use"},
	gateway.OutRefundNoConflict:     {400, typeInvalidRequest, "idempotency_key_in_use"},
	gateway.PaymentNotClosable:      {400, typeInvalidRequest, "payment_intent_unexpected_state"},
	gateway.PaymentNotPending:       {400, typeInvalidRequest, "payment_intent_unexpected_state"},
	gateway.PaymentNotRefundable:    {400, typeInvalidRequest, "charge_not_refundable"},
	gateway.RefundNotPending:        {400, typeInvalidRequest, "refund_unexpected_state"},
	gateway.IdempotencyKeyInUse:     {409, typeIdempotency, "idempotency_key_in_use"},
	gateway.IdempotencyKeyReused:    {400, typeIdempotency, ""},
	gateway.BodyTooLarge:            {413, typeInvalidRequest, ""},
	gateway.InternalError:           {500, typeAPI, ""},
}

// idempotencyReusedMessage is Stripe's own wording for a key used with
// other parameters.
const idempotencyReusedMessage = "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request."

// errorJSON is Stripe's error body.
type errorJSON struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Type          string         `json:"type"`
	Code          string         `json:"code,omitempty"`
	DeclineCode   string         `json:"decline_code,omitempty"`
	Message       string         `json:"message"`
	Param         string         `json:"param,omitempty"`
	DocURL        string         `json:"doc_url,omitempty"`
	PaymentIntent *paymentIntent `json:"payment_intent,omitempty"`
	PaymentMethod *paymentMethod `json:"payment_method,omitempty"`
	RequestLogURL string         `json:"request_log_url,omitempty"`
}

// toAPIError turns any error into Stripe's words, logging internal ones.
func toAPIError(c *gin.Context, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		slog.ErrorContext(c.Request.Context(), "internal error", "request_id", apicall.RequestIDOf(c), "err", err)
		ge = &gateway.Error{Code: gateway.InternalError, Message: "An unknown error occurred; retry the request later."}
	}
	row, ok := errorTable[ge.Code]
	if !ok {
		row = errorTable[gateway.InternalError]
	}
	out := &apiError{status: row.status, typ: row.typ, code: row.code, msg: ge.Message, param: ge.Param}
	if ge.Code == gateway.IdempotencyKeyReused {
		out.msg, out.param = fmt.Sprintf(idempotencyReusedMessage, c.GetHeader("Idempotency-Key")), ""
	}
	return out
}
