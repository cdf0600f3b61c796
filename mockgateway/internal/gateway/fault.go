package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Operations a fault rule can match (DESIGN §7).
const (
	OpCreatePayment = "create_payment"
	OpGetPayment    = "get_payment"
	OpClosePayment  = "close_payment"
	OpCreateRefund  = "create_refund"
	OpGetRefund     = "get_refund"
	OpNotify        = "notify"
)

// FaultOperations lists the operations a rule may name.
var FaultOperations = []string{OpCreatePayment, OpGetPayment, OpClosePayment, OpCreateRefund, OpGetRefund, OpNotify}

// FaultMatch selects the calls (or notifications) a rule applies to; every
// field left empty matches anything.
type FaultMatch struct {
	MerchantID       string `json:"merchant_id,omitempty"`
	Protocol         string `json:"protocol,omitempty"`
	Operation        string `json:"operation,omitempty"`
	Method           string `json:"method,omitempty"`
	Amount           *int64 `json:"amount,omitempty"`
	OutTradeNoPrefix string `json:"out_trade_no_prefix,omitempty"`
}

// FaultRule injects a scenario into matching calls until it is deleted or
// its remaining count reaches zero.
type FaultRule struct {
	ID        string     `json:"id"`
	Object    string     `json:"object"`
	Match     FaultMatch `json:"match"`
	Scenario  Scenario   `json:"scenario"`
	Remaining *int64     `json:"remaining"`
	Hits      int64      `json:"hits"`
	CreatedAt time.Time  `json:"created_at"`
}

// CallFacts describe a call, or the object of a notification, for matching.
type CallFacts struct {
	MerchantID string
	// Protocol is the adapter the call came through (for a notification,
	// the protocol of its object).
	Protocol   string
	Operation  string
	Method     string
	Amount     int64
	OutTradeNo string
}

// Matches reports whether the rule applies to a call. A rule without an
// operation applies to every API call but never to notifications, which only
// rules naming operation "notify" reach. A rule naming a method, amount or
// prefix never matches a call that has none (a list).
func (m FaultMatch) Matches(f CallFacts) bool {
	switch {
	case m.MerchantID != "" && m.MerchantID != f.MerchantID:
		return false
	case m.Protocol != "" && m.Protocol != f.Protocol:
		return false
	case m.Operation == "" && f.Operation == OpNotify:
		return false
	case m.Operation != "" && m.Operation != f.Operation:
		return false
	case m.Method != "" && m.Method != f.Method:
		return false
	case m.Amount != nil && *m.Amount != f.Amount:
		return false
	case m.OutTradeNoPrefix != "" && (f.OutTradeNo == "" || !strings.HasPrefix(f.OutTradeNo, m.OutTradeNoPrefix)):
		return false
	}
	return true
}

// FaultStore keeps fault rules. Take must be atomic across processes: it
// counts a hit and, for a limited rule, uses one of its remaining
// applications, or reports false when none is left. The version changes
// whenever a rule is created, deleted or used up.
type FaultStore interface {
	CreateFaultRule(ctx context.Context, r *FaultRule) error
	// FaultRules lists the rules oldest first and the version they were
	// read at.
	FaultRules(ctx context.Context) ([]*FaultRule, int64, error)
	FaultRulesVersion(ctx context.Context) (int64, error)
	DeleteFaultRule(ctx context.Context, id string) error
	TakeFaultRule(ctx context.Context, id string) (bool, error)
}

// faultCache keeps the fault rules in memory until their version changes:
// a call reads one small key instead of every rule. Remaining counts in it
// go stale; that is harmless, because taking a rule is decided in the store.
type faultCache struct {
	mu    sync.Mutex
	ver   int64
	rules []*FaultRule
	ok    bool
}

// rules returns the current rules, reading them again only when their
// version changed.
func (s *Service) faultRules(ctx context.Context) ([]*FaultRule, error) {
	// While the change feed is live the rules live in memory: no read.
	if rules, ok := s.cache.cachedFaults(); ok {
		return rules, nil
	}
	if s.cache.live.Load() {
		gen := s.cache.gen.Load()
		rules, _, err := s.store.FaultRules(ctx)
		if err != nil {
			return nil, err
		}
		s.cache.rememberFaults(gen, rules)
		return rules, nil
	}
	ver, err := s.store.FaultRulesVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &s.faults
	c.mu.Lock()
	if c.ok && c.ver == ver {
		rules := c.rules
		c.mu.Unlock()
		return rules, nil
	}
	c.mu.Unlock()
	rules, ver, err := s.store.FaultRules(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.rules, c.ver, c.ok = rules, ver, true
	c.mu.Unlock()
	return rules, nil
}

// CreateFaultRule validates and stores a rule. remaining nil means until
// deleted.
func (s *Service) CreateFaultRule(ctx context.Context, match FaultMatch, scenario string, remaining *int64) (*FaultRule, error) {
	sc, err := ParseScenario(scenario)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Param = "scenario"
		}
		return nil, err
	}
	if sc.IsZero() {
		return nil, Errorf(ParameterMissing, "scenario", "scenario is required, e.g. api_error=503.")
	}
	if match.Operation == OpNotify && sc.Notify().String() != sc.String() {
		return nil, Errorf(ScenarioInvalid, "scenario", "A rule for operation notify takes only notify_* scenarios, got %q.", sc.String())
	}
	if match.MerchantID != "" {
		if _, err := s.store.Merchant(ctx, match.MerchantID); err != nil {
			if ErrorCode(err) == ResourceMissing {
				return nil, Errorf(ParameterInvalid, "match.merchant_id", "No merchant %q exists.", match.MerchantID)
			}
			return nil, err
		}
	}
	now := s.now()
	r := &FaultRule{ID: NewID("fr", now), Object: "fault_rule", Match: match, Scenario: sc, Remaining: remaining, CreatedAt: now}
	if err := s.store.CreateFaultRule(ctx, r); err != nil {
		return nil, err
	}
	s.changed()
	return r, nil
}

