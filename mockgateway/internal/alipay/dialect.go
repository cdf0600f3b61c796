package alipay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Alipay's codes (DESIGN §11.1) and the msg each carries on the wire.
const (
	codeSuccess     = "10000"
	codeUnavailable = "20000"
	codeMissing     = "40001"
	codeInvalid     = "40002"
	codeFailed      = "40004"
)

var codeMsg = map[string]string{
	codeSuccess:     "Success",
	codeUnavailable: "Service Currently Unavailable",
	codeMissing:     "Missing Required Arguments",
	codeInvalid:     "Invalid Arguments",
	codeFailed:      "Business Failed",
}

// Sub-codes the adapter answers with beside the ACQ.* ones of the trade
// methods.
const (
	subMissingParam = "isv.missing-parameter"
	subInvalidParam = "isv.invalid-parameter"
	subSystemError  = "ACQ.SYSTEM_ERROR"
	subTradeMissing = "ACQ.TRADE_NOT_EXIST"
)

// apiError is an answer Alipay gives instead of a result: a code, a
// sub_code a program acts on and a sub_msg a person reads (in Chinese, as
// Alipay writes it, with what to do in English where that helps).
type apiError struct {
	Code, SubCode, SubMsg string
	// Gateway marks an error of the gateway itself — authentication, the
	// common parameters, an unknown method — answered as error_response
	// rather than under the method's name.
	Gateway bool
}

func (e *apiError) Error() string {
	return fmt.Sprintf("alipay: %s %s: %s", e.Code, e.SubCode, e.SubMsg)
}

// gatewayError is an error_response.
func gatewayError(code, subCode, format string, args ...any) *apiError {
	return &apiError{Code: code, SubCode: subCode, SubMsg: fmt.Sprintf(format, args...), Gateway: true}
}

// bizError is a failure answered under the method's name.
func bizError(code, subCode, format string, args ...any) *apiError {
	return &apiError{Code: code, SubCode: subCode, SubMsg: fmt.Sprintf(format, args...)}
}

// missingParam and invalidParam refuse a business parameter, naming it.
func missingParam(name, hint string) *apiError {
	return bizError(codeMissing, subMissingParam, "缺少必选参数 %s（%s）", name, hint)
}

func invalidParam(name, format string, args ...any) *apiError {
	return bizError(codeInvalid, subInvalidParam, "参数 %s 无效（%s）", name, fmt.Sprintf(format, args...))
}

