package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Layout is the version of the way this store lays its data out in Redis.
// It changes whenever data written by an older gateway would be misread:
// version 2 stores events as snapshots of the core's own types (earlier
// versions kept the native JSON envelope).
const Layout = "2"

const layoutKey = Prefix + "layout"

// ErrLayout is returned by CheckLayout when Redis holds data of another
// layout; the message says how to clear it.
var ErrLayout = errors.New("redisstore: Redis holds PaySandbox data of another layout")

// CheckLayout makes sure the database is this layout's: an empty database
// is marked with it; one written by another layout is refused (ErrLayout)
// rather than misread.
func (s *Store) CheckLayout(ctx context.Context) error {
	got, err := s.rdb.Get(ctx, layoutKey).Result()
	switch {
	case err == nil && got == Layout:
		return nil
	case err == nil:
		return fmt.Errorf("%w: it has layout version %s, this gateway reads version %s", ErrLayout, got, Layout)
	case !errors.Is(err, redis.Nil):
		return fmt.Errorf("redisstore: read layout: %w", err)
	}
	// No layout key: an empty database, or data from before layouts were
	// marked (version 1, whose merchants set always exists).
	n, err := s.rdb.Exists(ctx, merchantsKey).Result()
	if err != nil {
		return fmt.Errorf("redisstore: read layout: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: it has layout version 1, this gateway reads version %s", ErrLayout, Layout)
	}
	return s.writeLayout(ctx)
}

// Wipe deletes every key of any layout and marks the database with this
// one: what `mockgateway -wipe-redis` does before starting.
func (s *Store) Wipe(ctx context.Context) error {
	return s.Reset(ctx)
}

func (s *Store) writeLayout(ctx context.Context) error {
	if err := s.rdb.Set(ctx, layoutKey, Layout, 0).Err(); err != nil {
		return fmt.Errorf("redisstore: write layout: %w", err)
	}
	return nil
}
