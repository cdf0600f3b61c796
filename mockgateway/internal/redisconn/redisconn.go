// Package redisconn opens the gateway's Redis: a URL, a cluster, or, with
// neither configured, an embedded in-process Redis-protocol server so that
// the gateway runs on a machine with no Redis installed.
package redisconn

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options says where Redis is.
type Options struct {
	URL          string   // REDIS_URL
	ClusterAddrs []string // REDIS_CLUSTER_ADDRS
	// EmbeddedAddr is where the embedded server listens (default a free
	// loopback port).
	EmbeddedAddr string
}

// Conn is an open Redis connection and what must be closed with it.
type Conn struct {
	Client   redis.UniversalClient
	Embedded bool
	Addr     string
	stop     func()
}

// Close closes the client and stops an embedded server.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.stop != nil {
		c.stop()
	}
	return err
}

// protocol is the RESP version the gateway speaks: 2, unless REDIS_URL asks
// for another (protocol=3). The gateway uses no RESP3 feature, and with
// RESP3 the client looks for push notifications before every reply, which
// profiles showed as a tenth of the create path's CPU.
const protocol = 2

// Open connects as opts says and checks that Redis answers.
func Open(ctx context.Context, opts Options, log *slog.Logger) (*Conn, error) {
	switch {
	case opts.URL != "" && len(opts.ClusterAddrs) > 0:
		return nil, fmt.Errorf("redisconn: set REDIS_URL or REDIS_CLUSTER_ADDRS, not both")
	case opts.URL != "":
		o, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("redisconn: REDIS_URL: %w", err)
		}
		if o.Protocol == 0 {
			o.Protocol = protocol
		}
		return ping(ctx, &Conn{Client: redis.NewClient(o), Addr: o.Addr})
	case len(opts.ClusterAddrs) > 0:
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: opts.ClusterAddrs, Protocol: protocol})
		return ping(ctx, &Conn{Client: c, Addr: opts.ClusterAddrs[0]})
	}
	return openEmbedded(ctx, opts.EmbeddedAddr, log)
}

func ping(ctx context.Context, c *Conn) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Client.Ping(ctx).Err(); err != nil {
		_ = c.Client.Close()
		return nil, fmt.Errorf("redisconn: %s does not answer: %w", c.Addr, err)
	}
	return c, nil
}

func openEmbedded(ctx context.Context, addr string, log *slog.Logger) (*Conn, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("redisconn: start embedded redis on %s: %w", addr, err)
	}
	// miniredis keeps its own clock and expires keys only when told that
	// time passed; a ticker tells it. The gateway's scripts take "now" as an
	// argument, so this clock only drives TTLs.
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	log.Warn("no REDIS_URL or REDIS_CLUSTER_ADDRS: using an embedded in-memory Redis; all gateway state is lost when the process exits",
		"addr", m.Addr())
	c := &Conn{
		Client:   redis.NewClient(&redis.Options{Addr: m.Addr(), Protocol: protocol}),
		Embedded: true,
		Addr:     m.Addr(),
		stop:     func() { close(done); m.Close() },
	}
	conn, err := ping(ctx, c)
	if err != nil {
		c.stop()
	}
	return conn, err
}
