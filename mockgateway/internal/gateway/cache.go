package gateway

import (
	"context"
	"sync"
	"sync/atomic"
)

// ChangeFeed tells a gateway process when merchants or fault rules changed
// in any process sharing its store, so it can keep them in memory between
// changes (Redis pub/sub in the binary).
type ChangeFeed interface {
	// Watch calls changed for every change, and live(true) once it is
	// listening (again), live(false) when it stops; it returns when ctx
	// ends.
	Watch(ctx context.Context, changed func(), live func(bool)) error
}

// cache keeps merchants and fault rules in memory while the change feed is
// live. Every change clears it (a new generation); a lookup that started
// before a change does not store what it read. While the feed is down the
// cache is bypassed, so a rotated key or a deleted rule is never trusted
// longer than the feed takes to deliver a change (milliseconds on one
// Redis).
type cache struct {
	live atomic.Bool
	gen  atomic.Uint64

	mu      sync.Mutex
	byID    map[string]*Merchant
	byKey   map[string]string // API key → merchant id
	byAlias map[string]string // kind + ":" + alias → merchant id
	faults  []*FaultRule
	faultOK bool
}

func (c *cache) clear() {
	c.gen.Add(1)
	c.mu.Lock()
	c.byID, c.byKey, c.byAlias = nil, nil, nil
	c.faults, c.faultOK = nil, false
	c.mu.Unlock()
}

// WatchChanges keeps the service's cache of merchants and fault rules
// coherent with feed until ctx ends. Without it (tests that build a bare
// Service) every lookup reads the store.
func (s *Service) WatchChanges(ctx context.Context, feed ChangeFeed) error {
	defer s.cache.live.Store(false)
	return feed.Watch(ctx, s.cache.clear, func(live bool) {
		s.cache.clear()
		s.cache.live.Store(live)
	})
}

// changed is called after this process changed merchants or fault rules:
// its own caches are cleared at once, without waiting for the feed.
func (s *Service) changed() {
	s.cache.clear()
	s.faults.mu.Lock()
	s.faults.ok = false
	s.faults.mu.Unlock()
}

func (c *cache) merchant(id string) *Merchant {
	if !c.live.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// Indexes from a lookup key to a merchant id.
const (
	byAPIKey = iota
	byAlias
)

func (c *cache) index(which int) *map[string]string {
	if which == byAPIKey {
		return &c.byKey
	}
	return &c.byAlias
}

func (c *cache) lookup(which int, k string) *Merchant {
	if !c.live.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := (*c.index(which))[k]; ok {
		return c.byID[id]
	}
	return nil
}

// remember stores a merchant read at generation gen, and (unless which is
// negative) the key that found it, unless something changed since.
func (c *cache) remember(gen uint64, m *Merchant, which int, k string) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.byID == nil {
		c.byID = map[string]*Merchant{}
	}
	c.byID[m.ID] = m
	if which >= 0 {
		idx := c.index(which)
		if *idx == nil {
			*idx = map[string]string{}
		}
		(*idx)[k] = m.ID
	}
}

// merchantByID returns a merchant, from memory while the feed is live.
func (s *Service) merchantByID(ctx context.Context, id string) (*Merchant, error) {
	if m := s.cache.merchant(id); m != nil {
		return m, nil
	}
	gen := s.cache.gen.Load()
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cache.remember(gen, m, -1, "")
	return m, nil
}

// merchantByAPIKey returns the merchant an API key is indexed to.
func (s *Service) merchantByAPIKey(ctx context.Context, key string) (*Merchant, error) {
	if m := s.cache.lookup(byAPIKey, key); m != nil {
		return m, nil
	}
	gen := s.cache.gen.Load()
	m, err := s.store.MerchantByAPIKey(ctx, key)
	if err != nil {
		return nil, err
	}
	s.cache.remember(gen, m, byAPIKey, key)
	return m, nil
}

// merchantByAlias returns the merchant a protocol's id points at.
func (s *Service) merchantByAlias(ctx context.Context, kind, alias string) (*Merchant, error) {
	k := kind + ":" + alias
	if m := s.cache.lookup(byAlias, k); m != nil {
		return m, nil
	}
	gen := s.cache.gen.Load()
	mid, err := s.store.MerchantIDByAlias(ctx, kind, alias)
	if err != nil {
		return nil, err
	}
	m, err := s.store.Merchant(ctx, mid)
	if err != nil {
		return nil, err
	}
	s.cache.remember(gen, m, byAlias, k)
	return m, nil
}

// cachedFaults returns the fault rules from memory while the feed is live.
func (c *cache) cachedFaults() ([]*FaultRule, bool) {
	if !c.live.Load() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.faults, c.faultOK
}

func (c *cache) rememberFaults(gen uint64, rules []*FaultRule) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() == gen {
		c.faults, c.faultOK = rules, true
	}
}
