package gatewaytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// FaultRule is a gateway fault rule as the admin API lists it.
type FaultRule struct {
	ID        string `json:"id"`
	Scenario  string `json:"scenario"`
	Remaining *int64 `json:"remaining"`
	Hits      int64  `json:"hits"`
}

// AddFault creates a fault rule through the admin API, as a QA engineer
// would (rule is the JSON body of POST /admin/api/faults), and returns it.
func (g *Gateway) AddFault(rule any) FaultRule {
	g.tb.Helper()
	body, err := json.Marshal(rule)
	if err != nil {
		g.tb.Fatal(err)
	}
	var out FaultRule
	g.admin(http.MethodPost, "/admin/api/faults", body, http.StatusCreated, &out)
	return out
}

// Faults lists the fault rules with their counters, by id.
func (g *Gateway) Faults() map[string]FaultRule {
	g.tb.Helper()
	var list struct{ Data []FaultRule }
	g.admin(http.MethodGet, "/admin/api/faults", nil, http.StatusOK, &list)
	out := make(map[string]FaultRule, len(list.Data))
	for _, r := range list.Data {
		out[r.ID] = r
	}
	return out
}

func (g *Gateway) admin(method, path string, body []byte, want int, out any) {
	g.tb.Helper()
	resp, err := g.Request(context.Background(), method, path, body, nil)
	if err != nil {
		g.tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		g.tb.Fatalf("gatewaytest: %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		g.tb.Fatalf("gatewaytest: %s %s: %v: %s", method, path, err, raw)
	}
}
