// Package apicall is the call pipeline every protocol adapter shares (DESIGN
// §10): it reads the body, settles the call's scenario (the Mock-Scenario
// header and the fault rules), replays or guards an idempotency key, injects
// the API-level faults, and writes what the handler answered, reshaped by
// the faults that act after the business logic. Adapters give it their
// dialect — how an error, an injected fault and an answer look on their
// wire — and wire it into their router, so no handler can skip it.
//
// A handler answers through the *Call that Begin returns once its input is
// valid; before that it can only refuse its input (Refuse, never kept under
// an idempotency key) or report a lookup that failed (Fail).
package apicall

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// MaxBody is the largest request body a call reads.
const MaxBody = 1 << 20

// IdempotencyTTL is how long an idempotency key and its answer are kept.
const IdempotencyTTL = 24 * time.Hour

// Answer is what a call says: a status, a body and extra headers. Status
// and Body are what an idempotency key keeps; the dialect's Write adds what
// its wire needs (content type, signatures) each time it is sent.
type Answer struct {
	Status int
	Body   []byte
	Header http.Header
}

// Dialect is how an adapter's wire looks.
type Dialect interface {
	// Protocol names the adapter, as fault rules match it.
	Protocol() string
	// ErrorAnswer is the answer to err: a *gateway.Error with its code
	// (the adapter's table maps it), or any other error as an internal one.
	ErrorAnswer(c *gin.Context, err error) Answer
	// FaultAnswer is the answer an injected api_error (committed false) or
	// api_error_after_commit (committed true) gives with status.
	FaultAnswer(c *gin.Context, status int, name string, committed bool) Answer
	// Write sends an answer.
	Write(c *gin.Context, a Answer)
}

// Idempotency is an adapter's idempotency-key rule. Key returns the call's
// key ("" when it has none) or an error answer for a malformed one;
// Fingerprint identifies the request so a key reused for another request is
// refused.
type Idempotency struct {
	Key         func(c *gin.Context) (string, error)
	Fingerprint func(c *gin.Context, body []byte) string
	// InCommit, when set, names the operation (gateway.Op*) of a call
	// whose only change is the one commit its handler makes through
	// Call.IdemCommit (a create), and "" for any other call. Such a call,
	// when neither its Mock-Scenario nor a fault rule can inject anything
	// into it, does not mark its key in flight first: the commit checks the
	// key and keeps the answer in the same step, one round trip in all.
	InCommit func(c *gin.Context) (operation string)
}

// IdemStore keeps idempotency keys per merchant.
type IdemStore interface {
	IdemBegin(ctx context.Context, merchantID, key, fingerprint string, inFlight time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error)
	IdemExtend(ctx context.Context, merchantID, key, fingerprint string, ttl time.Duration) error
	IdemFinish(ctx context.Context, merchantID, key, fingerprint string, a gateway.IdemAnswer, ttl time.Duration) error
	IdemRelease(ctx context.Context, merchantID, key, fingerprint string) error
	// IdemPut keeps the answer of a call that did not mark its key in
	// flight, if the key is free (IdemNew); IdemPeek only looks.
	IdemPut(ctx context.Context, merchantID, key, fingerprint string, a gateway.IdemAnswer, ttl time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error)
	IdemPeek(ctx context.Context, merchantID, key, fingerprint string) (gateway.IdemState, *gateway.IdemAnswer, error)
}

// Scenarios settles a call's scenario: the core's CallScenario.
type Scenarios interface {
	CallScenario(ctx context.Context, header gateway.Scenario, f gateway.CallFacts, creates string) (gateway.Scenario, *gateway.FaultRule, error)
	// HeaderScenario settles it without fault rules; FaultsMayApply says
	// whether a rule may match a call of f's merchant, protocol and
	// operation.
	HeaderScenario(header gateway.Scenario, creates string) (gateway.Scenario, error)
	FaultsMayApply(ctx context.Context, f gateway.CallFacts) (bool, error)
}