// FaultRules lists every rule, oldest first (the order in which they
// apply), with its current counters.
func (s *Service) FaultRules(ctx context.Context) ([]*FaultRule, error) {
	rules, _, err := s.store.FaultRules(ctx)
	return rules, err
}

// DeleteFaultRule removes a rule.
func (s *Service) DeleteFaultRule(ctx context.Context, id string) error {
	defer s.changed()
	return s.store.DeleteFaultRule(ctx, id)
}

// TakeFault finds the oldest rule matching a call that still has
// applications left, takes one (counting a hit) and returns its scenario.
// It returns the zero Scenario when no rule applies.
func (s *Service) TakeFault(ctx context.Context, f CallFacts) (Scenario, *FaultRule, error) {
	rules, err := s.faultRules(ctx)
	if err != nil {
		return Scenario{}, nil, err
	}
	for _, r := range rules {
		if !r.Match.Matches(f) || (r.Remaining != nil && *r.Remaining <= 0) {
			continue
		}
		ok, err := s.store.TakeFaultRule(ctx, r.ID)
		if err != nil {
			return Scenario{}, nil, err
		}
		if !ok {
			continue // used up by another call or process in between
		}
		return r.Scenario, r, nil
	}
	return Scenario{}, nil, nil
}

// CallScenario settles the scenario of an API call: the header's (sc) —
// refused with scenario_invalid when its object-level names cannot act on
// the call — merged with the oldest matching fault rule, which is taken
// (counted) here. creates is "payment" or "refund" for calls that create
// one, "" otherwise. A rule's names that cannot act on the call are left out
// rather than refused: a rule is written for many calls.
func (s *Service) CallScenario(ctx context.Context, header Scenario, f CallFacts, creates string) (Scenario, *FaultRule, error) {
	if _, err := s.HeaderScenario(header, creates); err != nil {
		return header, nil, err
	}
	ruleSc, rule, err := s.TakeFault(ctx, f)
	if err != nil {
		return header, nil, err
	}
	return header.Merge(fitting(ruleSc, creates)), rule, nil
}

// HeaderScenario settles the scenario of a call that consults no fault
// rule (FaultsMayApply said none could apply when it started): the
// header's, refused as CallScenario refuses it.
func (s *Service) HeaderScenario(header Scenario, creates string) (Scenario, error) {
	if msg := levelMismatch(header, creates); msg != "" {
		return header, Errorf(ScenarioInvalid, "Mock-Scenario", "%s", msg)
	}
	return header, nil
}

// FaultsMayApply reports whether a fault rule with applications left may
// match a call of f's merchant, protocol and operation, whatever its body
// says (method, amount and out_trade_no are taken to match). From memory
// while the change feed is live.
func (s *Service) FaultsMayApply(ctx context.Context, f CallFacts) (bool, error) {
	rules, err := s.faultRules(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range rules {
		m := r.Match
		m.Method, m.Amount, m.OutTradeNoPrefix = "", nil, ""
		if m.Matches(f) && (r.Remaining == nil || *r.Remaining > 0) {
			return true, nil
		}
	}
	return false, nil
}

// levelMismatch explains why a header scenario does not fit a call, or
// returns "".
func levelMismatch(sc Scenario, creates string) string {
	switch {
	case creates == "" && !sc.Stored().IsZero():
		return fmt.Sprintf("%q acts on a created object, and this call creates none; send it when creating the payment or refund. Only api_* scenarios apply here.", sc.Stored().String())
	case creates == "payment" && sc.HasLevel(LevelRefund):
		return "refund_* scenarios are given when creating the refund, not the payment."
	case creates == "refund" && sc.HasLevel(LevelPayment):
		return "auto_succeed and auto_fail are given when creating the payment, not a refund."
	}
	return ""
}

// fitting keeps the names of a scenario that can act on a call.
func fitting(sc Scenario, creates string) Scenario {
	return sc.Only(func(level string) bool {
		switch level {
		case LevelAPI:
			return true
		case LevelObject:
			return creates != ""
		case LevelPayment:
			return creates == "payment"
		case LevelRefund:
			return creates == "refund"
		}
		return false
	})
}
