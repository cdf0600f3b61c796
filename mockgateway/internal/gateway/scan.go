package gateway

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The reads in this file look at the whole gateway rather than at one
// merchant: the QA console's lists, search and overview (DESIGN §7). They
// are protocol-neutral like the rest of the core and never load more objects
// than a page needs.

// ScanQuery selects a page of a list that may span several merchants,
// newest first. Ids sort by creation time across merchants (NewID), so the
// merchants' lists merge into one by id.
type ScanQuery struct {
	Limit         int
	StartingAfter string
	// Since, when set, ends the list at objects created before it.
	Since time.Time
	// MaxScan bounds the objects read for one page (0: no bound). A page
	// that stopped there has More set and Next at the last object read, so
	// a filter that matches little never reads the whole gateway at once.
	MaxScan int
}

// Page is a page of a list that may span several merchants.
type Page[T any] struct {
	Items []T
	// More reports that the list goes on after Next.
	More bool
	// Next is the cursor of the next page (StartingAfter): the last object
	// read, which is the last one returned unless MaxScan ended the page.
	Next string
	// Scanned counts the objects read for the page.
	Scanned int
}

// ObjectRef names an object found by one of its ids.
type ObjectRef struct {
	// Kind is "payment", "refund" or "event".
	Kind       string
	MerchantID string
	ID         string
	// Via names the id that found it: "id", "out_trade_no",
	// "out_refund_no", or a protocol's kind of Refs.
	Via string
}

// ScheduledRef is an entry of a merchant's schedule queue.
type ScheduledRef struct {
	MerchantID string
	Member     string
	At         time.Time
}

// ScanStore holds the reads across merchants a Store offers.
type ScanStore interface {
	// MerchantIDs lists every merchant's id, in no particular order.
	MerchantIDs(ctx context.Context) ([]string, error)
	ScanPayments(ctx context.Context, merchantIDs []string, q ScanQuery, keep func(*Payment) bool) (Page[*Payment], error)
	ScanRefunds(ctx context.Context, merchantIDs []string, q ScanQuery, keep func(*Refund) bool) (Page[*Refund], error)
	ScanEvents(ctx context.Context, merchantIDs []string, q ScanQuery, keep func(*Event) bool) (Page[*Event], error)
	// CountSince counts the objects of a kind ("payment", "refund",
	// "event") of the merchants created at or after since.
	CountSince(ctx context.Context, merchantIDs []string, kind string, since time.Time) (int64, error)
	// FindIDs finds the objects of the merchants that term names: an
	// object id, an out_trade_no, an out_refund_no, or a protocol id of one
	// of refKinds.
	FindIDs(ctx context.Context, merchantIDs []string, term string, refKinds []string) ([]ObjectRef, error)
	// Scheduled lists up to limit entries per merchant of a queue,
	// earliest first.
	Scheduled(ctx context.Context, merchantIDs []string, queue string, limit int) ([]ScheduledRef, error)
}

// IDFloor is the smallest id with prefix made at t or later: ids begin with
// their creation time (NewID), so it bounds a list by time.
func IDFloor(prefix string, t time.Time) string {
	id := NewID(prefix, t)
	return id[:len(prefix)+1+10]
}

