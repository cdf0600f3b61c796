package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

type searchHit struct {
	gateway.ObjectRef
	Path string
}

type searchData struct {
	Query string
	Hits  []searchHit
}

// handleSearch answers GET /admin/search?q=: the header's search box. Any
// id of any merchant — pay_…, re_…, evt_…, m_…, out_trade_no,
// out_refund_no, a protocol's own id — goes straight to its page when it
// names one object, and lists the objects otherwise.
func (con *Console) handleSearch(c *gin.Context) {
	ctx := c.Request.Context()
	q := strings.TrimSpace(c.Query("q"))
	data := searchData{Query: q}
	if q == "" {
		con.render(c, http.StatusOK, "search", i18n.M("console.search.title"), "", data)
		return
	}
	if strings.HasPrefix(q, "m_") {
		if _, err := con.core.Merchant(ctx, q); err == nil {
			c.Redirect(http.StatusSeeOther, "/admin/merchants/"+q)
			return
		}
	}
	refs, err := con.core.Find(ctx, q)
	if err != nil {
		con.fail(c, err)
		return
	}
	for _, r := range refs {
		payID, err := con.paymentIDOf(c, r)
		if err != nil {
			con.fail(c, err)
			return
		}
		if r.Kind != "event" && payID == "" {
			continue
		}
		data.Hits = append(data.Hits, searchHit{ObjectRef: r, Path: objectPath(r, payID)})
	}
	if len(data.Hits) == 1 {
		c.Redirect(http.StatusSeeOther, data.Hits[0].Path)
		return
	}
	con.render(c, http.StatusOK, "search", i18n.M("console.search.title"), "", data)
}
