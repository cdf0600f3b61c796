package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/envconfig"
)

// config is everything the gateway reads at start (DESIGN §2).
type config struct {
	Addr string
	// StripeAddr is the Stripe subset's own listener ("" disables it).
	StripeAddr        string
	PublicURL         string
	RedisURL          string
	ClusterAddrs      []string
	AdminToken        string
	AdminGenerated    bool
	DemoAPIKey        string
	DemoWebhookSecret string
	DemoNotifyURL     string
	// Schedules are the retry schedules configured per protocol
	// (NOTIFY_SCHEDULE_<PROTOCOL>, else NOTIFY_SCHEDULE); a protocol
	// missing here uses its preset.
	Schedules         map[string]gateway.Schedule
	NotifyTimeout     time.Duration
	NotifyConcurrency int
	TimeScale         float64
	RefundDelay       time.Duration
	FaultHold         time.Duration
	EventRetention    time.Duration
	DataRetention     time.Duration
	// DenyPrivate refuses private notify URLs (NOTIFY_DENY_PRIVATE).
	DenyPrivate bool
	// WipeRedis deletes every PaySandbox key of any layout before starting.
	WipeRedis bool
}

// DefaultDemoWebhookSecret is the demo merchant's signing secret (DESIGN §2).
const DefaultDemoWebhookSecret = "whsec_cGF5c2FuZGJveC1kZW1vLXdlYmhvb2stc2VjcmV0"

// loadConfig reads the environment, then flags for the common settings;
// every bad value is reported with its variable's name.
func loadConfig(env *envconfig.Env, args []string, protocols []server.Protocol) (config, error) {
	c := config{
		Addr:              env.String("GATEWAY_ADDR", ":8081"),
		PublicURL:         env.String("PUBLIC_URL", "http://localhost:8081"),
		RedisURL:          env.Secret("REDIS_URL", ""),
		ClusterAddrs:      env.List("REDIS_CLUSTER_ADDRS", nil),
		AdminToken:        env.Secret("ADMIN_TOKEN", ""),
		DemoAPIKey:        env.Secret("DEMO_API_KEY", "sk_test_demo"),
		DemoWebhookSecret: env.Secret("DEMO_WEBHOOK_SECRET", DefaultDemoWebhookSecret),
		DemoNotifyURL:     env.String("DEMO_NOTIFY_URL", "http://localhost:8080/webhooks/gateway"),
		NotifyTimeout:     env.Duration("NOTIFY_TIMEOUT", 10*time.Second),
		NotifyConcurrency: env.Int("NOTIFY_CONCURRENCY", 64, 1, 4096),
		TimeScale:         env.Float("TIME_SCALE", 1, 0, 1000),
		RefundDelay:       env.Duration("REFUND_DELAY", 2*time.Second),
		FaultHold:         env.Duration("FAULT_HOLD", 30*time.Second),
		EventRetention:    env.Duration("EVENT_RETENTION", 168*time.Hour),
		DataRetention:     env.Duration("DATA_RETENTION", 720*time.Hour),
		DenyPrivate:       env.Bool("NOTIFY_DENY_PRIVATE", false),
	}
	// STRIPE_ADDR set to nothing disables the Stripe listener; unset it is
	// stripe-mock's port, so a stripe-mock user changes nothing.
	c.StripeAddr = ":12111"
	if v, set := env.Lookup("STRIPE_ADDR"); set {
		c.StripeAddr = strings.TrimSpace(v)
	}
	c.Schedules = map[string]gateway.Schedule{}
	var all gateway.Schedule
	if text := env.String("NOTIFY_SCHEDULE", ""); text != "" {
		var err error
		if all, err = gateway.ParseSchedule(text); err != nil {
			env.Fail("NOTIFY_SCHEDULE", "%v", err)
		}
	}
	for _, p := range protocols {
		name := "NOTIFY_SCHEDULE_" + strings.ToUpper(p.Name)
		if text := env.String(name, ""); text != "" {
			if s, err := gateway.ParseSchedule(text); err != nil {
				env.Fail(name, "%v", err)
			} else {
				c.Schedules[p.Name] = s
			}
		} else if all != nil {
			c.Schedules[p.Name] = all
		}
	}

	fs := flag.NewFlagSet("mockgateway", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (GATEWAY_ADDR)")
	fs.StringVar(&c.StripeAddr, "stripe-addr", c.StripeAddr, "listen address of the Stripe subset at /v1; empty disables it (STRIPE_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base of pay_url and qr_code_url (PUBLIC_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL; empty runs an embedded in-memory Redis (REDIS_URL)")
	fs.BoolVar(&c.WipeRedis, "wipe-redis", false, "delete every PaySandbox key in Redis (data of any layout) before starting")
	if err := fs.Parse(args); err != nil {
		return c, err
	}

	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		env.Fail("PUBLIC_URL", "%q is not an absolute http(s) URL", c.PublicURL)
	}
	if c.DemoNotifyURL != "" {
		if u, err := url.Parse(c.DemoNotifyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			env.Fail("DEMO_NOTIFY_URL", "%q is not an absolute http(s) URL", c.DemoNotifyURL)
		}
	}
	if c.NotifyTimeout <= 0 {
		env.Fail("NOTIFY_TIMEOUT", "must be positive")
	}
	if c.EventRetention <= 0 || c.DataRetention <= 0 {
		env.Fail("EVENT_RETENTION/DATA_RETENTION", "must be positive")
	}
	if c.AdminToken == "" {
		c.AdminToken = "adm_" + gateway.RandomToken(32)
		c.AdminGenerated = true
	}
	if err := env.Err(); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
