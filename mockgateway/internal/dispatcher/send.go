package dispatcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// send makes one HTTP attempt. It reads at most MaxResponseBody bytes of the
// answer (and drains a little more so the connection can be reused).
func (d *Dispatcher) send(ctx context.Context, n *request) (gateway.AttemptResult, string) {
	start := d.Now()
	res := gateway.AttemptResult{At: start, Request: sent(n)}
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
	if res.Acknowledged = n.ack(res.StatusCode, buf); res.Acknowledged {
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
