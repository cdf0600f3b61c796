// Package redisstore keeps the gateway's state in Redis: objects as hashes
// {v: version, j: JSON}, lexicographic indexes (ids sort by time), schedules
// as sorted sets scored in unix milliseconds, and one Lua script that applies
// a gateway.Batch atomically.
//
// Every key of a merchant carries the hash tag {merchant_id}, so a batch
// touches one Redis Cluster slot. Only merchants, API keys and the index from
// payment ids to merchants (for the unauthenticated cashier) are global.
package redisstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	src, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(src))
}

var (
	commitScript      = script("commit")
	claimScript       = script("claim")
	merchantPutScript = script("merchant_put")
	claimEventsScript = script("claim_events")
	dueMinScript      = script("due_min")
	makeDueScript     = script("makedue")
	idemBeginScript   = script("idem_begin")
	idemFinishScript  = script("idem_finish")
	idemReleaseScript = script("idem_release")
	idemExtendScript  = script("idem_extend")
)

// scripts are every script the store runs, for loading them ahead of a
// pipeline that calls them by SHA.
var scripts = []*redis.Script{commitScript, claimScript, claimEventsScript, dueMinScript, makeDueScript, idemBeginScript, idemFinishScript, idemReleaseScript, idemExtendScript,
	faultTakeScript, faultCreateScript, faultDeleteScript}

// loadScripts loads every script on every node.
func (s *Store) loadScripts(ctx context.Context) error {
	load := func(ctx context.Context, c *redis.Client) error {
		for _, sc := range scripts {
			if err := sc.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, load)
	case *redis.Client:
		if err = load(ctx, c); err == nil {
			// A Redis that did not know the scripts may be another one (a
			// failover, a restart on another version): whether it takes
			// ZADD … LT is asked again by the next commit that marks.
			s.zaddLT.Store(ltUnknown)
		}
	default:
		err = fmt.Errorf("unsupported client %T", s.rdb)
	}
	if err != nil {
		return fmt.Errorf("redisstore: load scripts: %w", err)
	}
	return nil
}

// Prefix starts every key the store writes.
const Prefix = "ps:"

// Store is a gateway.Store on Redis.
type Store struct {
	rdb     redis.UniversalClient
	batch   *batcher
	cluster bool
	// zaddLT is whether Redis takes ZADD … LT (6.2 and later): ltUnknown
	// until a commit asks (zaddTakesLT), and again after the scripts had to
	// be loaded (loadScripts).
	zaddLT atomic.Int32
	// marksApart is set once a standalone connection met a Redis that
	// refuses a script touching two cluster slots: due marks are then made
	// after each commit, as on a cluster.
	marksApart atomic.Bool
}

const (
	ltUnknown int32 = iota
	ltYes
	ltNo
)

// zaddTakesLT reports whether Redis takes ZADD … LT, asking it the first
// time (a scratch key, deleted again). A Redis that answers ERR knows no LT;
// one that does not answer, or refuses for another reason, is asked again
// next time.
func (s *Store) zaddTakesLT(ctx context.Context) bool {
	switch s.zaddLT.Load() {
	case ltYes:
		return true
	case ltNo:
		return false
	}
	probe := Prefix + "probe:zadd-lt"
	err := s.rdb.Do(ctx, "ZADD", probe, "LT", 0, "x").Err()
	switch {
	case err == nil:
		_ = s.rdb.Del(ctx, probe).Err()
		s.zaddLT.Store(ltYes)
		return true
	case redis.HasErrorPrefix(err, "ERR"):
		// "ERR syntax error": this Redis knows no LT. Other refusals
		// (LOADING, READONLY, OOM…) say nothing about it: ask again later.
		s.zaddLT.Store(ltNo)
	}
	return false
}

var _ gateway.Store = (*Store)(nil)

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store {
	_, cluster := rdb.(*redis.ClusterClient)
	return &Store{rdb: rdb, batch: newBatcher(rdb), cluster: cluster}
}

// Client returns the underlying Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

func mkey(mid, rest string) string { return Prefix + "{" + mid + "}:" + rest }

func merchantKey(id string) string { return Prefix + "merchant:" + id }
func apiKeyKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return Prefix + "apikey:" + hex.EncodeToString(sum[:])
}
func ownerKey(id string) string { return Prefix + "owner:" + id }
func aliasKey(kind, alias string) string {
	return Prefix + "alias:" + kind + ":" + alias
}

const merchantsKey = Prefix + "merchants"

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

// PutMerchant stores a merchant and indexes its API key, if the stored
// one still has version expected (0: none is stored).
func (s *Store) PutMerchant(ctx context.Context, m *gateway.Merchant, expected int64) error {
	next := *m
	next.Version = expected + 1
	raw, err := json.Marshal(&next)
	if err != nil {
		return fmt.Errorf("redisstore: marshal merchant: %w", err)
	}
	// Three keys in three slots: the merchant first (checked against its
	// version), so that a merchant is listed only once it can be loaded,
	// and authenticates only once listed.
	ok, err := merchantPutScript.Run(ctx, s.rdb, []string{merchantKey(m.ID)}, expected, raw).Int()
	if err != nil {
		return fmt.Errorf("redisstore: put merchant: %w", err)
	}
	if ok != 1 {
		return gateway.ErrConflict
	}
	m.Version = next.Version
	if err := s.rdb.SAdd(ctx, merchantsKey, m.ID).Err(); err != nil {
		return fmt.Errorf("redisstore: put merchant: %w", err)
	}
	if err := s.rdb.Set(ctx, apiKeyKey(m.APIKey), m.ID, 0).Err(); err != nil {
		return fmt.Errorf("redisstore: put merchant: %w", err)
	}
	return s.publishChange(ctx)
}

