package redistest

import (
	"net"
	"testing"
)

// Proxy forwards TCP connections to a Redis server, for tests whose
// connection must misbehave the way networks do: a reply that comes late,
// a connection that goes silent without closing.
type Proxy struct{ ln net.Listener }

// ProxyHooks act on one proxied connection. ToServer sees each chunk the
// client sends and ToClient each chunk the server answers, before it is
// forwarded; a hook that returns false swallows its chunk, and one that
// blocks delays it (and what follows on its side). A nil hook forwards.
type ProxyHooks struct {
	ToServer, ToClient func(chunk []byte) bool
}

// NewProxy listens on a free local port and forwards every connection to
// target, with the hooks hooks returns for it. It stops with the test.
func NewProxy(tb testing.TB, target string, hooks func() ProxyHooks) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: proxy: %v", err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			h := hooks()
			go pump(s, c, h.ToServer)
			go pump(c, s, h.ToClient)
		}
	}()
	return &Proxy{ln: ln}
}

// Addr is the address clients connect to instead of the server's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// pump copies src to dst through hook, and closes dst when src ends.
func pump(dst, src net.Conn, hook func([]byte) bool) {
	defer dst.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && (hook == nil || hook(buf[:n])) {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
