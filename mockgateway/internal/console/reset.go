package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
)

type resetData struct{ Error string }

// handleResetPage asks for confirmation before a reset.
func (con *Console) handleResetPage(c *gin.Context) {
	con.render(c, http.StatusOK, "reset", "Reset", "reset", resetData{})
}

// handleReset wipes all state except the demo merchant, once confirmed.
func (con *Console) handleReset(c *gin.Context) {
	if c.PostForm("confirm") != "reset" {
		con.render(c, http.StatusUnprocessableEntity, "reset", "Reset", "reset", resetData{
			Error: "Type reset in the box to confirm; nothing was changed."})
		return
	}
	apicall.AddLogAttrs(c, "console_action", "reset")
	if err := con.core.Reset(c.Request.Context(), con.o.Demo); err != nil {
		con.fail(c, err)
		return
	}
	con.log.WarnContext(c.Request.Context(), "all gateway state was reset through the console")
	con.done(c, "/admin", "The gateway was reset: every payment, refund, event, fault rule and merchant is gone except %s.", con.o.Demo.ID)
}
