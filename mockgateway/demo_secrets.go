package main

import "github.com/paysandbox/paysandbox/shared/serve"

// demoSecretsInUse lists the published demo secrets this configuration still
// uses; the gateway warns about them when it listens beyond loopback
// (DESIGN §12).
func (c config) demoSecretsInUse() []serve.DemoSecret {
	var out []serve.DemoSecret
	if c.DemoAPIKey == DefaultDemoAPIKey {
		out = append(out, serve.DemoSecret{Name: "DEMO_API_KEY",
			Risk: "anyone can create, pay, refund and read the demo merchant's payments",
			Fix:  "set DEMO_API_KEY to a private value"})
	}
	if c.DemoWebhookSecret == DefaultDemoWebhookSecret {
		out = append(out, serve.DemoSecret{Name: "DEMO_WEBHOOK_SECRET",
			Risk: "anyone can sign notifications and return URLs the demo merchant's shop accepts",
			Fix:  "set DEMO_WEBHOOK_SECRET to a fresh whsec_ secret (and the shop's GATEWAY_WEBHOOK_SECRET to the same)"})
	}
	return out
}
