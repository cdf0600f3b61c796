package stripe

import (
	"encoding/json"
	"fmt"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Credentials are what the Stripe subset issues a merchant (DESIGN §11.0),
// shown under "stripe" in the admin API.
type Credentials struct {
	// SecretKey authenticates calls to the subset, and only to it.
	SecretKey      string `json:"secret_key"`
	PublishableKey string `json:"publishable_key"`
	// WebhookSecret signs webhooks; the whole string is the HMAC key, as
	// Stripe uses it.
	WebhookSecret string `json:"webhook_secret"`
	// APIVersion is the api_version the merchant's events carry.
	APIVersion string `json:"api_version"`
}

// Issuer issues Stripe credentials to merchants.
type Issuer struct{}

// IssueCredentials returns fresh keys; the secret key is the alias that
// finds the merchant.
func (Issuer) IssueCredentials(*gateway.Merchant) (gateway.IssuedCredentials, error) {
	c := Credentials{
		SecretKey:      "sk_test_" + gateway.RandomToken(40),
		PublishableKey: "pk_test_" + gateway.RandomToken(40),
		WebhookSecret:  "whsec_" + gateway.RandomToken(32),
		APIVersion:     DefaultAPIVersion,
	}
	raw, err := json.Marshal(c)
	return gateway.IssuedCredentials{Raw: raw, Aliases: map[string]string{aliasSecretKey: c.SecretKey}}, err
}

// Aliases returns the secret key of credentials issued before.
func (Issuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return map[string]string{aliasSecretKey: c.SecretKey}, nil
}

// credentialsOf reads a merchant's Stripe credentials.
func credentialsOf(m *gateway.Merchant) (Credentials, error) {
	var c Credentials
	raw, ok := m.Credentials[Name]
	if !ok {
		return c, fmt.Errorf("stripe: merchant %s has no Stripe credentials", m.ID)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("stripe: credentials of %s: %w", m.ID, err)
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	return c, nil
}
