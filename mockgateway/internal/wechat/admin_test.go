package wechat_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// privateKeysIn returns every private key found in the string values of
// the WeChat credentials in an admin API answer.
func privateKeysIn(t *testing.T, body []byte) []*rsa.PrivateKey {
	t.Helper()
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []*rsa.PrivateKey
	var walk func(v any, inWechat bool)
	walk = func(v any, inWechat bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				// Only WeChat's credentials: other protocols give their
				// merchants private keys of their own.
				walk(e, inWechat || k == "wechat")
			}
		case []any:
			for _, e := range x {
				walk(e, inWechat)
			}
		case string:
			if inWechat && strings.Contains(x, "PRIVATE KEY") {
				k, err := utils.LoadPrivateKey(x)
				if err != nil {
					t.Fatalf("a PRIVATE KEY value that does not load: %v", err)
				}
				keys = append(keys, k)
			}
		}
	}
	walk(doc, false)
	return keys
}

// wantOnlyMerchantKey fails if an answer shows any private key but the
// merchant's own (given to the developer), or the credentials' secrets.
func wantOnlyMerchantKey(t *testing.T, body []byte, ms ...*merchant) {
	t.Helper()
	if strings.Contains(string(body), `"secrets"`) || strings.Contains(string(body), "platform_private_key") {
		t.Fatalf("the admin API shows the merchants' secrets:\n%s", body)
	}
	keys := privateKeysIn(t, body)
	for _, m := range ms {
		for _, k := range keys {
			if k.PublicKey.Equal(m.platformKey) {
				t.Fatalf("the admin API shows the platform private key of %s", m.ID)
			}
		}
	}
	if len(keys) != len(ms) {
		t.Fatalf("%d private keys shown for %d merchants", len(keys), len(ms))
	}
}

func TestAdmin_WechatCredentials(t *testing.T) {
	g := startGateway(t, nil)
	ctx := context.Background()

	start := time.Now()
	m := newMerchant(t, g)
	t.Logf("merchant creation (race-built binary, cold key pool): %v", time.Since(start))
	start = time.Now()
	m2 := newMerchant(t, g)
	t.Logf("merchant creation (from the key pool when it has filled): %v", time.Since(start))
	if m.Wechat.MchID == m2.Wechat.MchID || m.Wechat.APIv3Key == m2.Wechat.APIv3Key || m.Wechat.PlatformPublicKey == m2.Wechat.PlatformPublicKey {
		t.Fatal("two merchants share WeChat credentials")
	}
	demo := demoMerchant(t, g)

	t.Run("NoPlatformPrivateKeyShown", func(t *testing.T) {
		wantOnlyMerchantKey(t, admin(t, g, "GET", "/admin/api/merchants/"+m.ID, nil, http.StatusOK, nil), m)
		wantOnlyMerchantKey(t, admin(t, g, "GET", "/admin/api/merchants", nil, http.StatusOK, nil), m, m2, demo)
		// ...yet the gateway holds it: answers verify with its public half.
		if _, _, err := (&native.NativeApiService{Client: publicKeyClient(t, g, m)}).QueryOrderByOutTradeNo(ctx,
			native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("NONE-1"), Mchid: core.String(m.Wechat.MchID)}); apiError(t, err).Code != "ORDER_NOT_EXIST" {
			t.Fatalf("query: %v", err)
		}
	})

	t.Run("BadForms", func(t *testing.T) {
		for _, tc := range []struct {
			body  map[string]string
			param string
		}{
			{map[string]string{"merchant_serial_no": "ABC", "merchant_public_key": "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"}, "merchant_public_key"},
			{map[string]string{"merchant_public_key": m2.Wechat.MerchantPublicKey}, "merchant_serial_no"},
			{map[string]string{"verify_with": "signature"}, "verify_with"},
		} {
			var e struct{ Error struct{ Param string } }
			admin(t, g, "PUT", "/admin/api/merchants/"+m.ID+"/wechat", tc.body, http.StatusBadRequest, &e)
			if e.Error.Param != tc.param {
				t.Errorf("PUT %v refused naming %q, want %q", tc.body, e.Error.Param, tc.param)
			}
		}
		admin(t, g, "PUT", "/admin/api/merchants/m_nobody/wechat", map[string]string{"verify_with": "certificate"}, http.StatusNotFound, nil)
	})

	t.Run("OwnKey", func(t *testing.T) {
		own, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&own.PublicKey)
		ownPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		const serial = "3775B6A45ACD588826D15E583A95F5DD3C8A4F2A"
		var after merchant
		admin(t, g, "PUT", "/admin/api/merchants/"+m.ID+"/wechat", map[string]string{"merchant_serial_no": serial, "merchant_public_key": ownPEM}, http.StatusOK, &after)
		if after.Wechat.MerchantPrivateKey != "" || after.Wechat.MerchantSerialNo != serial || after.Wechat.MchID != m.Wechat.MchID {
			t.Fatalf("after registering: %+v", after.Wechat)
		}
		query := func(key *rsa.PrivateKey, serial string) error {
			client, err := core.NewClient(ctx,
				option.WithWechatPayPublicKeyAuthCipher(m.Wechat.MchID, serial, key, m.Wechat.PlatformPublicKeyID, m.platformKey),
				option.WithHTTPClient(gatewayHTTPClient(t, g)))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = (&native.NativeApiService{Client: client}).QueryOrderByOutTradeNo(ctx,
				native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("NONE-1"), Mchid: core.String(m.Wechat.MchID)})
			return err
		}
		if ae := apiError(t, query(own, serial)); ae.Code != "ORDER_NOT_EXIST" {
			t.Fatalf("signed with the registered key: %d %s, want to get past authentication", ae.StatusCode, ae.Code)
		}
		if ae := apiError(t, query(m.merchantKey, m.Wechat.MerchantSerialNo)); ae.Code != "SIGN_ERROR" {
			t.Fatalf("signed with the replaced key: %d %s, want SIGN_ERROR", ae.StatusCode, ae.Code)
		}
	})

	t.Run("DemoCredentialsKept", func(t *testing.T) {
		g.Restart()
		again := demoMerchant(t, g)
		if again.Wechat != demo.Wechat {
			t.Fatalf("demo credentials changed across a restart:\n%+v\n%+v", demo.Wechat, again.Wechat)
		}
		admin(t, g, "POST", "/admin/api/reset", map[string]any{}, http.StatusOK, nil)
		again = demoMerchant(t, g)
		if again.Wechat != demo.Wechat {
			t.Fatalf("demo credentials changed across a reset")
		}
		// And the kept platform key still signs: the SDK verifies.
		if _, _, err := (&native.NativeApiService{Client: publicKeyClient(t, g, demo)}).QueryOrderByOutTradeNo(ctx,
			native.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("NONE-1"), Mchid: core.String(demo.Wechat.MchID)}); apiError(t, err).Code != "ORDER_NOT_EXIST" {
			t.Fatalf("query: %v", err)
		}
	})
}
