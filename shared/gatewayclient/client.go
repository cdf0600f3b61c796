// Package gatewayclient is a typed client of the PaySandbox gateway's native
// /v1 API (DESIGN §3) for the sandbox shop and for any integrator.
//
// Every POST carries an Idempotency-Key (the caller's, or one generated per
// call) and every call is retried with back-off on network errors, 5xx, 429
// and undecodable answers, always with the same key, so a retried create
// never makes a second payment. Answers that are not a success come back as
// *Error.
//
//	c := gatewayclient.New("http://localhost:8081", "sk_test_demo")
//	p, err := c.CreatePayment(ctx, &gatewayclient.CreatePaymentParams{...},
//		gatewayclient.WithIdempotencyKey("order-42-1"))
package gatewayclient

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
)

// Header names the client sends or reads.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderScenario       = "Mock-Scenario"
	HeaderRequestID      = "Request-Id"
	HeaderReplayed       = "Idempotent-Replayed"
)

// maxBody bounds how much of an answer is read; the gateway's largest answer
// is a list of 100 objects, far below this.
const maxBody = 8 << 20

// Client calls one gateway as one merchant. It is safe for concurrent use.
type Client struct {
	baseURL     string
	apiKey      string
	http        *http.Client
	maxAttempts int
	minBackoff  time.Duration
	maxBackoff  time.Duration
	newKey      func() string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (its Timeout bounds one attempt). The
// default has a 10 s timeout.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithMaxAttempts sets how many times one call is tried in all (at least 1;
// default 4).
func WithMaxAttempts(n int) Option {
	return func(c *Client) { c.maxAttempts = max(1, n) }
}

// WithBackoff sets the first and the largest pause between attempts (default
// 200ms and 5s); pauses double from the first and carry jitter.
func WithBackoff(first, largest time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = first, max(first, largest) }
}

// WithKeyGenerator replaces the generator of Idempotency-Keys for calls that
// do not bring their own (tests make them predictable).
func WithKeyGenerator(f func() string) Option { return func(c *Client) { c.newKey = f } }

// New returns a client of the gateway at baseURL (e.g. http://localhost:8081)
// authenticated with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		apiKey:      apiKey,
		http:        &http.Client{Timeout: 10 * time.Second},
		maxAttempts: 4,
		minBackoff:  200 * time.Millisecond,
		maxBackoff:  5 * time.Second,
		newKey:      randomKey,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequestOption changes one call.
type RequestOption func(*request)

// WithIdempotencyKey sets the Idempotency-Key of a POST. Give a key derived
// from your own record (an order number) so a call repeated after a crash
// is recognised by the gateway too.
func WithIdempotencyKey(key string) RequestOption { return func(r *request) { r.key = key } }

// WithScenario sends a Mock-Scenario header (DESIGN §6), e.g. "notify_drop"
// or "api_error=503", to make the gateway misbehave on purpose.
func WithScenario(s string) RequestOption { return func(r *request) { r.scenario = s } }

// WithoutRetries makes one attempt only, e.g. for a health check.
func WithoutRetries() RequestOption { return func(r *request) { r.noRetry = true } }

type request struct {
	method, path string
	body         any
	key          string
	scenario     string
	noRetry      bool
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return "ik_" + hex.EncodeToString(b)
}

// call runs one API call with retries and decodes a success into out.
func (c *Client) call(ctx context.Context, method, path string, body, out any, opts []RequestOption) error {
	r := &request{method: method, path: path, body: body}
	for _, o := range opts {
		o(r)
	}
	var payload []byte
	if method == http.MethodPost {
		if r.key == "" {
			r.key = c.newKey()
		}
		if len(r.key) > 255 {
			return fmt.Errorf("%w: Idempotency-Key longer than 255 characters", errInvalidRequest)
		}
		payload = []byte("{}")
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return fmt.Errorf("%w: encode body: %v", errInvalidRequest, err)
			}
			payload = b
		}
	}
	attempts := c.maxAttempts
	if r.noRetry {
		attempts = 1
	}
	var lastErr error
	for n := 0; n < attempts; n++ {
		if n > 0 {
			if err := sleep(ctx, c.pause(n, lastErr)); err != nil {
				return fmt.Errorf("gatewayclient: %s %s: %w (after %v)", method, path, err, lastErr)
			}
		}
		err := c.once(ctx, r, payload, out)
		if err == nil {
			return nil
		}
		lastErr = err
		if ctx.Err() != nil || !IsTemporary(err) {
			return err
		}
	}
	return lastErr
}

// pause is the wait before attempt n (1-based retries): exponential with
// jitter, and never shorter than a Retry-After the gateway asked for.
func (c *Client) pause(n int, last error) time.Duration {
	d := c.minBackoff << (n - 1)
	if d > c.maxBackoff || d <= 0 {
		d = c.maxBackoff
	}
	if d > 1 {
		d = d/2 + rand.N(d/2)
	}
	var re *retryAfterError
	if errors.As(last, &re) && re.after > d {
		d = min(re.after, 30*time.Second)
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfterError carries a Retry-After hint next to the *Error it wraps.
type retryAfterError struct {
	err   *Error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

func (c *Client) once(ctx context.Context, r *request, payload []byte, out any) error {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.baseURL+r.path, body)
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalidRequest, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(HeaderIdempotencyKey, r.key)
	}
	if r.scenario != "" {
		req.Header.Set(HeaderScenario, r.scenario)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("gatewayclient: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("gatewayclient: %s %s: read answer: %w", r.method, r.path, err)
	}
	reqID := resp.Header.Get(HeaderRequestID)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			// A truncated answer (api_malformed) is retried: under the same
			// Idempotency-Key the gateway replays the real result.
			return fmt.Errorf("gatewayclient: %s %s: undecodable answer %d [request %s]: %w", r.method, r.path, resp.StatusCode, reqID, err)
		}
		return nil
	}
	apiErr := &Error{Status: resp.StatusCode, RequestID: reqID}
	var eb gatewayapi.ErrorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
		apiErr.Type, apiErr.Code, apiErr.Message, apiErr.Param = eb.Error.Type, eb.Error.Code, eb.Error.Message, eb.Error.Param
	} else {
		apiErr.Message = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	if s := resp.Header.Get("Retry-After"); s != "" && apiErr.Temporary() {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			return &retryAfterError{err: apiErr, after: time.Duration(secs) * time.Second}
		}
	}
	return apiErr
}
