package stripe

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// readForm decodes a call's parameters: the body of a POST, the query
// string of a GET. When they cannot be read the call is refused and ok is
// false.
func readForm(c *gin.Context) (*params, bool) {
	raw := c.Request.URL.RawQuery
	if c.Request.Method == http.MethodPost {
		raw = string(apicall.Body(c))
	}
	tree, err := decodeForm(raw)
	if err != nil {
		apicall.Refuse(c, err)
		return nil, false
	}
	return newParams(tree, ""), true
}

// finish checks that every parameter was read and returns the expansions;
// ok is false when the call was refused.
func finish(c *gin.Context, p *params, expandable ...string) (expansion, bool) {
	ex, err := p.expand()
	if err == nil {
		err = checkExpand(ex, expandable...)
	}
	if err == nil {
		err = p.unknown()
	}
	if err != nil {
		apicall.Refuse(c, err)
		return nil, false
	}
	return ex, true
}

// reply records a 200 answer with a Stripe object (Stripe answers 200 to
// creates too).
func reply(cl *apicall.Call, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		cl.Error(err)
		return
	}
	cl.Reply(apicall.Answer{Status: http.StatusOK, Body: body})
}

func merchant(c *gin.Context) *gateway.Merchant { return apicall.MerchantOf(c) }

// lookupError turns a failed lookup into Stripe's "No such …".
func lookupError(err error, kind, param, id string) error {
	if gateway.ErrorCode(err) == gateway.ResourceMissing {
		return noSuch(kind, param, id)
	}
	return err
}

// paymentCursor resolves a list's starting_after / ending_before, a Stripe
// id of kind, to the payment it names.
func (a *Adapter) paymentCursor(c *gin.Context, kind string) func(id string) (string, error) {
	return func(id string) (string, error) {
		pay, _, err := a.paymentByRef(c, kind, id)
		if err != nil {
			return "", err
		}
		return pay.ID, nil
	}
}

// paymentMethodParam reads the payment_method parameter: empty, or one of the
// test PaymentMethods.
func paymentMethodParam(p *params) (pm string, given bool, err error) {
	pm, given, err = p.str("payment_method")
	if err == nil && pm != "" {
		if _, known := testMethods[pm]; !known {
			err = noSuch("PaymentMethod", "payment_method", pm)
		}
	}
	return pm, given, err
}

// paymentByRef finds the Stripe payment a Stripe id names.
func (a *Adapter) paymentByRef(c *gin.Context, kind, id string) (*gateway.Payment, paymentExt, error) {
	noun := map[string]string{refIntent: "payment_intent", refCharge: "charge", refSession: "checkout.session"}[kind]
	if id == "" {
		return nil, paymentExt{}, noSuch(noun, "id", id)
	}
	p, err := a.svc.PaymentByRef(c.Request.Context(), merchant(c), kind, id)
	if err != nil {
		return nil, paymentExt{}, lookupError(err, noun, "id", id)
	}
	x, ok := extOf(p)
	if !ok {
		return nil, x, noSuch(noun, "id", id)
	}
	return p, x, nil
}

func paymentFacts(op string, p *gateway.Payment) apicall.Facts {
	return apicall.Facts{Operation: op, Method: p.Method, Amount: p.Amount, OutTradeNo: p.OutTradeNo}
}

// listQuery reads limit (1–100, default 10), starting_after (a Stripe id,
// turned into the core id by resolve) and ending_before (not supported).
func listQuery(p *params, resolve func(id string) (string, error)) (gateway.ListQuery, error) {
	q := gateway.ListQuery{Limit: 10}
	n, err := p.integer("limit", 1, 100)
	if err != nil {
		if ae, ok := err.(*apiError); ok && ae.code != "parameter_invalid_integer" {
			return q, invalidRequest("limit", "Invalid limit: must be between 1 and 100.")
		}
		return q, err
	}
	if n != nil {
		q.Limit = int(*n)
	}
	if after, ok, err := p.str("starting_after"); err != nil {
		return q, err
	} else if ok && after != "" {
		if q.StartingAfter, err = resolve(after); err != nil {
			if ae, isAE := err.(*apiError); isAE {
				ae.param = "starting_after"
			}
			return q, err
		}
	}
	if before, ok, err := p.str("ending_before"); err != nil {
		return q, err
	} else if ok && before != "" {
		return q, invalidRequest("ending_before", "ending_before is not supported by PaySandbox; page forward with starting_after.")
	}
	return q, nil
}

// replyList answers a list call.
func replyList(cl *apicall.Call, path string, data []any, more bool) {
	if data == nil {
		data = []any{}
	}
	reply(cl, list{Object: "list", Data: data, HasMore: more, URL: path})
}

// listExpansions are the expansions a list allows: "data." before each of
// the object's.
func listExpansions(props ...string) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = "data." + p
	}
	return out
}

// currency reads a currency Stripe-style (lower case) as the core keeps it.
func currency(p *params, k string) (string, error) {
	s, err := p.required(k)
	if err != nil {
		return "", err
	}
	up := strings.ToUpper(s)
	switch up {
	case "CNY", "USD", "EUR", "HKD", "JPY":
		return up, nil
	}
	return "", invalidRequest(p.name(k), "Invalid currency: %s. PaySandbox supports cny, usd, eur, hkd and jpy.", s)
}

// methodOf maps Stripe's payment method types to the core's method (the
// first one decides which cashier page a customer sees).
func methodOf(p *params, k string) ([]string, string, error) {
	types, given, err := p.strings(k)
	if err != nil {
		return nil, "", err
	}
	if !given || len(types) == 0 {
		return []string{"card"}, gateway.MethodCard, nil
	}
	method := ""
	for i, t := range types {
		m, ok := map[string]string{"card": gateway.MethodCard, "alipay": gateway.MethodAlipay, "wechat_pay": gateway.MethodWechat}[t]
		if !ok {
			return nil, "", invalidRequest(p.name(k)+"["+itoa(i)+"]", "The payment method type %q is invalid. PaySandbox supports card, alipay and wechat_pay.", t)
		}
		if method == "" {
			method = m
		}
	}
	return types, method, nil
}

// mergeMetadata applies a metadata update: keys given with an empty value
// are removed, others set; an empty metadata= (given, empty map) clears all.
func mergeMetadata(cur, upd map[string]string) map[string]string {
	out := map[string]string{}
	if len(upd) > 0 {
		for k, v := range cur {
			out[k] = v
		}
	}
	for k, v := range upd {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// appendQuery adds parameters to a URL's query.
func appendQuery(raw string, q url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	cur := u.Query()
	for k, vs := range q {
		cur[k] = vs
	}
	u.RawQuery = cur.Encode()
	return u.String()
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
