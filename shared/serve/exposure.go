package serve

import (
	"log/slog"
	"net"
	"strings"
)

// DemoSecret is a published default a binary is running with: its name (the
// variable that replaces it, or the demo account whose password it is), what
// someone who can reach the binary could do with it, and how to replace it.
type DemoSecret struct {
	Name string
	Risk string
	Fix  string
}

// Loopback reports whether a listener bound to addr accepts connections
// only from this machine. An unspecified address (":8080", "0.0.0.0",
// "[::]") listens on every interface.
func Loopback(addr net.Addr) bool {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	host := addr.String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WarnExposedDemoSecrets logs one warning per demo secret when addr is
// reachable from other machines, naming the secret, and returns how many it
// logged. On loopback it logs nothing: a sandbox on a laptop is meant to run
// with its published secrets. addrVar names the variable that sets the
// listen address, so the warning says how to go back to loopback.
func WarnExposedDemoSecrets(log *slog.Logger, addr net.Addr, addrVar string, secrets []DemoSecret) int {
	if Loopback(addr) {
		return 0
	}
	for _, s := range secrets {
		log.Warn("listening beyond loopback with a published demo secret: anyone who can reach this address can use it",
			"addr", addr.String(), "secret", s.Name, "risk", s.Risk, "fix", s.Fix+", or listen on loopback only ("+addrVar+"=127.0.0.1:PORT)")
	}
	return len(secrets)
}
