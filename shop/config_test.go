package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := loadConfig(nil, envconfig.FromMap(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.PublicURL != "http://localhost:8080" || c.DB != "shop.db" || c.GatewayURL != "http://localhost:8081" ||
			c.APIKey != "sk_test_demo" || c.WebhookSecret != demoWebhookSecret || len(c.Methods) != 4 || c.OrderTTL != 30*time.Minute ||
			c.ReconcileAfter != time.Minute || c.ReconcileEvery != 15*time.Second || !c.SessionSecretGenerated || len(c.SessionSecret) != 32 ||
			c.SigninPerAddress != 30 || c.SigninPerAccount != 10 || c.WebhookRetention != 72*time.Hour {
			t.Errorf("defaults = %+v", c)
		}
	})
	t.Run("env, secret file and flags", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "key")
		_ = os.WriteFile(file, []byte("sk_from_file\n"), 0o600)
		c, err := loadConfig([]string{"-addr", ":9999"}, envconfig.FromMap(map[string]string{
			"SHOP_ADDR": ":1", "GATEWAY_API_KEY_FILE": file, "PAYMENT_METHODS": "card, alipay", "ORDER_TTL": "2h",
			"SESSION_SECRET": "a-long-enough-session-secret", "SHOP_PUBLIC_URL": "https://shop.example/",
			"SIGNIN_LIMIT_PER_ADDRESS": "1000", "SIGNIN_LIMIT_PER_ACCOUNT": "200", "WEBHOOK_RETENTION": "168h",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":9999" || c.APIKey != "sk_from_file" || strings.Join(c.Methods, ",") != "card,alipay" || c.OrderTTL != 2*time.Hour ||
			c.SessionSecretGenerated || c.PublicURL != "https://shop.example" || c.SigninPerAddress != 1000 || c.SigninPerAccount != 200 ||
			c.WebhookRetention != 168*time.Hour {
			t.Errorf("config = %+v", c)
		}
	})
	tests := []struct {
		name, key, value string
	}{
		{"bare number", "ORDER_TTL", "30"},
		{"ttl below the gateway minimum", "ORDER_TTL", "30s"},
		{"bad duration", "RECONCILE_EVERY", "soon"},
		{"unknown method", "PAYMENT_METHODS", "alipay,bitcoin"},
		{"relative public url", "SHOP_PUBLIC_URL", "shop.example"},
		{"bad gateway url", "GATEWAY_URL", "ftp://gw"},
		{"bad webhook secret", "GATEWAY_WEBHOOK_SECRET", "not-a-secret!"},
		{"short session secret", "SESSION_SECRET", "short"},
		{"webhook retention shorter than the gateway's retries", "WEBHOOK_RETENTION", "12h"},
		{"sign-in limit turned off", "SIGNIN_LIMIT_PER_ADDRESS", "0"},
		{"account limit turned off", "SIGNIN_LIMIT_PER_ACCOUNT", "0"},
		{"negative sign-in limit", "SIGNIN_LIMIT_PER_ADDRESS", "-1"},
		{"sign-in limit not a number", "SIGNIN_LIMIT_PER_ACCOUNT", "lots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(nil, envconfig.FromMap(map[string]string{tt.key: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("err = %v, want one naming %s", err, tt.key)
			}
		})
	}
}