// coreErrors is the one table from the core's error codes to Alipay's
// answers; the core's English message follows the Chinese one.
var coreErrors = map[string]struct{ code, sub, msg string }{
	gateway.ResourceMissing:         {codeFailed, subTradeMissing, "交易不存在"},
	gateway.OutTradeNoConflict:      {codeFailed, "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"},
	gateway.OutRefundNoConflict:     {codeFailed, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额与原退款请求不一致"},
	gateway.PaymentNotClosable:      {codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"},
	gateway.PaymentNotPending:       {codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"},
	gateway.PaymentNotRefundable:    {codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"},
	gateway.RefundNotPending:        {codeFailed, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"},
	gateway.AmountExceedsRefundable: {codeFailed, "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额超限"},
	gateway.ParameterMissing:        {codeMissing, subMissingParam, "缺少必选参数"},
	gateway.ParameterInvalid:        {codeInvalid, subInvalidParam, "参数无效"},
	gateway.ParameterUnknown:        {codeInvalid, subInvalidParam, "参数无效"},
	gateway.InvalidJSON:             {codeInvalid, subInvalidParam, "参数无效"},
	gateway.ScenarioInvalid:         {codeInvalid, subInvalidParam, "Mock-Scenario 无效"},
	gateway.BodyTooLarge:            {codeInvalid, subInvalidParam, "请求体过大"},
}

// toAPIError turns any error into Alipay's answer; errors that are neither
// the adapter's nor the core's are internal, logged once and answered as
// 20000.
func toAPIError(c *gin.Context, log *slog.Logger, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ge *gateway.Error
	if errors.As(err, &ge) {
		if t, ok := coreErrors[ge.Code]; ok {
			return &apiError{Code: t.code, SubCode: t.sub, SubMsg: t.msg + "（" + ge.Message + "）",
				Gateway: ge.Code == gateway.ScenarioInvalid || ge.Code == gateway.BodyTooLarge}
		}
	}
	log.ErrorContext(c.Request.Context(), "internal error", "request_id", apicall.RequestIDOf(c), "err", err)
	return gatewayError(codeUnavailable, "isp.unknow-error", "系统繁忙（an internal error occurred; retry the request later）")
}

// errorObject is an error as it goes on the wire.
type errorObject struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code"`
	SubMsg  string `json:"sub_msg"`
}

func (e *apiError) object() errorObject {
	return errorObject{Code: e.Code, Msg: codeMsg[e.Code], SubCode: e.SubCode, SubMsg: e.SubMsg}
}

// result opens every successful answer: code 10000 and its msg.
type result struct {
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

var success = result{Code: codeSuccess, Msg: codeMsg[codeSuccess]}

// Context keys of a call's method and the merchant's keys, set as soon as
// they are known so that every answer, errors included, is put under the
// method's name and signed.
const (
	ctxMethod = "paysandbox.alipay.method"
	ctxKeys   = "paysandbox.alipay.keys"
)

// responseKey is the name an answer of method goes under.
func responseKey(method string) string { return strings.ReplaceAll(method, ".", "_") + "_response" }

// compactJSON marshals v without escaping <, > and &, as Alipay writes.
func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// envelope is an answer's body: {"<key>":<object>,"sign":"…"}, the object
// first and signed over its exact bytes with the merchant's platform key.
// Without the merchant's keys (its app_id is unknown) there is no sign.
func envelope(c *gin.Context, key string, v any) ([]byte, error) {
	obj, err := compactJSON(v)
	if err != nil {
		return nil, fmt.Errorf("alipay: encode answer: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(`{"` + key + `":`)
	b.Write(obj)
	if k, found := c.Get(ctxKeys); found {
		sig, err := sign(k.(*merchantKeys).platform, obj)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"sign":"` + sig + `"`)
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

// dialect is Alipay's wire for the shared call pipeline: every answer is
// an HTTP 200 JSON envelope (injected faults keep their status), errors
// included, signed once the merchant is known.
type dialect struct{ log *slog.Logger }

func (dialect) Protocol() string { return gateway.ProtocolAlipay }

func (d dialect) ErrorAnswer(c *gin.Context, err error) apicall.Answer {
	e := toAPIError(c, d.log, err)
	key := "error_response"
	if method := c.GetString(ctxMethod); method != "" && !e.Gateway {
		key = responseKey(method)
	}
	return d.answer(c, http.StatusOK, key, e.object())
}

// FaultAnswer is Alipay's "try again or query": 20000 ACQ.SYSTEM_ERROR,
// with the status the scenario asked for.
func (d dialect) FaultAnswer(c *gin.Context, status int, name string, committed bool) apicall.Answer {
	msg := fmt.Sprintf("系统繁忙（injected by scenario %s=%d; nothing was changed: retry the request）", name, status)
	if committed {
		msg = fmt.Sprintf("系统繁忙（injected by scenario %s=%d after the request took effect: query to learn its result）", name, status)
	}
	key := "error_response"
	if method := c.GetString(ctxMethod); method != "" {
		key = responseKey(method)
	}
	e := &apiError{Code: codeUnavailable, SubCode: subSystemError, SubMsg: msg}
	return d.answer(c, status, key, e.object())
}

func (d dialect) answer(c *gin.Context, status int, key string, v any) apicall.Answer {
	body, err := envelope(c, key, v)
	if err != nil {
		d.log.ErrorContext(c.Request.Context(), "alipay: answer not encoded", "request_id", apicall.RequestIDOf(c), "err", err)
		body = []byte(`{"error_response":{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}}`)
	}
	return apicall.Answer{Status: status, Body: body}
}

func (dialect) Write(c *gin.Context, a apicall.Answer) {
	for k, vs := range a.Header {
		for _, v := range vs {
			c.Writer.Header().Add(k, v)
		}
	}
	c.Data(a.Status, "application/json;charset=utf-8", a.Body)
}
