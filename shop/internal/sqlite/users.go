package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// CreateUser stores a new customer. Errors: ECONFLICT when the email is
// taken.
func (d *DB) CreateUser(ctx context.Context, u *shop.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = d.now()
	res, err := d.exec(ctx, `INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.Email, u.Name, u.Role, u.PasswordHash, ms(u.CreatedAt))
	if isUnique(err) {
		return shop.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	u.ID, _ = res.LastInsertId()
	return nil
}

// FindUserByEmail returns the user with that email. Errors: ENOTFOUND.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*shop.User, error) {
	return d.findUser(ctx, `email = ?`, strings.ToLower(strings.TrimSpace(email)))
}

// FindUserByID returns a user. Errors: ENOTFOUND.
func (d *DB) FindUserByID(ctx context.Context, id int64) (*shop.User, error) {
	return d.findUser(ctx, `id = ?`, id)
}

func (d *DB) findUser(ctx context.Context, where string, arg any) (*shop.User, error) {
	var u shop.User
	var created int64
	err := d.db.QueryRowContext(ctx, `SELECT id, email, name, role, password_hash, created_at FROM users WHERE `+where, arg).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created)
	if err != nil {
		return nil, notFound(err, shop.WhatUser)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// ListProducts returns the active catalogue, cheapest last.
func (d *DB) ListProducts(ctx context.Context) ([]shop.Product, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, slug, name, description, price, currency FROM products WHERE active = 1 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list products: %w", err)
	}
	defer rows.Close()
	var out []shop.Product
	for rows.Next() {
		var p shop.Product
		if err := rows.Scan(&p.ID, &p.Slug, &p.Name, &p.Description, &p.Price, &p.Currency); err != nil {
			return nil, fmt.Errorf("sqlite: list products: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// FindProducts returns the active products among ids, by id, in one
// query; ids of missing or withdrawn products are absent from the map.
func (d *DB) FindProducts(ctx context.Context, ids []int64) (map[int64]shop.Product, error) {
	out := make(map[int64]shop.Product, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := d.db.QueryContext(ctx, `SELECT id, slug, name, description, price, currency FROM products WHERE active = 1 AND id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find products: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p shop.Product
		if err := rows.Scan(&p.ID, &p.Slug, &p.Name, &p.Description, &p.Price, &p.Currency); err != nil {
			return nil, fmt.Errorf("sqlite: find products: %w", err)
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

// FindProduct returns an active product by slug or, when slug is "", by id.
// Errors: ENOTFOUND.
func (d *DB) FindProduct(ctx context.Context, id int64, slug string) (*shop.Product, error) {
	var p shop.Product
	row := d.db.QueryRowContext(ctx, `SELECT id, slug, name, description, price, currency FROM products WHERE active = 1 AND (id = ? OR (? <> '' AND slug = ?))`, id, slug, slug)
	if err := row.Scan(&p.ID, &p.Slug, &p.Name, &p.Description, &p.Price, &p.Currency); err != nil {
		return nil, notFound(err, shop.WhatProduct)
	}
	return &p, nil
}
