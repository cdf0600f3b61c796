package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// maxAmount is the largest amount the gateway takes, in fen (DESIGN §3).
const maxAmount = 10_000_000_000

var (
	// outTradeNoPattern is WeChat Pay's rule for out_trade_no.
	outTradeNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)
	// outRefundNoPattern is its rule for out_refund_no.
	outRefundNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{1,64}$`)
)

// decodeBody decodes a JSON request body. WeChat Pay ignores fields it
// does not know, and SDKs send null for what the caller left unset, so
// every field is a pointer and absence is checked field by field.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &apiError{Status: http.StatusBadRequest, Code: CodeParamError, Message: "请求体为空",
			Detail: &errorDetail{Issue: "The request needs a JSON body.", Location: "body"}}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		field := "/" + strings.ReplaceAll(typ.Field, ".", "/")
		return invalidField(field, field[1:]+" must be a JSON "+jsonKind(typ.Type.Kind().String())+", not "+typ.Value+".")
	}
	return &apiError{Status: http.StatusBadRequest, Code: CodeParamError, Message: "请求体格式错误，不是合法的JSON",
		Detail: &errorDetail{Issue: "The body is not valid JSON: " + err.Error() + ".", Location: "body"}}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int64", "int", "float64":
		return "integer"
	case "struct", "map":
		return "object"
	case "slice":
		return "array"
	case "bool":
		return "boolean"
	}
	return goKind
}

// missingField is the PARAM_ERROR of a required field left out (or null).
func missingField(field string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeParamError,
		Message: "输入源“/body" + field + "”映射到值字段必填性规则校验失败，此字段为必填项",
		Detail:  &errorDetail{Field: field, Issue: field[1:] + " is required.", Location: "body"}}
}

// invalidField is the PARAM_ERROR of a field whose value is refused.
func invalidField(field, issue string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeParamError,
		Message: "输入源“/body" + field + "”映射到值字段格式校验失败",
		Detail:  &errorDetail{Field: field, Issue: issue, Location: "body"}}
}

// checkText checks a text field's length in characters and refuses control
// characters and bidirectional overrides (DESIGN §12).
func checkText(field string, v *string, required bool, maxLen int) error {
	if v == nil || *v == "" {
		if required {
			return missingField(field)
		}
		return nil
	}
	if n := utf8.RuneCountInString(*v); n > maxLen {
		return invalidField(field, field[1:]+" is longer than "+strconv.Itoa(maxLen)+" characters.")
	}
	if _, bad := gateway.UnsafeRune(*v, false); bad {
		return invalidField(field, field[1:]+" contains a control character or a bidirectional override.")
	}
	return nil
}

// checkAmount checks an amount in fen: required, 1 to maxAmount.
func checkAmount(field string, v *int64) error {
	switch {
	case v == nil:
		return missingField(field)
	case *v < 1:
		return invalidField(field, field[1:]+" must be at least 1 (fen).")
	case *v > maxAmount:
		return invalidField(field, field[1:]+" must be at most 10000000000 (fen).")
	}
	return nil
}

// checkCurrency accepts CNY, the only currency of WeChat Pay's domestic
// APIs, or nothing (CNY).
func checkCurrency(field string, v *string) error {
	if v != nil && *v != "" && *v != "CNY" {
		return invalidField(field, field[1:]+" must be CNY.")
	}
	return nil
}

// checkNotifyURL checks a notify_url: an absolute http(s) URL of at most
// 255 characters.
func checkNotifyURL(field string, v *string, required bool) error {
	if err := checkText(field, v, required, 255); err != nil || v == nil || *v == "" {
		return err
	}
	u, err := url.Parse(*v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalidField(field, field[1:]+" must be an absolute http or https URL.")
	}
	return nil
}

// refusedURL is the PARAM_ERROR of a notify_url the gateway will not
// deliver to (NOTIFY_DENY_PRIVATE), or the internal error it met checking.
func refusedURL(field string, err error) error {
	var ge *gateway.Error
	if !errors.As(err, &ge) || ge.Code == gateway.InternalError {
		return err
	}
	return invalidField(field, ge.Message)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
