package wechat

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
)

func TestIssueCredentials_Shapes(t *testing.T) {
	_, c := testMerchant(t)
	for field, tc := range map[string]struct {
		value   string
		pattern string
	}{
		"mchid":                  {c.MchID, `^[0-9]{10}$`},
		"appid":                  {c.AppID, `^wx[0-9a-f]{16}$`},
		"merchant_serial_no":     {c.MerchantSerialNo, `^[0-9A-F]{40}$`},
		"apiv3_key":              {c.APIv3Key, `^[0-9A-Za-z]{32}$`},
		"platform_public_key_id": {c.PlatformPublicKeyID, `^PUB_KEY_ID_[0-9]+$`},
		"platform_serial_no":     {c.PlatformSerialNo, `^[0-9A-F]{40}$`},
		"verify_with":            {c.VerifyWith, `^public_key$`},
	} {
		if !regexp.MustCompile(tc.pattern).MatchString(tc.value) {
			t.Errorf("%s = %q, want %s", field, tc.value, tc.pattern)
		}
	}
	if !strings.HasPrefix(c.MerchantPrivateKey, "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("merchant_private_key is not PKCS#8 PEM:\n%s", c.MerchantPrivateKey)
	}
	priv, err := parsePrivatePEM(c.MerchantPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := parsePublicPEM(c.MerchantPublicKey)
	if err != nil || !pub.Equal(&priv.PublicKey) {
		t.Fatalf("merchant_public_key is not the private key's half: %v", err)
	}
	block, _ := pem.Decode([]byte(c.PlatformCertificate))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	platform, err := parsePublicPEM(c.PlatformPublicKey)
	if err != nil || !platform.Equal(cert.PublicKey) {
		t.Fatalf("the certificate does not hold the platform public key: %v", err)
	}
	if got := strings.ToUpper(cert.SerialNumber.Text(16)); got != c.PlatformSerialNo {
		t.Errorf("certificate serial %s, credentials say %s", got, c.PlatformSerialNo)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("certificate not self-signed: %v", err)
	}
	if n := strings.Count(string(mustJSON(t, c)), "BEGIN PRIVATE KEY"); n != 1 {
		t.Errorf("credentials hold %d private keys, want only the merchant's", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PUT /admin/api/merchants/{id}/wechat: each field optional, the key and
// its serial together, a bad one refused by name.
func TestRegisterOwnKey(t *testing.T) {
	jsonbind.Register()
	_, c := testMerchant(t)
	current := mustJSON(t, c)
	ownKey, _ := testMerchant(t)
	var own Credentials
	_ = json.Unmarshal(ownKey.Credentials[Name], &own)
	ownPEM := own.MerchantPublicKey

	for name, tc := range map[string]struct {
		body  any
		code  string
		param string
	}{
		"BadPEM":          {map[string]string{"merchant_serial_no": "ABC", "merchant_public_key": "not a key"}, gateway.ParameterInvalid, "merchant_public_key"},
		"PrivateKeyGiven": {map[string]string{"merchant_serial_no": "ABC", "merchant_public_key": own.MerchantPrivateKey}, gateway.ParameterInvalid, "merchant_public_key"},
		"KeyAlone":        {map[string]string{"merchant_public_key": ownPEM}, gateway.ParameterMissing, "merchant_serial_no"},
		"SerialAlone":     {map[string]string{"merchant_serial_no": "ABC"}, gateway.ParameterMissing, "merchant_public_key"},
		"BadSerial":       {map[string]string{"merchant_serial_no": "AB C", "merchant_public_key": ownPEM}, gateway.ParameterInvalid, "merchant_serial_no"},
		"BadVerifyWith":   {map[string]string{"verify_with": "magic"}, gateway.ParameterInvalid, "verify_with"},
		"UnknownField":    {map[string]string{"platform_public_key": ownPEM}, gateway.ParameterUnknown, "platform_public_key"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := registerOwnKey(current, mustJSON(t, tc.body))
			var ge *gateway.Error
			if err == nil || gateway.ErrorCode(err) != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			if ge = err.(*gateway.Error); ge.Param != tc.param {
				t.Fatalf("error names %q, want %q", ge.Param, tc.param)
			}
		})
	}

	t.Run("OwnKey", func(t *testing.T) {
		raw, err := registerOwnKey(current, mustJSON(t, map[string]string{"merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "merchant_public_key": ownPEM}))
		if err != nil {
			t.Fatal(err)
		}
		var got Credentials
		_ = json.Unmarshal(raw, &got)
		if got.MerchantSerialNo != "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" || got.MerchantPublicKey != ownPEM || got.MerchantPrivateKey != "" {
			t.Fatalf("after registering: %+v", got)
		}
		if got.MchID != c.MchID || got.PlatformPublicKey != c.PlatformPublicKey || got.APIv3Key != c.APIv3Key || got.VerifyWith != VerifyPublicKey {
			t.Fatalf("registering a key changed other credentials: %+v", got)
		}
	})
	t.Run("CertificateAndVerifyWith", func(t *testing.T) {
		// A merchant's apiclient_cert.pem is accepted as its public key.
		raw, err := registerOwnKey(current, mustJSON(t, map[string]string{
			"merchant_serial_no": own.PlatformSerialNo, "merchant_public_key": own.PlatformCertificate, "verify_with": "certificate",
		}))
		if err != nil {
			t.Fatal(err)
		}
		var got Credentials
		_ = json.Unmarshal(raw, &got)
		if got.MerchantPublicKey != own.PlatformPublicKey || got.VerifyWith != VerifyCertificate || got.signingSerial() != c.PlatformSerialNo {
			t.Fatalf("after registering a certificate: %+v", got)
		}
	})
}
