package dispatcher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// notification is one signed request, ready to send (again, for duplicates).
type notification struct {
	url    string
	body   []byte
	header http.Header
}

// build makes the native notification of a delivery: the event envelope,
// signed per Standard Webhooks with the merchant's secret, webhook-id being
// the event id on every attempt and webhook-timestamp this attempt's time.
// The delivery's injected faults change the body, key or timestamp.
func build(del *gateway.Delivery, now time.Time) (*notification, error) {
	body := del.Event.Body
	if del.TamperAmount {
		var err error
		if body, err = tamperAmount(body); err != nil {
			return nil, err
		}
	}
	ts := now
	if del.StaleTimestamp {
		ts = now.Add(-gateway.StaleTimestampAge)
	}
	secret := del.Merchant.WebhookSecret
	if del.BadSignature {
		// A well-formed signature by a key nobody has: only checking it
		// against the right secret can tell.
		var err error
		if secret, err = webhook.NewSecret(32); err != nil {
			return nil, err
		}
	}
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("merchant %s signing secret: %w", del.Merchant.ID, err)
	}
	h := signer.Headers(del.Event.ID, ts, body)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	return &notification{url: del.Event.URL, body: body, header: h}, nil
}

// tamperAmount returns the envelope with data.object.amount raised by one
// minor unit — the smallest change, so that a receiver comparing amounts
// loosely is caught too. Everything else keeps its value.
func tamperAmount(body []byte) ([]byte, error) {
	var env gatewayapi.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("tamper: decode envelope: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(env.Data.Object, &obj); err != nil {
		return nil, fmt.Errorf("tamper: decode object: %w", err)
	}
	var amount int64
	if err := json.Unmarshal(obj["amount"], &amount); err != nil {
		return nil, fmt.Errorf("tamper: the object has no amount: %w", err)
	}
	obj["amount"] = json.RawMessage(strconv.FormatInt(amount+1, 10))
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	env.Data.Object = raw
	return json.Marshal(env)
}

// send makes one HTTP attempt. It reads at most MaxResponseBody bytes of the
// answer (and drains a little more so the connection can be reused).
func (d *Dispatcher) send(ctx context.Context, n *notification) (gateway.AttemptResult, string) {
	start := d.Now()
	res := gateway.AttemptResult{At: start}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(n.body))
	if err != nil {
		res.Err = fmt.Sprintf("invalid notify_url: %v", err)
		return res, OutcomeNetworkError
	}
	req.Header = n.header.Clone()
	resp, err := d.Client.Do(req)
	if err != nil {
		res.Duration = d.Now().Sub(start)
		return d.failed(res, err, "")
	}
	defer resp.Body.Close()
	buf, err := io.ReadAll(io.LimitReader(resp.Body, gateway.MaxResponseBody))
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	res.Duration = d.Now().Sub(start)
	res.ResponseBody = string(buf)
	if err != nil {
		// The answer did not arrive whole within the timeout: not accepted.
		return d.failed(res, err, fmt.Sprintf(" (while reading a %d answer)", resp.StatusCode))
	}
	res.StatusCode = resp.StatusCode
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable {
		res.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), start)
	}
	if res.Succeeded() {
		return res, OutcomeSuccess
	}
	return res, OutcomeHTTPError
}

// failed fills in an attempt that got no (complete) answer.
func (d *Dispatcher) failed(res gateway.AttemptResult, err error, suffix string) (gateway.AttemptResult, string) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is on the attempt already
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		res.Err = fmt.Sprintf("no answer within %s%s", d.Timeout, suffix)
		return res, OutcomeTimeout
	}
	res.Err = strings.TrimSpace(err.Error() + suffix)
	return res, OutcomeNetworkError
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(gateway.MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
