package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// op is one step of commit.lua. It travels as opFields arguments, numbers
// as strings, unused fields empty: no JSON to encode here and decode in Lua,
// and an object's JSON goes as it is.
type op struct {
	O string // operation
	K int    // index into KEYS
	V string // version, or fingerprint
	J string // JSON or value
	S string // score, or status
	M string // member
	T string // TTL in ms
}

// opFields is how many arguments each op takes.
const opFields = 7

// commitTokenTTL is how long a commit's token says it was applied: far
// longer than any client retry of it.
const commitTokenTTL = time.Minute

// randomToken names one commit.
func randomToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// plan collects the keys and operations of one commit.
type plan struct {
	mid  string
	keys []string
	idx  map[string]int
	ops  []op
}

func (p *plan) key(rest string) int { return p.rawKey(mkey(p.mid, rest)) }

// rawKey adds a key by its full name: one outside the merchant's slot,
// which only a standalone Redis lets a script touch.
func (p *plan) rawKey(k string) int {
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

// object adds the version check and the write of one stored object. A new
// object (version 0) has a fresh random id (NewID: 80 random bits) that no
// stored object can hold: it needs no check.
func (p *plan) object(rest string, version int64, v any, ttl time.Duration) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redisstore: marshal %s: %w", rest, err)
	}
	k := p.key(rest)
	if version != 0 {
		p.ops = append(p.ops, op{O: "ver", K: k, V: ver(version)})
	}
	p.ops = append(p.ops, op{O: "obj", K: k, V: ver(version + 1), J: string(j), T: msDur(ttl)})
	return nil
}

// trimEvery is how many writes to a list index share one trim of it, on
// average. Entries older than the index's TTL cost only memory until then
// (a list skips, and removes, those it meets), and a trim is a Redis call.
const trimEvery = 16

// index adds id to a time-ordered list index; one write in trimEvery,
// chosen at random, also drops the ids older than ttl.
func (p *plan) index(rest, prefix, id string, now time.Time, ttl time.Duration) {
	k := p.key(rest)
	p.ops = append(p.ops, op{O: "zadd", K: k, S: "0", M: id, T: msDur(ttl)})
	if mrand.IntN(trimEvery) == 0 {
		p.ops = append(p.ops, op{O: "trim", K: k, M: idFloor(prefix, now.Add(-ttl))})
	}
}

// claim adds "this unique name is still free" and takes it.
func (p *plan) claim(rest, value string, ttl time.Duration) {
	k := p.key(rest)
	p.ops = append(p.ops, op{O: "nx", K: k}, op{O: "set", K: k, J: value, T: msDur(ttl)})
}

// names claims the unique names of a new object (its merchant number and
// its protocol's ids) or, for a changed one, renews their TTL: a name lives
// as long as its object, so an object kept alive by a late change never
// loses it.
func (p *plan) names(isNew bool, id string, names []string, ttl time.Duration) {
	for _, n := range names {
		if isNew {
			p.claim(n, id, ttl)
		} else {
			p.ops = append(p.ops, op{O: "ttl", K: p.key(n), T: msDur(ttl)})
		}
	}
}

// firstClaim returns the first unique name a batch claims for a new object,
// and the id the name will hold.
func firstClaim(b *gateway.Batch) (name, id string, ok bool) {
	switch {
	case b.NewPayment && len(b.Payments) > 0:
		return "otn:" + b.Payments[0].OutTradeNo, b.Payments[0].ID, true
	case b.NewRefund && len(b.Refunds) > 0:
		return "orn:" + b.Refunds[0].OutRefundNo, b.Refunds[0].ID, true
	}
	return "", "", false
}

// paymentNames are the unique names a payment claims: its out_trade_no
// first (firstClaim relies on it), then its protocol references.
func paymentNames(pay *gateway.Payment) []string {
	out := []string{"otn:" + pay.OutTradeNo}
	for kind, ref := range pay.Refs {
		out = append(out, refKey("pay", kind, ref))
	}
	return out
}

// refundNames are the unique names a refund claims: its out_refund_no
// first (firstClaim relies on it), then its protocol references.
func refundNames(re *gateway.Refund) []string {
	out := []string{"orn:" + re.OutRefundNo}
	for kind, ref := range re.Refs {
		out = append(out, refKey("re", kind, ref))
	}
	return out
}

