// Package netguard keeps notifications away from private networks when
// NOTIFY_DENY_PRIVATE is on (DESIGN §12). A sandbox on a shared server would
// otherwise let anyone with a merchant key make it POST to the server's own
// network and read the first 1 KiB of the answer in the attempt log.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// Denied reports whether an address is one NOTIFY_DENY_PRIVATE refuses:
// loopback, link-local, private (RFC 1918, RFC 4193), unspecified, or the
// carrier-grade NAT range.
func Denied(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsPrivate() ||
		a.IsUnspecified() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Resolver looks up host names (net.DefaultResolver in the binary).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL refuses a notify URL whose host is, or resolves to, a denied
// address. A name that does not resolve is refused too: nothing could be
// delivered to it.
func CheckURL(ctx context.Context, r Resolver, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if Denied(a) {
			return fmt.Errorf("%s is a loopback, link-local or private address", a)
		}
		return nil
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%s does not resolve: %v", host, err)
	}
	for _, a := range addrs {
		if Denied(a) {
			return fmt.Errorf("%s resolves to %s, a loopback, link-local or private address", host, a)
		}
	}
	return nil
}

// Control is a net.Dialer Control function that refuses to connect to a
// denied address: the check at delivery, after the name was resolved, so a
// name that changes its address after creation is caught too.
func Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: %w", err)
	}
	if Denied(ap.Addr()) {
		return &DeniedError{Addr: ap.Addr()}
	}
	return nil
}

// DeniedError is the error of a connection NOTIFY_DENY_PRIVATE refused.
type DeniedError struct{ Addr netip.Addr }

func (e *DeniedError) Error() string {
	return fmt.Sprintf("refused: %s is a loopback, link-local or private address and NOTIFY_DENY_PRIVATE is on", e.Addr)
}

var _ Resolver = (*net.Resolver)(nil)
