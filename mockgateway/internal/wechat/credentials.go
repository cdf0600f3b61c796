package wechat

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
)

// aliasMchID is the alias kind under which a merchant's mchid finds it.
const aliasMchID = "wechat.mchid"

// How answers and notifications name the key that signed them
// (Credentials.VerifyWith).
const (
	VerifyPublicKey   = "public_key"
	VerifyCertificate = "certificate"
)

// certificateLifetime is how long a platform certificate is valid.
const certificateLifetime = 5 * 365 * 24 * time.Hour

// Credentials are what a merchant is given for WeChat Pay (DESIGN §11.0),
// as the admin API shows them. The platform private key is not here: it is
// the merchant's Secrets entry (secrets), which nothing shows.
type Credentials struct {
	MchID string `json:"mchid"`
	AppID string `json:"appid"`
	// MerchantSerialNo and MerchantPublicKey identify the merchant's key:
	// requests are signed with its private half. MerchantPrivateKey is that
	// half (PKCS#8 PEM) when the gateway generated the pair, and empty once
	// the merchant registered a key of its own.
	MerchantSerialNo   string `json:"merchant_serial_no"`
	MerchantPrivateKey string `json:"merchant_private_key,omitempty"`
	MerchantPublicKey  string `json:"merchant_public_key"`
	APIv3Key           string `json:"apiv3_key"`
	// The platform key signs answers and notifications; it is known by its
	// public key id (WeChat Pay's newer "platform public key" mode) and as
	// a self-signed certificate with its serial (the older mode, for SDKs
	// that download certificates).
	PlatformPublicKeyID string `json:"platform_public_key_id"`
	PlatformPublicKey   string `json:"platform_public_key"`
	PlatformSerialNo    string `json:"platform_serial_no"`
	PlatformCertificate string `json:"platform_certificate"`
	// VerifyWith says which of the two names the signer in
	// Wechatpay-Serial: VerifyPublicKey (default) or VerifyCertificate.
	VerifyWith string `json:"verify_with"`
}

// secrets are what the gateway keeps to itself for a merchant.
type secrets struct {
	PlatformPrivateKey string `json:"platform_private_key"`
}

// signingSerial is what Wechatpay-Serial says signed an answer.
func (c *Credentials) signingSerial() string {
	if c.VerifyWith == VerifyCertificate {
		return c.PlatformSerialNo
	}
	return c.PlatformPublicKeyID
}

// issuer issues WeChat Pay credentials to merchants.
type issuer struct {
	pool *keyPool
	now  func() time.Time
}

// IssueCredentials makes fresh credentials: a mchid (10 digits) and an
// appid, a merchant key pair with its serial, an APIv3 key, and a platform
// key pair with its public key id and its self-signed certificate.
func (is *issuer) IssueCredentials(m *gateway.Merchant) (gateway.IssuedCredentials, error) {
	keys, err := is.pool.take(2, m.ID != gateway.DemoMerchantID)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	merchantKey, platformKey := keys[0], keys[1]
	c := Credentials{
		MchID: "1" + randomDigits(9), AppID: "wx" + randomHex(8), MerchantSerialNo: strings.ToUpper(randomHex(20)),
		APIv3Key: gateway.RandomToken(32), VerifyWith: VerifyPublicKey,
	}
	c.PlatformPublicKeyID = "PUB_KEY_ID_01" + c.MchID + randomDigits(16)
	if c.MerchantPrivateKey, err = privatePEM(merchantKey); err != nil {
		return gateway.IssuedCredentials{}, err
	}
	if c.MerchantPublicKey, err = publicPEM(&merchantKey.PublicKey); err != nil {
		return gateway.IssuedCredentials{}, err
	}
	if c.PlatformPublicKey, err = publicPEM(&platformKey.PublicKey); err != nil {
		return gateway.IssuedCredentials{}, err
	}
	if c.PlatformCertificate, c.PlatformSerialNo, err = platformCertificate(platformKey, c.MchID, is.now()); err != nil {
		return gateway.IssuedCredentials{}, err
	}
	var sec secrets
	if sec.PlatformPrivateKey, err = privatePEM(platformKey); err != nil {
		return gateway.IssuedCredentials{}, err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	secret, err := json.Marshal(sec)
	if err != nil {
		return gateway.IssuedCredentials{}, err
	}
	return gateway.IssuedCredentials{Raw: raw, Aliases: map[string]string{aliasMchID: c.MchID}, Secret: secret}, nil
}

// Aliases returns the mchid of issued credentials.
func (is *issuer) Aliases(raw json.RawMessage) (map[string]string, error) {
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("wechat: credentials: %w", err)
	}
	if c.MchID == "" {
		return nil, fmt.Errorf("wechat: credentials without a mchid")
	}
	return map[string]string{aliasMchID: c.MchID}, nil
}

