package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// ErrForbiddenAddress is returned (wrapped) when a request would connect to
// a loopback, private or otherwise non-public address and the client was
// not built with AllowPrivate.
var ErrForbiddenAddress = errors.New("forbidden address")

// guard is the dialer every connection goes through. It resolves the host
// itself and checks every resolved address before connecting, so a name
// that resolves to a public address for a check and to a private one for
// the connection (DNS rebinding) cannot get past it: the address checked is
// the address dialled.
type guard struct {
	allowPrivate bool
	refuse       []netip.Prefix    // refused even with allowPrivate
	hosts        map[string]string // lower-cased host name → "ip:port"
	dialer       *net.Dialer

	// The three functions below are the real thing in production; package
	// tests replace them to prove a refusal happens before any connection
	// is attempted, and to exercise the address check on loopback only.
	forbidden func(netip.Addr) bool
	lookup    func(ctx context.Context, host string) ([]netip.Addr, error)
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newGuard(allowPrivate bool, hosts map[string]string, dialer *net.Dialer) *guard {
	g := &guard{
		allowPrivate: allowPrivate,
		hosts:        make(map[string]string, len(hosts)),
		dialer:       dialer,
		forbidden:    IsLoopbackOrPrivate,
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
	for host, addr := range hosts {
		g.hosts[strings.ToLower(host)] = addr
	}
	// Belt and braces: the socket-level check sees the exact address passed
	// to connect(2), whatever path led there.
	dialer.Control = g.control
	g.dial = dialer.DialContext
	return g
}

// mapped reports whether host (without port) is in the Hosts map.
func (g *guard) mapped(host string) bool {
	_, ok := g.hosts[strings.ToLower(host)]
	return ok
}

// dialContext is the transport's DialContext.
func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	name := host // for messages: the name asked for, even when mapped
	// The Hosts map replaces the whole address: the URL's port only
	// distinguishes instances in the Host header, not where they listen.
	if to, ok := g.hosts[strings.ToLower(host)]; ok {
		if host, port, err = net.SplitHostPort(to); err != nil {
			return nil, fmt.Errorf("hosts entry for %s: %w", addr, err)
		}
	}
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if err := g.check(name, ip); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, ip := range ips {
		conn, err := g.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

func (g *guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	ips, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	// The resolver may answer IPv4 in its ::ffff: form; log and dial the
	// plain form.
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, nil
}

func (g *guard) check(host string, ip netip.Addr) error {
	if (g.allowPrivate || !g.forbidden(ip)) && !g.refused(ip) {
		return nil
	}
	if host == ip.String() {
		return fmt.Errorf("refusing to connect to %s: %w", ip, ErrForbiddenAddress)
	}
	return fmt.Errorf("refusing to connect to %s (%s): %w", host, ip, ErrForbiddenAddress)
}

func (g *guard) refused(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	for _, p := range g.refuse {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// control runs after the socket is created and before it connects.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %s: %w", address, ErrForbiddenAddress)
	}
	return g.check(ap.Addr().String(), ap.Addr())
}

// IsLoopbackOrPrivate reports whether ip is anything but a public unicast
// address: loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast, CGNAT, reserved and documentation ranges, and IPv6 forms that
// embed such an IPv4 address (::ffff: mapped, NAT64, 6to4). An invalid
// address counts as private, so callers fail closed.
func IsLoopbackOrPrivate(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("").Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsMulticast() {
		return true
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return true
		}
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return IsLoopbackOrPrivate(v4)
	}
	return false
}

// embeddedIPv4 extracts the IPv4 address carried by a NAT64 or 6to4
// address: a peer reaching it through a translator would reach that IPv4
// address, so it must pass the same check.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// nonPublic lists the special-purpose ranges (IANA registries) that the
// netip predicates do not already cover. None of them is where a fediverse
// server lives; several are where internal services do.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared address space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo: the embedded address is obfuscated
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}
