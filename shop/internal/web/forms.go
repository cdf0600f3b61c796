package web

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shared/safetext"
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
		// text refuses control characters and bidirectional overrides in
		// what people type (DESIGN §12); text=multiline allows line breaks
		// and tabs, as a textarea sends them.
		_ = v.RegisterValidation("text", func(fl validator.FieldLevel) bool {
			_, bad := safetext.First(fl.Field().String(), fl.Param() == "multiline")
			return !bad
		})
		// maxbytes=n bounds a string's length in bytes, not characters:
		// bcrypt reads at most 72 bytes of a password.
		_ = v.RegisterValidation("maxbytes", func(fl validator.FieldLevel) bool {
			n, err := strconv.Atoi(fl.Param())
			return err == nil && len(fl.Field().String()) <= n
		})
	})
}

// labelKeys are the catalogue keys of how fields are named in messages.
var labelKeys = map[string]string{
	"name": "shop.field.name", "email": "shop.field.email", "phone": "shop.field.phone", "address": "shop.field.address",
	"city": "shop.field.city", "postal_code": "shop.field.postal_code", "password": "shop.field.password",
	"password_confirm": "shop.field.password_confirm", "amount": "shop.field.amount", "reason": "shop.field.reason",
	"details": "shop.field.details", "note": "shop.field.note",
}

// formErrors turns a binding error into messages per field, in the
// request's language. Anything that is not a validation error (a malformed
// body) is reported on "form".
func (s *Server) formErrors(c *gin.Context, err error) fieldErrors {
	loc := s.loc(c)
	out := fieldErrors{}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		out["form"] = loc.T("shop.form.unreadable")
		return out
	}
	for _, fe := range ves {
		name := fe.Field()
		var label any = name
		if key, ok := labelKeys[name]; ok {
			label = i18n.M(key)
		}
		if _, seen := out[name]; !seen {
			out[name] = loc.Msg(message(label, fe))
		}
	}
	return out
}

// message is what is wrong with a field, label being its name (a Message,
// or the field's own name when it has no label).
func message(label any, fe validator.FieldError) i18n.Message {
	n := atoi(fe.Param())
	switch fe.Tag() {
	case "required":
		return i18n.M("shop.form.required", "Field", label)
	case "email":
		return i18n.M("shop.form.email", "Field", label)
	case "max":
		return i18n.M("shop.form.max", "Field", label, "Count", n)
	case "min":
		return i18n.M("shop.form.min", "Field", label, "Count", n)
	case "maxbytes":
		return i18n.M("shop.form.maxbytes", "Field", label, "Count", n, "Chinese", n/3)
	case "len":
		return i18n.M("shop.form.len", "Field", label, "Count", n)
	case "numeric":
		return i18n.M("shop.form.numeric", "Field", label)
	case "phone":
		return i18n.M("shop.form.phone", "Field", label)
	case "text":
		r, _ := safetext.First(fmt.Sprint(fe.Value()), fe.Param() == "multiline")
		return i18n.M("shop.form.text", "Field", label, "Char", fmt.Sprintf("U+%04X", r))
	case "eqfield":
		return i18n.M("shop.form.eqfield", "Field", label)
	}
	return i18n.M("shop.form.invalid", "Field", label)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