// platformCertificate makes the self-signed certificate of a platform key
// and returns it as PEM with its serial as WeChat Pay writes serials: 40
// upper-case hex digits, the same string in the credentials, in
// /v3/certificates and in Wechatpay-Serial.
func platformCertificate(k *rsa.PrivateKey, mchid string, now time.Time) (certPEM, serial string, err error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	b[0] = b[0]&0x7f | 0x10 // positive, and 40 hex digits with no leading zero
	sn := new(big.Int).SetBytes(b)
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject: pkix.Name{
			CommonName: "PaySandbox WeChat Pay platform certificate", Organization: []string{"PaySandbox"},
			OrganizationalUnit: []string{"mchid " + mchid}, Country: []string{"CN"},
		},
		NotBefore:             now.Add(-time.Hour).Truncate(time.Second),
		NotAfter:              now.Add(certificateLifetime).Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return "", "", fmt.Errorf("wechat: create platform certificate: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), fmt.Sprintf("%X", sn), nil
}

// serialPattern is what a merchant certificate serial looks like.
var serialPattern = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)

// credentialsForm is PUT /admin/api/merchants/{id}/wechat.
type credentialsForm struct {
	MerchantSerialNo  *string `json:"merchant_serial_no"`
	MerchantPublicKey *string `json:"merchant_public_key"`
	VerifyWith        *string `json:"verify_with" binding:"omitempty,oneof=public_key certificate"`
}

// registerOwnKey is the admin API's form for a merchant's own key
// (DESIGN §7): merchant_serial_no and merchant_public_key together
// replace the generated merchant key pair (its private half is then
// forgotten), and verify_with chooses how answers and notifications name
// their signer. Each field is optional; a bad one is refused by name.
func registerOwnKey(current json.RawMessage, body []byte) (json.RawMessage, error) {
	var c Credentials
	if err := json.Unmarshal(current, &c); err != nil {
		return nil, fmt.Errorf("wechat: stored credentials: %w", err)
	}
	var f credentialsForm
	if err := jsonbind.Bind(body, &f); err != nil {
		return nil, err
	}
	switch {
	case f.MerchantPublicKey != nil && f.MerchantSerialNo == nil:
		return nil, gateway.Errorf(gateway.ParameterMissing, "merchant_serial_no", "merchant_serial_no is required with merchant_public_key: it is the serial_no your requests' Authorization header names.")
	case f.MerchantSerialNo != nil && f.MerchantPublicKey == nil:
		return nil, gateway.Errorf(gateway.ParameterMissing, "merchant_public_key", "merchant_public_key is required with merchant_serial_no: it verifies the requests signed under that serial.")
	case f.MerchantPublicKey != nil:
		if !serialPattern.MatchString(*f.MerchantSerialNo) {
			return nil, gateway.Errorf(gateway.ParameterInvalid, "merchant_serial_no", "merchant_serial_no must be 1 to 64 letters and digits (your API certificate's serial number).")
		}
		key, err := parsePublicPEM(*f.MerchantPublicKey)
		if err != nil {
			return nil, gateway.Errorf(gateway.ParameterInvalid, "merchant_public_key",
				"merchant_public_key must be an RSA public key of at least 2048 bits in PEM (BEGIN PUBLIC KEY, or your apiclient_cert.pem): %v.", err)
		}
		if c.MerchantPublicKey, err = publicPEM(key); err != nil {
			return nil, err
		}
		c.MerchantSerialNo, c.MerchantPrivateKey = *f.MerchantSerialNo, ""
	}
	if f.VerifyWith != nil {
		c.VerifyWith = *f.VerifyWith
	}
	return json.Marshal(c)
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(fmt.Sprintf("wechat: random: %v", err))
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// randomHex returns 2n random lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("wechat: random: %v", err))
	}
	return fmt.Sprintf("%x", b)
}
