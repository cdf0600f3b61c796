package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// MerchantIDs lists every merchant's id.
func (s *Store) MerchantIDs(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, merchantsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: merchant ids: %w", err)
	}
	return ids, nil
}

// idStream is one merchant's index, read newest first a chunk at a time.
type idStream struct {
	mid   string
	buf   []string
	upper string // exclusive bound of the next read
	done  bool
}

// scanned is an index entry taken from a stream, to load.
type scanned struct{ mid, id string }

// scan merges the indexes of several merchants into one list, newest first:
// ids sort by time across merchants, so a k-way merge by id is the list. It
// reads ids a chunk per merchant at a time and loads only the objects it
// takes, in one pipeline per round, so a page costs about limit objects
// (plus what keep refuses, at most MaxScan) whatever the size of the
// gateway.
func scan[T any, R interface {
	*T
	versioned
}](ctx context.Context, s *Store, mids []string, indexRest, kind, objPrefix, idPrefix string, q gateway.ScanQuery, keep func(R) bool) (gateway.Page[R], error) {
	var page gateway.Page[R]
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	upper := "+"
	if q.StartingAfter != "" {
		upper = "(" + q.StartingAfter
	}
	lower := "-"
	if !q.Since.IsZero() {
		lower = "[" + gateway.IDFloor(idPrefix, q.Since)
	}
	streams := make([]*idStream, len(mids))
	for i, mid := range mids {
		streams[i] = &idStream{mid: mid, upper: upper}
	}
	// The first read asks each merchant for its share of a page (a page's
	// worth when there are few merchants, so that a thousand merchants do
	// not send a thousand pages of ids); a merchant that runs dry is read
	// again, and later reads — keep refused objects — ask for more.
	chunk := int64(min(limit+1, max(8, 4*(limit+1)/max(len(mids), 1))))
	for {
		if err := s.refill(ctx, streams, indexRest, lower, chunk, kind); err != nil {
			return page, err
		}
		// Take ids in order until a stream with more to read runs dry: its
		// next id is unknown, so nothing after it can be taken yet. The
		// first round takes a page's worth; a later one means keep refused
		// some, so it takes more at once.
		want := limit + 1 - len(page.Items)
		if page.Scanned > 0 {
			want = max(want, 100)
		}
		if q.MaxScan > 0 {
			want = min(want, q.MaxScan-page.Scanned)
		}
		chunk = int64(max(2*limit, 100))
		var take []scanned
		for len(take) < want {
			var best *idStream
			for _, st := range streams {
				if len(st.buf) > 0 && (best == nil || st.buf[0] > best.buf[0]) {
					best = st
				}
			}
			if best == nil {
				break
			}
			take = append(take, scanned{best.mid, best.buf[0]})
			best.buf = best.buf[1:]
			if len(best.buf) == 0 && !best.done {
				break
			}
		}
		if len(take) == 0 {
			return page, nil // every stream is read to its end
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(take))
		for i, t := range take {
			cmds[i] = pipe.HMGet(ctx, mkey(t.mid, objPrefix+t.id), "v", "j")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return page, fmt.Errorf("redisstore: scan %s: %w", kind, err)
		}
		for i, t := range take {
			page.Scanned++
			rec := R(new(T))
			err := decode(kind, t.id, cmds[i].Val(), rec)
			if gateway.ErrorCode(err) == gateway.ResourceMissing {
				// Expired: its index entry goes with the next trim.
			} else if err != nil {
				return page, err
			} else if keep == nil || keep(rec) {
				if len(page.Items) == limit {
					page.More = true
					return page, nil
				}
				page.Items = append(page.Items, rec)
				page.Next = t.id
			}
			if q.MaxScan > 0 && page.Scanned >= q.MaxScan {
				page.Next = t.id
				page.More = i < len(take)-1 || !allRead(streams)
				return page, nil
			}
		}
	}
}

// allRead reports whether every stream is read to its end.
func allRead(streams []*idStream) bool {
	for _, st := range streams {
		if len(st.buf) > 0 || !st.done {
			return false
		}
	}
	return true
}

// refill reads the next chunk of every stream that has run dry, in one
// pipeline.
func (s *Store) refill(ctx context.Context, streams []*idStream, indexRest, lower string, chunk int64, kind string) error {
	var dry []*idStream
	pipe := s.rdb.Pipeline()
	var cmds []*redis.StringSliceCmd
	for _, st := range streams {
		if len(st.buf) == 0 && !st.done {
			dry = append(dry, st)
			cmds = append(cmds, pipe.ZRevRangeByLex(ctx, mkey(st.mid, indexRest), &redis.ZRangeBy{Max: st.upper, Min: lower, Count: chunk}))
		}
	}
	if len(dry) == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: scan %s: %w", kind, err)
	}
	for i, st := range dry {
		ids := cmds[i].Val()
		st.buf = ids
		st.done = int64(len(ids)) < chunk
		if len(ids) > 0 {
			st.upper = "(" + ids[len(ids)-1]
		}
	}
	return nil
}

// ScanPayments lists the payments of several merchants as one list.
func (s *Store) ScanPayments(ctx context.Context, mids []string, q gateway.ScanQuery, keep func(*gateway.Payment) bool) (gateway.Page[*gateway.Payment], error) {
	pg, err := scan(ctx, s, mids, "idx:pay", "payment", "pay:", "pay", q, func(r *paymentRec) bool { return keep == nil || keep(&r.Payment) })
	out := gateway.Page[*gateway.Payment]{More: pg.More, Next: pg.Next, Scanned: pg.Scanned}
	for _, r := range pg.Items {
		out.Items = append(out.Items, &r.Payment)
	}
	return out, err
}

