package wechat

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Notification event types (DESIGN §11.2).
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
)

// UserAgent identifies the gateway's WeChat Pay notification requests.
const UserAgent = "PaySandbox-WechatPay-Notify/1"

// topics names the notifications a change makes: WeChat Pay tells the
// merchant of a payment's success and of a refund's end, nothing else (a
// decline, a close and a refund's creation are learned by querying).
func topics(ch gateway.Change) []string {
	switch ch.Type {
	case gateway.EventPaymentSucceeded:
		return []string{EventTransactionSuccess}
	case gateway.EventRefundSucceeded:
		return []string{EventRefundSuccess}
	case gateway.EventRefundFailed:
		if refundStatus(ch.Refund) == RefundClosed {
			return []string{EventRefundClosed}
		}
		return []string{EventRefundAbnormal}
	}
	return nil
}

// notification is WeChat Pay's notification envelope.
type notification struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     resource `json:"resource"`
}

// notificationBody encodes an event: the transaction or refund as it was,
// encrypted with the merchant's APIv3 key, in the envelope.
func notificationBody(ev *gateway.Event, creds *Credentials) ([]byte, error) {
	var (
		plain        any
		originalType string
		summary      string
	)
	switch ev.Topic {
	case EventTransactionSuccess:
		plain, originalType, summary = transactionOf(ev.Payment), "transaction", "支付成功"
	case EventRefundSuccess, EventRefundAbnormal, EventRefundClosed:
		if ev.Refund == nil {
			return nil, fmt.Errorf("wechat: event %s (%s) has no refund", ev.ID, ev.Topic)
		}
		plain, originalType = refundNoticeOf(ev.Refund, ev.Payment), "refund"
		summary = map[string]string{EventRefundSuccess: "退款成功", EventRefundAbnormal: "退款异常", EventRefundClosed: "退款关闭"}[ev.Topic]
	default:
		return nil, fmt.Errorf("wechat: event %s has topic %q, which WeChat Pay does not notify", ev.ID, ev.Topic)
	}
	pt, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	res, err := encrypt(creds.APIv3Key, originalType, pt)
	if err != nil {
		return nil, err
	}
	res.OriginalType = originalType
	return json.Marshal(notification{
		ID: ev.ID, CreateTime: wxTime(ev.CreatedAt), ResourceType: "encrypt-resource",
		EventType: ev.Topic, Summary: summary, Resource: res,
	})
}

// Encode builds the notification of a delivery (DESIGN §11.2): the
// envelope, signed with the merchant's platform key like an answer, plus
// Wechatpay-Signature-Type. The delivery's faults: notify_bad_signature
// signs with a key nobody has; notify_stale_timestamp signs a timestamp
// ten minutes old; notify_tamper_amount signs the original request but
// sends one whose plaintext carries the tampered amount (encrypted
// validly), as if someone had changed it on the way — the signature check
// fails, as it would on WeChat Pay's wire.
func (a *Adapter) Encode(d *gateway.Delivery, now time.Time) (http.Header, []byte, error) {
	creds, sg, err := a.credentialsOf(d.Merchant)
	if err != nil {
		return nil, nil, err
	}
	signed, err := notificationBody(d.Event, creds)
	if err != nil {
		return nil, nil, err
	}
	sent := signed
	if d.TamperAmount {
		if sent, err = notificationBody(d.Payload(), creds); err != nil {
			return nil, nil, err
		}
	}
	ts := now
	if d.StaleTimestamp {
		ts = now.Add(-gateway.StaleTimestampAge)
	}
	key := sg.key
	if d.BadSignature {
		if key, err = a.stranger(); err != nil {
			return nil, nil, err
		}
	}
	h, err := signedHeaders(key, sg.serial, ts, signed)
	if err != nil {
		return nil, nil, err
	}
	h.Set(HeaderSignatureType, SignatureType)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return h, sent, nil
}

// newStranger makes the key notify_bad_signature signs with: a
// well-formed signature by a key no merchant knows, made once per process.
func newStranger() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, keyBits)
}

// Acknowledged reports whether an answer acknowledges a notification: 200
// or 204, unless the body says {"code": "FAIL"}.
func (a *Adapter) Acknowledged(status int, body []byte) bool {
	if status != http.StatusOK && status != http.StatusNoContent {
		return false
	}
	var ans struct {
		Code string `json:"code"`
	}
	return json.Unmarshal(body, &ans) != nil || !strings.EqualFold(ans.Code, "FAIL")
}

// ReturnURL is the payment's return URL as it is: WeChat Pay signs no
// browser redirect (its orders carry none; an H5 page's redirect_url is
// the merchant's own and unsigned).
func (a *Adapter) ReturnURL(p *gateway.Payment, _ *gateway.Merchant, _ gateway.CashierReturn) (string, error) {
	return p.ReturnURL, nil
}
