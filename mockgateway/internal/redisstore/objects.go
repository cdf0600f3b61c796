package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// versioned is a stored record whose version lives beside its JSON.
type versioned interface {
	setVersion(int64)
}

type paymentRec struct{ gateway.Payment }
type refundRec struct{ gateway.Refund }
type eventRec struct{ gateway.Event }

func (r *paymentRec) setVersion(v int64) { r.Version = v }
func (r *refundRec) setVersion(v int64)  { r.Version = v }
func (r *eventRec) setVersion(v int64)   { r.Version = v }

// decode fills rec from the fields of an object hash: v and j.
func decode(kind, id string, vals []any, rec versioned) error {
	if len(vals) < 2 || vals[0] == nil || vals[1] == nil {
		return gateway.NotFound(kind, id)
	}
	v, err := strconv.ParseInt(vals[0].(string), 10, 64)
	if err != nil {
		return fmt.Errorf("redisstore: %s %s: bad version %q", kind, id, vals[0])
	}
	if err := json.Unmarshal([]byte(vals[1].(string)), rec); err != nil {
		return fmt.Errorf("redisstore: decode %s %s: %w", kind, id, err)
	}
	rec.setVersion(v)
	return nil
}

func (s *Store) load(ctx context.Context, mid, kind, id string, rec versioned) error {
	// In a pipeline shared with concurrent reads and commits (batch.go):
	// under load a GET costs a share of a round trip's system calls.
	var cmd *redis.SliceCmd
	s.batch.do(ctx, func(pipe redis.Pipeliner) { cmd = pipe.HMGet(ctx, mkey(mid, kindKey[kind]+id), "v", "j") })
	vals, err := cmd.Result()
	if err != nil {
		return fmt.Errorf("redisstore: load %s: %w", kind, err)
	}
	return decode(kind, id, vals, rec)
}

var kindKey = map[string]string{"payment": "pay:", "refund": "re:", "event": "evt:"}

// Payment returns a payment of a merchant.
func (s *Store) Payment(ctx context.Context, mid, id string) (*gateway.Payment, error) {
	var r paymentRec
	if err := s.load(ctx, mid, "payment", id, &r); err != nil {
		return nil, err
	}
	return &r.Payment, nil
}

// Refund returns a refund of a merchant.
func (s *Store) Refund(ctx context.Context, mid, id string) (*gateway.Refund, error) {
	var r refundRec
	if err := s.load(ctx, mid, "refund", id, &r); err != nil {
		return nil, err
	}
	return &r.Refund, nil
}

// Event returns an event of a merchant with its delivery state.
func (s *Store) Event(ctx context.Context, mid, id string) (*gateway.Event, error) {
	var r eventRec
	if err := s.load(ctx, mid, "event", id, &r); err != nil {
		return nil, err
	}
	return &r.Event, nil
}

func (s *Store) byName(ctx context.Context, mid, nameKey, kind, name string) (string, error) {
	id, err := s.rdb.Get(ctx, mkey(mid, nameKey)).Result()
	if errors.Is(err, redis.Nil) {
		return "", gateway.Errorf(gateway.ResourceMissing, "", "No %s with that merchant number %q exists.", kind, name)
	} else if err != nil {
		return "", fmt.Errorf("redisstore: lookup %s: %w", kind, err)
	}
	return id, nil
}

// PaymentByOutTradeNo returns the payment with a merchant's out_trade_no.
func (s *Store) PaymentByOutTradeNo(ctx context.Context, mid, outTradeNo string) (*gateway.Payment, error) {
	id, err := s.byName(ctx, mid, "otn:"+outTradeNo, "payment", outTradeNo)
	if err != nil {
		return nil, err
	}
	return s.Payment(ctx, mid, id)
}

// PaymentByRef returns the payment whose protocol id of a kind is ref.
func (s *Store) PaymentByRef(ctx context.Context, mid, kind, ref string) (*gateway.Payment, error) {
	id, err := s.byName(ctx, mid, refKey("pay", kind, ref), "payment", ref)
	if err != nil {
		return nil, err
	}
	return s.Payment(ctx, mid, id)
}

// RefundByRef returns the refund whose protocol id of a kind is ref.
func (s *Store) RefundByRef(ctx context.Context, mid, kind, ref string) (*gateway.Refund, error) {
	id, err := s.byName(ctx, mid, refKey("re", kind, ref), "refund", ref)
	if err != nil {
		return nil, err
	}
	return s.Refund(ctx, mid, id)
}

// refKey is the rest of the key that maps a protocol's id of an object to
// the object's id.
func refKey(objPrefix, kind, ref string) string { return "ref:" + objPrefix + ":" + kind + ":" + ref }

