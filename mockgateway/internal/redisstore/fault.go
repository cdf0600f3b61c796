package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Fault rules are global (the admin API manages them for every merchant)
// and share one hash tag, so a rule, the list and the version change
// together in one script: a sorted set of ids by creation time, one hash
// per rule whose remaining and hits change atomically in fault_take.lua,
// and a version that changes whenever a rule is created, deleted or used
// up, so gateways keep the rules in memory and read them again only then.
const (
	faultsKey   = Prefix + "{faults}:list"
	faultVerKey = Prefix + "{faults}:ver"
)

// UsedUpFaultTTL is how long a rule whose remaining reached 0 stays
// listed (with its hits) before it expires.
const UsedUpFaultTTL = 24 * time.Hour

func faultKey(id string) string { return Prefix + "{faults}:rule:" + id }

var (
	faultTakeScript   = script("fault_take")
	faultCreateScript = script("fault_create")
	faultDeleteScript = script("fault_delete")
)

// CreateFaultRule stores a rule.
func (s *Store) CreateFaultRule(ctx context.Context, r *gateway.FaultRule) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redisstore: marshal fault rule: %w", err)
	}
	remaining := ""
	if r.Remaining != nil {
		remaining = strconv.FormatInt(*r.Remaining, 10)
	}
	err = faultCreateScript.Run(ctx, s.rdb, []string{faultKey(r.ID), faultsKey, faultVerKey},
		string(raw), remaining, r.CreatedAt.UnixMilli(), r.ID, changesChannel).Err()
	if err != nil {
		return fmt.Errorf("redisstore: create fault rule: %w", err)
	}
	return nil
}

// FaultRulesVersion returns the version of the rules: it changes whenever
// a rule is created, deleted or used up.
func (s *Store) FaultRulesVersion(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, faultVerKey).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("redisstore: fault rules version: %w", err)
	}
	return v, nil
}

// FaultRules lists rules oldest first with their current counters, and the
// version they were read at. Ids whose rule expired are dropped from the
// list on the way.
func (s *Store) FaultRules(ctx context.Context) ([]*gateway.FaultRule, int64, error) {
	pipe := s.rdb.Pipeline()
	verCmd := pipe.Get(ctx, faultVerKey)
	idsCmd := pipe.ZRange(ctx, faultsKey, 0, -1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("redisstore: fault rules: %w", err)
	}
	ver, _ := verCmd.Int64()
	ids := idsCmd.Val()
	if len(ids) == 0 {
		return nil, ver, nil
	}
	pipe = s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, faultKey(id), "j", "remaining", "hits")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("redisstore: fault rules: %w", err)
	}
	out := make([]*gateway.FaultRule, 0, len(ids))
	for i, c := range cmds {
		v := c.Val()
		if len(v) != 3 || v[0] == nil {
			s.rdb.ZRem(ctx, faultsKey, ids[i]) // used up and expired, or deleted in between
			continue
		}
		var r gateway.FaultRule
		if err := json.Unmarshal([]byte(v[0].(string)), &r); err != nil {
			return nil, 0, fmt.Errorf("redisstore: decode fault rule: %w", err)
		}
		r.Remaining = nil
		if rem, _ := v[1].(string); rem != "" {
			n, _ := strconv.ParseInt(rem, 10, 64)
			r.Remaining = &n
		}
		if hits, _ := v[2].(string); hits != "" {
			r.Hits, _ = strconv.ParseInt(hits, 10, 64)
		}
		out = append(out, &r)
	}
	return out, ver, nil
}

// DeleteFaultRule removes a rule; an unknown id is resource_missing.
func (s *Store) DeleteFaultRule(ctx context.Context, id string) error {
	n, err := faultDeleteScript.Run(ctx, s.rdb, []string{faultKey(id), faultsKey, faultVerKey}, id, changesChannel).Int()
	if err != nil {
		return fmt.Errorf("redisstore: delete fault rule: %w", err)
	}
	if n == 0 {
		return gateway.Errorf(gateway.ResourceMissing, "id", "No fault rule with id %q exists.", id)
	}
	return nil
}

// TakeFaultRule applies a rule once, atomically across processes, and
// once only when the client sends the take again (a token of the take). A
// rule used up by this take expires after UsedUpFaultTTL.
func (s *Store) TakeFaultRule(ctx context.Context, id string) (bool, error) {
	keys := []string{faultKey(id), faultVerKey, Prefix + "{faults}:take:" + randomToken()}
	n, err := faultTakeScript.Run(ctx, s.rdb, keys, UsedUpFaultTTL.Milliseconds(), changesChannel, commitTokenTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: take fault rule: %w", err)
	}
	return n == 1, nil
}
