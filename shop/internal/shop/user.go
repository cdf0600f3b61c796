package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// Roles of a user. Support users run the back office (docs/shop.md, "Back office").
const (
	RoleCustomer = "customer"
	RoleSupport  = "support"
)

// User is an account of the shop. The password hash never leaves the store
// and the accounts service.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	PasswordHash []byte
	CreatedAt    time.Time
}

// Product is an item of the catalogue; Price is in fen.
type Product struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Price       int64
	Currency    string
}

// ProductText is a product's name (field "name") or description ("about")
// in the reader's language: the seeded catalogue has both languages in the
// message catalogue, by slug; any other product is shown as it was stored.
func ProductText(slug, field, stored string) i18n.Message {
	key := "shop.product." + slug + "." + field
	if slug == "" || !i18n.Default.Has(i18n.English, key) {
		return i18n.Raw(stored)
	}
	return i18n.M(key)
}
