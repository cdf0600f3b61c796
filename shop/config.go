package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
	"github.com/paysandbox/paysandbox/shared/gatewayapi"
	"github.com/paysandbox/paysandbox/shared/webhook"
	"github.com/paysandbox/paysandbox/shop/internal/reconciler"
	"github.com/paysandbox/paysandbox/shop/internal/web"
)

// demoWebhookSecret is the gateway's seeded demo merchant's secret
// (README.md, "Verifying a notification").
const demoWebhookSecret = "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"

// config is everything the shop reads at start (docs/shop.md, "Configuration").
type config struct {
	Addr           string
	PublicURL      string
	DB             string
	GatewayURL     string
	APIKey         string
	WebhookSecret  string
	Methods        []string
	OrderTTL       time.Duration
	ReconcileAfter time.Duration
	ReconcileEvery time.Duration
	// WebhookRetention is how long processed webhook-ids are kept.
	WebhookRetention time.Duration
	// SigninPerAddress and SigninPerAccount limit sign-in and sign-up
	// attempts a minute per client address and per email.
	SigninPerAddress int
	SigninPerAccount int
	SessionSecret    []byte
	// SessionSecretGenerated: SESSION_SECRET was unset, so sessions end
	// with the process.
	SessionSecretGenerated bool
}

// minWebhookRetention is the gateway's longest preset retry schedule
// (wechat, about 24 h) plus a margin.
const minWebhookRetention = 26 * time.Hour

// signinLimit reads a sign-in limit (attempts a minute). There is no off
// switch: 0 is refused rather than read as "unlimited", and a test suite
// that signs in often sets a high number.
func signinLimit(env *envconfig.Env, name string, def int) int {
	n := env.Int(name, def, 0, 1_000_000)
	if n == 0 {
		env.Fail(name, "0 would leave sign-in unprotected and is not allowed; set attempts a minute, at least 1 (default %d)", def)
		return def
	}
	return n
}

// loadConfig reads the environment, then flags for the common settings
// (flags win). Every problem is reported at once, naming the variable.
func loadConfig(args []string, env *envconfig.Env) (config, error) {
	c := config{
		Addr:             env.String("SHOP_ADDR", ":8080"),
		PublicURL:        strings.TrimRight(env.String("SHOP_PUBLIC_URL", "http://localhost:8080"), "/"),
		DB:               env.String("SHOP_DB", "shop.db"),
		GatewayURL:       strings.TrimRight(env.String("GATEWAY_URL", "http://localhost:8081"), "/"),
		APIKey:           env.Secret("GATEWAY_API_KEY", "sk_test_demo"),
		WebhookSecret:    env.Secret("GATEWAY_WEBHOOK_SECRET", demoWebhookSecret),
		Methods:          env.List("PAYMENT_METHODS", gatewayapi.Methods),
		OrderTTL:         env.Duration("ORDER_TTL", 30*time.Minute),
		ReconcileAfter:   env.Duration("RECONCILE_AFTER", 60*time.Second),
		ReconcileEvery:   env.Duration("RECONCILE_EVERY", 15*time.Second),
		WebhookRetention: env.Duration("WEBHOOK_RETENTION", reconciler.DefaultWebhookRetention),
	}
	c.SigninPerAddress = signinLimit(env, "SIGNIN_LIMIT_PER_ADDRESS", web.DefaultSigninPerAddress)
	c.SigninPerAccount = signinLimit(env, "SIGNIN_LIMIT_PER_ACCOUNT", web.DefaultSigninPerAccount)
	secret := env.Secret("SESSION_SECRET", "")

	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (SHOP_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL (SHOP_PUBLIC_URL)")
	fs.StringVar(&c.DB, "db", c.DB, "SQLite file (SHOP_DB)")
	fs.StringVar(&c.GatewayURL, "gateway-url", c.GatewayURL, "gateway base URL (GATEWAY_URL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}

	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		env.Fail("SHOP_PUBLIC_URL", "%q is not an http(s) URL like http://localhost:8080", c.PublicURL)
	}
	if u, err := url.Parse(c.GatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		env.Fail("GATEWAY_URL", "%q is not an http(s) URL like http://localhost:8081", c.GatewayURL)
	}
	if _, err := webhook.DecodeSecret(c.WebhookSecret); err != nil {
		env.Fail("GATEWAY_WEBHOOK_SECRET", "not a whsec_ secret: %v", err)
	}
	if len(c.Methods) == 0 {
		env.Fail("PAYMENT_METHODS", "lists no method; use some of %s", strings.Join(gatewayapi.Methods, ","))
	}
	for _, m := range c.Methods {
		if !slices.Contains(gatewayapi.Methods, m) {
			env.Fail("PAYMENT_METHODS", "%q is not a method; use some of %s", m, strings.Join(gatewayapi.Methods, ","))
		}
	}
	// The gateway accepts expires_in of 60 s to 24 h, and a payment never
	// outlives its order.
	if c.OrderTTL < time.Minute || c.OrderTTL > 24*time.Hour {
		env.Fail("ORDER_TTL", "%s is outside 1m..24h", c.OrderTTL)
	}
	if c.ReconcileEvery <= 0 {
		env.Fail("RECONCILE_EVERY", "must be positive, like 15s")
	}
	if c.WebhookRetention < minWebhookRetention {
		env.Fail("WEBHOOK_RETENTION", "%s is shorter than %s: the gateway retries a notification for about 24 h (its wechat schedule), "+
			"and a retry must still be recognised as a duplicate", c.WebhookRetention, minWebhookRetention)
	}
	if secret != "" {
		if len(secret) < 16 {
			env.Fail("SESSION_SECRET", "is shorter than 16 characters")
		}
		c.SessionSecret = []byte(secret)
	} else {
		c.SessionSecret = make([]byte, 32)
		if _, err := rand.Read(c.SessionSecret); err != nil {
			return c, fmt.Errorf("SESSION_SECRET: generate: %w", err)
		}
		c.SessionSecretGenerated = true
	}
	if err := env.Err(); err != nil {
		return c, fmt.Errorf("shop: bad configuration:\n%w", err)
	}
	return c, nil
}
