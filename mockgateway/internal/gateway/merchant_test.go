package gateway_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// secretIssuer issues numbered credentials with a secret half, as a
// protocol with a platform key does.
type secretIssuer struct{ n atomic.Int64 }

func (s *secretIssuer) IssueCredentials(*gateway.Merchant) (gateway.IssuedCredentials, error) {
	n := s.n.Add(1)
	return gateway.IssuedCredentials{
		Raw:     json.RawMessage(fmt.Sprintf(`{"id":"app-%d","public":"pub-%d"}`, n, n)),
		Secret:  json.RawMessage(fmt.Sprintf(`{"private":"priv-%d"}`, n)),
		Aliases: map[string]string{"sec.id": fmt.Sprintf("app-%d", n)},
	}, nil
}

func (s *secretIssuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c struct{ ID string }
	err := json.Unmarshal(raw, &c)
	return map[string]string{"sec.id": c.ID}, err
}

// A protocol's secret is stored with the merchant beside its credentials,
// kept wherever the credentials are kept (seeding again, reset, a merchant
// registering its own key), and never part of the credentials themselves.
func TestMerchant_Secrets(t *testing.T) {
	issuer := &secretIssuer{}
	f := newFixtureWith(t, func(c *gateway.Config) {
		c.Issuers = map[string]gateway.CredentialIssuer{"sec": issuer}
	})
	secretOf := func(m *gateway.Merchant) string { return string(m.Secrets["sec"]) }

	t.Run("IssuedAndStored", func(t *testing.T) {
		stored, err := f.svc.Merchant(f.ctx, f.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := secretOf(stored), `{"private":"priv-1"}`; got != want {
			t.Fatalf("stored secret %q, want %q", got, want)
		}
		if got := string(stored.Credentials["sec"]); got != `{"id":"app-1","public":"pub-1"}` {
			t.Fatalf("credentials %q", got)
		}
	})

	t.Run("KeptBySeedAndReset", func(t *testing.T) {
		demo := func() *gateway.Merchant {
			return &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", APIKey: "sk_test_seed", WebhookSecret: f.m.WebhookSecret}
		}
		if err := f.svc.SeedMerchant(f.ctx, demo()); err != nil {
			t.Fatal(err)
		}
		first, _ := f.svc.Merchant(f.ctx, gateway.DemoMerchantID)
		if secretOf(first) == "" {
			t.Fatal("the seeded merchant got no secret")
		}
		if err := f.svc.SeedMerchant(f.ctx, demo()); err != nil {
			t.Fatal(err)
		}
		again, _ := f.svc.Merchant(f.ctx, gateway.DemoMerchantID)
		if secretOf(again) != secretOf(first) || string(again.Credentials["sec"]) != string(first.Credentials["sec"]) {
			t.Fatalf("seeding again changed the credentials: %s %s → %s %s",
				first.Credentials["sec"], secretOf(first), again.Credentials["sec"], secretOf(again))
		}
		if err := f.svc.Reset(f.ctx, demo()); err != nil {
			t.Fatal(err)
		}
		reset, _ := f.svc.Merchant(f.ctx, gateway.DemoMerchantID)
		if secretOf(reset) != secretOf(first) {
			t.Fatalf("reset changed the secret: %s → %s", secretOf(first), secretOf(reset))
		}
		if _, err := f.svc.MerchantByAlias(f.ctx, "sec.id", aliasOf(t, reset)); err != nil {
			t.Fatalf("alias after reset: %v", err)
		}
	})

	t.Run("KeptWhenCredentialsAreReplaced", func(t *testing.T) {
		m, err := f.svc.CreateMerchant(f.ctx, "Own key", "")
		if err != nil {
			t.Fatal(err)
		}
		before := secretOf(m)
		raw := json.RawMessage(`{"id":"` + aliasOf(t, m) + `","public":"merchant's own"}`)
		changed, err := f.svc.SetCredentials(f.ctx, m, "sec", raw)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := f.svc.Merchant(f.ctx, m.ID)
		for _, got := range []*gateway.Merchant{changed, stored} {
			if secretOf(got) != before || string(got.Credentials["sec"]) != string(raw) {
				t.Fatalf("after SetCredentials: %s %s, want %s %s", got.Credentials["sec"], secretOf(got), raw, before)
			}
		}
		if secretOf(m) != before || string(m.Credentials["sec"]) == string(raw) {
			t.Fatal("SetCredentials changed the merchant it was given")
		}
	})
}

func aliasOf(t *testing.T, m *gateway.Merchant) string {
	t.Helper()
	var c struct{ ID string }
	if err := json.Unmarshal(m.Credentials["sec"], &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}
