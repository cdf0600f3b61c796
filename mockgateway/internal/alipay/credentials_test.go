package alipay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/smartwalle/alipay/v3"

	"github.com/paysandbox/paysandbox/shared/gatewaytest"
)

// pemBlocks returns every PEM block in the strings of a JSON document.
func pemBlocks(t *testing.T, raw []byte) []*pem.Block {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []*pem.Block
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			rest := []byte(x)
			for {
				var b *pem.Block
				if b, rest = pem.Decode(rest); b == nil {
					break
				}
				out = append(out, b)
			}
		}
	}
	walk(doc)
	return out
}

// publicDER is the PKIX DER of a PEM public key.
func publicDER(t *testing.T, p string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil || b.Type != "PUBLIC KEY" {
		t.Fatalf("%q is not a PKIX PEM public key", p)
	}
	return b.Bytes
}

var appIDPattern = regexp.MustCompile(`^[0-9]{16}$`)

// Every merchant gets Alipay credentials (DESIGN §11.0): a unique 16-digit
// app_id, an app key pair (PKCS#1 private, PKIX public) and the platform's
// public key. The platform's private key signs answers but is never shown.
func TestCredentials(t *testing.T) {
	g := startGateway(t, nil)

	var created []*merchant
	for i := range 3 {
		began := time.Now()
		created = append(created, newMerchant(t, g, ""))
		t.Logf("merchant %d created in %s", i+1, time.Since(began).Round(time.Millisecond))
		time.Sleep(300 * time.Millisecond) // as a suite does between tests; the key pool refills
	}
	a, b := created[0], created[1]

	t.Run("Issued", func(t *testing.T) {
		for _, m := range created {
			c := m.Alipay
			if !appIDPattern.MatchString(c.AppID) || !strings.HasPrefix(c.AppPrivateKey, "-----BEGIN RSA PRIVATE KEY-----") {
				t.Fatalf("credentials %+v", c)
			}
			block, _ := pem.Decode([]byte(c.AppPrivateKey))
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil || k.N.BitLen() != 2048 {
				t.Fatalf("app private key: %v", err)
			}
			pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
			if string(pub) != string(publicDER(t, c.AppPublicKey)) {
				t.Fatal("app_public_key is not the public half of app_private_key")
			}
			platform, err := x509.ParsePKIXPublicKey(publicDER(t, c.AlipayPublicKey))
			if err != nil || platform.(*rsa.PublicKey).N.BitLen() != 2048 || string(pub) == string(publicDER(t, c.AlipayPublicKey)) {
				t.Fatalf("alipay_public_key: %v", err)
			}
		}
		if a.Alipay.AppID == b.Alipay.AppID || a.Alipay.AlipayPublicKey == b.Alipay.AlipayPublicKey || a.Alipay.AppPublicKey == b.Alipay.AppPublicKey {
			t.Fatal("two merchants share Alipay credentials")
		}
	})

	t.Run("PlatformPrivateKeyNeverShown", func(t *testing.T) {
		for _, p := range []string{"/admin/api/merchants/" + a.ID, "/admin/api/merchants", "/admin/api/merchants/m_demo"} {
			status, raw := adminCall(t, g, "GET", p, nil, nil)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", p, status)
			}
			var platforms [][]byte
			var doc struct {
				Data []struct {
					Alipay alipayCredentials `json:"alipay"`
				} `json:"data"`
				Alipay  alipayCredentials `json:"alipay"`
				Secrets json.RawMessage   `json:"secrets"`
			}
			_ = json.Unmarshal(raw, &doc)
			for _, d := range append(doc.Data, struct {
				Alipay alipayCredentials `json:"alipay"`
			}{doc.Alipay}) {
				if d.Alipay.AlipayPublicKey != "" {
					platforms = append(platforms, publicDER(t, d.Alipay.AlipayPublicKey))
				}
			}
			if len(platforms) == 0 || doc.Secrets != nil || strings.Contains(string(raw), "alipay_private_key") {
				t.Fatalf("GET %s shows no platform key or shows secrets: %s", p, raw)
			}
			for _, block := range pemBlocks(t, raw) {
				if !strings.Contains(block.Type, "PRIVATE") {
					continue
				}
				// Other protocols' credentials hold private keys too (a
				// WeChat merchant key, PKCS#8): any RSA key counts.
				var k *rsa.PrivateKey
				if k1, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
					k = k1
				} else if k8, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
					k, _ = k8.(*rsa.PrivateKey)
				}
				if k == nil {
					t.Fatalf("GET %s shows a private key that does not load", p)
				}
				pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
				for _, platform := range platforms {
					if string(pub) == string(platform) {
						t.Fatalf("GET %s shows the platform's private key", p)
					}
				}
			}
		}
		// The key exists all the same: answers verify with alipay_public_key.
		r, err := a.client(t).TradeQuery(context.Background(), sdk.TradeQuery{OutTradeNo: "none"})
		wantCode(t, "a signed answer", r.Error, err, "40004", "ACQ.TRADE_NOT_EXIST")
	})

	t.Run("MerchantRegistersItsOwnKey", func(t *testing.T) {
		own, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&own.PublicKey)
		ownPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		ownPrivate := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(own)}))

		weak, _ := rsa.GenerateKey(rand.Reader, 1024)
		weakDER, _ := x509.MarshalPKIXPublicKey(&weak.PublicKey)
		for name, body := range map[string]any{
			"NotAKey":      map[string]string{"app_public_key": "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"},
			"PrivateKey":   map[string]string{"app_public_key": ownPrivate},
			"Weak":         map[string]string{"app_public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: weakDER}))},
			"Missing":      map[string]string{},
			"UnknownField": map[string]string{"app_public_key": ownPEM, "alipay_private_key": "x"},
		} {
			status, raw := adminCall(t, g, "PUT", "/admin/api/merchants/"+b.ID+"/alipay", body, nil)
			var e struct{ Error struct{ Param string } }
			_ = json.Unmarshal(raw, &e)
			if status != http.StatusBadRequest || name != "UnknownField" && e.Error.Param != "app_public_key" {
				t.Errorf("%s: %d %s, want 400 naming app_public_key", name, status, raw)
			}
		}
		if status, _ := adminCall(t, g, "PUT", "/admin/api/merchants/m_nobody/alipay", map[string]string{"app_public_key": ownPEM}, nil); status != http.StatusNotFound {
			t.Errorf("unknown merchant: %d", status)
		}

		// The bare base64 body, as Alipay's key tool shows it, is accepted.
		var changed merchant
		bare := base64.StdEncoding.EncodeToString(der)
		if status, raw := adminCall(t, g, "PUT", "/admin/api/merchants/"+b.ID+"/alipay", map[string]string{"app_public_key": bare}, &changed); status != http.StatusOK {
			t.Fatalf("register: %d %s", status, raw)
		}
		if changed.Alipay.AppPublicKey != ownPEM || changed.Alipay.AppPrivateKey != "" || changed.Alipay.AppID != b.Alipay.AppID ||
			changed.Alipay.AlipayPublicKey != b.Alipay.AlipayPublicKey {
			t.Fatalf("after registering: %+v", changed.Alipay)
		}
		ctx := context.Background()
		r, err := sdkClient(t, b.Alipay.AppID, ownPrivate, b.Alipay.AlipayPublicKey, b.gatewayURL()).
			TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Own key", OutTradeNo: orderNo("own"), TotalAmount: "1.00"}})
		wantCode(t, "signed with the merchant's own key", r.Error, err, "10000", "")
		_, err = b.client(t).TradePreCreate(ctx, sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Old key", OutTradeNo: orderNo("old"), TotalAmount: "1.00"}})
		var e *sdk.Error
		if !errors.As(err, &e) || e.SubCode != "isv.invalid-signature" {
			t.Fatalf("the replaced generated key: %v", err)
		}
	})

	t.Run("DemoMerchantKeptAcrossRestartAndReset", func(t *testing.T) {
		demo := func() *merchant {
			t.Helper()
			var d merchant
			if status, raw := adminCall(t, g, "GET", "/admin/api/merchants/m_demo", nil, &d); status != http.StatusOK {
				t.Fatalf("m_demo: %d %s", status, raw)
			}
			d.g = g
			return &d
		}
		before := demo()
		if !appIDPattern.MatchString(before.Alipay.AppID) || before.Alipay.AppPrivateKey == "" {
			t.Fatalf("m_demo's credentials: %+v", before.Alipay)
		}
		g.Restart()
		if after := demo(); after.Alipay != before.Alipay {
			t.Fatal("a restart issued m_demo new Alipay credentials")
		}
		if status, raw := adminCall(t, g, "POST", "/admin/api/reset", map[string]any{}, nil); status != http.StatusOK {
			t.Fatalf("reset: %d %s", status, raw)
		}
		after := demo()
		if after.Alipay != before.Alipay {
			t.Fatal("a reset issued m_demo new Alipay credentials")
		}
		r, err := after.client(t).TradePreCreate(context.Background(), sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Demo", OutTradeNo: orderNo("demo"), TotalAmount: "1.00"}})
		wantCode(t, "m_demo after a restart and a reset", r.Error, err, "10000", "")

		// The reset merchant's app_id is stale now.
		_, err = a.client(t).TradeQuery(context.Background(), sdk.TradeQuery{OutTradeNo: "x"})
		var e *sdk.Error
		if !errors.As(err, &e) || e.SubCode != "isv.invalid-app-id" {
			t.Fatalf("a merchant wiped by reset: %v", err)
		}
	})
}

// Two gateways on one Redis see the same credentials: what was issued is
// stored, not remembered by the process.
func TestCredentials_SharedRedis(t *testing.T) {
	g1 := startGateway(t, nil)
	m := newMerchant(t, g1, "")
	g2 := gatewaytest.StartWith(t, gatewaytest.Options{RedisURL: g1.RedisURL, Env: map[string]string{"ADMIN_TOKEN": g1.AdminToken}})
	m.g = g2
	r, err := m.client(t).TradePreCreate(context.Background(), sdk.TradePreCreate{Trade: sdk.Trade{Subject: "Tea", OutTradeNo: orderNo("two"), TotalAmount: "1.00"}})
	wantCode(t, "a merchant of one gateway at the other", r.Error, err, "10000", "")
	var seen []string
	for _, g := range []*gatewaytest.Gateway{g1, g2} {
		var d merchant
		adminCall(t, g, "GET", "/admin/api/merchants/m_demo", nil, &d)
		seen = append(seen, d.Alipay.AppID)
	}
	if seen[0] != seen[1] || seen[0] == "" {
		t.Fatalf("m_demo's app_id differs between the gateways: %v", seen)
	}
}
