package alipay

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
)

// aliasAppID is the kind of merchant alias an app_id is: requests find
// their merchant by it.
const aliasAppID = "alipay.app_id"

// Credentials are what a merchant is given for Alipay (DESIGN §11.0), as
// the admin API shows them under "alipay".
type Credentials struct {
	// AppID is 16 digits, unique across merchants.
	AppID string `json:"app_id"`
	// AppPrivateKey is the generated app key (PKCS#1 PEM), given for
	// convenience; it is dropped when the merchant registers its own
	// public key.
	AppPrivateKey string `json:"app_private_key,omitempty"`
	// AppPublicKey (PKIX PEM) verifies the merchant's requests.
	AppPublicKey string `json:"app_public_key"`
	// AlipayPublicKey (PKIX PEM) is the platform key the merchant verifies
	// answers, notifications and returns with.
	AlipayPublicKey string `json:"alipay_public_key"`
}

// secret is what the adapter keeps to itself (gateway.Merchant.Secrets):
// the private half of the platform key, never shown.
type secret struct {
	AlipayPrivateKey string `json:"alipay_private_key"`
}

// issuer issues Alipay credentials: a fresh app key pair, a fresh platform
// key pair and a unique app_id.
type issuer struct {
	pool *keyPool
}

// IssueCredentials implements gateway.CredentialIssuer.
func (is *issuer) IssueCredentials(m *gateway.Merchant) (gateway.IssuedCredentials, error) {
	// The demo merchant is seeded once per Redis; refilling the pool after
	// it would spend a second of CPU in every gateway start for merchants
	// that may never be created.
	keys, err := is.pool.take(2, m.ID != gateway.DemoMerchantID)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	app, platform := keys[0], keys[1]
	appPub, err := publicPEM(&app.PublicKey)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	platformPub, err := publicPEM(&platform.PublicKey)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	id, err := newAppID()
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	creds := Credentials{AppID: id, AppPrivateKey: privatePEM(app), AppPublicKey: appPub, AlipayPublicKey: platformPub}
	raw, err := json.Marshal(creds)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	sec, err := json.Marshal(secret{AlipayPrivateKey: privatePEM(platform)})
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	return gateway.IssuedCredentials{Raw: raw, Secret: sec, Aliases: map[string]string{aliasAppID: id}}, nil
}

// Aliases implements gateway.CredentialIssuer.
func (is *issuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("alipay: credentials: %w", err)
	}
	return map[string]string{aliasAppID: c.AppID}, nil
}

// newAppID returns a 16-digit app_id shaped like Alipay's: "2021" and 12
// random digits.
func newAppID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	if err != nil {
		return "", fmt.Errorf("alipay: app_id: %w", err)
	}
	return fmt.Sprintf("2021%012d", n), nil
}

// sellerID is the merchant's Alipay user id (seller_id), derived from its
// app_id: "2088" and the app_id's last 12 digits, as Alipay's 16-digit
// partner ids look.
func sellerID(appID string) string {
	if len(appID) < 12 {
		return "2088" + appID
	}
	return "2088" + appID[len(appID)-12:]
}

type registerRequest struct {
	AppPublicKey string `json:"app_public_key" binding:"required"`
}

// registerAppKey is the admin API's PUT /admin/api/merchants/{id}/alipay
// (adminapi.CredentialsForm): the merchant registers its own app public
// key instead of the generated pair, as a real shop that keeps its key pair
// does. The generated private key is dropped unless the key registered is
// its own public half.
func registerAppKey(current json.RawMessage, body []byte) (json.RawMessage, error) {
	var req registerRequest
	if err := jsonbind.Bind(body, &req); err != nil {
		return nil, err
	}
	pub, err := parsePublicKey(req.AppPublicKey)
	if err != nil {
		return nil, gateway.Errorf(gateway.ParameterInvalid, "app_public_key",
			"app_public_key must be an RSA public key of at least %d bits, as PEM (BEGIN PUBLIC KEY) or its base64 body: it is %v.", keyBits, err)
	}
	normalized, err := publicPEM(pub)
	if err != nil {
		return nil, err
	}
	var c Credentials
	if err := json.Unmarshal(current, &c); err != nil || c.AppID == "" {
		return nil, fmt.Errorf("alipay: stored credentials unreadable: %v", err)
	}
	if normalized != c.AppPublicKey {
		c.AppPrivateKey = ""
	}
	c.AppPublicKey = normalized
	return json.Marshal(c)
}

// merchantKeys are a merchant's Alipay keys, parsed.
type merchantKeys struct {
	creds Credentials
	// app verifies the merchant's requests; platform signs the gateway's
	// answers, notifications and returns.
	app      *rsa.PublicKey
	platform *rsa.PrivateKey
}

// keysOf reads the merchant's Alipay credentials and keys.
func keysOf(m *gateway.Merchant) (*merchantKeys, error) {
	raw, ok := m.Credentials[Name]
	if !ok {
		return nil, fmt.Errorf("alipay: merchant %s has no alipay credentials", m.ID)
	}
	k := &merchantKeys{}
	if err := json.Unmarshal(raw, &k.creds); err != nil {
		return nil, fmt.Errorf("alipay: credentials of %s: %w", m.ID, err)
	}
	var sec secret
	if err := json.Unmarshal(m.Secrets[Name], &sec); err != nil {
		return nil, fmt.Errorf("alipay: platform key of %s: %w", m.ID, err)
	}
	var err error
	if k.platform, err = parsePrivatePEM(sec.AlipayPrivateKey); err != nil {
		return nil, fmt.Errorf("alipay: platform key of %s: %w", m.ID, err)
	}
	if k.app, err = parsePublicKey(k.creds.AppPublicKey); err != nil {
		return nil, fmt.Errorf("alipay: app public key of %s: %w", m.ID, err)
	}
	return k, nil
}
