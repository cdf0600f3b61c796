package sqlite

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// DemoUser is an account created on first run; docs/shop.md lists them.
type DemoUser struct {
	Email, Name, Role, Password string
}

// DemoUsers are seeded into an empty database. The passwords are public on
// purpose: this is a sandbox.
var DemoUsers = []DemoUser{
	{"alice@example.com", "Alice Wang", shop.RoleCustomer, "alice-sandbox"},
	{"bob@example.com", "Bob Li", shop.RoleCustomer, "bob-sandbox"},
	{"support@example.com", "Sam Support", shop.RoleSupport, "support-sandbox"},
}

var demoProducts = []shop.Product{
	{Slug: "green-tea", Name: "Longjing green tea, 100 g", Description: "Spring harvest from Hangzhou, pan-fired by hand.", Price: 6800},
	{Slug: "teapot", Name: "Yixing clay teapot", Description: "Zisha clay, 200 ml, for oolong and pu'er.", Price: 29900},
	{Slug: "cups", Name: "Celadon cups, set of 4", Description: "Longquan celadon, 60 ml each.", Price: 12800},
	{Slug: "mooncakes", Name: "Lotus seed mooncakes, box of 6", Description: "Cantonese style with salted egg yolk.", Price: 8800},
	{Slug: "chopsticks", Name: "Ebony chopsticks", Description: "Five pairs, hand-finished.", Price: 4500},
	{Slug: "sample", Name: "Tea sample", Description: "The cheapest thing in the shop, for trying payments.", Price: 1},
}

// seed fills an empty database with the catalogue and the demo users. It
// runs in one transaction, so a crash never leaves half a catalogue.
func (d *DB) seed(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: seed: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM products)`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: seed: %w", err)
	}
	if n > 0 {
		return nil
	}
	now := ms(d.now())
	for _, p := range demoProducts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO products (slug, name, description, price, currency) VALUES (?, ?, ?, ?, 'CNY')`,
			p.Slug, p.Name, p.Description, p.Price); err != nil {
			return fmt.Errorf("sqlite: seed product %s: %w", p.Slug, err)
		}
	}
	for _, u := range DemoUsers {
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), d.seedCost)
		if err != nil {
			return fmt.Errorf("sqlite: seed user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.Email, u.Name, u.Role, hash, now); err != nil {
			return fmt.Errorf("sqlite: seed user %s: %w", u.Email, err)
		}
	}
	return tx.Commit()
}
