// Package jsonbind decodes and validates the JSON bodies of the native and
// admin APIs: unknown fields refused, an empty body read as {}, Gin's
// validator with the project's own rules, and every failure turned into a
// message a person understands, naming the field.
package jsonbind

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

var (
	registerOnce sync.Once
	outNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Register teaches Gin's validator our field names (the JSON ones) and the
// project's own rules: outno, failcode, httpurl. Gin keeps one validator per
// process; Register may be called any number of times.
func Register() {
	registerOnce.Do(func() {
		v, ok := binding.Validator.Engine().(*validator.Validate)
		if !ok {
			panic("httpapi: gin validator is not go-playground/validator")
		}
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			return name
		})
		_ = v.RegisterValidation("outno", func(fl validator.FieldLevel) bool {
			return outNoPattern.MatchString(fl.Field().String())
		})
		_ = v.RegisterValidation("failcode", func(fl validator.FieldLevel) bool {
			return gateway.ValidFailureCode(fl.Field().String())
		})
		// plaintext: customer-facing text without control characters or
		// bidirectional overrides (DESIGN §12); "plaintext=multiline" allows
		// line breaks and tabs.
		_ = v.RegisterValidation("plaintext", func(fl validator.FieldLevel) bool {
			_, bad := gateway.UnsafeRune(fl.Field().String(), fl.Param() == "multiline")
			return !bad
		})
		_ = v.RegisterValidation("httpurl", func(fl validator.FieldLevel) bool {
			u, err := url.Parse(fl.Field().String())
			return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		})
	})
}

// strictJSON is a Gin binding that refuses unknown fields and treats an
// empty body as {}.
type strictJSON struct{}

func (strictJSON) Name() string { return "strict-json" }

func (strictJSON) Bind(*http.Request, any) error { return errors.New("use BindBody") }

func (strictJSON) BindBody(body []byte, obj any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid character after top-level value")
	}
	return binding.Validator.ValidateStruct(obj)
}

// Strict is the binding of every JSON body: unknown fields refused, an
// empty body read as {}, then validated.
var Strict binding.BindingBody = strictJSON{}

// Bind decodes and validates body into obj, or returns the error a person
// can act on (Error).
func Bind(body []byte, obj any) error {
	if err := Strict.BindBody(body, obj); err != nil {
		return Error(err)
	}
	return nil
}

// Error turns a decoding or validation error into a message a person
// understands, naming the field.
func Error(err error) *gateway.Error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		verrs   validator.ValidationErrors
	)
	switch {
	case errors.As(err, &verrs):
		return fieldError(verrs[0])
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return gateway.Errorf(gateway.InvalidJSON, "", "The request body must be a JSON object.")
		}
		return gateway.Errorf(gateway.ParameterInvalid, field, "%s must be %s.", field, jsonKind(typeErr.Type))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return gateway.Errorf(gateway.InvalidJSON, "", "The request body is not valid JSON (%v). Send a JSON object.", err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return gateway.Errorf(gateway.ParameterUnknown, field, "Unknown parameter %q; check its spelling against the API reference.", field)
	}
	return gateway.Errorf(gateway.InvalidJSON, "", "The request body is not valid JSON (%v). Send a JSON object.", err)
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Map:
		return "an object of string values"
	case reflect.Bool:
		return "true or false"
	}
	return "of type " + t.String()
}

// fieldError explains one failed validation rule.
func fieldError(fe validator.FieldError) *gateway.Error {
	field := fe.Field()
	ns := fe.Namespace()
	if i := strings.Index(ns, "."); i >= 0 {
		ns = ns[i+1:]
	}
	if strings.Contains(ns, "[") {
		field = ns[:strings.Index(ns, "[")]
	}
	isString := fe.Kind() == reflect.String
	msg := ""
	code := gateway.ParameterInvalid
	switch fe.Tag() {
	case "required":
		code = gateway.ParameterMissing
		msg = fmt.Sprintf("%s is required.", field)
	case "min":
		if isString {
			msg = fmt.Sprintf("%s must be at least %s characters long.", field, fe.Param())
		} else {
			msg = fmt.Sprintf("%s must be at least %s.", field, fe.Param())
		}
	case "max":
		switch fe.Kind() {
		case reflect.String:
			msg = fmt.Sprintf("%s must be at most %s characters long.", field, fe.Param())
		case reflect.Map:
			msg = fmt.Sprintf("%s may hold at most %s entries.", field, fe.Param())
		default:
			msg = fmt.Sprintf("%s must be at most %s.", field, fe.Param())
		}
	case "oneof":
		msg = fmt.Sprintf("%s must be one of: %s.", field, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "outno":
		msg = fmt.Sprintf("%s must be 1 to 64 letters, digits, '_' or '-'.", field)
	case "failcode":
		msg = fmt.Sprintf("%s must be 1 to 64 letters, digits or '_'.", field)
	case "httpurl":
		msg = fmt.Sprintf("%s must be an absolute http or https URL.", field)
	case "plaintext":
		r, _ := gateway.UnsafeRune(fmt.Sprint(fe.Value()), fe.Param() == "multiline")
		msg = fmt.Sprintf("%s must not contain control characters or bidirectional overrides (found U+%04X); it is shown to customers as it is.", field, r)
	default:
		msg = fmt.Sprintf("%s is not valid (%s).", field, fe.Tag())
	}
	if field == "amount" && (fe.Tag() == "min" || fe.Tag() == "max") {
		msg = "amount must be a whole number of the currency's minor unit (fen for CNY) from 1 to 10000000000: 1999 is ¥19.99."
	}
	if strings.HasPrefix(ns, "metadata[") {
		msg = "metadata keys must be 1 to 40 characters and values at most 500 characters."
	}
	return gateway.Errorf(code, field, "%s", msg)
}
