package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// secretIssuer issues credentials with a secret half, numbered so a test
// can tell a kept secret from a fresh one.
type secretIssuer struct{ issued int }

func (s *secretIssuer) IssueCredentials(*gateway.Merchant) (gateway.IssuedCredentials, error) {
	s.issued++
	id := gateway.RandomToken(12)
	return gateway.IssuedCredentials{
		Raw:     json.RawMessage(`{"id":"` + id + `"}`),
		Aliases: map[string]string{"secret.id": id},
		Secret:  json.RawMessage(`{"private":"` + gateway.RandomToken(16) + `"}`),
	}, nil
}

func (s *secretIssuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c struct{ ID string }
	err := json.Unmarshal(raw, &c)
	return map[string]string{"secret.id": c.ID}, err
}

// A protocol's secret (a platform private key) is stored beside its
// credentials, kept with them when the demo merchant is seeded again or
// the state is reset, and untouched when the merchant registers its own
// keys.
func TestMerchant_SecretsKeptWithCredentials(t *testing.T) {
	iss := &secretIssuer{}
	f := newFixtureWith(t, func(c *gateway.Config) { c.Issuers = map[string]gateway.CredentialIssuer{"secret": iss} })
	if iss.issued != 1 {
		t.Fatalf("issued %d times for one merchant", iss.issued)
	}
	stored, err := f.svc.Merchant(f.ctx, f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret := string(stored.Secrets["secret"])
	if secret == "" || string(stored.Credentials["secret"]) == "" {
		t.Fatalf("stored merchant lacks the credentials or their secret: %+v", stored)
	}

	demo := func() *gateway.Merchant {
		return &gateway.Merchant{ID: gateway.DemoMerchantID, Name: "Demo", APIKey: "sk_test_demo_secrets", WebhookSecret: f.m.WebhookSecret}
	}
	if err := f.svc.SeedMerchant(f.ctx, demo()); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Merchant(f.ctx, gateway.DemoMerchantID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SeedMerchant(f.ctx, demo()); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reset(f.ctx, demo()); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Merchant(f.ctx, gateway.DemoMerchantID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(again.Secrets["secret"]), string(first.Secrets["secret"]); got != want || got == "" {
		t.Fatalf("demo secret after seed and reset %s, want the first one %s", got, want)
	}
	if got, want := string(again.Credentials["secret"]), string(first.Credentials["secret"]); got != want {
		t.Fatalf("demo credentials after seed and reset %s, want %s", got, want)
	}
	if iss.issued != 2 {
		t.Fatalf("issued %d times, want 2 (the merchant and the demo merchant once)", iss.issued)
	}
	if m, err := f.svc.MerchantByAlias(f.ctx, "secret.id", aliasOf(t, again)); err != nil || m.ID != gateway.DemoMerchantID {
		t.Fatalf("the demo alias after reset finds %+v, %v", m, err)
	}

	own, err := f.svc.SetCredentials(f.ctx, again, "secret", json.RawMessage(`{"id":"own-id"}`))
	if err != nil {
		t.Fatal(err)
	}
	reread, err := f.svc.Merchant(f.ctx, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(reread.Secrets["secret"]); got != string(first.Secrets["secret"]) {
		t.Fatalf("secret after registering own credentials %s, want it kept", got)
	}
	if string(again.Credentials["secret"]) == `{"id":"own-id"}` {
		t.Fatal("SetCredentials changed the merchant it was given")
	}
}

func aliasOf(t *testing.T, m *gateway.Merchant) string {
	t.Helper()
	var c struct{ ID string }
	if err := json.Unmarshal(m.Credentials["secret"], &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}