// commitPlan turns a batch into the keys and arguments of commit.lua;
// inlineMarks puts the marks of the merchant's due work in the script.
func (s *Store) commitPlan(ctx context.Context, mid string, b *gateway.Batch, inlineMarks bool) (*plan, []any, error) {
	p := &plan{mid: mid, idx: map[string]int{}}
	// A token marks the batch applied, so a resend of the same commands (the
	// client retries a pipeline whose reply came late or was lost) is
	// reported applied instead of failing its own version checks and being
	// decided, and applied, a second time.
	// A batch that creates an object needs no token of its own: the
	// object's first unique name, which holds its new id once the batch was
	// applied, says so.
	once := op{O: "once", T: msDur(commitTokenTTL)}
	if name, id, ok := firstClaim(b); ok {
		once.K, once.J = p.key(name), id
	} else {
		once.K = p.key("ct:" + randomToken())
	}
	p.ops = append(p.ops, once)
	if d := b.Idem; d != nil && d.Check {
		// First of all conditions: a replay must meet its stored answer,
		// not the out_trade_no its first run claimed.
		p.ops = append(p.ops, op{O: "idemchk", K: p.key("idem:" + d.Key), V: d.Fingerprint})
	}
	now := b.Now
	for i, pay := range b.Payments {
		isNew := i == 0 && b.NewPayment
		if isNew {
			p.index("idx:pay", "pay", pay.ID, now, b.DataRetention)
		}
		p.names(isNew, pay.ID, paymentNames(pay), b.DataRetention)
		if err := p.object("pay:"+pay.ID, pay.Version, pay, b.DataRetention); err != nil {
			return nil, nil, err
		}
	}
	for i, re := range b.Refunds {
		isNew := i == 0 && b.NewRefund
		if isNew {
			p.index("idx:re", "re", re.ID, now, b.DataRetention)
			p.index("idx:re:"+re.PaymentID, "re", re.ID, now, b.DataRetention)
		}
		p.names(isNew, re.ID, refundNames(re), b.DataRetention)
		if err := p.object("re:"+re.ID, re.Version, re, b.DataRetention); err != nil {
			return nil, nil, err
		}
	}
	for _, ev := range b.Events {
		if ev.Version == 0 {
			p.index("idx:evt", "evt", ev.ID, now, b.EventTTL)
			p.index("idx:evt:"+ev.ObjectID, "evt", ev.ID, now, b.EventTTL)
		}
		if err := p.object("evt:"+ev.ID, ev.Version, ev, b.EventTTL); err != nil {
			return nil, nil, err
		}
	}
	for _, e := range b.Schedule {
		p.ops = append(p.ops, op{O: "zadd", K: p.key("q:" + e.Queue), S: ms(e.At), M: e.Member})
	}
	for _, e := range b.Unschedule {
		p.ops = append(p.ops, op{O: "zrem", K: p.key("q:" + e.Queue), M: e.Member})
	}
	if inlineMarks {
		// On a standalone Redis the marks of the merchant's due work are
		// part of the commit: made only when it applies, and no second
		// script call per commit (a cluster keeps them in another slot).
		lt := ""
		if len(b.Schedule) > 0 && s.zaddTakesLT(ctx) {
			lt = "lt"
		}
		for queue, at := range earliestDue(b.Schedule) {
			p.ops = append(p.ops, op{O: "due", K: p.rawKey(dueKey(queue)), V: lt, S: strconv.FormatInt(at, 10), M: mid})
		}
	}
	if d := b.Idem; d != nil {
		// The answer of the call that made this batch, kept under its
		// idempotency key by the same step (the key is in this slot).
		p.ops = append(p.ops, op{O: "idem", K: p.key("idem:" + d.Key), V: d.Fingerprint,
			J: string(d.Body), S: strconv.Itoa(d.Status), T: msDur(d.TTL)})
	}
	args := make([]any, 0, len(p.ops)*opFields)
	for _, o := range p.ops {
		args = append(args, o.O, o.K, o.V, o.J, o.S, o.M, o.T)
	}
	return p, args, nil
}

