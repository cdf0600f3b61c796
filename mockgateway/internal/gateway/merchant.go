package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/paysandbox/paysandbox/shared/webhook"
)

// DemoMerchantID is the id of the merchant seeded from configuration.
const DemoMerchantID = "m_demo"

// IssuedCredentials are what a protocol issued a merchant: its credentials
// as the adapter encodes them, and the aliases that find the merchant from
// a request of that protocol (alias kind → value, unique across merchants).
type IssuedCredentials struct {
	Raw     json.RawMessage
	Aliases map[string]string
	// Secret is what the protocol keeps to itself (a platform private
	// key): stored in Merchant.Secrets, never shown with the credentials.
	Secret json.RawMessage
}

// CredentialIssuer issues a protocol's credentials to a merchant (DESIGN
// §11.0). Adapters provide one each; the core stores what they issue.
type CredentialIssuer interface {
	// IssueCredentials returns fresh credentials for m. It is called again
	// when an alias it chose is taken by another merchant.
	IssueCredentials(m *Merchant) (IssuedCredentials, error)
	// Aliases returns the aliases of credentials issued (or registered)
	// before, so a seeded merchant's aliases can be claimed again.
	Aliases(raw json.RawMessage) (map[string]string, error)
}

// maxAliasTries bounds how often a colliding alias is issued again.
const maxAliasTries = 5

// CreateMerchant creates a merchant with a fresh API key, signing secret and
// every protocol's credentials.
func (s *Service) CreateMerchant(ctx context.Context, name, notifyURL string) (*Merchant, error) {
	secret, err := webhook.NewSecret(32)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &Merchant{
		ID: NewID("m", now), Name: name, NotifyURL: notifyURL,
		APIKey: "sk_test_" + randomToken(32), WebhookSecret: secret, CreatedAt: now,
	}
	if err := s.issueMissing(ctx, m); err != nil {
		return nil, err
	}
	if err := s.store.PutMerchant(ctx, m); err != nil {
		return nil, err
	}
	s.changed()
	return m, nil
}

// issueMissing gives m the credentials of every protocol it has none of,
// claiming their aliases, and claims again the aliases of those it has.
func (s *Service) issueMissing(ctx context.Context, m *Merchant) error {
	for protocol, issuer := range s.cfg.Issuers {
		if raw, ok := m.Credentials[protocol]; ok {
			aliases, err := issuer.Aliases(raw)
			if err != nil {
				return fmt.Errorf("gateway: %s credentials of %s: %w", protocol, m.ID, err)
			}
			if ok, err := s.claimAliases(ctx, m.ID, aliases); err != nil {
				return err
			} else if ok {
				continue
			}
			// Taken by another merchant (data from another layout): issue new ones.
		}
		var issued IssuedCredentials
		for try := 0; ; try++ {
			var err error
			if issued, err = issuer.IssueCredentials(m); err != nil {
				return fmt.Errorf("gateway: issue %s credentials: %w", protocol, err)
			}
			ok, err := s.claimAliases(ctx, m.ID, issued.Aliases)
			if err != nil {
				return err
			}
			if ok {
				break
			}
			if try == maxAliasTries {
				return fmt.Errorf("gateway: issue %s credentials: %d aliases in a row were taken", protocol, try+1)
			}
		}
		if m.Credentials == nil {
			m.Credentials = map[string]json.RawMessage{}
		}
		m.Credentials[protocol] = issued.Raw
		setSecret(m, protocol, issued.Secret)
	}
	return nil
}

// setSecret stores (or, when nil, removes) a protocol's secret of m.
func setSecret(m *Merchant, protocol string, secret json.RawMessage) {
	if secret == nil {
		delete(m.Secrets, protocol)
		return
	}
	if m.Secrets == nil {
		m.Secrets = map[string]json.RawMessage{}
	}
	m.Secrets[protocol] = secret
}

