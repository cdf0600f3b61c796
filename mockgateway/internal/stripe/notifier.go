package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// UserAgent identifies the subset's webhook requests, as Stripe's do.
const UserAgent = "Stripe/1.0 (+https://stripe.com/docs/webhooks; PaySandbox)"

// Encode builds a webhook of a delivery: the Event with the merchant's
// api_version, signed as Stripe signs it — Stripe-Signature: t=…,v1=… with
// v1 the hex HMAC-SHA256 of "t.body" keyed by the whole webhook secret.
// The delivery's faults change the key (notify_bad_signature), the
// timestamp (notify_stale_timestamp) or the payload (notify_tamper_amount,
// validly signed).
func (a *Adapter) Encode(d *gateway.Delivery, now time.Time) (http.Header, []byte, error) {
	creds, err := credentialsOf(d.Merchant)
	if err != nil {
		return nil, nil, err
	}
	ev, err := toEvent(d.Event, d.Payload(), creds.APIVersion)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, nil, fmt.Errorf("stripe: encode event %s: %w", d.Event.ID, err)
	}
	ts := now
	if d.StaleTimestamp {
		ts = now.Add(-gateway.StaleTimestampAge)
	}
	secret := creds.WebhookSecret
	if d.BadSignature {
		// A well-formed signature by a key nobody has.
		secret = "whsec_" + gateway.RandomToken(32)
	}
	h := http.Header{}
	h.Set("Stripe-Signature", SignatureHeader(secret, ts, body))
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", UserAgent)
	return h, body, nil
}

// SignatureHeader is Stripe's webhook signature of body at t.
func SignatureHeader(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Acknowledged reports whether an answer acknowledges a webhook: any 2xx,
// as Stripe counts it.
func (a *Adapter) Acknowledged(status int, _ []byte) bool { return status >= 200 && status < 300 }

// ReturnURL is where the cashier sends the customer back. A Checkout
// Session's customer goes to success_url once paid, to cancel_url
// otherwise, with {CHECKOUT_SESSION_ID} replaced by the session's id; a
// PaymentIntent's return_url gets Stripe's redirect parameters
// (payment_intent, payment_intent_client_secret, redirect_status). Stripe
// signs neither: the merchant reads the status back from the API.
func (a *Adapter) ReturnURL(p *gateway.Payment, _ *gateway.Merchant, r gateway.CashierReturn) (string, error) {
	x, ok := extOf(p)
	if !ok {
		return "", fmt.Errorf("stripe: payment %s has no Stripe data", p.ID)
	}
	if x.Kind == kindSession && x.Session != nil {
		target := x.Session.CancelURL
		if r.Status == gateway.PaymentSucceeded {
			target = x.Session.SuccessURL
		}
		// The placeholder is literal in the URL the merchant gave, or
		// escaped once it was parsed and printed again.
		target = strings.ReplaceAll(target, "{CHECKOUT_SESSION_ID}", p.Refs[refSession])
		return strings.ReplaceAll(target, "%7BCHECKOUT_SESSION_ID%7D", p.Refs[refSession]), nil
	}
	status := "failed"
	if r.Status == gateway.PaymentSucceeded {
		status = "succeeded"
	}
	return appendQuery(p.ReturnURL, url.Values{
		"payment_intent": {p.Refs[refIntent]}, "payment_intent_client_secret": {x.ClientSecret}, "redirect_status": {status},
	}), nil
}

// httpURL reports whether s is an absolute http(s) URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}
