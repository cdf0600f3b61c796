package gateway

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
