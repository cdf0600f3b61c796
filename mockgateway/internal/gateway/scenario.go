package gateway

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

// Scenario levels (DESIGN §6).
const (
	LevelAPI     = "api"     // acts on the call that carries it
	LevelPayment = "payment" // stored on a created payment
	LevelObject  = "object"  // stored on a created payment or refund; shapes its notifications
	LevelRefund  = "refund"  // stored on a created refund
)

type scenarioSpec struct {
	level string
	kind  string // "status", "duration", "code", "count", "flag"
	def   string // value when the name is given alone ("" = none allowed for flags)
}

// scenarioSpecs is the grammar's vocabulary: every name, its level, the kind
// of value it takes and the value it has when given alone.
var scenarioSpecs = map[string]scenarioSpec{
	"api_error":              {LevelAPI, "status", "500"},
	"api_error_after_commit": {LevelAPI, "status", "500"},
	"api_latency":            {LevelAPI, "duration", "2s"},
	"api_timeout":            {LevelAPI, "flag", ""},
	"api_reset":              {LevelAPI, "flag", ""},
	"api_malformed":          {LevelAPI, "flag", ""},
	"auto_succeed":           {LevelPayment, "duration", "2s"},
	"auto_fail":              {LevelPayment, "code", "card_declined"},
	"notify_drop":            {LevelObject, "count", "all"},
	"notify_delay":           {LevelObject, "duration", "30s"},
	"notify_duplicate":       {LevelObject, "count", "1"},
	"notify_bad_signature":   {LevelObject, "flag", ""},
	"notify_stale_timestamp": {LevelObject, "flag", ""},
	"notify_tamper_amount":   {LevelObject, "flag", ""},
	"notify_out_of_order":    {LevelObject, "duration", "5s"},
	"refund_fail":            {LevelRefund, "code", "refund_rejected"},
	"refund_delay":           {LevelRefund, "duration", "1m"},
	"refund_stuck":           {LevelRefund, "flag", ""},
}

