package gatewayclient

import (
	"errors"
	"fmt"
)

// Error is an answer of the gateway that was not a success: the HTTP status,
// the error object of the body (DESIGN §3) and the Request-Id to quote when
// asking what happened.
type Error struct {
	Status    int
	Type      string
	Code      string
	Message   string
	Param     string
	RequestID string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("gatewayclient: %d %s", e.Status, e.Code)
	if e.Param != "" {
		s += " (" + e.Param + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// Temporary reports whether the same request may succeed later: network-level
// trouble is not an *Error at all, so this covers the statuses the gateway uses
// for transient conditions (5xx, 429, and a request still in flight under the
// same Idempotency-Key).
func (e *Error) Temporary() bool {
	return e.Status >= 500 || e.Status == 429 || e.Code == CodeIdempotencyKeyInUse
}

// Error codes a merchant commonly branches on.
const (
	CodeResourceMissing         = "resource_missing"
	CodeOutTradeNoConflict      = "out_trade_no_conflict"
	CodeOutRefundNoConflict     = "out_refund_no_conflict"
	CodePaymentNotClosable      = "payment_not_closable"
	CodePaymentNotPending       = "payment_not_pending"
	CodePaymentNotRefundable    = "payment_not_refundable"
	CodeRefundNotPending        = "refund_not_pending"
	CodeAmountExceedsRefundable = "amount_exceeds_refundable"
	CodeIdempotencyKeyInUse     = "idempotency_key_in_use"
	CodeIdempotencyKeyReused    = "idempotency_key_reused"
	CodeInvalidAPIKey           = "invalid_api_key"
)

// ErrorCode returns the gateway's error code of err, or "" when err is not an
// answer of the gateway (a network error, a cancelled context).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether the gateway answered 404 resource_missing.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == 404
}

// IsTemporary reports whether err may go away by itself: a network error, a
// timeout, a malformed answer or a temporary *Error. Callers use it to choose
// between "try again later" and "this will never work".
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	// Everything else the client returns is transport trouble or an
	// undecodable answer, which a later attempt may not have.
	return !errors.Is(err, errInvalidRequest)
}

// errInvalidRequest marks mistakes of the caller found before sending
// anything; retrying them is pointless.
var errInvalidRequest = errors.New("gatewayclient: invalid request")
