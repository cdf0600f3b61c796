package apicall

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Facts describe a call for fault rules: what it does and to what.
type Facts struct {
	// Operation is one of gateway's Op* names, or the adapter's own name
	// for a call no rule operation covers (a list).
	Operation  string
	Method     string
	Amount     int64
	OutTradeNo string
	// Creates is "payment" or "refund" for calls that create one, the only
	// calls on which object-level scenario names are allowed.
	Creates string
}

// Call is a call that has begun: its scenario is settled and its answer
// will be kept under its idempotency key.
type Call struct {
	c  *gin.Context
	cl *call
	// Scenario is the call's settled scenario; its object-level part is for
	// the object the call creates (Scenario.Stored).
	Scenario gateway.Scenario
}

// Begin is called by a handler once its input is valid and before it
// touches anything. It settles the call's scenario — the Mock-Scenario
// header merged with the oldest matching fault rule, the header winning —
// refuses object-level names in the header of a call that creates nothing,
// and injects the API-level faults that act before the business logic
// (latency, error, timeout, reset). ok is false when the call has been
// answered (or dropped) already.
func Begin(c *gin.Context, f Facts) (cl *Call, ok bool) {
	st := callOf(c)
	p := st.p
	var (
		sc   gateway.Scenario
		rule *gateway.FaultRule
		err  error
	)
	if st.deferred {
		// No rule could match when the call started; one created since
		// finds the calls after this one.
		sc, err = p.o.Scenarios.HeaderScenario(st.header, f.Creates)
	} else {
		sc, rule, err = p.o.Scenarios.CallScenario(c.Request.Context(), st.header, gateway.CallFacts{
			MerchantID: MerchantOf(c).ID, Protocol: p.o.Dialect.Protocol(), Operation: f.Operation,
			Method: f.Method, Amount: f.Amount, OutTradeNo: f.OutTradeNo,
		}, f.Creates)
	}
	if gateway.ErrorCode(err) == gateway.ScenarioInvalid {
		Refuse(c, err)
		return nil, false
	} else if err != nil {
		Fail(c, err)
		return nil, false
	}
	st.scenario, st.begun = sc, true
	if api := sc.API(); !api.IsZero() {
		c.Header("Mock-Scenario-Applied", api.String())
		attrs := []any{"request_id", RequestIDOf(c), "scenario", api.String()}
		if rule != nil {
			attrs = append(attrs, "fault_rule", rule.ID)
		}
		p.o.Log.Info("injecting fault", attrs...)
	}
	if !p.injectBefore(c, st, sc) {
		return nil, false
	}
	return &Call{c: c, cl: st, Scenario: sc}, true
}

// Reply records the call's answer.
func (cl *Call) Reply(a Answer) {
	cl.cl.answer = &recorded{Answer: a, store: true}
}

// IdemCommit hands a create call's idempotency key to the core, so the
// commit that creates the object keeps the call's answer too (one round
// trip less). answer builds the answer from the created object; once the
// commit applied it (Done), the handler replies with exactly the kept
// Status and Body. It returns nil when the call has no key.
func (cl *Call) IdemCommit(answer func(p *gateway.Payment) (status int, body []byte, err error)) *gateway.IdemCommit {
	if cl.cl.key == "" {
		return nil
	}
	cl.cl.commit = &gateway.IdemCommit{Key: cl.cl.key, Fingerprint: cl.cl.fp, TTL: IdempotencyTTL, Answer: answer, Check: cl.cl.deferred}
	return cl.cl.commit
}

// Error records the answer to an error of the business logic; internal
// errors are not kept under the idempotency key.
func (cl *Call) Error(err error) { Fail(cl.c, err) }