// Commit applies a batch atomically, or returns gateway.ErrConflict. Its
// schedule entries then mark their merchant as having work on their queue
// (DueMerchants).
func (s *Store) Commit(ctx context.Context, mid string, b *gateway.Batch) error {
	inline := !s.cluster && !s.marksApart.Load()
	p, args, err := s.commitPlan(ctx, mid, b, inline)
	if err != nil {
		return err
	}
	// The commit and the owner index of a new payment go in one round
	// trip. The index is in another slot, so it cannot be part of the
	// commit script: an index entry for a commit that then conflicts points
	// at nothing (and is deleted below). On a cluster the marks of the
	// merchants with due work are in other slots too; a mark that fails
	// there is restored by the dispatcher's sweep.
	var commit *redis.Cmd
	var owner *redis.StatusCmd
	var marks []*redis.Cmd
	run := func() {
		// In a pipeline shared with concurrent commits (batch.go).
		s.batch.do(ctx, func(pipe redis.Pipeliner) {
			if b.Owner != nil {
				owner = pipe.Set(ctx, ownerKey(b.Owner.PaymentID), mid, b.Owner.TTL)
			}
			commit = commitScript.EvalSha(ctx, pipe, p.keys, args...)
		})
		if !inline && applied(commit) {
			// A cluster runs a pipeline's parts on their nodes in parallel:
			// a mark could land before its queue entry, and another
			// process's re-mark overwrite it in between. Mark after —
			// whatever became of the caller: the commit is applied, and an
			// unmarked one would wait for the sweep.
			mctx := context.WithoutCancel(ctx)
			pipe := s.rdb.Pipeline()
			marks = s.markDue(mctx, pipe, mid, b.Schedule)
			_, _ = pipe.Exec(mctx)
		}
	}
	run()
	if inline && redis.HasErrorPrefix(commit.Err(), "CROSSSLOT") {
		// REDIS_URL names a Redis that checks a script's keys against
		// cluster slots (cluster mode with one shard, a slot-aware proxy):
		// the script ran nothing. From now on the marks go apart, as on a
		// cluster.
		s.marksApart.Store(true)
		inline = false
		if p, args, err = s.commitPlan(ctx, mid, b, false); err != nil {
			return err
		}
		run()
	}
	if noScript(commit.Err()) || anyNoScript(marks) {
		// A Redis that does not know the scripts yet (new, flushed, a
		// cluster node used for the first time): load them, then run
		// again what did not run.
		if err := s.loadScripts(ctx); err != nil {
			return err
		}
		if noScript(commit.Err()) {
			run()
		} else {
			mctx := context.WithoutCancel(ctx)
			pipe := s.rdb.Pipeline()
			s.markDue(mctx, pipe, mid, b.Schedule)
			_, _ = pipe.Exec(mctx)
		}
	}
	res, err := commit.Slice()
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	if res[0] != int64(1) && b.Owner != nil {
		// Nothing was created: the owner entry written beside the commit
		// points at an id nobody holds. Take it away rather than leave it
		// for its TTL (every replay of a keyed create comes here).
		_ = s.rdb.Del(context.WithoutCancel(ctx), ownerKey(b.Owner.PaymentID)).Err()
	}
	switch res[0] {
	case int64(1):
	case int64(0):
		return gateway.ErrConflict
	case int64(2):
		state, answer, err := idemState(res[1:])
		if err != nil {
			return err
		}
		return &gateway.IdemTaken{State: state, Answer: answer}
	default:
		return fmt.Errorf("redisstore: commit: unexpected answer %v", res)
	}
	if owner != nil && owner.Err() != nil {
		// Committed, but the cashier could not find it yet: write the
		// index again before answering (a create that kept its answer under
		// an idempotency key is never retried through CreatePayment).
		err := owner.Err()
		for try := 0; try < 3 && err != nil; try++ {
			err = s.IndexPaymentOwner(context.WithoutCancel(ctx), b.Owner.PaymentID, mid, b.Owner.TTL)
		}
		if err != nil {
			return fmt.Errorf("redisstore: index owner of %s: %w", b.Owner.PaymentID, err)
		}
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

func noScript(err error) bool { return err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") }

func anyNoScript(cmds []*redis.Cmd) bool {
	for _, c := range cmds {
		if noScript(c.Err()) {
			return true
		}
	}
	return false
}

// applied reports whether a commit's script ran and applied its batch.
func applied(commit *redis.Cmd) bool {
	res, err := commit.Slice()
	return err == nil && len(res) > 0 && res[0] == int64(1)
}
