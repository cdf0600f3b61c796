package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Fault rules are global (the admin API manages them for every merchant):
// a sorted set of ids by creation time and one hash per rule, whose
// remaining and hits fields change atomically in fault_take.lua.
const faultsKey = Prefix + "faults"

func faultKey(id string) string { return Prefix + "fault:" + id }

var faultTakeScript = script("fault_take")

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
	if err := s.rdb.HSet(ctx, faultKey(r.ID), "j", raw, "remaining", remaining, "hits", 0).Err(); err != nil {
		return fmt.Errorf("redisstore: create fault rule: %w", err)
	}
	if err := s.rdb.ZAdd(ctx, faultsKey, redis.Z{Score: float64(r.CreatedAt.UnixMilli()), Member: r.ID}).Err(); err != nil {
		return fmt.Errorf("redisstore: create fault rule: %w", err)
	}
	return nil
}

// FaultRules lists rules oldest first with their current counters.
func (s *Store) FaultRules(ctx context.Context) ([]*gateway.FaultRule, error) {
	ids, err := s.rdb.ZRange(ctx, faultsKey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: fault rules: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, faultKey(id), "j", "remaining", "hits")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: fault rules: %w", err)
	}
	out := make([]*gateway.FaultRule, 0, len(ids))
	for _, c := range cmds {
		v := c.Val()
		if len(v) != 3 || v[0] == nil {
			continue // deleted in between
		}
		var r gateway.FaultRule
		if err := json.Unmarshal([]byte(v[0].(string)), &r); err != nil {
			return nil, fmt.Errorf("redisstore: decode fault rule: %w", err)
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
	return out, nil
}

// DeleteFaultRule removes a rule; an unknown id is resource_missing.
func (s *Store) DeleteFaultRule(ctx context.Context, id string) error {
	n, err := s.rdb.Del(ctx, faultKey(id)).Result()
	if err != nil {
		return fmt.Errorf("redisstore: delete fault rule: %w", err)
	}
	if err := s.rdb.ZRem(ctx, faultsKey, id).Err(); err != nil {
		return fmt.Errorf("redisstore: delete fault rule: %w", err)
	}
	if n == 0 {
		return gateway.Errorf(gateway.ResourceMissing, "id", "No fault rule with id %q exists.", id)
	}
	return nil
}

// TakeFaultRule applies a rule once, atomically across processes.
func (s *Store) TakeFaultRule(ctx context.Context, id string) (bool, error) {
	n, err := faultTakeScript.Run(ctx, s.rdb, []string{faultKey(id)}).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: take fault rule: %w", err)
	}
	return n == 1, nil
}