// injectBefore applies the API-level faults that act before the business
// logic. It returns false when it answered (or dropped) the call.
func (p *Pipeline) injectBefore(c *gin.Context, st *call, sc gateway.Scenario) bool {
	ctx := c.Request.Context()
	switch {
	case sc.APILatency > 0:
		wait := gateway.Scale(sc.APILatency, p.o.TimeScale)
		p.hold(c, st, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	case sc.APIError != 0:
		// Not kept under an idempotency key: nothing happened.
		st.answer = &recorded{Answer: p.o.Dialect.FaultAnswer(c, sc.APIError, "api_error", false)}
		return false
	case sc.APITimeout:
		p.hold(c, st, p.o.FaultHold)
		select {
		case <-time.After(p.o.FaultHold):
		case <-ctx.Done():
		}
		p.drop(c, st, false)
		return false
	case sc.APIReset:
		p.drop(c, st, true)
		return false
	}
	return true
}

// hold prepares a call for a deliberate wait of d: the connection's
// deadlines (the server's read and write timeouts) and the call's
// idempotency marker are extended past it, so the wait, not a timeout,
// decides what happens.
func (p *Pipeline) hold(c *gin.Context, st *call, d time.Duration) {
	until := time.Now().Add(d + p.o.InFlightMargin)
	rc := http.NewResponseController(c.Writer)
	// Errors mean the connection has no deadlines to move (HTTP/2 streams,
	// test recorders); nothing then cuts the wait short either.
	_ = rc.SetReadDeadline(until)
	_ = rc.SetWriteDeadline(until)
	if st.key != "" {
		if err := p.o.Store.IdemExtend(c.Request.Context(), MerchantOf(c).ID, st.key, st.fp, d+p.o.InFlightMargin); err != nil {
			p.o.Log.Warn("idempotency key not extended", "request_id", RequestIDOf(c), "err", err)
		}
	}
}

// drop closes the call's connection without an answer; with reset it sends
// a TCP RST instead of an orderly close.
func (p *Pipeline) drop(c *gin.Context, st *call, reset bool) {
	st.answer = &recorded{dropped: true}
	// Free the idempotency key first: once the connection is gone the
	// client retries at once, and must find the key free, not in flight.
	if st.release != nil {
		st.release()
	}
	conn, _, err := c.Writer.Hijack()
	if err != nil {
		// Cannot take the connection over (HTTP/2): abort the stream.
		p.o.Log.Warn("fault: cannot hijack connection", "request_id", RequestIDOf(c), "err", err)
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// beginIdempotency replays or guards the call's idempotency key. It
// returns false when the call has been answered.
func (p *Pipeline) beginIdempotency(c *gin.Context, st *call) bool {
	rule := p.o.Idempotency
	if rule == nil || c.Request.Method != http.MethodPost {
		return true
	}
	key, err := rule.Key(c)
	if err != nil {
		p.writeNow(c, p.o.Dialect.ErrorAnswer(c, err))
		return false
	}
	if key == "" {
		return true
	}
	ctx := c.Request.Context()
	mid := MerchantOf(c).ID
	fp := rule.Fingerprint(c, Body(c))
	if p.mayDefer(c, st) {
		st.key, st.fp, st.deferred = key, fp, true
		return true
	}
	state, stored, err := p.o.Store.IdemBegin(ctx, mid, key, fp, p.o.FaultHold+p.o.InFlightMargin)
	if err != nil {
		p.writeNow(c, p.o.Dialect.ErrorAnswer(c, err))
		return false
	}
	if state != gateway.IdemNew {
		p.writeNow(c, p.keyAnswer(c, state, stored))
		return false
	}
	st.key, st.fp = key, fp
	st.release = func() {
		st.release = nil
		if err := p.o.Store.IdemRelease(context.WithoutCancel(ctx), mid, key, fp); err != nil {
			p.o.Log.Error("idempotency key not released", "request_id", RequestIDOf(c), "err", err)
		}
	}
	return true
}

// keyAnswer is the answer to a call whose key is taken: the stored answer
// again (a replay), or the error that says whose the key is.
func (p *Pipeline) keyAnswer(c *gin.Context, state gateway.IdemState, stored *gateway.IdemAnswer) Answer {
	switch state {
	case gateway.IdemDone:
		c.Header("Idempotent-Replayed", "true")
		return Answer{Status: stored.Status, Body: stored.Body}
	case gateway.IdemInFlight:
		return p.o.Dialect.ErrorAnswer(c, gateway.Errorf(gateway.IdempotencyKeyInUse, "Idempotency-Key",
			"A request with this Idempotency-Key is still being processed; retry after it has finished."))
	default:
		return p.o.Dialect.ErrorAnswer(c, gateway.Errorf(gateway.IdempotencyKeyReused, "Idempotency-Key",
			"This Idempotency-Key was used with a different request; use a new key for a new request."))
	}
}

// mayDefer reports whether a call may leave its key to its create's commit
// (Idempotency.InCommit): nothing it does before that commit may need
// undoing or be counted for a replay — no API fault in its Mock-Scenario,
// and no fault rule that could match it.
func (p *Pipeline) mayDefer(c *gin.Context, st *call) bool {
	if p.o.Idempotency.InCommit == nil || !st.header.API().IsZero() {
		return false
	}
	op := p.o.Idempotency.InCommit(c)
	if op == "" {
		return false
	}
	may, err := p.o.Scenarios.FaultsMayApply(c.Request.Context(), gateway.CallFacts{
		MerchantID: MerchantOf(c).ID, Protocol: p.o.Dialect.Protocol(), Operation: op,
	})
	return err == nil && !may
}

// settleDeferred settles the key of a deferred call whose answer its
// commit did not keep: a business answer is kept if the key is still free;
// a refusal is checked against the key, as if the key had been looked up
// first. When the key is taken, its answer replaces the call's.
func (p *Pipeline) settleDeferred(c *gin.Context, cl *call, a *recorded) *recorded {
	bg := context.WithoutCancel(c.Request.Context())
	mid := MerchantOf(c).ID
	var (
		state  gateway.IdemState
		stored *gateway.IdemAnswer
		err    error
	)
	switch {
	case a.store:
		state, stored, err = p.o.Store.IdemPut(bg, mid, cl.key, cl.fp, gateway.IdemAnswer{Status: a.Status, Body: a.Body}, IdempotencyTTL)
	case a.Status < http.StatusInternalServerError:
		state, stored, err = p.o.Store.IdemPeek(bg, mid, cl.key, cl.fp)
	default:
		return a // an internal error: nothing is kept, a retry runs afresh
	}
	if err != nil {
		p.o.Log.Error("idempotency key not settled", "request_id", RequestIDOf(c), "err", err)
		return a
	}
	if state == gateway.IdemNew {
		return a
	}
	return &recorded{Answer: p.keyAnswer(c, state, stored), taken: true}
}
