package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestConsole_FaultRules(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn()

	t.Run("FromAPreset", func(t *testing.T) {
		r := b.follow("/admin/faults", url.Values{"preset": {"drop_next"}, "merchant": {"m_demo"}, "prefix": {"ORD-"}})
		wantContains(t, r, "created: notify_drop=1.", "notify_drop=1", "operation notify", "out_trade_no ORD-…")
		rules := e.rules()
		if len(rules) != 1 {
			t.Fatalf("%d rules, want 1", len(rules))
		}
		got := rules[0]
		if got.Match.Operation != gateway.OpNotify || got.Match.MerchantID != "m_demo" || got.Match.OutTradeNoPrefix != "ORD-" ||
			got.Remaining == nil || *got.Remaining != 1 || got.Scenario.String() != "notify_drop=1" {
			t.Fatalf("rule %+v", got)
		}
	})

	t.Run("EveryPresetMakesAValidRule", func(t *testing.T) {
		page := b.get("/admin/faults")
		keys := optionValues(page.Body, `name="preset"`)
		if len(keys) < 20 {
			t.Fatalf("%d presets offered, want every scenario covered", len(keys))
		}
		used := map[string]bool{}
		for _, k := range keys {
			if k == "custom" {
				continue
			}
			r := b.post("/admin/faults", url.Values{"preset": {k}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("preset %s: %d\n%s", k, r.Status, r.Body)
			}
		}
		for _, r := range e.rules() {
			for _, name := range gateway.ScenarioNames {
				if r.Scenario.Has(name) {
					used[name] = true
				}
			}
		}
		for _, name := range gateway.ScenarioNames {
			if !used[name] {
				t.Errorf("no preset uses %s", name)
			}
		}
	})

	t.Run("BadInputShowsBesideTheFieldAndChangesNothing", func(t *testing.T) {
		before := len(e.rules())
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"preset": {"custom"}, "scenario": {"api_explode=1"}}, "unknown"},
			{url.Values{"preset": {"custom"}, "scenario": {""}}, "Write a scenario"},
			{url.Values{"preset": {"create_503"}, "amount": {"abc"}}, "The amount is in minor units"},
			{url.Values{"preset": {"create_503"}, "remaining": {"0"}}, "Remaining is a whole number"},
			{url.Values{"preset": {"create_503"}, "merchant": {"m_nobody"}}, "No merchant"},
			{url.Values{"preset": {"drop_next"}, "scenario": {"api_error=503"}}, "takes only notify_* scenarios"},
			{url.Values{"preset": {"no-such-preset"}}, "Choose a preset"},
		} {
			r := b.post("/admin/faults", tc.form)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r, tc.want, `aria-invalid="true"`)
			for k, v := range tc.form {
				if k != "preset" && k != "merchant" && v[0] != "" {
					wantContains(t, r, `value="`+v[0]+`"`)
				}
			}
		}
		if after := len(e.rules()); after != before {
			t.Fatalf("refused forms made %d rules", after-before)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		rules := e.rules()
		id := rules[0].ID
		r := b.follow("/admin/faults/"+id+"/delete", nil)
		wantContains(t, r, "Fault rule "+id+" deleted.")
		if len(e.rules()) != len(rules)-1 {
			t.Fatal("the rule is still there")
		}
		wantContains(t, b.follow("/admin/faults/"+id+"/delete", nil), "Could not delete the rule")
	})

	t.Run("HitsAndRemainingShow", func(t *testing.T) {
		for _, r := range e.rules() {
			if err := e.Svc.DeleteFaultRule(t.Context(), r.ID); err != nil {
				t.Fatal(err)
			}
		}
		b.follow("/admin/faults", url.Values{"preset": {"calls_429"}})
		rule := e.rules()[0]
		if _, _, err := e.Svc.TakeFault(t.Context(), gateway.CallFacts{MerchantID: "m_demo", Operation: gateway.OpGetPayment}); err != nil {
			t.Fatal(err)
		}
		page := b.get("/admin/faults")
		row := rowOf(page.Body, rule.ID)
		if !strings.Contains(row, "<td>1</td>\n    <td>2</td>") {
			t.Fatalf("row %q, want 1 hit and 2 remaining", row)
		}
	})
}

func TestConsole_ScenarioCatalogue(t *testing.T) {
	e := newEnv(t)
	page := e.signedIn().get("/admin/scenarios")
	wantStatus(t, page, http.StatusOK)
	for _, name := range gateway.ScenarioNames {
		wantContains(t, page, `id="`+name+`"`)
	}
	wantContains(t, page, "A careful merchant", "<strong>Simulates</strong>", "<code>webhook-id</code>", "/admin/faults?preset=drop_next")
}

func (e *env) rules() []*gateway.FaultRule {
	e.t.Helper()
	rs, err := e.Svc.FaultRules(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// optionValues returns the option values of the select whose tag has attr.
func optionValues(body, attr string) []string {
	i := strings.Index(body, attr)
	if i < 0 {
		return nil
	}
	rest := body[i:]
	rest = rest[:strings.Index(rest, "</select>")]
	var out []string
	for _, part := range strings.Split(rest, `<option value="`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// rowOf returns the table row that mentions s.
func rowOf(body, s string) string {
	i := strings.Index(body, s)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr>")
	end := strings.Index(body[i:], "</tr>")
	return body[start : i+end]
}