func (s *Service) claimAliases(ctx context.Context, mid string, aliases map[string]string) (bool, error) {
	for kind, alias := range aliases {
		ok, err := s.store.ClaimMerchantAlias(ctx, kind, alias, mid)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// SetCredentials replaces a protocol's credentials of a merchant (a
// merchant registering its own public key), claiming their aliases. The
// protocol's secret is kept: the merchant's key changes, the platform's
// does not.
func (s *Service) SetCredentials(ctx context.Context, m *Merchant, protocol string, raw json.RawMessage) (*Merchant, error) {
	if issuer, ok := s.cfg.Issuers[protocol]; ok {
		aliases, err := issuer.Aliases(raw)
		if err != nil {
			return nil, err
		}
		if ok, err := s.claimAliases(ctx, m.ID, aliases); err != nil {
			return nil, err
		} else if !ok {
			return nil, Errorf(ParameterInvalid, protocol, "The %s credentials name an id another merchant uses.", protocol)
		}
	}
	out := *m
	out.Secrets = maps.Clone(m.Secrets)
	out.Credentials = maps.Clone(m.Credentials)
	if out.Credentials == nil {
		out.Credentials = map[string]json.RawMessage{}
	}
	out.Credentials[protocol] = raw
	if err := s.store.PutMerchant(ctx, &out); err != nil {
		return nil, err
	}
	s.changed()
	return &out, nil
}

// SeedMerchant stores a merchant with given id and credentials (the demo
// merchant from configuration), replacing what was stored under its id but
// keeping its creation time and the provider credentials issued to it
// before: they are generated once and kept in Redis.
func (s *Service) SeedMerchant(ctx context.Context, m *Merchant) error {
	if old, err := s.store.Merchant(ctx, m.ID); err == nil {
		m.CreatedAt = old.CreatedAt
		keepCredentials(m, old)
	} else if ErrorCode(err) != ResourceMissing {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	if err := s.issueMissing(ctx, m); err != nil {
		return err
	}
	defer s.changed()
	return s.store.PutMerchant(ctx, m)
}

// Reset wipes all state and seeds the demo merchant again, with the
// provider credentials it had (their aliases claimed again).
func (s *Service) Reset(ctx context.Context, demo *Merchant) error {
	old, err := s.store.Merchant(ctx, demo.ID)
	if err != nil && ErrorCode(err) != ResourceMissing {
		return err
	}
	if err := s.store.Reset(ctx); err != nil {
		return err
	}
	s.changed()
	d := *demo
	d.Credentials = maps.Clone(demo.Credentials)
	d.Secrets = maps.Clone(demo.Secrets)
	if old != nil {
		keepCredentials(&d, old)
	}
	d.CreatedAt = time.Time{}
	return s.SeedMerchant(ctx, &d)
}

// keepCredentials gives m the credentials old had for protocols m has none
// for, with their secrets.
func keepCredentials(m, old *Merchant) {
	for p, raw := range old.Credentials {
		if _, given := m.Credentials[p]; !given {
			if m.Credentials == nil {
				m.Credentials = map[string]json.RawMessage{}
			}
			m.Credentials[p] = raw
			setSecret(m, p, old.Secrets[p])
		}
	}
}

// Merchant returns a merchant by id.
func (s *Service) Merchant(ctx context.Context, id string) (*Merchant, error) {
	return s.merchantByID(ctx, id)
}

// Merchants lists every merchant, oldest first.
func (s *Service) Merchants(ctx context.Context) ([]*Merchant, error) {
	return s.store.Merchants(ctx)
}

// MerchantByAlias returns the merchant a protocol's id points at (an Alipay
// app_id, a WeChat mchid), or resource_missing.
func (s *Service) MerchantByAlias(ctx context.Context, kind, alias string) (*Merchant, error) {
	return s.merchantByAlias(ctx, kind, alias)
}

// Authenticate returns the merchant owning a native API key, or an
// invalid_api_key error.
func (s *Service) Authenticate(ctx context.Context, key string) (*Merchant, error) {
	if key == "" {
		return nil, Errorf(InvalidAPIKey, "", "No API key given. Send it as `Authorization: Bearer sk_test_...`.")
	}
	m, err := s.merchantByAPIKey(ctx, key)
	if err != nil {
		if ErrorCode(err) == ResourceMissing {
			return nil, Errorf(InvalidAPIKey, "", "The API key is not valid.")
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(m.APIKey), []byte(key)) != 1 {
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
