// Package shop is the sandbox shop's domain: users, products, orders, payment
// attempts, refunds and the order timeline, and the rules that decide every
// order transition. It imports no HTTP framework, no SQL and no gateway
// client, so the rules can be read and tested on their own; the SQLite store,
// the payment service and the web handlers are adapters around it.
package shop

import (
	"errors"
	"fmt"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Error codes. Exactly one table, in package web, maps them to HTTP statuses.
const (
	ENOTFOUND     = "not_found"    // no such object, or not the caller's
	EINVALID      = "invalid"      // bad input a person can correct
	ECONFLICT     = "conflict"     // the object is not in a state that allows it
	EUNAUTHORIZED = "unauthorized" // sign in first
	EMISMATCH     = "mismatch"     // a gateway message does not match our records
	EUNAVAILABLE  = "unavailable"  // the gateway could not be reached; try again
	EINTERNAL     = "internal"
)

// Error is a failure with a stable code and a message meant for a person,
// kept as a catalogue key with arguments so each person reads it in their
// own language. Field, when set, names the form field the message belongs
// next to.
type Error struct {
	Code    string
	Message i18n.Message
	Field   string
}

// Error is the English text, for logs.
func (e *Error) Error() string { return fmt.Sprintf("shop: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error saying the message key with name/value pairs of
// arguments (i18n.M).
func Errorf(code, key string, kv ...any) *Error {
	return &Error{Code: code, Message: i18n.M(key, kv...)}
}

// FieldErrorf returns an EINVALID *Error about one form field.
func FieldErrorf(field, key string, kv ...any) *Error {
	return &Error{Code: EINVALID, Message: i18n.M(key, kv...), Field: field}
}

// ErrorField returns the field an *Error is about, "" when none.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of err, EINTERNAL for any other error and "" for
// nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorText returns the message of an *Error, or "Internal error." for any
// other error: internal details are logged, never shown.
func ErrorText(err error) i18n.Message {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return i18n.M("shop.error.internal")
}

// ErrorMessage is ErrorText in English, for logs and tests.
func ErrorMessage(err error) string { return ErrorText(err).String() }

// What a NotFound error is about.
const (
	WhatOrder         = "order"
	WhatAttempt       = "attempt"
	WhatRefundRequest = "refund_request"
	WhatRefund        = "refund"
	WhatUser          = "user"
	WhatProduct       = "product"
)

// NotFound is the ENOTFOUND error about what (WhatOrder, …).
func NotFound(what string) *Error { return Errorf(ENOTFOUND, "shop.error.not_found."+what) }

// ErrEmailTaken refuses a sign-up with an email that has an account.
var ErrEmailTaken = Errorf(ECONFLICT, "shop.error.email_taken")