// RefundByOutRefundNo returns the refund with a merchant's out_refund_no.
func (s *Store) RefundByOutRefundNo(ctx context.Context, mid, outRefundNo string) (*gateway.Refund, error) {
	id, err := s.byName(ctx, mid, "orn:"+outRefundNo, "refund", outRefundNo)
	if err != nil {
		return nil, err
	}
	return s.Refund(ctx, mid, id)
}

// list walks a lexicographic index newest first from the cursor, loading
// objects in pages, and keeps those keep accepts until it has limit+1.
// Index entries whose object has expired are removed on the way, a
// page's in one call.
func list[T any, R interface {
	*T
	versioned
}](ctx context.Context, s *Store, mid, indexRest, kind, objPrefix string, q gateway.ListQuery, keep func(R) bool) ([]R, bool, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	index := mkey(mid, indexRest)
	upper := "+"
	if q.StartingAfter != "" {
		upper = "(" + q.StartingAfter
	}
	var out []R
	page := int64(max(limit*2, 50))
	for {
		ids, err := s.rdb.ZRevRangeByLex(ctx, index, &redis.ZRangeBy{Max: upper, Min: "-", Count: page}).Result()
		if err != nil {
			return nil, false, fmt.Errorf("redisstore: list %s: %w", kind, err)
		}
		if len(ids) == 0 {
			return out, false, nil
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(ids))
		for i, id := range ids {
			cmds[i] = pipe.HMGet(ctx, mkey(mid, objPrefix+id), "v", "j")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, false, fmt.Errorf("redisstore: list %s: %w", kind, err)
		}
		var expired []any
		full := false
		for i, id := range ids {
			rec := R(new(T))
			err := decode(kind, id, cmds[i].Val(), rec)
			if gateway.ErrorCode(err) == gateway.ResourceMissing {
				expired = append(expired, id)
				continue
			} else if err != nil {
				return nil, false, err
			}
			if keep != nil && !keep(rec) {
				continue
			}
			if len(out) == limit {
				full = true
				break
			}
			out = append(out, rec)
		}
		forget(ctx, s.rdb, index, expired)
		if full {
			return out, true, nil
		}
		upper = "(" + ids[len(ids)-1]
		if int64(len(ids)) < page {
			return out, false, nil
		}
	}
}

// forget takes the ids of expired objects out of a list index, in one
// call for a page of them (the index is trimmed by one write in trimEvery
// only, so a list may meet many). Best effort: an entry left behind is
// skipped and forgotten by the next list that meets it.
func forget(ctx context.Context, rdb redis.UniversalClient, index string, ids []any) {
	if len(ids) > 0 {
		_ = rdb.ZRem(ctx, index, ids...).Err()
	}
}

// ListPayments lists a merchant's payments newest first.
func (s *Store) ListPayments(ctx context.Context, mid string, q gateway.ListQuery, keep func(*gateway.Payment) bool) ([]*gateway.Payment, bool, error) {
	recs, more, err := list(ctx, s, mid, "idx:pay", "payment", "pay:", q, func(r *paymentRec) bool { return keep == nil || keep(&r.Payment) })
	out := make([]*gateway.Payment, len(recs))
	for i, r := range recs {
		out[i] = &r.Payment
	}
	return out, more, err
}

// ListRefunds lists a merchant's refunds (of one payment when paymentID is
// set) newest first.
func (s *Store) ListRefunds(ctx context.Context, mid, paymentID string, q gateway.ListQuery, keep func(*gateway.Refund) bool) ([]*gateway.Refund, bool, error) {
	index := "idx:re"
	if paymentID != "" {
		index += ":" + paymentID
	}
	recs, more, err := list(ctx, s, mid, index, "refund", "re:", q, func(r *refundRec) bool { return keep == nil || keep(&r.Refund) })
	out := make([]*gateway.Refund, len(recs))
	for i, r := range recs {
		out[i] = &r.Refund
	}
	return out, more, err
}

// ListEvents lists a merchant's events (of one object when objectID is set)
// newest first.
func (s *Store) ListEvents(ctx context.Context, mid, objectID string, q gateway.ListQuery, keep func(*gateway.Event) bool) ([]*gateway.Event, bool, error) {
	index := "idx:evt"
	if objectID != "" {
		index += ":" + objectID
	}
	recs, more, err := list(ctx, s, mid, index, "event", "evt:", q, func(r *eventRec) bool { return keep == nil || keep(&r.Event) })
	out := make([]*gateway.Event, len(recs))
	for i, r := range recs {
		out[i] = &r.Event
	}
	return out, more, err
}