// Merchant returns a merchant by id.
func (s *Store) Merchant(ctx context.Context, id string) (*gateway.Merchant, error) {
	raw, err := s.rdb.Get(ctx, merchantKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, gateway.NotFound("merchant", id)
	} else if err != nil {
		return nil, fmt.Errorf("redisstore: merchant: %w", err)
	}
	var m gateway.Merchant
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("redisstore: decode merchant %s: %w", id, err)
	}
	return &m, nil
}

// MerchantByAPIKey returns the merchant an API key is indexed to.
func (s *Store) MerchantByAPIKey(ctx context.Context, key string) (*gateway.Merchant, error) {
	id, err := s.rdb.Get(ctx, apiKeyKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, gateway.Errorf(gateway.InvalidAPIKey, "", "The API key is not valid.")
	} else if err != nil {
		return nil, fmt.Errorf("redisstore: api key: %w", err)
	}
	return s.Merchant(ctx, id)
}

// ClaimMerchantAlias points a protocol's merchant id at a merchant unless
// it points at another one already.
func (s *Store) ClaimMerchantAlias(ctx context.Context, kind, alias, mid string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, aliasKey(kind, alias), mid, 0).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: claim alias: %w", err)
	}
	if ok {
		return true, s.publishChange(ctx)
	}
	cur, err := s.rdb.Get(ctx, aliasKey(kind, alias)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("redisstore: claim alias: %w", err)
	}
	return cur == mid, nil
}

// MerchantIDByAlias returns the merchant a protocol's merchant id points at.
func (s *Store) MerchantIDByAlias(ctx context.Context, kind, alias string) (string, error) {
	mid, err := s.rdb.Get(ctx, aliasKey(kind, alias)).Result()
	if errors.Is(err, redis.Nil) {
		return "", gateway.Errorf(gateway.ResourceMissing, "", "No merchant with %s %q exists.", kind, alias)
	} else if err != nil {
		return "", fmt.Errorf("redisstore: alias: %w", err)
	}
	return mid, nil
}

// Merchants lists every merchant, oldest first.
func (s *Store) Merchants(ctx context.Context) ([]*gateway.Merchant, error) {
	ids, err := s.rdb.SMembers(ctx, merchantsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: merchants: %w", err)
	}
	// One GET per merchant in one pipeline: merchants live in different
	// cluster slots, so no MGET.
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.Get(ctx, merchantKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: merchants: %w", err)
	}
	out := make([]*gateway.Merchant, 0, len(ids))
	for i, c := range cmds {
		raw, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			continue // removed in between
		}
		var m gateway.Merchant
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("redisstore: decode merchant %s: %w", ids[i], err)
		}
		out = append(out, &m)
	}
	slices.SortFunc(out, func(a, b *gateway.Merchant) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Reset deletes every key the store wrote, on every node of a cluster, and
// marks the empty database with the store's layout again.
func (s *Store) Reset(ctx context.Context) error {
	if err := s.wipe(ctx); err != nil {
		return err
	}
	// The fault rules' version must never come back to a value a process
	// has cached: it starts again from the clock, not from 0.
	if err := s.rdb.Set(ctx, faultVerKey, time.Now().UnixNano(), 0).Err(); err != nil {
		return fmt.Errorf("redisstore: reset: %w", err)
	}
	if err := s.writeLayout(ctx); err != nil {
		return err
	}
	return s.publishChange(ctx)
}

// wipe deletes every key the store wrote, on every node of a cluster.
func (s *Store) wipe(ctx context.Context) error {
	wipe := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, Prefix+"*", 1000).Iterator()
		var batch []string
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == 500 {
				if err := unlinkEach(ctx, c, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return unlinkEach(ctx, c, batch)
	}
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, wipe)
	case *redis.Client:
		err = wipe(ctx, c)
	default:
		err = fmt.Errorf("unsupported client %T", s.rdb)
	}
	if err != nil {
		return fmt.Errorf("redisstore: reset: %w", err)
	}
	return nil
}

// unlinkEach deletes keys one command per key, so keys of different cluster
// slots never share a command.
func unlinkEach(ctx context.Context, c *redis.Client, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	pipe := c.Pipeline()
	for _, k := range keys {
		pipe.Unlink(ctx, k)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// IndexPaymentOwner records which merchant a payment id belongs to.
func (s *Store) IndexPaymentOwner(ctx context.Context, id, merchantID string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, ownerKey(id), merchantID, ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: index owner: %w", err)
	}
	return nil
}

// PaymentOwner returns the merchant id of a payment id.
func (s *Store) PaymentOwner(ctx context.Context, id string) (string, error) {
	mid, err := s.rdb.Get(ctx, ownerKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", gateway.NotFound("payment", id)
	} else if err != nil {
		return "", fmt.Errorf("redisstore: owner: %w", err)
	}
	return mid, nil
}
