package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Claim takes up to max due members of a queue under a lease, and moves
// the merchant's mark in the queue's set of merchants with work to its
// earliest member left.
func (s *Store) Claim(ctx context.Context, mid, queue string, now time.Time, lease time.Duration, max int) ([]string, error) {
	res, err := claimScript.Run(ctx, s.rdb, []string{mkey(mid, "q:"+queue)}, ms(now), ms(now.Add(lease)), max).StringSlice()
	if err != nil || len(res) == 0 {
		return nil, fmt.Errorf("redisstore: claim %s: %v", queue, err)
	}
	n, _ := strconv.Atoi(res[0])
	claimed := res[1 : 1+n]
	next := ""
	if len(res) > 1+n {
		next = res[1+n]
	}
	if err := s.remark(ctx, mid, queue, next, now); err != nil {
		return nil, err
	}
	return claimed, nil
}

// ClaimEvents claims due members of a delivery queue as Claim does and
// reads their events in the same round trip. A member whose event is gone
// comes with a nil Event.
func (s *Store) ClaimEvents(ctx context.Context, mid, queue string, now time.Time, lease time.Duration, max int) ([]gateway.ClaimedEvent, error) {
	res, err := claimEventsScript.Run(ctx, s.rdb, []string{mkey(mid, "q:"+queue)}, ms(now), ms(now.Add(lease)), max, mkey(mid, "evt:")).StringSlice()
	if err != nil || len(res) == 0 {
		return nil, fmt.Errorf("redisstore: claim %s: %v", queue, err)
	}
	n, _ := strconv.Atoi(res[0])
	out := make([]gateway.ClaimedEvent, 0, n)
	for i := range n {
		member, v, j := res[1+3*i], res[2+3*i], res[3+3*i]
		c := gateway.ClaimedEvent{Member: member}
		if v != "" && j != "" {
			var r eventRec
			if err := decode("event", member, []any{v, j}, &r); err != nil {
				return nil, err
			}
			c.Event = &r.Event
		}
		out = append(out, c)
	}
	next := ""
	if len(res) > 1+3*n {
		next = res[1+3*n]
	}
	if err := s.remark(ctx, mid, queue, next, now); err != nil {
		return nil, err
	}
	return out, nil
}

func dueKey(queue string) string { return Prefix + "due:" + queue }

