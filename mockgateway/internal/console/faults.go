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
	"github.com/paysandbox/paysandbox/shared/i18n"
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
	con.render(c, status, "faults", i18n.M("console.nav.faults"), "faults", faultsData{
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
		f.Errors["preset"] = con.t(c, "console.faults.error.preset")
	} else if scenario == "" {
		f.Errors["scenario"] = con.t(c, "console.faults.error.scenario")
	}
	if f.Remaining != "" {
		n, err := strconv.ParseInt(f.Remaining, 10, 64)
		if err != nil || n < 1 || n > 1_000_000 {
			f.Errors["remaining"] = con.t(c, "console.faults.error.remaining")
		} else {
			remaining = &n
		}
	}
	match := gateway.FaultMatch{MerchantID: f.Merchant, Protocol: f.Protocol, Operation: op, Method: f.Method, OutTradeNoPrefix: f.Prefix}
	if op != "" && !slices.Contains(gateway.FaultOperations, op) {
		f.Errors["operation"] = con.t(c, "console.faults.error.operation")
	}
	if f.Protocol != "" && !slices.Contains(con.o.Protocols, f.Protocol) {
		f.Errors["protocol"] = con.t(c, "console.faults.error.protocol")
	}
	if f.Method != "" && !slices.Contains(gateway.Methods, f.Method) {
		f.Errors["method"] = con.t(c, "console.faults.error.method")
	}
	if f.Amount != "" {
		// The amount in minor units, as the admin API takes it; "19.99" is
		// read as yuan for convenience.
		n, err := strconv.ParseInt(f.Amount, 10, 64)
		if err != nil {
			n, err = money.Parse(f.Amount, "CNY")
		}
		if err != nil || n < 1 || n > money.MaxAmount {
			f.Errors["amount"] = con.t(c, "console.faults.error.amount")
		} else {
			match.Amount = &n
		}
	}
	if len(f.Prefix) > 64 {
		f.Errors["prefix"] = con.t(c, "console.faults.error.prefix")
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
			f.Errors[field] = con.loc(c).Msg(coreMessage(e))
			con.showFaults(c, http.StatusUnprocessableEntity, f)
			return
		}
		con.fail(c, err)
		return
	}
	apicall.AddLogAttrs(c, "console_action", "fault_create", "fault_rule", r.ID)
	con.log.InfoContext(c.Request.Context(), "fault rule created in the console", "fault_rule", r.ID, "scenario", r.Scenario.String())
	con.done(c, "/admin/faults", i18n.M("console.faults.created", "ID", r.ID, "Scenario", r.Scenario.String()))
}

// handleFaultDelete deletes a rule.
func (con *Console) handleFaultDelete(c *gin.Context) {
	id := c.Param("id")
	apicall.AddLogAttrs(c, "console_action", "fault_delete", "fault_rule", id)
	back := backTo(c, "/admin/faults")
	if err := con.core.DeleteFaultRule(c.Request.Context(), id); err != nil {
		con.refuse(c, back, i18n.M("console.doing.delete_rule"), err)
		return
	}
	con.done(c, back, i18n.M("console.faults.deleted", "ID", id))
}
