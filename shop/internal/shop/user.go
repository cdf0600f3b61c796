package shop

import "time"

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
