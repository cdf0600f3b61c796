package webhook_test

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/paysandbox/paysandbox/shared/webhook"
)

// The vector published with the Standard Webhooks specification.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specHeaders(sig string, ts int64) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, specID)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

func verifierAt(t *testing.T, now time.Time, secrets ...string) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	return v
}

func TestSigner_SpecVector(t *testing.T) {
	s, err := webhook.NewSigner(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sign(specID, time.Unix(specTimestamp, 0), []byte(specBody)); got != specSignature {
		t.Fatalf("Sign = %q, want %q", got, specSignature)
	}
}

func TestVerifier_Verify(t *testing.T) {
	now := time.Unix(specTimestamp, 0)
	other, _ := webhook.NewSecret(32)
	tests := []struct {
		name    string
		secrets []string
		header  http.Header
		body    string
		now     time.Time
		wantErr error
	}{
		{"SpecVector", []string{specSecret}, specHeaders(specSignature, specTimestamp), specBody, now, nil},
		{"SeveralSignatures", []string{specSecret}, specHeaders("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "+specSignature, specTimestamp), specBody, now, nil},
		{"RotatedSecret", []string{other, specSecret}, specHeaders(specSignature, specTimestamp), specBody, now, nil},
		{"WrongSecret", []string{other}, specHeaders(specSignature, specTimestamp), specBody, now, webhook.ErrNoMatchingSignature},
		{"TamperedBody", []string{specSecret}, specHeaders(specSignature, specTimestamp), `{"test": 2432232315}`, now, webhook.ErrNoMatchingSignature},
		{"UnknownVersion", []string{specSecret}, specHeaders(strings.Replace(specSignature, "v1,", "v2,", 1), specTimestamp), specBody, now, webhook.ErrNoMatchingSignature},
		{"MissingSignature", []string{specSecret}, specHeaders("", specTimestamp), specBody, now, webhook.ErrMissingHeaders},
		{"BadTimestamp", []string{specSecret}, func() http.Header {
			h := specHeaders(specSignature, 0)
			h.Set(webhook.HeaderTimestamp, "yesterday")
			return h
		}(), specBody, now, webhook.ErrInvalidHeaders},
		{"TooOld", []string{specSecret}, specHeaders(specSignature, specTimestamp), specBody, now.Add(5*time.Minute + time.Second), webhook.ErrTimestampTooOld},
		{"TooNew", []string{specSecret}, specHeaders(specSignature, specTimestamp), specBody, now.Add(-5*time.Minute - time.Second), webhook.ErrTimestampTooNew},
		{"EdgeOfTolerance", []string{specSecret}, specHeaders(specSignature, specTimestamp), specBody, now.Add(5 * time.Minute), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierAt(t, tt.now, tt.secrets...)
			err := v.Verify([]byte(tt.body), tt.header)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeSecret_Invalid(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := webhook.NewSigner(s); !errors.Is(err, webhook.ErrInvalidSecret) {
			t.Errorf("NewSigner(%q) = %v, want ErrInvalidSecret", s, err)
		}
	}
	if _, err := webhook.NewSecret(8); err == nil {
		t.Error("NewSecret(8) accepted a too short key")
	}
}

// The official Standard Webhooks Go library must accept what we sign, and we
// must accept what it signs.
func TestInteropWithOfficialLibrary(t *testing.T) {
	secret, err := webhook.NewSecret(32)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","object":"event","type":"payment.succeeded"}`)
	now := time.Now()

	ours, _ := webhook.NewSigner(secret)
	official, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := official.Verify(body, ours.Headers("evt_1", now, body)); err != nil {
		t.Fatalf("official library rejects our signature: %v", err)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] = 'X'
	if err := official.Verify(tampered, ours.Headers("evt_1", now, body)); err == nil {
		t.Fatal("official library accepted a tampered body")
	}

	sig, err := official.Sign("evt_2", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(webhook.HeaderID, "evt_2")
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	if err := verifierAt(t, now, secret).Verify(body, h); err != nil {
		t.Fatalf("we reject the official library's signature: %v", err)
	}
}

func TestReturnURL_RoundTrip(t *testing.T) {
	s, _ := webhook.NewSigner(specSecret)
	now := time.Unix(1700000000, 0)
	r := webhook.Return{PaymentID: "pay_1", OutTradeNo: "ORD-1-1", Status: "pending", ErrorCode: "card_declined", Timestamp: now}
	signed, err := s.SignReturnURL("https://shop.example/return?order=ORD-1&status=mine", r)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	if q.Get("order") != "ORD-1" {
		t.Errorf("merchant's own parameter lost: %s", signed)
	}
	v2 := verifierAt(t, now, specSecret)
	got, err := v2.VerifyReturn(q)
	if err != nil {
		t.Fatalf("VerifyReturn: %v", err)
	}
	if got.PaymentID != "pay_1" || got.Status != "pending" || got.ErrorCode != "card_declined" || !got.Timestamp.Equal(now) {
		t.Errorf("VerifyReturn = %+v", got)
	}

	t.Run("Tampered", func(t *testing.T) {
		bad := url.Values{}
		for k, vs := range q {
			bad[k] = vs
		}
		bad.Set("status", "succeeded")
		if _, err := v2.VerifyReturn(bad); !errors.Is(err, webhook.ErrNoMatchingSignature) {
			t.Fatalf("VerifyReturn(tampered) = %v", err)
		}
	})
	t.Run("DroppedErrorCode", func(t *testing.T) {
		bad := url.Values{}
		for k, vs := range q {
			bad[k] = vs
		}
		bad.Del("error_code")
		if _, err := v2.VerifyReturn(bad); !errors.Is(err, webhook.ErrNoMatchingSignature) {
			t.Fatalf("VerifyReturn(no error_code) = %v", err)
		}
	})
	t.Run("Stale", func(t *testing.T) {
		late := verifierAt(t, now.Add(time.Hour), specSecret)
		if _, err := late.VerifyReturn(q); !errors.Is(err, webhook.ErrTimestampTooOld) {
			t.Fatalf("VerifyReturn(stale) = %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if _, err := v2.VerifyReturn(url.Values{"payment_id": {"pay_1"}}); !errors.Is(err, webhook.ErrMissingHeaders) {
			t.Fatalf("VerifyReturn(missing) = %v", err)
		}
	})
}
