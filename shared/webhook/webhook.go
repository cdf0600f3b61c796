// Package webhook signs and verifies PaySandbox notifications per Standard
// Webhooks (https://www.standardwebhooks.com) and the signed query string the
// cashier adds to a merchant's return URL.
//
// Merchants verify a notification with:
//
//	v, err := webhook.NewVerifier(secret)
//	body, _ := io.ReadAll(r.Body)
//	if err := v.Verify(body, r.Header); err != nil { /* answer 401 */ }
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a Standard Webhooks delivery.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret; the rest is standard padded base64
// of the HMAC key.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a timestamp may be from the receiver's clock,
// in either direction.
const DefaultTolerance = 5 * time.Minute

// Sentinel errors returned (wrapped) by verification.
var (
	ErrInvalidSecret       = errors.New("webhook: invalid secret")
	ErrMissingHeaders      = errors.New("webhook: missing required headers")
	ErrInvalidHeaders      = errors.New("webhook: invalid signature headers")
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
	ErrTimestampTooOld     = errors.New("webhook: timestamp too old")
	ErrTimestampTooNew     = errors.New("webhook: timestamp too new")
)

// DecodeSecret returns the HMAC key of a secret. A secret with the whsec_
// prefix is base64 after the prefix; one without is taken as base64 too, as
// the reference libraries do.
func DecodeSecret(secret string) ([]byte, error) {
	raw := strings.TrimPrefix(secret, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: want %s followed by base64", ErrInvalidSecret, SecretPrefix)
	}
	return key, nil
}

// NewSecret returns a fresh secret with a random key of n bytes (24–64).
func NewSecret(n int) (string, error) {
	if n < 24 || n > 64 {
		return "", fmt.Errorf("webhook: secret length %d outside 24..64", n)
	}
	key := make([]byte, n)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Signer signs deliveries with one secret.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for a whsec_ secret.
func NewSigner(secret string) (*Signer, error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key}, nil
}

// Sign returns the webhook-signature value ("v1,<base64>") for one delivery.
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(s.mac(id, ts.Unix(), body))
}

// Headers returns the three Standard Webhooks headers for one delivery.
func (s *Signer) Headers(id string, ts time.Time, body []byte) http.Header {
	h := make(http.Header, 3)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, s.Sign(id, ts, body))
	return h
}

func (s *Signer) mac(id string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(unix, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verifier checks deliveries against one or more secrets (several during a
// rotation) and a clock.
type Verifier struct {
	signers []*Signer
	// Now is the receiver's clock; tests replace it.
	Now func() time.Time
	// Tolerance bounds the distance between Now and the delivery timestamp.
	Tolerance time.Duration
}

// NewVerifier returns a Verifier accepting a signature by any of secrets.
func NewVerifier(secrets ...string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrInvalidSecret)
	}
	v := &Verifier{Now: time.Now, Tolerance: DefaultTolerance}
	for _, sec := range secrets {
		s, err := NewSigner(sec)
		if err != nil {
			return nil, err
		}
		v.signers = append(v.signers, s)
	}
	return v, nil
}

// Verify checks the headers of a delivery against its exact body. It returns
// nil or an error wrapping one of the sentinel errors.
func (v *Verifier) Verify(body []byte, h http.Header) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrInvalidHeaders, tsText)
	}
	if err := v.checkTime(unix); err != nil {
		return err
	}
	for _, s := range v.signers {
		want := s.mac(id, unix, body)
		for _, sig := range strings.Fields(sigs) {
			version, b64, ok := strings.Cut(sig, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				continue
			}
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrNoMatchingSignature
}

func (v *Verifier) checkTime(unix int64) error {
	now := v.Now()
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	ts := time.Unix(unix, 0)
	switch {
	case ts.Before(now.Add(-tol)):
		return ErrTimestampTooOld
	case ts.After(now.Add(tol)):
		return ErrTimestampTooNew
	}
	return nil
}

// equal compares two strings in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
