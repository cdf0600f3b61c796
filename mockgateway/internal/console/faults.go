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
