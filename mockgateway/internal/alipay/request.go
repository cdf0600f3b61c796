package alipay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The methods of DESIGN §11.1.
const (
	methodPrecreate   = "alipay.trade.precreate"
	methodPagePay     = "alipay.trade.page.pay"
	methodWapPay      = "alipay.trade.wap.pay"
	methodQuery       = "alipay.trade.query"
	methodClose       = "alipay.trade.close"
	methodRefund      = "alipay.trade.refund"
	methodRefundQuery = "alipay.trade.fastpay.refund.query"
)

// handlers serve each method; the keys are the supported methods.
var handlers = map[string]func(*Adapter, *gin.Context, *call){
	methodPrecreate:   (*Adapter).handlePrecreate,
	methodPagePay:     (*Adapter).handlePagePay,
	methodWapPay:      (*Adapter).handlePagePay,
	methodQuery:       (*Adapter).handleQuery,
	methodClose:       (*Adapter).handleClose,
	methodRefund:      (*Adapter).handleRefund,
	methodRefundQuery: (*Adapter).handleRefundQuery,
}

var supportedMethods = func() string {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}()

// call is an authenticated gateway.do request.
type call struct {
	m      *gateway.Merchant
	keys   *merchantKeys
	method string
	params url.Values
	biz    map[string]json.RawMessage
}

// handleGateway serves gateway.do: it reads the parameters, finds the
// merchant by app_id, checks the common parameters and the signature, and
// hands the call to its method. Every refusal is Alipay's answer, signed
// once the merchant is known.
func (a *Adapter) handleGateway(c *gin.Context) {
	params, err := readParams(c)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	cl, err := a.authenticate(c, params)
	if err != nil {
		apicall.Refuse(c, err)
		return
	}
	apicall.SetMerchant(c, cl.m)
	handlers[cl.method](a, c, cl)
}

// readParams returns a request's parameters: the union of its query
// string and its form body (SDKs split them differently). A name given in
// both must carry the same value there; a name may not carry two values.
func readParams(c *gin.Context) (url.Values, error) {
	query, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return nil, gatewayError(codeInvalid, subInvalidParam, "请求参数无法解析（the query string is not URL-encoded: %v）", err)
	}
	form := url.Values{}
	if body := apicall.Body(c); len(bytes.TrimSpace(body)) > 0 {
		if ct := c.ContentType(); ct != "" && ct != "application/x-www-form-urlencoded" {
			return nil, gatewayError(codeInvalid, subInvalidParam,
				"不支持的请求格式 %s（send the parameters as application/x-www-form-urlencoded, in the body or the query string）", ct)
		}
		if form, err = url.ParseQuery(string(body)); err != nil {
			return nil, gatewayError(codeInvalid, subInvalidParam, "请求参数无法解析（the body is not URL-encoded: %v）", err)
		}
	}
	params := url.Values{}
	for _, src := range []url.Values{query, form} {
		for k, vs := range src {
			for _, v := range vs {
				if !utf8.ValidString(k) || !utf8.ValidString(v) {
					return nil, gatewayError(codeInvalid, "isv.invalid-charset", "字符集错误（parameter %q is not UTF-8; only charset=utf-8 is supported）", k)
				}
				if prev, dup := params[k]; dup && prev[0] != v {
					return nil, gatewayError(codeInvalid, subInvalidParam,
						"参数 %s 的值不一致（it is given twice, in the query string and the body or repeated, with different values）", k)
				}
				params.Set(k, v)
			}
		}
	}
	return params, nil
}

// authenticate finds the merchant by app_id and checks the method, the
// common parameters and the request's signature.
func (a *Adapter) authenticate(c *gin.Context, params url.Values) (*call, error) {
	appID := params.Get("app_id")
	if appID == "" {
		return nil, gatewayError(codeMissing, "isv.missing-app-id", "缺少appId参数（send app_id: the merchant's alipay.app_id from the admin API）")
	}
	m, err := a.svc.MerchantByAlias(c.Request.Context(), aliasAppID, appID)
	if gateway.ErrorCode(err) == gateway.ResourceMissing {
		return nil, invalidAppID(appID)
	} else if err != nil {
		return nil, err
	}
	keys, err := keysOf(m)
	if err != nil {
		return nil, err
	}
	if keys.creds.AppID != appID {
		// An alias left behind by credentials issued again.
		return nil, invalidAppID(appID)
	}
	// From here on every answer is signed with the merchant's platform key.
	c.Set(ctxKeys, keys)

	method := params.Get("method")
	if method == "" {
		return nil, gatewayError(codeMissing, "isv.missing-method", "缺少方法名参数（send method, one of: %s）", supportedMethods)
	}
	if _, ok := handlers[method]; !ok {
		return nil, gatewayError(codeInvalid, "isv.invalid-method", "不存在的方法名 %s（this gateway serves: %s）", method, supportedMethods)
	}
	c.Set(ctxMethod, method)
	if err := checkCommon(params); err != nil {
		return nil, err
	}
	content := signContent(params, "sign")
	if err := verify(keys.app, []byte(content), params.Get("sign")); err != nil {
		return nil, gatewayError(codeInvalid, "isv.invalid-signature",
			"验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：%s（sign with the app private key whose public half is the merchant's alipay.app_public_key: %v）", content, err)
	}
	cl := &call{m: m, keys: keys, method: method, params: params}
	if raw := params.Get("biz_content"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &cl.biz); err != nil || cl.biz == nil {
			return nil, invalidParam("biz_content", "biz_content must be a JSON object: %v", errOrNull(err))
		}
	}
	return cl, nil
}