// MerchantIDs lists every merchant's id.
func (s *Service) MerchantIDs(ctx context.Context) ([]string, error) {
	ids, err := s.store.MerchantIDs(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// scope is the merchants a read covers: one, or every merchant when
// merchantID is empty.
func (s *Service) scope(ctx context.Context, merchantID string) ([]string, error) {
	if merchantID != "" {
		return []string{merchantID}, nil
	}
	return s.MerchantIDs(ctx)
}

// ScanPayments returns a page of the payments of one merchant (or of all
// when merchantID is empty) that f selects, newest first.
func (s *Service) ScanPayments(ctx context.Context, merchantID string, f PaymentFilter, q ScanQuery) (Page[*Payment], error) {
	mids, err := s.scope(ctx, merchantID)
	if err != nil {
		return Page[*Payment]{}, err
	}
	return s.store.ScanPayments(ctx, mids, q, func(p *Payment) bool {
		return (f.Status == "" || p.Status == f.Status) && (f.Method == "" || p.Method == f.Method) &&
			(f.Protocol == "" || p.Protocol == f.Protocol) && (f.RefKind == "" || p.Refs[f.RefKind] != "")
	})
}

// RefundScan selects refunds across merchants; empty fields select all.
type RefundScan struct {
	Status   string
	Protocol string
	Method   string
}

// ScanRefunds returns a page of the refunds of one merchant (or of all)
// that f selects, newest first. Method is the method of the refund's
// payment, read once per payment of the scan.
func (s *Service) ScanRefunds(ctx context.Context, merchantID string, f RefundScan, q ScanQuery) (Page[*Refund], error) {
	mids, err := s.scope(ctx, merchantID)
	if err != nil {
		return Page[*Refund]{}, err
	}
	match := s.refundMatcher(ctx, f)
	page, err := s.store.ScanRefunds(ctx, mids, q, match.refund)
	if err == nil {
		err = match.err
	}
	return page, err
}

// MatchRefunds returns the refunds of rs that f selects, as ScanRefunds
// would (a search's results, filtered as the list is).
func (s *Service) MatchRefunds(ctx context.Context, f RefundScan, rs []*Refund) ([]*Refund, error) {
	match := s.refundMatcher(ctx, f)
	var out []*Refund
	for _, r := range rs {
		if match.refund(r) {
			out = append(out, r)
		}
	}
	return out, match.err
}

// refundMatch decides which refunds a RefundScan selects, remembering the
// method of each payment it has read.
type refundMatch struct {
	s       *Service
	ctx     context.Context
	f       RefundScan
	methods map[string]string
	err     error
}

func (s *Service) refundMatcher(ctx context.Context, f RefundScan) *refundMatch {
	return &refundMatch{s: s, ctx: ctx, f: f, methods: map[string]string{}}
}

func (m *refundMatch) refund(r *Refund) bool {
	f := m.f
	if (f.Status != "" && r.Status != f.Status) || (f.Protocol != "" && r.Protocol != f.Protocol) {
		return false
	}
	if f.Method == "" {
		return true
	}
	method, ok := m.methods[r.PaymentID]
	if !ok {
		method = m.method(r.PaymentID)
		m.methods[r.PaymentID] = method
	}
	return method == f.Method
}

// method is the method of a payment, "" when it cannot be read.
func (m *refundMatch) method(paymentID string) string {
	mid, err := m.s.store.PaymentOwner(m.ctx, paymentID)
	var p *Payment
	if err == nil {
		p, err = m.s.store.Payment(m.ctx, mid, paymentID)
	}
	if err != nil {
		if ErrorCode(err) != ResourceMissing {
			m.err = err
		}
		return ""
	}
	return p.Method
}

// ScanEvents returns a page of the events of one merchant (or of all) that
// f selects, newest first.
func (s *Service) ScanEvents(ctx context.Context, merchantID string, f EventFilter, q ScanQuery) (Page[*Event], error) {
	mids, err := s.scope(ctx, merchantID)
	if err != nil {
		return Page[*Event]{}, err
	}
	return s.store.ScanEvents(ctx, mids, q, func(e *Event) bool {
		return (f.ObjectID == "" || e.ObjectID == f.ObjectID) && (f.Type == "" || e.Type == f.Type) &&
			(len(f.Types) == 0 || slices.Contains(f.Types, e.Type)) &&
			(f.Topic == "" || e.Topic == f.Topic) && (f.DeliveryStatus == "" || e.DeliveryStatus == f.DeliveryStatus) &&
			(f.Protocol == "" || e.Protocol == f.Protocol)
	})
}

// RefKinds lists the kinds of protocol ids (Payment.Refs, Refund.Refs) the
// protocols declare, sorted.
func (s *Service) RefKinds() []string {
	var kinds []string
	for _, r := range s.cfg.Protocols {
		kinds = append(kinds, r.RefKinds...)
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

// maxSearchTerm bounds what Find looks up.
const maxSearchTerm = 256

// Find returns the objects of every merchant that an id names: a payment,
// refund or event id, an out_trade_no, an out_refund_no, or a protocol's
// own id (an Alipay trade_no, a WeChat transaction_id, a Stripe pi_…) of a
// kind its protocol declares (ProtocolRules.RefKinds). Nothing found is an
// empty list.
func (s *Service) Find(ctx context.Context, term string) ([]ObjectRef, error) {
	term = strings.TrimSpace(term)
	if term == "" || len(term) > maxSearchTerm || strings.ContainsAny(term, " \t\r\n") {
		return nil, nil
	}
	mids, err := s.MerchantIDs(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.FindIDs(ctx, mids, term, s.RefKinds())
}

// KindCounts are the counts of one kind of object made since a time.
type KindCounts struct {
	// Total counts every object made since then.
	Total int64
	// ByStatus counts the newest Counted of them by status (payments and
	// refunds: status; events: delivery status).
	ByStatus map[string]int64
	Counted  int
}

// Partial reports that ByStatus covers only the newest objects.
func (k KindCounts) Partial() bool { return int64(k.Counted) < k.Total }

// Counts are the overview's numbers.
type Counts struct {
	Since                     time.Time
	Payments, Refunds, Events KindCounts
}

// Counts counts the payments, refunds and events made since a time, and
// the newest sample of each by status. Totals are exact and cheap (the
// indexes are ordered by time); statuses need the objects, so at most
// sample of each kind are read.
func (s *Service) Counts(ctx context.Context, since time.Time, sample int) (Counts, error) {
	out := Counts{Since: since}
	mids, err := s.MerchantIDs(ctx)
	if err != nil {
		return out, err
	}
	q := ScanQuery{Limit: sample, Since: since, MaxScan: sample}
	out.Payments.ByStatus, out.Refunds.ByStatus, out.Events.ByStatus = map[string]int64{}, map[string]int64{}, map[string]int64{}
	// The keep functions count and keep nothing: each walk reads the
	// newest sample objects and stops.
	if _, err := s.store.ScanPayments(ctx, mids, q, func(p *Payment) bool { out.Payments.ByStatus[p.Status]++; return false }); err != nil {
		return out, err
	}
	if _, err := s.store.ScanRefunds(ctx, mids, q, func(r *Refund) bool { out.Refunds.ByStatus[r.Status]++; return false }); err != nil {
		return out, err
	}
	if _, err := s.store.ScanEvents(ctx, mids, q, func(e *Event) bool { out.Events.ByStatus[e.DeliveryStatus]++; return false }); err != nil {
		return out, err
	}
	for kind, k := range map[string]*KindCounts{"payment": &out.Payments, "refund": &out.Refunds, "event": &out.Events} {
		if k.Total, err = s.store.CountSince(ctx, mids, kind, since); err != nil {
			return out, err
		}
		for _, n := range k.ByStatus {
			k.Counted += int(n)
		}
	}
	return out, nil
}

// FailingDeliveries returns up to limit events whose latest delivery
// attempt failed and that are still to be tried again (their next attempt
// is scheduled), earliest next attempt first. They are read from the
// delivery schedule, which holds only the events still pending, so the
// cost follows the pending events, not the gateway's size.
func (s *Service) FailingDeliveries(ctx context.Context, limit int) ([]*Event, error) {
	mids, err := s.MerchantIDs(ctx)
	if err != nil {
		return nil, err
	}
	// Events waiting for their first attempt come first in the queue;
	// read a few times the limit.
	refs, err := s.store.Scheduled(ctx, mids, QueueDeliver, 4*limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(refs, func(a, b ScheduledRef) int { return a.At.Compare(b.At) })
	var out []*Event
	for _, r := range refs {
		if len(out) == limit {
			break
		}
		ev, err := s.store.Event(ctx, r.MerchantID, memberEventID(r.Member))
		if ErrorCode(err) == ResourceMissing {
			continue
		} else if err != nil {
			return nil, err
		}
		// Pending after an attempt: the attempts so far were not
		// acknowledged (whatever acknowledgement means in its protocol).
		if ev.DeliveryStatus != DeliveryPending || len(ev.Attempts) == 0 {
			continue
		}
		out = append(out, ev)
	}
	return out, nil
}
