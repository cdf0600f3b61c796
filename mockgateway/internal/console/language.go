package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// The console speaks the reader's language (docs/i18n.md): every sentence
// is a key of shared/i18n/locales/console.*.toml. What the console shows as
// it is — ids, codes, scenario names, amounts, HTTP as it was sent, JSON,
// SDK code — stays the same in every language.

// spoken are the template functions that say something, bound to a
// language when the pages are parsed.
func spoken(loc *i18n.Localizer) template.FuncMap {
	return template.FuncMap{
		"rel":    func(t time.Time) string { return relative(loc, t, time.Now()) },
		"label":  func(s string) string { return loc.Msg(labelOf(s)) },
		"status": func(s string) string { return loc.Msg(statusOf(s)) },
		// option is a filter's option as the reader reads it: a status in
		// words, anything else (ids, codes) as it is.
		"option": func(filterName, v string) string {
			switch filterName {
			case "status", "delivery":
				return loc.Msg(statusOf(v))
			}
			return v
		},
		"attemptError": func(s string) string { return loc.Msg(attemptError(s)) },
		"failure":      failureOf,
		"languages":    languages,
	}
}

// language is one entry of the language switcher.
type language struct{ Tag, Name string }

// languages lists every language by its own name, for the switcher.
func languages() []language {
	out := make([]language, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		out = append(out, language{Tag: l, Name: i18n.Default.Localizer(l).T("language.name")})
	}
	return out
}

// known returns the message of key when the catalogue has it, else the
// text as it is (a status or code the console does not know yet).
func known(key, text string) i18n.Message {
	if i18n.Default.Has(i18n.English, key) {
		return i18n.M(key)
	}
	return i18n.Raw(text)
}

// statusOf is a payment's, refund's or delivery's status in words
// (pending, succeeded, closed, failed, delivered).
func statusOf(s string) i18n.Message { return known("console.status."+s, s) }

// labelOf is a protocol's or method's name as people write it: the
// protocols' from the console's catalogue, the methods' the shop's and
// cashier's (method.*).
func labelOf(s string) i18n.Message {
	if key := "console.protocol." + s; i18n.Default.Has(i18n.English, key) {
		return i18n.M(key)
	}
	if key := "method." + s; i18n.Default.Has(i18n.English, key) {
		return i18n.M(key)
	}
	return i18n.Raw(strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):])
}

// relative says how far t is from now: "4s ago", "in 2m".
func relative(loc *i18n.Localizer, t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Second:
		return loc.T("console.rel.now")
	case d < time.Minute:
		n, unit = int(d.Seconds()), "s"
	case d < time.Hour:
		n, unit = int(d.Minutes()), "m"
	case d < 48*time.Hour:
		n, unit = int(d.Hours()), "h"
	default:
		n, unit = int(d.Hours()/24), "d"
	}
	span := loc.T("console.rel.unit."+unit, "Count", n)
	if future {
		return loc.T("console.rel.in", "Span", span)
	}
	return loc.T("console.rel.ago", "Span", span)
}

// attemptError is why a delivery attempt was not acknowledged. The
// dispatcher's own sentences are said in the reader's language; a network
// error is the Go error as it happened.
func attemptError(s string) i18n.Message {
	switch {
	case s == gateway.DroppedError:
		return i18n.M("console.attempt.dropped")
	case strings.HasPrefix(s, "no notify_url"):
		return i18n.M("console.attempt.no_url")
	case strings.HasPrefix(s, "no answer within "):
		return i18n.M("console.attempt.timeout", "Detail", strings.TrimPrefix(s, "no answer within "))
	}
	return i18n.Raw(s)
}

// sentence is a sentence of the core the console can say in the reader's
// language: its key, and the names of the format's arguments in order.
type sentence struct {
	key   string
	names []string
}

