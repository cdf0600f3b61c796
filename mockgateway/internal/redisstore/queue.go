package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Claim takes up to max due members of a queue under a lease.
func (s *Store) Claim(ctx context.Context, mid, queue string, now time.Time, lease time.Duration, max int) ([]string, error) {
	res, err := claimScript.Run(ctx, s.rdb, []string{mkey(mid, "q:"+queue)}, ms(now), ms(now.Add(lease)), max).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: claim %s: %w", queue, err)
	}
	return res, nil
}

// QueueStats counts members due at now and scheduled after now.
func (s *Store) QueueStats(ctx context.Context, mid, queue string, now time.Time) (due, later int64, err error) {
	key := mkey(mid, "q:"+queue)
	pipe := s.rdb.Pipeline()
	d := pipe.ZCount(ctx, key, "-inf", ms(now))
	l := pipe.ZCount(ctx, key, "("+ms(now), "+inf")
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, fmt.Errorf("redisstore: queue stats: %w", err)
	}
	return d.Val(), l.Val(), nil
}

// MakeDue moves every later member of a queue to now.
func (s *Store) MakeDue(ctx context.Context, mid, queue string, now time.Time) (int, error) {
	n, err := makeDueScript.Run(ctx, s.rdb, []string{mkey(mid, "q:"+queue)}, ms(now)).Int()
	if err != nil {
		return 0, fmt.Errorf("redisstore: make due: %w", err)
	}
	return n, nil
}

// NextDue returns when the earliest member of a queue is due, or false.
func (s *Store) NextDue(ctx context.Context, mid, queue string) (time.Time, bool, error) {
	z, err := s.rdb.ZRangeWithScores(ctx, mkey(mid, "q:"+queue), 0, 0).Result()
	if err != nil && err != redis.Nil {
		return time.Time{}, false, fmt.Errorf("redisstore: next due: %w", err)
	}
	if len(z) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(z[0].Score)), true, nil
}

func idemKey(mid, key string) string { return mkey(mid, "idem:"+key) }

// IdemBegin looks up an Idempotency-Key and marks a free one in flight.
func (s *Store) IdemBegin(ctx context.Context, mid, key, fp string, inFlight time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error) {
	res, err := idemBeginScript.Run(ctx, s.rdb, []string{idemKey(mid, key)}, fp, msDur(inFlight)).Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("redisstore: idempotency: %w", err)
	}
	switch res[0] {
	case "new":
		return gateway.IdemNew, nil, nil
	case "mismatch":
		return gateway.IdemMismatch, nil, nil
	case "inflight":
		return gateway.IdemInFlight, nil, nil
	}
	status, _ := strconv.Atoi(fmt.Sprint(res[1]))
	body, _ := res[2].(string)
	return gateway.IdemDone, &gateway.IdemAnswer{Status: status, Body: []byte(body)}, nil
}

// IdemFinish stores the answer of a request under its key.
func (s *Store) IdemFinish(ctx context.Context, mid, key, fp string, a gateway.IdemAnswer, ttl time.Duration) error {
	if err := idemFinishScript.Run(ctx, s.rdb, []string{idemKey(mid, key)}, fp, a.Status, string(a.Body), msDur(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: idempotency finish: %w", err)
	}
	return nil
}

// IdemRelease frees an in-flight key.
func (s *Store) IdemRelease(ctx context.Context, mid, key, fp string) error {
	if err := idemReleaseScript.Run(ctx, s.rdb, []string{idemKey(mid, key)}, fp).Err(); err != nil {
		return fmt.Errorf("redisstore: idempotency release: %w", err)
	}
	return nil
}

// DueMerchants returns the merchants that have at least one member of queue
// due at now, in one pipelined round trip over all merchants.
func (s *Store) DueMerchants(ctx context.Context, queue string, now time.Time) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, merchantsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: due merchants: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.ZCount(ctx, mkey(id, "q:"+queue), "-inf", ms(now))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: due merchants: %w", err)
	}
	var out []string
	for i, c := range cmds {
		if c.Val() > 0 {
			out = append(out, ids[i])
		}
	}
	return out, nil
}
