package console

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

// overviewSample bounds the objects of each kind the overview reads to
// count statuses; totals are exact whatever the size of the gateway.
const overviewSample = 1000

type overviewData struct {
	Counts  gateway.Counts
	Failing []*gateway.Event
	Rules   []*gateway.FaultRule
}

// pending: the overview is a dashboard; it follows the gateway while
// anything is still on its way.
func (d overviewData) pending() bool {
	return len(d.Failing) > 0 || d.Counts.Payments.ByStatus[gateway.PaymentPending] > 0 ||
		d.Counts.Refunds.ByStatus[gateway.RefundPending] > 0 || d.Counts.Events.ByStatus[gateway.DeliveryPending] > 0
}

// handleOverview answers GET /admin: counts by status of the last 24 h,
// deliveries failing now with their last answer, the active fault rules.
func (con *Console) handleOverview(c *gin.Context) {
	ctx := c.Request.Context()
	counts, err := con.core.Counts(ctx, con.core.Now().Add(-24*time.Hour), overviewSample)
	if err != nil {
		con.fail(c, err)
		return
	}
	failing, err := con.core.FailingDeliveries(ctx, 20)
	if err != nil {
		con.fail(c, err)
		return
	}
	rules, err := con.core.FaultRules(ctx)
	if err != nil {
		con.fail(c, err)
		return
	}
	var active []*gateway.FaultRule
	for _, r := range rules {
		if r.Remaining == nil || *r.Remaining > 0 {
			active = append(active, r)
		}
	}
	con.render(c, 200, "overview", i18n.M("console.nav.overview"), "overview", overviewData{Counts: counts, Failing: failing, Rules: active})
}
