package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/money"
)

// preset is a ready-made fault rule: what QA asks for in words, and the
// rule that does it. Between them the presets use every scenario of
// DESIGN §6.
type preset struct {
	Key, Label string
	Scenario   string
	Operation  string
	// Remaining is how many times it applies (0: until deleted).
	Remaining int64
}

var presets = []preset{
	{"create_503", "Next payment creation answers 503", "api_error=503", gateway.OpCreatePayment, 1},
	{"refund_500", "Next refund creation answers 500", "api_error=500", gateway.OpCreateRefund, 1},
	{"calls_429", "Next 3 calls answer 429 (rate limited)", "api_error=429", "", 3},
	{"create_after_commit", "Next payment creation takes effect, then answers 500", "api_error_after_commit=500", gateway.OpCreatePayment, 1},
	{"create_slow", "Every payment creation takes 2 s", "api_latency=2s", gateway.OpCreatePayment, 0},
	{"create_timeout", "Next payment creation never answers (timeout)", "api_timeout", gateway.OpCreatePayment, 1},
	{"refund_reset", "Next refund creation's connection is reset", "api_reset", gateway.OpCreateRefund, 1},
	{"query_malformed", "Next payment query answers a truncated body", "api_malformed", gateway.OpGetPayment, 1},
	{"auto_succeed", "Next payment pays itself after 2 s", "auto_succeed=2s", gateway.OpCreatePayment, 1},
	{"auto_fail", "Next payment's first pay action is declined (insufficient funds)", "auto_fail=insufficient_funds", gateway.OpCreatePayment, 1},
	{"drop_next", "Drop the next notification (its retry delivers it)", "notify_drop=1", gateway.OpNotify, 1},
	{"drop_next_3", "Drop the next 3 notifications (each arrives on its retry)", "notify_drop=1", gateway.OpNotify, 3},
	{"drop_all", "Lose the next notification for good (every attempt dropped)", "notify_drop", gateway.OpNotify, 1},
	{"delay", "Hold the next notification back 30 s", "notify_delay=30s", gateway.OpNotify, 1},
	{"duplicate", "Deliver the next notification 3 times", "notify_duplicate=2", gateway.OpNotify, 1},
	{"bad_signature", "Sign the next notification wrongly (first attempt)", "notify_bad_signature", gateway.OpNotify, 1},
	{"stale_timestamp", "Send the next notification with a 10-minute-old timestamp", "notify_stale_timestamp", gateway.OpNotify, 1},
	{"tamper_amount", "Tamper the next notification's amount", "notify_tamper_amount", gateway.OpNotify, 1},
	{"out_of_order", "Send the next payment's notifications newest first", "notify_out_of_order=5s", gateway.OpCreatePayment, 1},
	{"refund_fail", "Every refund fails (REFUND_REJECTED)", "refund_fail=REFUND_REJECTED", gateway.OpCreateRefund, 0},
	{"refund_delay", "Next refund settles after 1 minute", "refund_delay=1m", gateway.OpCreateRefund, 1},
	{"refund_stuck", "Next refund stays pending until settled here", "refund_stuck", gateway.OpCreateRefund, 1},
}

func findPreset(key string) (preset, bool) {
	i := slices.IndexFunc(presets, func(p preset) bool { return p.Key == key })
	if i < 0 {
		return preset{}, false
	}
	return presets[i], true
}

// faultForm is the rule form as submitted, with its errors by field.
type faultForm struct {
	Preset, Scenario, Remaining           string
	Merchant, Protocol, Operation, Method string
	Amount, Prefix                        string
	Errors                                map[string]string
}

type faultsData struct {
	Rules      []*gateway.FaultRule
	Presets    []preset
	Form       faultForm
	Merchants  []string
	Protocols  []string
	Operations []string
	Methods    []string
}

// handleFaultList answers GET /admin/faults: the rules with hits and
// remaining, and the form that makes one.
func (con *Console) handleFaultList(c *gin.Context) {
	con.showFaults(c, http.StatusOK, faultForm{Preset: c.DefaultQuery("preset", presets[0].Key)})
}

func (con *Console) showFaults(c *gin.Context, status int, form faultForm) {
	ctx := c.Request.Context()
	rules, err := con.core.FaultRules(ctx)
	if err != nil {
		con.fail(c, err)
		return
	}
	ids, err := con.core.MerchantIDs(ctx)
	if err != nil {
		con.fail(c, err)
		return
	}
	con.render(c, status, "faults", "Fault rules", "faults", faultsData{
		Rules: rules, Presets: presets, Form: form, Merchants: ids, Protocols: con.o.Protocols,
		Operations: gateway.FaultOperations, Methods: gateway.Methods,
	})
}

