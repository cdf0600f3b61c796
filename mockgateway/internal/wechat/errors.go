package wechat

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// WeChat Pay's error codes (DESIGN §11.2), as its APIv3 answers name them.
const (
	CodeParamError         = "PARAM_ERROR"
	CodeInvalidRequest     = "INVALID_REQUEST"
	CodeSignError          = "SIGN_ERROR"
	CodeOrderNotExist      = "ORDER_NOT_EXIST"
	CodeResourceNotExists  = "RESOURCE_NOT_EXISTS"
	CodeOrderPaid          = "ORDERPAID"
	CodeOrderClosed        = "ORDER_CLOSED"
	CodeNotEnough          = "NOT_ENOUGH"
	CodeFrequencyLimited   = "FREQUENCY_LIMITED"
	CodeSystemError        = "SYSTEM_ERROR"
	CodeAppIDMchIDMismatch = "APPID_MCHID_NOT_MATCH"
)

// apiError is an error in WeChat Pay's words: the HTTP status, the code,
// a message in Chinese as WeChat Pay writes them, and the detail that
// names the offending field.
type apiError struct {
	Status  int
	Code    string
	Message string
	Detail  *errorDetail
}

// errorDetail says where the problem is, as WeChat Pay's PARAM_ERROR
// answers do ("field" is a JSON pointer into the body, or a header or
// query parameter name; "issue" says what is wrong, in English for the
// sandbox's own checks).
type errorDetail struct {
	Field    string `json:"field,omitempty"`
	Value    any    `json:"value,omitempty"`
	Issue    string `json:"issue,omitempty"`
	Location string `json:"location,omitempty"`
}

func (e *apiError) Error() string { return "wechat: " + e.Code + ": " + e.Message }

// errorBody is WeChat Pay's error shape.
type errorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Detail  *errorDetail `json:"detail,omitempty"`
}

func wxErr(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

// paramError is a PARAM_ERROR naming a body field (a JSON pointer such as
// "/amount/total") and what is wrong with it.
func paramError(field, issue string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeParamError, Message: "参数错误：" + field,
		Detail: &errorDetail{Field: field, Issue: issue, Location: "body"}}
}

// queryParamError is a PARAM_ERROR about a query parameter.
func queryParamError(field, issue string) *apiError {
	e := paramError(field, issue)
	e.Detail.Location = "query"
	return e
}

func signError(message, issue string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: CodeSignError, Message: message, Detail: &errorDetail{Issue: issue}}
}

var (
	errOrderNotExist  = wxErr(http.StatusNotFound, CodeOrderNotExist, "订单不存在")
	errRefundNotExist = wxErr(http.StatusNotFound, CodeResourceNotExists, "退款单不存在")
	errTradeNotExist  = wxErr(http.StatusNotFound, CodeResourceNotExists, "订单不存在")
	errOrderPaid      = wxErr(http.StatusForbidden, CodeOrderPaid, "该订单已支付")
	errOrderClosed    = wxErr(http.StatusBadRequest, CodeOrderClosed, "该订单已关闭")
	errOutTradeNoUsed = wxErr(http.StatusBadRequest, CodeInvalidRequest, "201 商户订单号重复")
)

// toAPIError is the one table from the core's error codes to WeChat Pay's
// errors; errors already in WeChat Pay's words pass unchanged.
func toAPIError(err error) *apiError {
	var we *apiError
	if errors.As(err, &we) {
		return we
	}
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		return wxErr(http.StatusInternalServerError, CodeSystemError, "系统异常，请稍后重试")
	}
	detail := &errorDetail{Field: ge.Param, Issue: ge.Message}
	e := &apiError{Detail: detail}
	switch ge.Code {
	case gateway.ParameterInvalid, gateway.ParameterMissing, gateway.ParameterUnknown, gateway.InvalidJSON:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeParamError, "参数错误"
	case gateway.ScenarioInvalid:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeParamError, "Mock-Scenario 请求头无效"
		detail.Field, detail.Location = "Mock-Scenario", "header"
	case gateway.BodyTooLarge:
		e.Status, e.Code, e.Message = http.StatusRequestEntityTooLarge, CodeInvalidRequest, "请求体超过1MB"
	case gateway.ResourceMissing:
		e.Status, e.Code, e.Message = http.StatusNotFound, CodeResourceNotExists, "请求的资源不存在"
	case gateway.OutTradeNoConflict:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeInvalidRequest, "201 商户订单号重复"
	case gateway.OutRefundNoConflict:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeInvalidRequest, "订单金额或退款金额与之前请求不一致，请核实后再试"
	case gateway.PaymentNotClosable:
		e.Status, e.Code, e.Message = http.StatusForbidden, CodeOrderPaid, "该订单已支付，不能关闭"
	case gateway.PaymentNotRefundable:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeInvalidRequest, "订单未支付成功，不能发起退款"
	case gateway.AmountExceedsRefundable:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeInvalidRequest, "申请退款金额超过订单可退金额"
	case gateway.PaymentNotPending, gateway.RefundNotPending:
		e.Status, e.Code, e.Message = http.StatusBadRequest, CodeInvalidRequest, "订单状态不允许此操作"
	case gateway.InvalidAPIKey:
		e.Status, e.Code, e.Message = http.StatusUnauthorized, CodeSignError, "签名错误"
	default:
		e.Status, e.Code, e.Message, e.Detail = http.StatusInternalServerError, CodeSystemError, "系统异常，请稍后重试", nil
	}
	return e
}

// body is the JSON of an error answer.
func (e *apiError) body() []byte {
	b, _ := json.Marshal(errorBody{Code: e.Code, Message: e.Message, Detail: e.Detail})
	return b
}
