// Package gateway is the protocol-neutral core of the mock gateway: the
// payment, refund and event state machines, the rules that decide every
// transition, and the Store they are kept in. It imports no HTTP framework and
// no Redis client; the native /v1 API (package httpapi) is one adapter over it.
package gateway

import (
	"errors"
	"fmt"
)

// Error codes (DESIGN §3). Exactly one table, in package httpapi, maps them to
// HTTP statuses.
const (
	ParameterInvalid        = "parameter_invalid"
	ParameterMissing        = "parameter_missing"
	ParameterUnknown        = "parameter_unknown"
	InvalidJSON             = "invalid_json"
	AmountExceedsRefundable = "amount_exceeds_refundable"
	ScenarioInvalid         = "scenario_invalid"
	InvalidAPIKey           = "invalid_api_key"
	ResourceMissing         = "resource_missing"
	OutTradeNoConflict      = "out_trade_no_conflict"
	OutRefundNoConflict     = "out_refund_no_conflict"
	PaymentNotClosable      = "payment_not_closable"
	PaymentNotPending       = "payment_not_pending"
	PaymentNotRefundable    = "payment_not_refundable"
	RefundNotPending        = "refund_not_pending"
	IdempotencyKeyInUse     = "idempotency_key_in_use"
	IdempotencyKeyReused    = "idempotency_key_reused"
	BodyTooLarge            = "body_too_large"
	InjectedFault           = "injected_fault"
	InternalError           = "internal_error"
)

// Error is a failure a merchant can act on: a stable code, a message telling a
// person what to do, and the offending parameter when there is one.
type Error struct {
	Code    string
	Message string
	Param   string
	// Format and Args are what Message was made of, so that a page in
	// another language (the console) can say the same sentence in its
	// words; the API answers Message, always English.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("gateway: %s (%s): %s", e.Code, e.Param, e.Message)
	}
	return fmt.Sprintf("gateway: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, param, format string, args ...any) *Error {
	return &Error{Code: code, Param: param, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// ErrorCode returns the code of err, or InternalError for any error that is
// not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InternalError
}

// ErrConflict is returned by Store.Commit when a condition of the batch no
// longer holds (another writer got there first); the caller re-reads and
// decides again.
var ErrConflict = errors.New("gateway: concurrent update")

// NotFound returns the resource_missing error for a kind of object.
func NotFound(kind, id string) *Error {
	return Errorf(ResourceMissing, "id", "No %s with id %q exists for this merchant.", kind, id)
}
