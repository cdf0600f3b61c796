package gateway

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
)

// DemoMerchantID is the id of the merchant seeded from configuration.
const DemoMerchantID = "m_demo"

// CreateMerchant creates a merchant with a fresh API key and signing secret.
func (s *Service) CreateMerchant(ctx context.Context, name, notifyURL string) (*gatewayapi.Merchant, error) {
	secret, err := webhook.NewSecret(32)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &gatewayapi.Merchant{
		ID: NewID("m", now), Object: "merchant", Name: name, NotifyURL: notifyURL,
		APIKey: "sk_test_" + randomToken(32), WebhookSecret: secret, CreatedAt: now,
	}
	if err := s.store.CreateMerchant(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// SeedMerchant stores a merchant with given id and credentials (the demo
// merchant from configuration), replacing what was stored under its id.
func (s *Service) SeedMerchant(ctx context.Context, m *gatewayapi.Merchant) error {
	if old, err := s.store.Merchant(ctx, m.ID); err == nil {
		m.CreatedAt = old.CreatedAt
	} else if ErrorCode(err) != ResourceMissing {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	m.Object = "merchant"
	return s.store.CreateMerchant(ctx, m)
}

// Reset wipes all state and seeds the demo merchant again.
func (s *Service) Reset(ctx context.Context, demo *gatewayapi.Merchant) error {
	if err := s.store.Reset(ctx); err != nil {
		return err
	}
	d := *demo
	d.CreatedAt = s.now()
	return s.SeedMerchant(ctx, &d)
}

// Authenticate returns the merchant owning an API key, or an invalid_api_key
// error.
func (s *Service) Authenticate(ctx context.Context, key string) (*gatewayapi.Merchant, error) {
	if key == "" {
		return nil, Errorf(InvalidAPIKey, "", "No API key given. Send it as `Authorization: Bearer sk_test_...`.")
	}
	m, err := s.store.MerchantByAPIKey(ctx, key)
	if err != nil {
		if ErrorCode(err) == ResourceMissing {
			return nil, Errorf(InvalidAPIKey, "", "The API key is not valid.")
		}
		return nil, err
	}
	if m.APIKey != key {
		// A key that was replaced (the demo key changed between starts)
		// still points at its merchant in the index: refuse it.
		return nil, Errorf(InvalidAPIKey, "", "The API key is not valid.")
	}
	return m, nil
}

// randomToken returns n random characters of [0-9a-zA-Z].
func randomToken(n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("gateway: random: %v", err))
		}
		for _, c := range buf {
			// 248 = 4×62: dropping bytes above it keeps every character
			// equally likely.
			if c < 248 && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// RandomToken returns n random alphanumeric characters (an admin token).
func RandomToken(n int) string { return randomToken(n) }
