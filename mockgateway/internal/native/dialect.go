package native

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// dialect is the native wire for the shared call pipeline.
type dialect struct{}

func (dialect) Protocol() string { return gateway.ProtocolNative }

func (dialect) ErrorAnswer(c *gin.Context, err error) apicall.Answer {
	status, body := jsonapi.ErrorBody(c, err)
	return apicall.Answer{Status: status, Body: body}
}

func (dialect) FaultAnswer(_ *gin.Context, status int, name string, committed bool) apicall.Answer {
	typ := "api_error"
	if status == http.StatusTooManyRequests {
		typ = "rate_limit_error"
	}
	msg := fmt.Sprintf("Injected by scenario %s=%d; nothing was changed. Retry the request.", name, status)
	if committed {
		msg = fmt.Sprintf("Injected by scenario %s=%d after the request took effect. Retry with the same Idempotency-Key to get the real result.", name, status)
	}
	body, _ := json.Marshal(gatewayapi.ErrorBody{Error: gatewayapi.ErrorDetail{Type: typ, Code: gateway.InjectedFault, Message: msg}})
	a := apicall.Answer{Status: status, Body: body}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		a.Header = http.Header{"Retry-After": {"1"}}
	}
	return a
}

func (dialect) Write(c *gin.Context, a apicall.Answer) {
	for k, vs := range a.Header {
		for _, v := range vs {
			c.Writer.Header().Add(k, v)
		}
	}
	c.Data(a.Status, "application/json", a.Body)
}

// reply records a successful JSON answer of a call.
func reply(cl *apicall.Call, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		cl.Error(err)
		return
	}
	cl.Reply(apicall.Answer{Status: status, Body: body})
}

// replyCreated answers a create call: 201 with a new object, 200 with the
// existing one its merchant number named.
func replyCreated(cl *apicall.Call, created bool, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	reply(cl, status, v)
}

// idempotency is the native rule (DESIGN §3): the Idempotency-Key header,
// fingerprinted by method, path and the body as canonical JSON (keys
// sorted, insignificant space dropped), so the same parameters written
// differently are the same request.
var idempotency = &apicall.Idempotency{
	Key: func(c *gin.Context) (string, error) {
		key := c.GetHeader("Idempotency-Key")
		if key != "" && !validIdempotencyKey(key) {
			return "", gateway.Errorf(gateway.ParameterInvalid, "Idempotency-Key", "Idempotency-Key must be 1 to 255 visible ASCII characters.")
		}
		return key, nil
	},
	Fingerprint: func(c *gin.Context, body []byte) string {
		return Fingerprint(c.Request.Method, c.Request.URL.Path, body)
	},
	// A create changes nothing but its commit (handlePaymentCreate).
	InCommit: func(c *gin.Context) string {
		if c.FullPath() == "/v1/payments" {
			return gateway.OpCreatePayment
		}
		return ""
	},
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies a native request for its Idempotency-Key: method,
// path and the body as canonical JSON.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(canonicalJSON(body))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON is the body as the fingerprint hashes it: what
// encoding/json writes back after decoding it into an interface (keys
// sorted, duplicates resolved to the last, whitespace gone, strings
// escaped its way, numbers as written). Bodies it cannot decode are hashed
// as they are, trimmed. A request's body is read in the hot path of every
// keyed call, so the common case — plain JSON — is rewritten in one pass
// (canon); anything that pass is unsure of goes the long way.
func canonicalJSON(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return []byte("{}")
	}
	if out, ok := canonFast(trimmed); ok {
		return out
	}
	return decodedCanonicalJSON(trimmed)
}

// decodedCanonicalJSON is canonicalJSON the long way: decode, encode.
func decodedCanonicalJSON(trimmed []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return trimmed
	}
	out, err := json.Marshal(v)
	if err != nil {
		return trimmed
	}
	return out
}
