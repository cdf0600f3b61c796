package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

type refundListData struct {
	Filters []filter
	Invalid []filter
	Query   string
	Refunds []*gateway.Refund
	Nav     listNav
}

func (d refundListData) pending() bool {
	for _, r := range d.Refunds {
		if r.Status == gateway.RefundPending {
			return true
		}
	}
	return false
}

// handleRefundList answers GET /admin/refunds: every merchant's refunds,
// newest first, filtered by merchant, status, method (of the payment) and
// protocol; q searches by any id.
func (con *Console) handleRefundList(c *gin.Context) {
	ctx := c.Request.Context()
	mf, err := con.merchantFilter(c)
	if err != nil {
		con.fail(c, err)
		return
	}
	filters := []filter{
		mf,
		readFilter(c, "status", "console.filter.status", []string{gateway.RefundPending, gateway.RefundSucceeded, gateway.RefundFailed}),
		readFilter(c, "method", "console.filter.method", gateway.Methods),
		readFilter(c, "protocol", "console.filter.protocol", con.o.Protocols),
	}
	f := gateway.RefundScan{Status: filters[1].Value, Method: filters[2].Value, Protocol: filters[3].Value}
	data := refundListData{Filters: filters, Invalid: invalidFilters(filters), Query: c.Query("q")}
	if data.Query != "" {
		refs, err := con.core.Find(ctx, data.Query)
		if err != nil {
			con.fail(c, err)
			return
		}
		for _, r := range refs {
			if mf.Value != "" && r.MerchantID != mf.Value {
				continue
			}
			m, err := con.core.Merchant(ctx, r.MerchantID)
			if err != nil {
				con.fail(c, err)
				return
			}
			var list []*gateway.Refund
			switch r.Kind {
			case "refund":
				re, err := con.core.Refund(ctx, m, r.ID)
				if err != nil {
					continue
				}
				list = []*gateway.Refund{re}
			case "payment":
				if list, _, err = con.core.ListRefunds(ctx, m, gateway.RefundFilter{PaymentID: r.ID}, gateway.ListQuery{Limit: 100}); err != nil {
					con.fail(c, err)
					return
				}
			}
			if list, err = con.core.MatchRefunds(ctx, f, list); err != nil {
				con.fail(c, err)
				return
			}
			data.Refunds = append(data.Refunds, list...)
		}
		con.render(c, http.StatusOK, "refunds", i18n.M("console.nav.refunds"), "refunds", data)
		return
	}
	after := c.Query("after")
	page, err := con.core.ScanRefunds(ctx, mf.Value, f, gateway.ScanQuery{Limit: pageSize, StartingAfter: after, MaxScan: listMaxScan})
	if err != nil {
		con.fail(c, err)
		return
	}
	data.Refunds = page.Items
	data.Nav = nav("/admin/refunds", filters, nil, after, page.Next, page.More, page.Scanned, len(page.Items) < pageSize)
	con.render(c, http.StatusOK, "refunds", i18n.M("console.nav.refunds"), "refunds", data)
}