// ScenarioNames lists every scenario name, sorted.
var ScenarioNames = func() []string {
	names := make([]string, 0, len(scenarioSpecs))
	for n := range scenarioSpecs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// APIErrorStatuses are the statuses api_error and api_error_after_commit take.
var APIErrorStatuses = []int{500, 502, 503, 504, 429}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// ValidFailureCode reports whether code is what the gateway accepts as a
// failure code (DESIGN §3): 1 to 64 letters, digits or underscores.
func ValidFailureCode(code string) bool { return codePattern.MatchString(code) }

// maxScenarioDelay bounds every duration a scenario may ask for.
const maxScenarioDelay = 24 * time.Hour

// Scenario is a parsed failure-injection scenario (DESIGN §6). The zero
// value injects nothing.
type Scenario struct {
	// Items holds name → value (the default filled in) in the order given.
	items []scenarioItem

	APIError            int
	APIErrorAfterCommit int
	APILatency          time.Duration
	APITimeout          bool
	APIReset            bool
	APIMalformed        bool

	AutoSucceed    time.Duration
	HasAutoSucceed bool
	AutoFail       string

	// NotifyDrop is how many first attempts are dropped; -1 drops all.
	NotifyDrop           int
	NotifyDelay          time.Duration
	NotifyDuplicate      int
	NotifyBadSignature   bool
	NotifyStaleTimestamp bool
	NotifyTamperAmount   bool
	NotifyOutOfOrder     time.Duration
	HasNotifyOutOfOrder  bool

	RefundFail  string
	RefundDelay time.Duration
	RefundStuck bool
}

type scenarioItem struct{ name, value string }

func scenarioError(format string, args ...any) *Error {
	e := Errorf(ScenarioInvalid, "Mock-Scenario", "%s. Known scenarios: %s.",
		fmt.Sprintf(format, args...), strings.Join(ScenarioNames, ", "))
	// The sentence without the list of names, which a reader in another
	// language is given apart (Message is unchanged).
	e.Format, e.Args = format, args
	return e
}

// ParseScenario reads "name" or "name=value" items separated by commas. It
// returns a *Error with code ScenarioInvalid for unknown names, bad values,
// repeated names and contradictory pairs.
func ParseScenario(text string) (Scenario, error) {
	var sc Scenario
	text = strings.TrimSpace(text)
	if text == "" {
		return sc, nil
	}
	seen := map[string]bool{}
	for _, raw := range strings.Split(text, ",") {
		name, value, hasValue := strings.Cut(strings.TrimSpace(raw), "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		spec, ok := scenarioSpecs[name]
		if !ok {
			if name == "" {
				return Scenario{}, scenarioError("empty scenario item in %q", text)
			}
			return Scenario{}, scenarioError("unknown scenario %q", name)
		}
		if seen[name] {
			return Scenario{}, scenarioError("scenario %q given twice", name)
		}
		seen[name] = true
		if hasValue && spec.kind == "flag" {
			return Scenario{}, scenarioError("scenario %q takes no value", name)
		}
		if hasValue && value == "" {
			return Scenario{}, scenarioError("scenario %q has an empty value", name)
		}
		if !hasValue {
			value = spec.def
		}
		if err := sc.set(name, spec, value); err != nil {
			return Scenario{}, err
		}
		sc.items = append(sc.items, scenarioItem{name, value})
	}
	if err := sc.contradictions(seen); err != nil {
		return Scenario{}, err
	}
	return sc, nil
}

func (sc *Scenario) set(name string, spec scenarioSpec, value string) error {
	var (
		d    time.Duration
		n    int
		err  error
		code = value
	)
	switch spec.kind {
	case "status":
		n, err = strconv.Atoi(value)
		if err != nil || !slices.Contains(APIErrorStatuses, n) {
			return scenarioError("%s=%s: the status must be one of 500, 502, 503, 504, 429", name, value)
		}
	case "duration":
		d, err = envconfig.ParseDuration(value)
		if err != nil || d > maxScenarioDelay {
			return scenarioError("%s=%s: want a duration like 1500ms, 2s or 1m, at most 24h", name, value)
		}
	case "code":
		if !codePattern.MatchString(value) {
			return scenarioError("%s=%s: a failure code is 1 to 64 letters, digits or underscores", name, value)
		}
	case "count":
		if value == "all" && name == "notify_drop" {
			n = -1 // alone: every attempt
			break
		}
		n, err = strconv.Atoi(value)
		if err != nil || n < 1 || n > 100 {
			return scenarioError("%s=%s: want a whole number from 1 to 100", name, value)
		}
	}
	switch name {
	case "api_error":
		sc.APIError = n
	case "api_error_after_commit":
		sc.APIErrorAfterCommit = n
	case "api_latency":
		sc.APILatency = d
	case "api_timeout":
		sc.APITimeout = true
	case "api_reset":
		sc.APIReset = true
	case "api_malformed":
		sc.APIMalformed = true
	case "auto_succeed":
		sc.AutoSucceed, sc.HasAutoSucceed = d, true
	case "auto_fail":
		sc.AutoFail = code
	case "notify_drop":
		sc.NotifyDrop = n
	case "notify_delay":
		sc.NotifyDelay = d
	case "notify_duplicate":
		sc.NotifyDuplicate = n
	case "notify_bad_signature":
		sc.NotifyBadSignature = true
	case "notify_stale_timestamp":
		sc.NotifyStaleTimestamp = true
	case "notify_tamper_amount":
		sc.NotifyTamperAmount = true
	case "notify_out_of_order":
		sc.NotifyOutOfOrder, sc.HasNotifyOutOfOrder = d, true
	case "refund_fail":
		sc.RefundFail = code
	case "refund_delay":
		sc.RefundDelay = d
	case "refund_stuck":
		sc.RefundStuck = true
	}
	return nil
}

func (sc *Scenario) contradictions(seen map[string]bool) error {
	if seen["auto_succeed"] && seen["auto_fail"] {
		return scenarioError("auto_succeed and auto_fail contradict each other")
	}
	if seen["refund_fail"] && seen["refund_stuck"] {
		return scenarioError("refund_fail and refund_stuck contradict each other")
	}
	var api []string
	for _, it := range sc.items {
		if scenarioSpecs[it.name].level == LevelAPI {
			api = append(api, it.name)
		}
	}
	if len(api) > 1 {
		return scenarioError("only one api_* scenario may be given at a time, got %s", strings.Join(api, " and "))
	}
	return nil
}

// IsZero reports whether the scenario injects nothing.
func (sc Scenario) IsZero() bool { return len(sc.items) == 0 }

// String is the canonical text: items in the order given, each with its
// value ("notify_drop" alone is written "notify_drop").
func (sc Scenario) String() string { return sc.render(nil) }

func (sc Scenario) render(keep func(level string) bool) string {
	var parts []string
	for _, it := range sc.items {
		spec := scenarioSpecs[it.name]
		if keep != nil && !keep(spec.level) {
			continue
		}
		if spec.kind == "flag" || (it.name == "notify_drop" && it.value == "all") {
			parts = append(parts, it.name)
		} else {
			parts = append(parts, it.name+"="+it.value)
		}
	}
	return strings.Join(parts, ",")
}

// Has reports whether the scenario names name.
func (sc Scenario) Has(name string) bool {
	for _, it := range sc.items {
		if it.name == name {
			return true
		}
	}
	return false
}

// API returns only the API-level part.
func (sc Scenario) API() Scenario { return sc.only(func(l string) bool { return l == LevelAPI }) }

// Stored returns the object-level part: what is kept on a created object.
func (sc Scenario) Stored() Scenario { return sc.only(func(l string) bool { return l != LevelAPI }) }

// Notify returns the part that shapes notifications.
func (sc Scenario) Notify() Scenario { return sc.only(func(l string) bool { return l == LevelObject }) }

// Only returns the items whose level keep accepts.
func (sc Scenario) Only(keep func(level string) bool) Scenario { return sc.only(keep) }

func (sc Scenario) only(keep func(string) bool) Scenario {
	out, _ := ParseScenario(sc.render(keep))
	return out
}

// HasLevel reports whether any item is of the given level.
func (sc Scenario) HasLevel(level string) bool {
	for _, it := range sc.items {
		if scenarioSpecs[it.name].level == level {
			return true
		}
	}
	return false
}

// Merge combines a header scenario (sc) with a rule's: for a name both give,
// sc wins; contradictions between them are resolved in favour of sc too, by
// dropping the rule's conflicting items.
func (sc Scenario) Merge(rule Scenario) Scenario {
	if rule.IsZero() {
		return sc
	}
	if sc.IsZero() {
		return rule
	}
	text := sc.String()
	for _, it := range rule.items {
		if sc.Has(it.name) {
			continue
		}
		candidate := text + "," + Scenario{items: []scenarioItem{it}}.String()
		if _, err := ParseScenario(candidate); err == nil {
			text = candidate
		}
	}
	out, _ := ParseScenario(text)
	return out
}

// MarshalText writes the canonical text, so a stored object keeps its
// scenario as the text a person gave.
func (sc Scenario) MarshalText() ([]byte, error) { return []byte(sc.String()), nil }

// UnmarshalText parses a stored scenario once, when its record loads; a
// stored text that no longer parses is an error of the load, not ignored.
func (sc *Scenario) UnmarshalText(b []byte) error {
	parsed, err := ParseScenario(string(b))
	if err != nil {
		return err
	}
	*sc = parsed
	return nil
}
