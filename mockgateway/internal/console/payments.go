package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/i18n"
)

type paymentListData struct {
	Filters  []filter
	Invalid  []filter
	Query    string
	Payments []*gateway.Payment
	Nav      listNav
	// Searched is set when the list is the result of a search.
	Searched bool
}

func (d paymentListData) pending() bool {
	for _, p := range d.Payments {
		if p.Status == gateway.PaymentPending {
			return true
		}
	}
	return false
}

// merchantFilter is the merchant filter of every list (its options are the
// merchants' ids).
func (con *Console) merchantFilter(c *gin.Context) (filter, error) {
	ids, err := con.core.MerchantIDs(c.Request.Context())
	if err != nil {
		return filter{}, err
	}
	return readFilter(c, "merchant", "console.filter.merchant", ids), nil
}

// handlePaymentList answers GET /admin/payments: the payments of every
// merchant, newest first, filtered by merchant, status, method and
// protocol; q searches by any id across merchants.
func (con *Console) handlePaymentList(c *gin.Context) {
	ctx := c.Request.Context()
	mf, err := con.merchantFilter(c)
	if err != nil {
		con.fail(c, err)
		return
	}
	filters := []filter{
		mf,
		readFilter(c, "status", "console.filter.status", []string{gateway.PaymentPending, gateway.PaymentSucceeded, gateway.PaymentClosed}),
		readFilter(c, "method", "console.filter.method", gateway.Methods),
		readFilter(c, "protocol", "console.filter.protocol", con.o.Protocols),
	}
	f := gateway.PaymentFilter{Status: filters[1].Value, Method: filters[2].Value, Protocol: filters[3].Value}
	data := paymentListData{Filters: filters, Invalid: invalidFilters(filters), Query: strings.TrimSpace(c.Query("q"))}
	if data.Query != "" {
		data.Searched = true
		data.Payments, err = con.searchPayments(c, data.Query, mf.Value, f)
		if err != nil {
			con.fail(c, err)
			return
		}
		con.render(c, http.StatusOK, "payments", i18n.M("console.nav.payments"), "payments", data)
		return
	}
	after := c.Query("after")
	page, err := con.core.ScanPayments(ctx, mf.Value, f, gateway.ScanQuery{Limit: pageSize, StartingAfter: after, MaxScan: listMaxScan})
	if err != nil {
		con.fail(c, err)
		return
	}
	data.Payments = page.Items
	data.Nav = nav("/admin/payments", filters, nil, after, page.Next, page.More, page.Scanned, len(page.Items) < pageSize)
	con.render(c, http.StatusOK, "payments", i18n.M("console.nav.payments"), "payments", data)
}

// searchPayments finds the payments an id names — directly, or through a
// refund or event of theirs — across merchants, then applies the filters.
func (con *Console) searchPayments(c *gin.Context, term, merchantID string, f gateway.PaymentFilter) ([]*gateway.Payment, error) {
	ctx := c.Request.Context()
	refs, err := con.core.Find(ctx, term)
	if err != nil {
		return nil, err
	}
	var out []*gateway.Payment
	seen := map[string]bool{}
	for _, r := range refs {
		if merchantID != "" && r.MerchantID != merchantID {
			continue
		}
		payID, err := con.paymentIDOf(c, r)
		if err != nil {
			return nil, err
		}
		if payID == "" || seen[payID] {
			continue
		}
		seen[payID] = true
		p, _, err := con.core.PublicPayment(ctx, payID)
		if gateway.ErrorCode(err) == gateway.ResourceMissing {
			continue
		} else if err != nil {
			return nil, err
		}
		if (f.Status == "" || p.Status == f.Status) && (f.Method == "" || p.Method == f.Method) && (f.Protocol == "" || p.Protocol == f.Protocol) {
			out = append(out, p)
		}
	}
	return out, nil
}

// paymentIDOf is the payment an object found by search belongs to.
func (con *Console) paymentIDOf(c *gin.Context, r gateway.ObjectRef) (string, error) {
	ctx := c.Request.Context()
	switch r.Kind {
	case "payment":
		return r.ID, nil
	case "refund", "event":
		m, err := con.core.Merchant(ctx, r.MerchantID)
		if err != nil {
			return "", err
		}
		if r.Kind == "refund" {
			re, err := con.core.Refund(ctx, m, r.ID)
			if gateway.ErrorCode(err) == gateway.ResourceMissing {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			return re.PaymentID, nil
		}
		ev, err := con.core.Event(ctx, m, r.ID)
		if gateway.ErrorCode(err) == gateway.ResourceMissing {
			return "", nil
		}
		if err != nil || ev.Payment == nil {
			return "", err
		}
		return ev.Payment.ID, nil
	}
	return "", nil
}

// objectPath is the console page of an object found by search.
func objectPath(r gateway.ObjectRef, paymentID string) string {
	switch r.Kind {
	case "event":
		return "/admin/events/" + url.PathEscape(r.ID) + "?m=" + url.QueryEscape(r.MerchantID)
	case "refund":
		return "/admin/payments/" + url.PathEscape(paymentID) + "#" + r.ID
	}
	return "/admin/payments/" + url.PathEscape(r.ID)
}
