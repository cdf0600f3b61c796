package stripe_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// The subset's wire as any HTTP client sees it (the Node and Python SDKs
// send these form bodies), under /stripe/v1 on the gateway's port and at
// /v1 on STRIPE_ADDR: bracket forms, both auth styles, Stripe's errors for
// bad input, never a 500.
func TestWire_FormsAuthAndErrors(t *testing.T) {
	g := startGateway(t)
	m := newMerchant(t, g, "")
	key := m.Stripe.SecretKey
	for _, base := range []string{g.URL + "/stripe", g.StripeURL} {
		t.Run(base, func(t *testing.T) {
			st, h, pi := raw(t, "POST", base+"/v1/payment_intents", key,
				"amount=1999&currency=USD&payment_method_types[]=card&metadata[order]=A-1&metadata[note]=two+teas",
				"Stripe-Version", "2020-08-27")
			if st != 200 || pi["object"] != "payment_intent" || pi["currency"] != "usd" || h.Get("Request-Id") == "" ||
				pi["metadata"].(map[string]any)["note"] != "two teas" || pi["payment_method_types"].([]any)[0] != "card" {
				t.Fatalf("create: %d %v", st, pi)
			}
			id := pi["id"].(string)
			st, _, got := raw(t, "GET", base+"/v1/payment_intents/"+id, key, "")
			if st != 200 || got["id"] != id {
				t.Fatalf("retrieve: %d %v", st, got)
			}
			// Basic auth with the key as the user, as some clients send it.
			req, _ := http.NewRequest("GET", base+"/v1/payment_intents/"+id, nil)
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("basic auth: %d", resp.StatusCode)
			}
			// Metadata updates merge; an empty value removes a key.
			st, _, got = raw(t, "POST", base+"/v1/payment_intents/"+id, key, "metadata[note]=&metadata[gift]=yes&description=Tea")
			if md := got["metadata"].(map[string]any); st != 200 || md["order"] != "A-1" || md["gift"] != "yes" || md["note"] != nil || got["description"] != "Tea" {
				t.Fatalf("update: %d %v", st, got)
			}

			for _, tc := range []struct {
				name, method, path, form string
				status                   int
				code, param              string
			}{
				{"Unknown", "POST", "/v1/payment_intents", "amount=5&currency=usd&colour=red", 400, "parameter_unknown", "colour"},
				{"UnknownNested", "POST", "/v1/checkout/sessions", "mode=payment&success_url=http://s.test/ok&line_items[0][quantity]=1&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=5&line_items[0][price_data][product_data][name]=Tea&line_items[0][price_data][colour]=red", 400, "parameter_unknown", "line_items[0][price_data][colour]"},
				{"MissingAmount", "POST", "/v1/payment_intents", "currency=usd", 400, "parameter_missing", "amount"},
				{"MissingCurrency", "POST", "/v1/payment_intents", "amount=5", 400, "parameter_missing", "currency"},
				{"NotInteger", "POST", "/v1/payment_intents", "amount=12.5&currency=usd", 400, "parameter_invalid_integer", "amount"},
				{"TooSmall", "POST", "/v1/payment_intents", "amount=0&currency=usd", 400, "amount_too_small", "amount"},
				{"TooLarge", "POST", "/v1/payment_intents", "amount=99999999999&currency=usd", 400, "amount_too_large", "amount"},
				{"NotABool", "POST", "/v1/payment_intents", "amount=5&currency=usd&confirm=yes", 400, "parameter_invalid_boolean", "confirm"},
				{"ArrayAsValue", "POST", "/v1/payment_intents", "amount=5&currency=usd&metadata=x", 400, "", "metadata"},
				{"UnknownPaymentMethod", "POST", "/v1/payment_intents", "amount=5&currency=usd&payment_method=pm_nope", 404, "resource_missing", "payment_method"},
				{"UnknownIntent", "GET", "/v1/payment_intents/pi_nope", "", 404, "resource_missing", "id"},
				{"UnknownCharge", "GET", "/v1/charges/ch_nope", "", 404, "resource_missing", "id"},
				{"UnknownRefund", "GET", "/v1/refunds/re_nope", "", 404, "resource_missing", "id"},
				{"UnknownEvent", "GET", "/v1/events/evt_nope", "", 404, "resource_missing", "id"},
				{"UnknownSession", "GET", "/v1/checkout/sessions/cs_test_nope", "", 404, "resource_missing", "id"},
				{"RefundNothing", "POST", "/v1/refunds", "amount=5", 400, "", "payment_intent"},
				{"RefundUnpaid", "POST", "/v1/refunds", "payment_intent=" + id, 400, "charge_not_refundable", ""},
				{"Limit", "GET", "/v1/payment_intents", "limit=101", 400, "", "limit"},
				{"StartingAfterUnknown", "GET", "/v1/payment_intents", "starting_after=pi_nope", 404, "resource_missing", "starting_after"},
				{"BadExpand", "GET", "/v1/payment_intents/" + id, "expand[]=customer", 400, "", "expand"},
				{"OnlyPaymentMode", "POST", "/v1/checkout/sessions", "mode=subscription&success_url=http://s.test/ok", 400, "", "mode"},
				{"Scenario", "POST", "/v1/payment_intents", "amount=5&currency=usd", 400, "scenario_invalid", "Mock-Scenario"},
				{"UnknownRoute", "GET", "/v1/customers", "", 404, "", ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var hdr []string
					if tc.name == "Scenario" {
						hdr = []string{"Mock-Scenario", "no_such_thing"}
					}
					st, _, body := raw(t, tc.method, base+tc.path, key, tc.form, hdr...)
					e := errOf(t, body)
					if st != tc.status || e["type"] == nil || e["message"] == "" || tc.code != "" && e["code"] != tc.code || tc.param != "" && e["param"] != tc.param {
						t.Fatalf("%d %v; want %d code %q param %q", st, e, tc.status, tc.code, tc.param)
					}
				})
			}
		})
	}

	t.Run("Keys", func(t *testing.T) {
		for name, tc := range map[string]struct {
			url, key string
		}{
			"NoKey":             {g.StripeURL + "/v1/payment_intents", ""},
			"NativeKeyOnStripe": {g.StripeURL + "/v1/payment_intents", m.APIKey},
			"DemoKeyOnStripe":   {g.URL + "/stripe/v1/payment_intents", gatewaytest.DemoAPIKey},
			"StripeKeyOnNative": {g.URL + "/v1/payments", key},
		} {
			st, _, body := raw(t, "GET", tc.url, tc.key, "")
			if e := errOf(t, body); st != 401 || e["message"] == "" {
				t.Fatalf("%s: %d %v", name, st, body)
			}
		}
	})
}

// Every merchant has Stripe credentials; the demo merchant's are made once
// and kept in Redis across restarts and resets.
func TestCredentials_DemoKeptAcrossRestart(t *testing.T) {
	g := startGateway(t)
	var demo merchantJSON
	doJSON(t, g, "GET", "/admin/api/merchants/m_demo", nil, 200, &demo)
	c := demo.Stripe
	if len(c.SecretKey) < 40 || c.PublishableKey[:8] != "pk_test_" || c.WebhookSecret[:6] != "whsec_" || c.APIVersion == "" {
		t.Fatalf("demo Stripe credentials %+v", c)
	}
	g.Restart()
	doJSON(t, g, "POST", "/admin/api/reset", []byte(`{}`), 200, nil)
	var again merchantJSON
	doJSON(t, g, "GET", "/admin/api/merchants/m_demo", nil, 200, &again)
	if again.Stripe != c {
		t.Fatalf("after a restart and a reset %+v, want %+v", again.Stripe, c)
	}
	st, _, _ := raw(t, "GET", g.StripeURL+"/v1/payment_intents", c.SecretKey, "")
	if st != 200 {
		t.Fatalf("the kept key answered %d", st)
	}
}
