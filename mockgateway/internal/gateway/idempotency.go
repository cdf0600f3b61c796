package gateway

import "time"

// IdemState is what an idempotency store found under an Idempotency-Key.
// The keys are kept by the store; the shared call middleware of every
// adapter decides with them (DESIGN §3, §10).
type IdemState int

// Outcomes of beginning a call under an Idempotency-Key.
const (
	IdemNew      IdemState = iota // key was free, now marked in flight
	IdemInFlight                  // another request with this key is running
	IdemDone                      // a stored answer exists (same fingerprint)
	IdemMismatch                  // key used with another fingerprint
)

// IdemAnswer is a stored answer replayed for an Idempotency-Key.
type IdemAnswer struct {
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}

// IdemCommit lets a create call keep its answer under its idempotency key
// in the commit that creates the object, instead of a round trip after it
// (the shared call pipeline hands it out; DESIGN §3 semantics unchanged).
// Answer builds the answer from the created object; when the commit applies
// it, Done is set and Status and Body are what was kept.
type IdemCommit struct {
	Key, Fingerprint string
	TTL              time.Duration
	Answer           func(p *Payment) (status int, body []byte, err error)
	// Check is set when the call did not look its key up before it began
	// (nothing it does before its commit could be undone or counted: no
	// API fault, no fault rule): the commit then checks the key first and,
	// when it is taken, changes nothing and fails with *IdemTaken.
	Check bool

	Done   bool
	Status int
	Body   []byte
}

// IdemTaken is the error of a commit that checked its call's key itself
// (IdemCommit.Check) and found it taken: in flight, kept for another
// request (IdemMismatch), or kept with this request's answer (IdemDone,
// Answer set). Nothing was changed.
type IdemTaken struct {
	State  IdemState
	Answer *IdemAnswer
}

func (e *IdemTaken) Error() string { return "gateway: idempotency key taken" }