// ScanRefunds lists the refunds of several merchants as one list.
func (s *Store) ScanRefunds(ctx context.Context, mids []string, q gateway.ScanQuery, keep func(*gateway.Refund) bool) (gateway.Page[*gateway.Refund], error) {
	pg, err := scan(ctx, s, mids, "idx:re", "refund", "re:", "re", q, func(r *refundRec) bool { return keep == nil || keep(&r.Refund) })
	out := gateway.Page[*gateway.Refund]{More: pg.More, Next: pg.Next, Scanned: pg.Scanned}
	for _, r := range pg.Items {
		out.Items = append(out.Items, &r.Refund)
	}
	return out, err
}

// ScanEvents lists the events of several merchants as one list.
func (s *Store) ScanEvents(ctx context.Context, mids []string, q gateway.ScanQuery, keep func(*gateway.Event) bool) (gateway.Page[*gateway.Event], error) {
	pg, err := scan(ctx, s, mids, "idx:evt", "event", "evt:", "evt", q, func(r *eventRec) bool { return keep == nil || keep(&r.Event) })
	out := gateway.Page[*gateway.Event]{More: pg.More, Next: pg.Next, Scanned: pg.Scanned}
	for _, r := range pg.Items {
		out.Items = append(out.Items, &r.Event)
	}
	return out, err
}

// kindIndex is the list index and id prefix of each kind of object.
var kindIndex = map[string][2]string{"payment": {"idx:pay", "pay"}, "refund": {"idx:re", "re"}, "event": {"idx:evt", "evt"}}

// CountSince counts the objects of a kind made at or after since: one
// ZLEXCOUNT per merchant (the indexes are ordered by time), in one pipeline.
func (s *Store) CountSince(ctx context.Context, mids []string, kind string, since time.Time) (int64, error) {
	ix, ok := kindIndex[kind]
	if !ok {
		return 0, fmt.Errorf("redisstore: count: unknown kind %q", kind)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(mids))
	for i, mid := range mids {
		cmds[i] = pipe.ZLexCount(ctx, mkey(mid, ix[0]), "["+gateway.IDFloor(ix[1], since), "+")
	}
	if len(mids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, fmt.Errorf("redisstore: count %s: %w", kind, err)
		}
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// probe is one key FindIDs reads and what it means when it is there.
type probe struct {
	mid, kind, via, id string // id: the object's id when the key is the object itself
	cmd                redis.Cmder
}

// FindIDs looks term up as every kind of id in every merchant at once: one
// pipeline of GETs and EXISTS, a few per merchant.
func (s *Store) FindIDs(ctx context.Context, mids []string, term string, refKinds []string) ([]gateway.ObjectRef, error) {
	pipe := s.rdb.Pipeline()
	var probes []probe
	get := func(mid, kind, via, rest string) {
		probes = append(probes, probe{mid: mid, kind: kind, via: via, cmd: pipe.Get(ctx, mkey(mid, rest))})
	}
	for _, mid := range mids {
		for kind, ix := range kindIndex {
			if strings.HasPrefix(term, ix[1]+"_") {
				probes = append(probes, probe{mid: mid, kind: kind, via: "id", id: term,
					cmd: pipe.Exists(ctx, mkey(mid, kindKey[kind]+term))})
			}
		}
		get(mid, "payment", "out_trade_no", "otn:"+term)
		get(mid, "refund", "out_refund_no", "orn:"+term)
		for _, rk := range refKinds {
			get(mid, "payment", rk, refKey("pay", rk, term))
			get(mid, "refund", rk, refKey("re", rk, term))
		}
	}
	if len(probes) == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: find: %w", err)
	}
	var out []gateway.ObjectRef
	seen := map[string]bool{}
	for _, p := range probes {
		id := p.id
		switch c := p.cmd.(type) {
		case *redis.IntCmd:
			if c.Val() != 1 {
				continue
			}
		case *redis.StringCmd:
			if c.Err() != nil {
				continue
			}
			id = c.Val()
		}
		if key := p.mid + "/" + id; !seen[key] {
			seen[key] = true
			out = append(out, gateway.ObjectRef{Kind: p.kind, MerchantID: p.mid, ID: id, Via: p.via})
		}
	}
	return out, nil
}

// Scheduled lists up to limit entries per merchant of a queue, earliest
// first per merchant.
func (s *Store) Scheduled(ctx context.Context, mids []string, queue string, limit int) ([]gateway.ScheduledRef, error) {
	if len(mids) == 0 || limit <= 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(mids))
	for i, mid := range mids {
		cmds[i] = pipe.ZRangeWithScores(ctx, mkey(mid, "q:"+queue), 0, int64(limit-1))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: scheduled %s: %w", queue, err)
	}
	var out []gateway.ScheduledRef
	for i, c := range cmds {
		for _, z := range c.Val() {
			out = append(out, gateway.ScheduledRef{MerchantID: mids[i], Member: z.Member.(string), At: time.UnixMilli(int64(z.Score)).UTC()})
		}
	}
	return out, nil
}