// handleFaultCreate makes a rule from a preset (or a scenario of one's own)
// and the match fields beside it. Bad input re-renders the form with the
// error beside its field and changes nothing.
func (con *Console) handleFaultCreate(c *gin.Context) {
	f := faultForm{
		Preset: c.PostForm("preset"), Scenario: strings.TrimSpace(c.PostForm("scenario")), Remaining: strings.TrimSpace(c.PostForm("remaining")),
		Merchant: c.PostForm("merchant"), Protocol: c.PostForm("protocol"), Operation: c.PostForm("operation"),
		Method: c.PostForm("method"), Amount: strings.TrimSpace(c.PostForm("amount")), Prefix: strings.TrimSpace(c.PostForm("prefix")),
		Errors: map[string]string{},
	}
	scenario, op := f.Scenario, f.Operation
	var remaining *int64
	if p, ok := findPreset(f.Preset); ok {
		if scenario == "" {
			scenario = p.Scenario
		}
		if op == "" {
			op = p.Operation
		}
		if p.Remaining > 0 {
			remaining = &p.Remaining
		}
	} else if f.Preset != "custom" {
		f.Errors["preset"] = "Choose a preset, or \"my own scenario\" and write it below."
	} else if scenario == "" {
		f.Errors["scenario"] = "Write a scenario, e.g. api_error=503 or notify_drop=3."
	}
	if f.Remaining != "" {
		n, err := strconv.ParseInt(f.Remaining, 10, 64)
		if err != nil || n < 1 || n > 1_000_000 {
			f.Errors["remaining"] = "Remaining is a whole number from 1 to 1000000, or empty for the preset's."
		} else {
			remaining = &n
		}
	}
	match := gateway.FaultMatch{MerchantID: f.Merchant, Protocol: f.Protocol, Operation: op, Method: f.Method, OutTradeNoPrefix: f.Prefix}
	if op != "" && !slices.Contains(gateway.FaultOperations, op) {
		f.Errors["operation"] = "Choose an operation from the list."
	}
	if f.Protocol != "" && !slices.Contains(con.o.Protocols, f.Protocol) {
		f.Errors["protocol"] = "Choose a protocol from the list."
	}
	if f.Method != "" && !slices.Contains(gateway.Methods, f.Method) {
		f.Errors["method"] = "Choose a method from the list."
	}
	if f.Amount != "" {
		// The amount in minor units, as the admin API takes it; "19.99" is
		// read as yuan for convenience.
		n, err := strconv.ParseInt(f.Amount, 10, 64)
		if err != nil {
			n, err = money.Parse(f.Amount, "CNY")
		}
		if err != nil || n < 1 || n > money.MaxAmount {
			f.Errors["amount"] = "The amount is in minor units (1999 for ¥19.99), from 1 to 10000000000."
		} else {
			match.Amount = &n
		}
	}
	if len(f.Prefix) > 64 {
		f.Errors["prefix"] = "The out_trade_no prefix is at most 64 characters."
	}
	if len(f.Errors) > 0 {
		con.showFaults(c, http.StatusUnprocessableEntity, f)
		return
	}
	r, err := con.core.CreateFaultRule(c.Request.Context(), match, scenario, remaining)
	if err != nil {
		var e *gateway.Error
		if errors.As(err, &e) && e.Code != gateway.InternalError {
			field := "scenario"
			if e.Param == "match.merchant_id" {
				field = "merchant"
			}
			f.Errors[field] = e.Message
			con.showFaults(c, http.StatusUnprocessableEntity, f)
			return
		}
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "fault_create", "fault_rule", r.ID)
	con.log.InfoContext(c.Request.Context(), "fault rule created in the console", "fault_rule", r.ID, "scenario", r.Scenario.String())
	con.done(c, "/admin/faults", "Fault rule %s created: %s.", r.ID, r.Scenario.String())
}

// handleFaultDelete deletes a rule.
func (con *Console) handleFaultDelete(c *gin.Context) {
	id := c.Param("id")
	apicall.AddLogAttrs(c, "console_action", "fault_delete", "fault_rule", id)
	back := backTo(c, "/admin/faults")
	if err := con.core.DeleteFaultRule(c.Request.Context(), id); err != nil {
		con.refuse(c, back, "delete the rule", err)
		return
	}
	con.done(c, back, "Fault rule %s deleted.", id)
}

type catalogueData struct {
	Scenarios []scenarioDoc
	Presets   map[string][]preset
}

// handleScenarioCatalogue explains each scenario and what a careful
// merchant does about it (docs/scenarios.md), with the presets using it.
func (con *Console) handleScenarioCatalogue(c *gin.Context) {
	byName := map[string][]preset{}
	for _, p := range presets {
		name, _, _ := strings.Cut(p.Scenario, "=")
		byName[name] = append(byName[name], p)
	}
	con.render(c, http.StatusOK, "scenarios", "Scenarios", "faults", catalogueData{Scenarios: con.catalogue, Presets: byName})
}
