package native

import (
	"fmt"
	"net/http"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// UserAgent identifies the gateway's native notification requests.
const UserAgent = "PaySandbox-Webhooks/1"

// Encode builds the native notification of a delivery (DESIGN §4): the
// event envelope, signed per Standard Webhooks with the merchant's secret,
// webhook-id being the event id on every attempt and webhook-timestamp this
// attempt's time. The delivery's injected faults change the key, the
// timestamp or the payload; a tampered payload is validly signed (DESIGN §6),
// so only a receiver that checks the amount catches it.
func (a *Adapter) Encode(d *gateway.Delivery, now time.Time) (http.Header, []byte, error) {
	body, err := EnvelopeJSON(d.Payload())
	if err != nil {
		return nil, nil, err
	}
	ts := now
	if d.StaleTimestamp {
		ts = now.Add(-gateway.StaleTimestampAge)
	}
	secret := d.Merchant.WebhookSecret
	if d.BadSignature {
		// A well-formed signature by a key nobody has: only checking it
		// against the right secret can tell.
		if secret, err = webhook.NewSecret(32); err != nil {
			return nil, nil, err
		}
	}
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		return nil, nil, fmt.Errorf("merchant %s signing secret: %w", d.Merchant.ID, err)
	}
	h := signer.Headers(d.Event.ID, ts, body)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return h, body, nil
}

// Reproducible: a native body is the envelope of the delivery's snapshot,
// nothing else, so the attempt log keeps no copy of it.
func (a *Adapter) Reproducible() bool { return true }

// Acknowledged reports whether an answer acknowledges a native
// notification: any 2xx.
func (a *Adapter) Acknowledged(status int, _ []byte) bool { return status >= 200 && status < 300 }

// ReturnURL is the merchant's return_url with the signed query of DESIGN
// §4, signed with the merchant's own webhook secret so the merchant
// verifies it like a notification.
func (a *Adapter) ReturnURL(p *gateway.Payment, m *gateway.Merchant, r gateway.CashierReturn) (string, error) {
	signer, err := webhook.NewSigner(m.WebhookSecret)
	if err != nil {
		return "", err
	}
	return signer.SignReturnURL(p.ReturnURL, webhook.Return{
		PaymentID: p.ID, OutTradeNo: p.OutTradeNo, Status: r.Status, ErrorCode: r.ErrorCode, Timestamp: r.At,
	})
}
