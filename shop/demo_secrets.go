package main

import (
	"context"
	"net"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shared/serve"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// warnExposedDemoSecrets logs a warning per published demo secret the shop
// still uses when it listens beyond loopback (DESIGN §12): the demo webhook
// secret, and each seeded account whose password is still the one in the
// README. Checking the passwords costs a bcrypt comparison each, so it is
// done only when the warning could be logged.
func (a *app) warnExposedDemoSecrets(ctx context.Context, addr net.Addr) {
	if serve.Loopback(addr) {
		return
	}
	var secrets []serve.DemoSecret
	if a.cfg.WebhookSecret == demoWebhookSecret {
		secrets = append(secrets, serve.DemoSecret{Name: "GATEWAY_WEBHOOK_SECRET",
			Risk: "anyone can forge gateway notifications and mark orders paid or refunded",
			Fix:  "give the merchant a fresh webhook secret at the gateway and set GATEWAY_WEBHOOK_SECRET to it"})
	}
	for _, d := range sqlite.DemoUsers {
		u, err := a.db.FindUserByEmail(ctx, d.Email)
		if err != nil || bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(d.Password)) != nil {
			continue
		}
		secrets = append(secrets, serve.DemoSecret{Name: "demo password of " + d.Email,
			Risk: "anyone can sign in as " + d.Email + " (role " + d.Role + ")",
			Fix:  "change that account's password_hash in SHOP_DB"})
	}
	serve.WarnExposedDemoSecrets(a.log, addr, "SHOP_ADDR", secrets)
}