// Options configure a Pipeline.
type Options struct {
	Dialect Dialect
	// Idempotency is nil for an adapter without idempotency keys (its
	// creates are idempotent by the merchant's own numbers).
	Idempotency *Idempotency
	Store       IdemStore
	Scenarios   Scenarios
	// FaultHold bounds how long api_timeout holds a call.
	FaultHold time.Duration
	// TimeScale scales api_latency.
	TimeScale float64
	// InFlightMargin is how long an idempotency key's in-flight marker
	// outlives the longest deliberate hold of its call (default 30s).
	InFlightMargin time.Duration
	Log            *slog.Logger
}

// Pipeline is the shared call middleware of one adapter.
type Pipeline struct {
	o Options
}

// New returns the pipeline of an adapter.
func New(o Options) *Pipeline {
	if o.FaultHold <= 0 {
		o.FaultHold = 30 * time.Second
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.InFlightMargin <= 0 {
		// A crashed call must not block its key for a day, and a live one
		// must keep it: the marker outlives FAULT_HOLD by this, and a call
		// held longer extends it (hold).
		o.InFlightMargin = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Pipeline{o: o}
}

// context keys
const (
	ctxCall     = "paysandbox.call"
	ctxMerchant = "paysandbox.merchant"
	ctxBody     = "paysandbox.body"
)

// call is the pipeline's state of one request.
type call struct {
	p        *Pipeline
	header   gateway.Scenario
	scenario gateway.Scenario
	begun    bool
	answer   *recorded
	// idempotency key state, when the call has a key
	key, fp string
	release func()
	// commit is the answer a create keeps in its own commit (IdemCommit).
	commit *gateway.IdemCommit
	// deferred: the key was not marked in flight; the create's commit
	// checks it (Idempotency.InCommit).
	deferred bool
}

type recorded struct {
	Answer
	// store is true once the call reached the business logic (DESIGN §3:
	// only such answers are kept for a replay).
	store bool
	// dropped is set when a fault closed the connection without an answer.
	dropped bool
	// taken is set when the answer is the key's (a replay, in flight,
	// reused): there is nothing to settle.
	taken bool
}

// Handler is the middleware: it runs the rest of the chain (the adapter's
// handler) inside the pipeline. The adapter's authentication runs before it
// and calls SetMerchant.
func (p *Pipeline) Handler() gin.HandlerFunc {
	return func(c *gin.Context) {
		cl := &call{p: p}
		c.Set(ctxCall, cl)
		c.Set(ctxProtocol, p.o.Dialect.Protocol())
		if !p.readBody(c) {
			return
		}
		sc, err := gateway.ParseScenario(c.GetHeader("Mock-Scenario"))
		if err != nil {
			p.writeNow(c, p.o.Dialect.ErrorAnswer(c, err))
			return
		}
		cl.header = sc
		if !p.beginIdempotency(c, cl) {
			return
		}
		defer func() {
			// A panicking handler must not leave its key in flight: free it
			// so a retry runs afresh, then let the recovery answer.
			if r := recover(); r != nil {
				if cl.release != nil {
					cl.release()
				}
				panic(r)
			}
		}()
		c.Next()
		p.finish(c, cl)
	}
}

// readBody reads the whole body up to MaxBody; a bigger one is refused.
func (p *Pipeline) readBody(c *gin.Context) bool {
	if c.Request.Body == nil {
		return true
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		p.writeNow(c, p.o.Dialect.ErrorAnswer(c, gateway.Errorf(gateway.BodyTooLarge, "", "The request body is larger than 1 MiB.")))
		return false
	} else if err != nil {
		p.writeNow(c, p.o.Dialect.ErrorAnswer(c, gateway.Errorf(gateway.InvalidJSON, "", "The request body could not be read: %v.", err)))
		return false
	}
	c.Set(ctxBody, body)
	return true
}

// writeNow answers and ends the call before its handler ran.
func (p *Pipeline) writeNow(c *gin.Context, a Answer) {
	p.o.Dialect.Write(c, a)
	c.Abort()
}

// finish settles the idempotency key with the handler's answer and writes
// it, reshaped by the faults that act after the business logic.
func (p *Pipeline) finish(c *gin.Context, cl *call) {
	a := cl.answer
	if a != nil && a.dropped {
		return // api_timeout or api_reset: the key was freed before the drop
	}
	if a == nil {
		p.o.Log.ErrorContext(c.Request.Context(), "handler recorded no answer", "request_id", RequestIDOf(c), "path", c.FullPath())
		a = &recorded{Answer: p.o.Dialect.ErrorAnswer(c, errNoAnswer)}
	}
	switch {
	case cl.key == "" || a.taken:
	case cl.commit != nil && cl.commit.Done && a.store:
		// Kept by the commit that created the object: nothing to settle.
	case cl.deferred:
		a = p.settleDeferred(c, cl, a)
	default:
		// The request's own context may be gone (client hung up); the key
		// must still be settled, or it blocks retries until it expires.
		bg := context.WithoutCancel(c.Request.Context())
		mid := MerchantOf(c).ID
		var err error
		if a.store {
			err = p.o.Store.IdemFinish(bg, mid, cl.key, cl.fp, gateway.IdemAnswer{Status: a.Status, Body: a.Body}, IdempotencyTTL)
		} else {
			err = p.o.Store.IdemRelease(bg, mid, cl.key, cl.fp)
		}
		if err != nil {
			p.o.Log.Error("idempotency key not settled", "request_id", RequestIDOf(c), "err", err)
		}
	}
	if cl.begun {
		sc := cl.scenario
		switch {
		case sc.APIErrorAfterCommit != 0:
			p.o.Dialect.Write(c, p.o.Dialect.FaultAnswer(c, sc.APIErrorAfterCommit, "api_error_after_commit", true))
			return
		case sc.APIMalformed:
			bad := a.Answer
			bad.Status = http.StatusOK
			bad.Body = bad.Body[:len(bad.Body)/2]
			p.o.Dialect.Write(c, bad)
			return
		}
	}
	p.o.Dialect.Write(c, a.Answer)
}

type noAnswer struct{}

func (noAnswer) Error() string { return "apicall: handler recorded no answer" }

var errNoAnswer error = noAnswer{}

func callOf(c *gin.Context) *call {
	v, ok := c.Get(ctxCall)
	if !ok {
		panic("apicall: handler runs outside the call pipeline")
	}
	return v.(*call)
}

// SetMerchant records the merchant an adapter's authentication found.
func SetMerchant(c *gin.Context, m *gateway.Merchant) { c.Set(ctxMerchant, m) }

// MerchantOf returns the call's authenticated merchant.
func MerchantOf(c *gin.Context) *gateway.Merchant {
	return c.MustGet(ctxMerchant).(*gateway.Merchant)
}

// Body is the request body the pipeline read (at most MaxBody bytes).
func Body(c *gin.Context) []byte {
	v, _ := c.Get(ctxBody)
	b, _ := v.([]byte)
	return b
}

// Refuse answers a call whose input is not valid. The answer is never kept
// under an idempotency key: nothing was looked at.
func Refuse(c *gin.Context, err error) {
	cl := callOf(c)
	cl.answer = &recorded{Answer: cl.p.o.Dialect.ErrorAnswer(c, err)}
}

// Fail answers a call with an error of the business logic met before the
// call could begin (its object does not exist). Like every answer of the
// business logic it is kept under an idempotency key, unless it is an
// internal error (the retry that follows should run afresh).
func Fail(c *gin.Context, err error) {
	cl := callOf(c)
	var taken *gateway.IdemTaken
	if errors.As(err, &taken) {
		// The create's commit found its key taken and changed nothing.
		cl.answer = &recorded{Answer: cl.p.keyAnswer(c, taken.State, taken.Answer), taken: true}
		return
	}
	a := cl.p.o.Dialect.ErrorAnswer(c, err)
	cl.answer = &recorded{Answer: a, store: a.Status < 500}
}
