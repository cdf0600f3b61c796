package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// op is one step of commit.lua. Numbers are strings on purpose.
type op struct {
	O string `json:"o"`
	K int    `json:"k"`
	V string `json:"v,omitempty"`
	J string `json:"j,omitempty"`
	B string `json:"b,omitempty"`
	S string `json:"s,omitempty"`
	M string `json:"m,omitempty"`
	T string `json:"t,omitempty"`
}

// plan collects the keys and operations of one commit.
type plan struct {
	mid  string
	keys []string
	idx  map[string]int
	ops  []op
}

func (p *plan) key(rest string) int {
	k := mkey(p.mid, rest)
	if i, ok := p.idx[k]; ok {
		return i
	}
	p.keys = append(p.keys, k)
	p.idx[k] = len(p.keys)
	return len(p.keys)
}

func ms(t time.Time) string                     { return strconv.FormatInt(t.UnixMilli(), 10) }
func msDur(d time.Duration) string              { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) }
func ver(v int64) string                        { return strconv.FormatInt(v, 10) }
func idFloor(prefix string, t time.Time) string { return gateway.NewID(prefix, t)[:len(prefix)+11] }

// object adds the version check and the write of one stored object.
func (p *plan) object(rest string, version int64, v any, body []byte, ttl time.Duration) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redisstore: marshal %s: %w", rest, err)
	}
	k := p.key(rest)
	p.ops = append(p.ops, op{O: "ver", K: k, V: ver(version)})
	o := op{O: "obj", K: k, V: ver(version + 1), J: string(j), T: msDur(ttl)}
	if body != nil {
		o.B = string(body)
	}
	p.ops = append(p.ops, o)
	return nil
}

// index adds id to a time-ordered list index and drops ids older than ttl.
func (p *plan) index(rest, prefix, id string, now time.Time, ttl time.Duration) {
	k := p.key(rest)
	p.ops = append(p.ops,
		op{O: "zadd", K: k, S: "0", M: id, T: msDur(ttl)},
		op{O: "trim", K: k, M: idFloor(prefix, now.Add(-ttl))})
}

// claim adds "this unique name is still free" and takes it.
func (p *plan) claim(rest, value string, ttl time.Duration) {
	k := p.key(rest)
	p.ops = append(p.ops, op{O: "nx", K: k}, op{O: "set", K: k, J: value, T: msDur(ttl)})
}

// Commit applies a batch atomically, or returns gateway.ErrConflict.
func (s *Store) Commit(ctx context.Context, mid string, b *gateway.Batch) error {
	p := &plan{mid: mid, idx: map[string]int{}}
	now := time.Now()
	for i, pay := range b.Payments {
		if i == 0 && b.NewPayment {
			p.claim("otn:"+pay.OutTradeNo, pay.ID, b.DataRetention)
			p.index("idx:pay", "pay", pay.ID, now, b.DataRetention)
		}
		if err := p.object("pay:"+pay.ID, pay.Version, pay, nil, b.DataRetention); err != nil {
			return err
		}
		// The merchant number lives as long as its payment: a payment kept
		// alive by a late change must not lose its out_trade_no claim.
		p.ops = append(p.ops, op{O: "ttl", K: p.key("otn:" + pay.OutTradeNo), T: msDur(b.DataRetention)})
	}
	for i, re := range b.Refunds {
		if i == 0 && b.NewRefund {
			p.claim("orn:"+re.OutRefundNo, re.ID, b.DataRetention)
			p.index("idx:re", "re", re.ID, now, b.DataRetention)
			p.index("idx:re:"+re.PaymentID, "re", re.ID, now, b.DataRetention)
		}
		if err := p.object("re:"+re.ID, re.Version, re, nil, b.DataRetention); err != nil {
			return err
		}
		p.ops = append(p.ops, op{O: "ttl", K: p.key("orn:" + re.OutRefundNo), T: msDur(b.DataRetention)})
	}
	for _, ev := range b.Events {
		var body []byte
		if ev.Version == 0 {
			body = ev.Body
			p.index("idx:evt", "evt", ev.ID, now, b.EventTTL)
			p.index("idx:evt:"+ev.ObjectID, "evt", ev.ID, now, b.EventTTL)
		}
		if err := p.object("evt:"+ev.ID, ev.Version, ev, body, b.EventTTL); err != nil {
			return err
		}
	}
	for _, e := range b.Schedule {
		p.ops = append(p.ops, op{O: "zadd", K: p.key("q:" + e.Queue), S: ms(e.At), M: e.Member})
	}
	for _, e := range b.Unschedule {
		p.ops = append(p.ops, op{O: "zrem", K: p.key("q:" + e.Queue), M: e.Member})
	}
	raw, err := json.Marshal(p.ops)
	if err != nil {
		return fmt.Errorf("redisstore: marshal ops: %w", err)
	}
	res, err := commitScript.Run(ctx, s.rdb, p.keys, string(raw)).Int64Slice()
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	if res[0] != 1 {
		return gateway.ErrConflict
	}
	for _, pay := range b.Payments {
		pay.Version++
	}
	for _, re := range b.Refunds {
		re.Version++
	}
	for _, ev := range b.Events {
		ev.Version++
	}
	return nil
}