// remark sets a merchant's mark in a queue's set of merchants with work to
// the score of its earliest member ("" when the queue is empty), then reads
// the queue again: a commit that scheduled an earlier member meanwhile
// marked the merchant before this overwrote it, and is marked again here.
func (s *Store) remark(ctx context.Context, mid, queue, next string, now time.Time) error {
	if next != "" && mustFloat(next) <= float64(now.UnixMilli()) {
		// Still due now: the mark that found the merchant (due by now
		// too) stays right, and the busy path costs no round trip.
		return nil
	}
	var err error
	if next == "" {
		err = s.rdb.ZRem(ctx, dueKey(queue), mid).Err()
	} else {
		err = s.rdb.ZAdd(ctx, dueKey(queue), redis.Z{Score: mustFloat(next), Member: mid}).Err()
	}
	if err != nil {
		return fmt.Errorf("redisstore: mark due: %w", err)
	}
	first, err := s.rdb.ZRangeWithScores(ctx, mkey(mid, "q:"+queue), 0, 0).Result()
	if err != nil {
		return fmt.Errorf("redisstore: mark due: %w", err)
	}
	if len(first) == 1 && (next == "" || first[0].Score < mustFloat(next)) {
		return s.markDueAt(ctx, mid, queue, int64(first[0].Score))
	}
	return nil
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// markDue queues, on pipe, the marks of the merchant in the set of each
// queue a batch schedules on, with the earliest time it schedules there
// (due_min.lua: a mark only moves earlier). A cluster's commits mark this
// way, and so do those of a cluster-mode Redis behind a plain client
// (marksApart, after its CROSSSLOT); other standalone commits mark inside
// commit.lua ('due').
func (s *Store) markDue(ctx context.Context, pipe redis.Pipeliner, mid string, entries []gateway.ScheduleEntry) []*redis.Cmd {
	earliest := earliestDue(entries)
	cmds := make([]*redis.Cmd, 0, len(earliest))
	for queue, at := range earliest {
		cmds = append(cmds, dueMinScript.EvalSha(ctx, pipe, []string{dueKey(queue)}, mid, at))
	}
	return cmds
}

// earliestDue returns, by queue, the earliest time (unix ms) entries
// schedule on it.
func earliestDue(entries []gateway.ScheduleEntry) map[string]int64 {
	earliest := map[string]int64{}
	for _, e := range entries {
		at := e.At.UnixMilli()
		if cur, ok := earliest[e.Queue]; !ok || at < cur {
			earliest[e.Queue] = at
		}
	}
	return earliest
}

func (s *Store) markDueAt(ctx context.Context, mid, queue string, atMS int64) error {
	if err := dueMinScript.Run(ctx, s.rdb, []string{dueKey(queue)}, mid, atMS).Err(); err != nil {
		return fmt.Errorf("redisstore: mark due: %w", err)
	}
	return nil
}

// Sweep marks every merchant with a member on a queue, reading each
// merchant's queue: the repair for a mark lost between a commit and its
// marking (a process killed in between). Its cost grows with the number of
// merchants, so the dispatcher runs it at start and rarely after.
func (s *Store) Sweep(ctx context.Context, queue string) error {
	ids, err := s.rdb.SMembers(ctx, merchantsKey).Result()
	if err != nil {
		return fmt.Errorf("redisstore: sweep: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.ZRangeWithScores(ctx, mkey(id, "q:"+queue), 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: sweep: %w", err)
	}
	for i, c := range cmds {
		if z := c.Val(); len(z) == 1 {
			if err := s.markDueAt(ctx, ids[i], queue, int64(z[0].Score)); err != nil {
				return err
			}
		}
	}
	return nil
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
	if n > 0 {
		if err := s.markDueAt(ctx, mid, queue, now.UnixMilli()); err != nil {
			return 0, err
		}
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

// IdemBegin looks up an Idempotency-Key and marks a free one in flight,
// under a token of this call: if the client sends the begin again (its
// reply came late), the mark is recognised as the call's own, not another
// request's in flight.
func (s *Store) IdemBegin(ctx context.Context, mid, key, fp string, inFlight time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error) {
	return s.idemLookup(ctx, mid, key, fp, msDur(inFlight), "begin", randomToken())
}

// IdemPut keeps the answer of a call that did not mark its key in flight
// (gateway.IdemCommit.Check) when the key is free (IdemNew); otherwise it
// changes nothing and says whose the key is. Like IdemBegin it writes
// under a token of the call, so a resend finds its own answer (IdemNew),
// not a replay of another request's.
func (s *Store) IdemPut(ctx context.Context, mid, key, fp string, a gateway.IdemAnswer, ttl time.Duration) (gateway.IdemState, *gateway.IdemAnswer, error) {
	return s.idemLookup(ctx, mid, key, fp, msDur(ttl), "put", randomToken(), a.Status, string(a.Body))
}

// IdemPeek says whose an Idempotency-Key is (IdemNew: nobody's) and
// changes nothing.
func (s *Store) IdemPeek(ctx context.Context, mid, key, fp string) (gateway.IdemState, *gateway.IdemAnswer, error) {
	return s.idemLookup(ctx, mid, key, fp, "0", "peek", "")
}

func (s *Store) idemLookup(ctx context.Context, mid, key, fp string, args ...any) (gateway.IdemState, *gateway.IdemAnswer, error) {
	// In a pipeline shared with concurrent calls (batch.go), as the commit
	// that usually follows it.
	var cmd *redis.Cmd
	run := func() {
		s.batch.do(ctx, func(pipe redis.Pipeliner) {
			cmd = idemBeginScript.EvalSha(ctx, pipe, []string{idemKey(mid, key)}, append([]any{fp}, args...)...)
		})
	}
	run()
	if noScript(cmd.Err()) {
		if err := s.loadScripts(ctx); err != nil {
			return 0, nil, err
		}
		run()
	}
	res, err := cmd.Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("redisstore: idempotency: %w", err)
	}
	return idemState(res)
}

// idemState reads idem_begin.lua's answer (and commit.lua's after its 2).
func idemState(res []any) (gateway.IdemState, *gateway.IdemAnswer, error) {
	switch res[0] {
	case "new":
		return gateway.IdemNew, nil, nil
	case "mismatch":
		return gateway.IdemMismatch, nil, nil
	case "inflight":
		return gateway.IdemInFlight, nil, nil
	case "done":
		if len(res) == 3 {
			status, _ := strconv.Atoi(fmt.Sprint(res[1]))
			body, _ := res[2].(string)
			return gateway.IdemDone, &gateway.IdemAnswer{Status: status, Body: []byte(body)}, nil
		}
	}
	return 0, nil, fmt.Errorf("redisstore: idempotency: unexpected answer %v", res)
}

// IdemFinish stores the answer of a request under its key.
func (s *Store) IdemFinish(ctx context.Context, mid, key, fp string, a gateway.IdemAnswer, ttl time.Duration) error {
	if err := idemFinishScript.Run(ctx, s.rdb, []string{idemKey(mid, key)}, fp, a.Status, string(a.Body), msDur(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: idempotency finish: %w", err)
	}
	return nil
}

// IdemExtend keeps an in-flight key marked for ttl more.
func (s *Store) IdemExtend(ctx context.Context, mid, key, fp string, ttl time.Duration) error {
	if err := idemExtendScript.Run(ctx, s.rdb, []string{idemKey(mid, key)}, fp, msDur(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: idempotency extend: %w", err)
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

// DueMerchants returns the merchants that have a member of queue due at
// now, from the queue's set of merchants with work: its cost does not grow
// with the number of idle merchants.
func (s *Store) DueMerchants(ctx context.Context, queue string, now time.Time) ([]string, error) {
	due, err := s.DueMerchantsOf(ctx, []string{queue}, now)
	if err != nil {
		return nil, err
	}
	return due[0], nil
}

// DueMerchantsOf is DueMerchants for several queues in one round trip:
// the dispatcher asks for both of its queues on every tick.
func (s *Store) DueMerchantsOf(ctx context.Context, queues []string, now time.Time) ([][]string, error) {
	cmds := make([]*redis.StringSliceCmd, len(queues))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, q := range queues {
			cmds[i] = p.ZRangeByScore(ctx, dueKey(q), &redis.ZRangeBy{Min: "-inf", Max: ms(now)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: due merchants: %w", err)
	}
	out := make([][]string, len(queues))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}
