package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// IdempotencyTTL is how long an Idempotency-Key and its answer are kept.
const IdempotencyTTL = 24 * time.Hour

const (
	ctxScenario    = "paysandbox.scenario"
	ctxIdemRelease = "paysandbox.idem_release"
)

// pipeline runs every authenticated /v1 call: it validates Mock-Scenario,
// replays or guards an Idempotency-Key, runs the handler, then stores the
// handler's answer (or frees the key) and writes it.
func (s *Server) pipeline(c *gin.Context) {
	sc, err := gateway.ParseScenario(c.GetHeader("Mock-Scenario"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxScenario, sc)

	ctx := c.Request.Context()
	m := merchant(c)
	key := c.GetHeader("Idempotency-Key")
	var fp string
	if key != "" && c.Request.Method == http.MethodPost {
		if !validIdempotencyKey(key) {
			writeError(c, gateway.Errorf(gateway.ParameterInvalid, "Idempotency-Key", "Idempotency-Key must be 1 to 255 visible ASCII characters."))
			return
		}
		fp = fingerprint(c.Request.Method, c.Request.URL.Path, requestBody(c))
		state, stored, err := s.svc.Store().IdemBegin(ctx, m.ID, key, fp, s.cfg.FaultHold+30*time.Second)
		if err != nil {
			writeError(c, err)
			return
		}
		switch state {
		case gateway.IdemDone:
			c.Header("Idempotent-Replayed", "true")
			c.Data(stored.Status, "application/json", stored.Body)
			c.Abort()
			return
		case gateway.IdemInFlight:
			writeError(c, gateway.Errorf(gateway.IdempotencyKeyInUse, "Idempotency-Key", "A request with this Idempotency-Key is still being processed; retry after it has finished."))
			return
		case gateway.IdemMismatch:
			writeError(c, gateway.Errorf(gateway.IdempotencyKeyReused, "Idempotency-Key", "This Idempotency-Key was used with a different request; use a new key for a new request."))
			return
		}
		// A fault that drops the connection frees the key before the client
		// can retry (see drop); afterwards there is nothing left to settle.
		c.Set(ctxIdemRelease, func() {
			if err := s.svc.Store().IdemRelease(context.WithoutCancel(ctx), m.ID, key, fp); err != nil {
				s.log.Error("idempotency key not released", "request_id", c.GetString(ctxRequestID), "err", err)
			}
		})
	}

	c.Next()

	a := answerOf(c)
	if a != nil && a.dropped {
		return // api_timeout or api_reset: drop already freed the key
	}
	if a == nil {
		a = &answer{}
		a.status, a.body = errorBody(c, errNoAnswer)
	}
	if fp != "" {
		// The request's own context may be gone (client hung up); the key
		// must still be settled, or it blocks retries until it expires.
		bg := context.WithoutCancel(ctx)
		if a.store {
			err = s.svc.Store().IdemFinish(bg, m.ID, key, fp, gateway.IdemAnswer{Status: a.status, Body: a.body}, IdempotencyTTL)
		} else {
			err = s.svc.Store().IdemRelease(bg, m.ID, key, fp)
		}
		if err != nil {
			s.log.Error("idempotency key not settled", "request_id", c.GetString(ctxRequestID), "err", err)
		}
	}
	s.writeAnswer(c, a)
}

// writeAnswer sends a handler's answer, reshaped by the faults that act
// after the business logic: api_error_after_commit answers an error for a
// call that took effect, api_malformed cuts the JSON short. The stored
// answer (what a retry with the Idempotency-Key gets) is the real one.
func (s *Server) writeAnswer(c *gin.Context, a *answer) {
	if c.GetBool(ctxBegun) {
		sc := scenario(c)
		switch {
		case sc.APIErrorAfterCommit != 0:
			status, body := faultBody(sc.APIErrorAfterCommit, "api_error_after_commit", true)
			if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
				c.Header("Retry-After", "1")
			}
			c.Data(status, "application/json", body)
			return
		case sc.APIMalformed:
			c.Data(http.StatusOK, "application/json", a.body[:len(a.body)/2])
			return
		}
	}
	c.Data(a.status, "application/json", a.body)
}

type noAnswer struct{}

func (noAnswer) Error() string { return "httpapi: handler recorded no answer" }

var errNoAnswer error = noAnswer{}

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

// fingerprint identifies a request for idempotency: method, path and the
// body as canonical JSON (keys sorted, insignificant space dropped), so the
// same parameters written differently are the same request.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(canonicalJSON(body))
	return hex.EncodeToString(h.Sum(nil))
}

func canonicalJSON(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return []byte("{}")
	}
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

// scenario returns the call's validated Mock-Scenario.
func scenario(c *gin.Context) gateway.Scenario {
	v, _ := c.Get(ctxScenario)
	sc, _ := v.(gateway.Scenario)
	return sc
}

// Facts describe a call for fault rules: what it does and to what.
type Facts struct {
	Operation  string
	Method     string
	Amount     int64
	OutTradeNo string
	// Creates is "payment" or "refund" for calls that create one, the only
	// calls on which object-level scenario names are allowed.
	Creates string
}

const ctxBegun = "paysandbox.begun"

// begin is called by a handler once its input is valid and before it
// touches anything. It settles the call's scenario — the Mock-Scenario
// header merged with the oldest matching fault rule, the header winning —
// refuses object-level names in the header of a call that creates nothing,
// and injects the API-level faults that act before the business logic
// (latency, error, timeout, reset). It returns false when the call has been
// answered (or dropped) already.
func (s *Server) begin(c *gin.Context, f Facts) (gateway.Scenario, bool) {
	sc, rule, err := s.svc.CallScenario(c.Request.Context(), scenario(c), gateway.CallFacts{
		MerchantID: merchant(c).ID, Operation: f.Operation, Method: f.Method, Amount: f.Amount, OutTradeNo: f.OutTradeNo,
	}, f.Creates)
	if gateway.ErrorCode(err) == gateway.ScenarioInvalid {
		replyInvalid(c, err)
		return sc, false
	} else if err != nil {
		replyError(c, err)
		return sc, false
	}
	c.Set(ctxScenario, sc)
	c.Set(ctxBegun, true)
	if api := sc.API(); !api.IsZero() {
		c.Header("Mock-Scenario-Applied", api.String())
		attrs := []any{"request_id", c.GetString(ctxRequestID), "scenario", api.String()}
		if rule != nil {
			attrs = append(attrs, "fault_rule", rule.ID)
		}
		s.log.Info("injecting fault", attrs...)
	}
	return sc, s.injectBefore(c, sc)
}
