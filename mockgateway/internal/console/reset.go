package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

type resetData struct{ Error string }

// handleResetPage asks for confirmation before a reset.
func (con *Console) handleResetPage(c *gin.Context) {
	con.render(c, http.StatusOK, "reset", i18n.M("console.nav.reset"), "reset", resetData{})
}

// handleReset wipes all state except the demo merchant, once confirmed.
func (con *Console) handleReset(c *gin.Context) {
	if c.PostForm("confirm") != "reset" {
		con.render(c, http.StatusUnprocessableEntity, "reset", i18n.M("console.nav.reset"), "reset", resetData{
			Error: con.t(c, "console.reset.error")})
		return
	}
	apicall.AddLogAttrs(c, "console_action", "reset")
	if err := con.core.Reset(c.Request.Context(), con.o.Demo); err != nil {
		con.fail(c, err)
		return
	}
	con.log.WarnContext(c.Request.Context(), "all gateway state was reset through the console")
	con.done(c, "/admin", i18n.M("console.reset.done", "Demo", con.o.Demo.ID))
}
