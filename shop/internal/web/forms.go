package web

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"
)

// fieldErrors maps a form field's name to what is wrong with it.
type fieldErrors map[string]string

var setupValidator sync.Once

// registerValidations teaches Gin's validator our tags and makes it name
// fields by their form name, so errors land next to the right input. Gin's
// validator is process-wide, hence the Once.
func registerValidations() {
	setupValidator.Do(func() {
		v, ok := binding.Validator.Engine().(*validator.Validate)
		if !ok {
			return
		}
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			if name, _, _ := strings.Cut(f.Tag.Get("form"), ","); name != "" && name != "-" {
				return name
			}
			return f.Name
		})
		_ = v.RegisterValidation("phone", func(fl validator.FieldLevel) bool {
			digits := 0
			for _, r := range fl.Field().String() {
				switch {
				case r >= '0' && r <= '9':
					digits++
				case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')':
				default:
					return false
				}
			}
			return digits >= 5
		})
		// maxbytes=n bounds a string's length in bytes, not characters:
		// bcrypt reads at most 72 bytes of a password.
		_ = v.RegisterValidation("maxbytes", func(fl validator.FieldLevel) bool {
			n, err := strconv.Atoi(fl.Param())
			return err == nil && len(fl.Field().String()) <= n
		})
	})
}

// labels are how fields are named in messages.
var labels = map[string]string{
	"name": "Name", "email": "Email", "phone": "Phone", "address": "Address", "city": "City",
	"postal_code": "Postal code", "password": "Password", "password_confirm": "Password confirmation",
	"amount": "Amount", "reason": "Reason", "details": "Details", "note": "Note",
}

// formErrors turns a binding error into messages per field. Anything that
// is not a validation error (a malformed body) is reported on "form".
func formErrors(err error) fieldErrors {
	out := fieldErrors{}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		out["form"] = "The form could not be read; please fill it in again."
		return out
	}
	for _, fe := range ves {
		name := fe.Field()
		label := labels[name]
		if label == "" {
			label = name
		}
		if _, seen := out[name]; !seen {
			out[name] = message(label, fe)
		}
	}
	return out
}

func message(label string, fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return label + " is required."
	case "email":
		return label + " must be an email address like name@example.com."
	case "max":
		return fmt.Sprintf("%s must be at most %s characters.", label, fe.Param())
	case "min":
		return fmt.Sprintf("%s must be at least %s characters.", label, fe.Param())
	case "maxbytes":
		return fmt.Sprintf("%s must be at most %s bytes; a Chinese character takes 3, so at most %d of them.", label, fe.Param(), atoi(fe.Param())/3)
	case "len":
		return fmt.Sprintf("%s must be exactly %s characters.", label, fe.Param())
	case "numeric":
		return label + " must contain digits only."
	case "phone":
		return label + " must be a phone number: digits, spaces, +, - and brackets."
	case "eqfield":
		return label + " does not match the password."
	}
	return label + " is not valid."
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
