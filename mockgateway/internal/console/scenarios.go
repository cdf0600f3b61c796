package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

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
	con.render(c, http.StatusOK, "scenarios", i18n.M("console.scenarios.title"), "faults", catalogueData{Scenarios: con.catalogue, Presets: byName})
}