func invalidAppID(appID string) error {
	return gatewayError(codeInvalid, "isv.invalid-app-id",
		"无效的AppID参数（app_id %s is not known to this gateway: use the alipay.app_id of a merchant from GET /admin/api/merchants/{id}）", appID)
}

func errOrNull(err error) any {
	if err == nil {
		return "it is null"
	}
	return err
}

// checkCommon checks the common parameters every request carries.
func checkCommon(params url.Values) error {
	switch st := params.Get("sign_type"); {
	case st == "":
		return gatewayError(codeMissing, "isv.missing-signature-type", "缺少签名类型参数（send sign_type=RSA2）")
	case st != "RSA2":
		return gatewayError(codeInvalid, "isv.invalid-signature-type", "无效的签名类型 %s（this gateway verifies RSA2, SHA256withRSA, only）", st)
	}
	if params.Get("sign") == "" {
		return gatewayError(codeMissing, "isv.missing-signature", "缺少签名参数（send sign: the RSA2 signature of the other parameters）")
	}
	switch ts := params.Get("timestamp"); {
	case ts == "":
		return gatewayError(codeMissing, "isv.missing-timestamp", "缺少时间戳参数（send timestamp as yyyy-MM-dd HH:mm:ss）")
	default:
		if _, err := time.Parse(timeLayout, ts); err != nil {
			return gatewayError(codeInvalid, "isv.invalid-timestamp", "非法的时间戳参数 %q（use yyyy-MM-dd HH:mm:ss）", ts)
		}
	}
	switch v := params.Get("version"); {
	case v == "":
		return gatewayError(codeMissing, "isv.missing-version", "缺少版本参数（send version=1.0）")
	case v != "1.0":
		return gatewayError(codeInvalid, "isv.invalid-version", "不支持的版本 %s（only version=1.0 is served）", v)
	}
	if cs := params.Get("charset"); cs != "" && !strings.EqualFold(cs, "utf-8") {
		return gatewayError(codeInvalid, "isv.invalid-charset", "字符集错误 %s（only charset=utf-8 is supported）", cs)
	}
	if f := params.Get("format"); f != "" && !strings.EqualFold(f, "JSON") {
		return gatewayError(codeInvalid, "isv.invalid-format", "无效的数据格式 %s（only format=JSON）", f)
	}
	if params.Get("encrypt_type") != "" {
		return gatewayError(codeInvalid, "isv.invalid-encrypt", "解密出错（this gateway does not support content encryption: call without encrypt_type）")
	}
	return nil
}

// str returns a string field of biz_content ("" when absent or null).
// JSON numbers are taken as their literal text, as Alipay accepts amounts
// written either way.
func (cl *call) str(name string) (string, error) {
	raw, ok := cl.biz[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", invalidParam(name, "%s must be a string", name)
}

// required returns a string field that must be present.
func (cl *call) required(name, hint string) (string, error) {
	s, err := cl.str(name)
	if err == nil && s == "" {
		err = missingParam(name, hint)
	}
	return s, err
}

// amount reads an amount field in yuan.
func (cl *call) amount(name string) (int64, error) {
	s, err := cl.required(name, fmt.Sprintf("send %s in yuan, e.g. \"19.99\"", name))
	if err != nil {
		return 0, err
	}
	fen, ok := parseYuan(s)
	if !ok {
		return 0, invalidParam(name, "%s must be an amount in yuan with at most two decimals within [0.01, 100000000]; got %q", name, s)
	}
	return fen, nil
}

// outNo reads an out_trade_no or out_request_no.
func (cl *call) outNo(name string, required bool) (string, error) {
	var s string
	var err error
	if required {
		s, err = cl.required(name, "the merchant's own number, up to 64 letters, digits, _ or -")
	} else {
		s, err = cl.str(name)
	}
	if err != nil || s == "" {
		return s, err
	}
	if !outNoPattern.MatchString(s) {
		return "", invalidParam(name, "%s must be 1 to 64 letters, digits, _ or -; got %q", name, s)
	}
	return s, nil
}

// text reads a customer-facing text field of at most max characters,
// refusing control characters and bidirectional overrides (DESIGN §12).
func (cl *call) text(name string, required bool, max int) (string, error) {
	var s string
	var err error
	if required {
		s, err = cl.required(name, "the order title the buyer sees")
	} else {
		s, err = cl.str(name)
	}
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalidParam(name, "%s is %d characters; at most %d", name, n, max)
	}
	if r, bad := gateway.UnsafeRune(s, false); bad {
		return "", invalidParam(name, "%s contains the control or bidirectional character %U", name, r)
	}
	return s, nil
}

// urlParam reads a common parameter that is an http(s) URL.
func urlParam(params url.Values, name string) (string, error) {
	s := params.Get(name)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2048 {
		return "", invalidParam(name, "%s must be an http or https URL of at most 2048 characters", name)
	}
	return s, nil
}