// coreSentences are the core's refusals a console action can meet, by the
// format that made them (gateway.Error.Format). An argument named State is
// a status, Kind a kind of object; Known gets the scenario names.
var coreSentences = map[string]sentence{
	"Payment %s is %s, not pending.":                                     {"console.core.payment_not_pending", []string{"ID", "State"}},
	"Payment %s has succeeded and cannot be closed; refund it instead.":  {"console.core.payment_not_closable", []string{"ID"}},
	"Payment %s is %s; only a succeeded payment can be refunded.":        {"console.core.payment_not_refundable", []string{"ID", "State"}},
	"Refund %s is %s, not pending.":                                      {"console.core.refund_not_pending", []string{"ID", "State"}},
	"No %s with id %q exists for this merchant.":                         {"console.core.not_found", []string{"Kind", "ID"}},
	"No object with id %q exists on this gateway.":                       {"console.core.no_object", []string{"ID"}},
	"No merchant %q exists.":                                             {"console.core.no_merchant", []string{"ID"}},
	"scenario is required, e.g. api_error=503.":                          {"console.core.scenario_required", nil},
	"A rule for operation notify takes only notify_* scenarios, got %q.": {"console.core.notify_only", []string{"Scenario"}},
	"The %s credentials name an id another merchant uses.":               {"console.core.credentials_taken", []string{"Protocol"}},
	// CheckNotifyURL's (NOTIFY_DENY_PRIVATE); the reason is the address check's own words.
	"%s is refused: %v. This gateway delivers only to public addresses (NOTIFY_DENY_PRIVATE).": {"console.core.notify_url_refused", []string{"Field", "Reason"}},
	// ParseScenario's (gateway.scenarioError), the list of names apart.
	"empty scenario item in %q":                                       {"console.core.scenario.empty_item", []string{"Scenario"}},
	"unknown scenario %q":                                             {"console.core.scenario.unknown", []string{"Name"}},
	"scenario %q given twice":                                         {"console.core.scenario.twice", []string{"Name"}},
	"scenario %q takes no value":                                      {"console.core.scenario.no_value", []string{"Name"}},
	"scenario %q has an empty value":                                  {"console.core.scenario.empty_value", []string{"Name"}},
	"%s=%s: the status must be one of 500, 502, 503, 504, 429":        {"console.core.scenario.status", []string{"Name", "Value"}},
	"%s=%s: want a duration like 1500ms, 2s or 1m, at most 24h":       {"console.core.scenario.duration", []string{"Name", "Value"}},
	"%s=%s: a failure code is 1 to 64 letters, digits or underscores": {"console.core.scenario.code", []string{"Name", "Value"}},
	"%s=%s: want a whole number from 1 to 100":                        {"console.core.scenario.count", []string{"Name", "Value"}},
	"auto_succeed and auto_fail contradict each other":                {"console.core.scenario.auto_contradict", nil},
	"refund_fail and refund_stuck contradict each other":              {"console.core.scenario.refund_contradict", nil},
	"only one api_* scenario may be given at a time, got %s":          {"console.core.scenario.one_api", []string{"Names"}},
}

// coreMessage is a refusal of the core in words the reader reads: the
// console's sentence when it knows the core's, else the core's own
// (English) message as it is.
func coreMessage(e *gateway.Error) i18n.Message {
	s, ok := coreSentences[e.Format]
	if !ok || len(s.names) != len(e.Args) {
		return i18n.Raw(e.Message)
	}
	kv := make([]any, 0, 2*len(s.names)+2)
	for i, name := range s.names {
		v := fmt.Sprint(e.Args[i])
		switch name {
		case "State":
			kv = append(kv, name, statusOf(v))
		case "Kind":
			kv = append(kv, name, known("console.kind."+v, v))
		default:
			kv = append(kv, name, v)
		}
	}
	if e.Code == gateway.ScenarioInvalid && strings.HasPrefix(s.key, "console.core.scenario.") {
		kv = append(kv, "Known", strings.Join(gateway.ScenarioNames, ", "))
	}
	return i18n.M(s.key, kv...)
}

// failureOf is what a failure code means, in words: the catalogue's for
// the gateway's own codes (decline.*), else the message given with it.
func failureOf(code, message string) i18n.Message {
	return known("decline."+strings.ToLower(code), message)
}

// A flash is kept in the session as a message (its key and arguments), so
// the page that shows it says it in the language of that page.
func encodeMessage(m i18n.Message) string {
	b, err := json.Marshal(m)
	if err != nil {
		return m.String()
	}
	return string(b)
}

// popMessage decodes a flash; text that is not a stored message (a session
// from before the console spoke two languages) is shown as it is.
func popMessage(s string) i18n.Message {
	if s == "" {
		return i18n.Message{}
	}
	var m i18n.Message
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &m) != nil {
		return i18n.Raw(s)
	}
	return m
}
