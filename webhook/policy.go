package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Policy decides which targets the server may send to. A webhook's target could
// otherwise reach what only the server can: its own admin ports, the database next
// door, or the cloud's metadata service, which hands out credentials. Addresses are
// checked when a subscription is made and again on every connection, after DNS
// resolution, so that a name that later resolves elsewhere (DNS rebinding) is caught.
type Policy struct {
	// AllowHTTP lets plain http:// targets through; otherwise https only.
	AllowHTTP bool
	// Allow lists addresses or networks that are let through although they are
	// loopback or private (e.g. 127.0.0.1 for a receiver on the same host). Cloud
	// metadata addresses are refused even then.
	Allow []netip.Prefix
	// Resolver resolves target names; nil means net.DefaultResolver. Tests point it
	// at a DNS server of their own.
	Resolver *net.Resolver
}

// metadata are the addresses of cloud metadata services (AWS, GCP, Azure,
// OpenStack, Oracle; Alibaba; AWS over IPv6), refused whatever the allow-list says.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("fd00:ec2::254"), netip.MustParseAddr("169.254.170.2"),
}

// special are ranges that are not the public internet and that the netip methods do
// not name: "this network", carrier-grade NAT, IETF protocol assignments, benchmarking,
// reserved space (with broadcast), NAT64 and the documentation prefixes.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("100::/64"),
}

// forbidden says why an address may not be a target ("" when it may).
func forbidden(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	switch {
	case isMetadata(a):
		return "a cloud metadata address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range special {
		if p.Contains(a) {
			return "a reserved address"
		}
	}
	return ""
}

func isMetadata(a netip.Addr) bool {
	for _, m := range metadata {
		if a == m {
			return true
		}
	}
	return false
}

// TargetError is a refused target address.
type TargetError struct {
	Addr   netip.Addr
	Reason string
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("target refused: %s is %s", e.Addr, e.Reason)
}

// CheckAddr returns a *TargetError when a may not be a target, else nil.
func (p *Policy) CheckAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	why := forbidden(a)
	if why == "" {
		return nil
	}
	if !isMetadata(a) {
		for _, allowed := range p.Allow {
			if allowed.Contains(a) {
				return nil
			}
		}
	}
	return &TargetError{Addr: a, Reason: why}
}

// CheckURL checks a target URL as a subscription is made: absolute https (or http
// when allowed), a host, no user name or password (they would end up in logs), no
// fragment, and a host that resolves only to allowed addresses. It returns a message
// for the person who gave the URL, or "".
func (p *Policy) CheckURL(ctx context.Context, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "must be an absolute URL such as https://partner.example.org/hooks/signpost"
	}
	switch {
	case u.Scheme == "http" && !p.AllowHTTP:
		return "must be https (this server does not send webhooks over plain http)"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an https URL"
	case u.User != nil:
		return "must not contain a user name or password"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment"
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckAddr(a); err != nil {
			return err.Error()
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := p.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Sprintf("the host %q could not be resolved", host)
	}
	for _, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return fmt.Sprintf("%s resolves to %s, which is %s", host, a.Unmap(), err.(*TargetError).Reason)
		}
	}
	return ""
}

func (p *Policy) resolver() *net.Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}
