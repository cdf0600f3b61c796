package wechat

import (
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// ctxSigner holds the key that signs the call's answer, set as soon as
// the call's merchant is known.
const ctxSigner = "wechat.signer"

// signer is a merchant's platform key and the serial that names it.
type signer struct {
	key    *rsa.PrivateKey
	serial string
}

// dialect is WeChat Pay's wire for the shared call pipeline: errors as
// {"code","message","detail"}, and every answer — 204s and errors
// included — signed with the merchant's platform key.
type dialect struct {
	now func() time.Time
	log *slog.Logger
}

func (dialect) Protocol() string { return gateway.ProtocolWechat }

func (d dialect) ErrorAnswer(c *gin.Context, err error) apicall.Answer {
	e := toAPIError(err)
	if e.Status >= http.StatusInternalServerError {
		// Answered as SYSTEM_ERROR without its text: logged once, here.
		d.log.ErrorContext(c.Request.Context(), "internal error", "request_id", apicall.RequestIDOf(c), "err", err)
	}
	return apicall.Answer{Status: e.Status, Body: e.body()}
}

func (dialect) FaultAnswer(_ *gin.Context, status int, name string, committed bool) apicall.Answer {
	e := &apiError{Status: status, Code: CodeSystemError, Message: "系统异常，请稍后重试"}
	if status == http.StatusTooManyRequests {
		e.Code, e.Message = CodeFrequencyLimited, "频率超限，请降低请求频率"
	}
	issue := fmt.Sprintf("Injected by scenario %s=%d; nothing was changed. Retry the request.", name, status)
	if committed {
		issue = fmt.Sprintf("Injected by scenario %s=%d after the request took effect. Retry it, or query the order: WeChat Pay calls are idempotent by out_trade_no and out_refund_no.", name, status)
	}
	e.Detail = &errorDetail{Issue: issue}
	return apicall.Answer{Status: status, Body: e.body()}
}

// Write sends an answer, signed over its exact bytes when the call's
// merchant is known (a request naming no known mchid cannot be answered
// with a key its sender holds).
func (d dialect) Write(c *gin.Context, a apicall.Answer) {
	h := c.Writer.Header()
	for k, vs := range a.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if v, ok := c.Get(ctxSigner); ok {
		s := v.(*signer)
		signed, err := signedHeaders(s.key, s.serial, d.now(), a.Body)
		if err != nil {
			d.log.Error("wechat: answer not signed", "request_id", apicall.RequestIDOf(c), "err", err)
		}
		for k, vs := range signed {
			h[k] = vs
		}
	}
	if a.Status == http.StatusNoContent {
		c.Status(http.StatusNoContent)
		c.Writer.WriteHeaderNow()
		return
	}
	c.Data(a.Status, "application/json; charset=utf-8", a.Body)
}
