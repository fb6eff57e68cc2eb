package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

const baseURLKey = "signpost.base_url"

// validHost reports whether s is a Host header: a DNS name or an IP address (IPv6
// in brackets), with an optional port; nothing that could break out of a URL. It
// is the regular expression
//
//	^(?i)([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$
//
// written out, since matching it was a tenth of the time of a cached answer
// (TestValidHostIsTheRegexp holds them to each other). Like the expression, it
// takes the two letters that fold to ASCII ones, U+017F and U+212A, as s and k.
func validHost(s string) bool {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 2 || strings.Trim(s[1:end], "0123456789abcdefABCDEF:.") != "" {
			return false
		}
		host, port = "", s[end+1:]
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i:]
	}
	if port != "" {
		digits := port[1:]
		if port[0] != ':' || len(digits) < 1 || len(digits) > 5 || strings.Trim(digits, "0123456789") != "" {
			return false
		}
	}
	if host == "" {
		return strings.HasPrefix(s, "[")
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" {
			return false
		}
		first, last := true, rune(0)
		for _, r := range label {
			if !hostLetter(r) && (r != '-' || first) {
				return false
			}
			first, last = false, r
		}
		if last == '-' {
			return false
		}
	}
	return true
}

// hostLetter reports whether the expression's (?i)[a-z0-9] matches r.
func hostLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\u017f' || r == '\u212a'
}

// parseProxies parses the trusted proxies' addresses and CIDRs.
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// BaseURL works out the request's base URL before the response cache looks the
// request up, when it comes from the request (see Options.PublicURLFromRequest), so
// that answers which name it are kept apart for each base URL: a request with a
// made-up Host never gets its links into another client's answer.
func (h *Handler) BaseURL() gin.HandlerFunc {
	return func(c *gin.Context) {
		if h.opts.PublicURLFromRequest {
			h.baseURL(c)
		}
		c.Next()
	}
}

// baseURL is the service's external base URL for this request, without a trailing
// slash: the configured public URL, or, when the operator did not set one, the
// request's own: its Host and scheme, or X-Forwarded-Host and X-Forwarded-Proto
// when it comes from a trusted proxy. A Host that is not a plain host[:port] gets
// the configured default.
func (h *Handler) baseURL(c *gin.Context) string {
	if !h.opts.PublicURLFromRequest {
		return h.opts.PublicURL
	}
	if b := c.GetString(baseURLKey); b != "" {
		return b
	}
	b := h.requestBaseURL(c.Request)
	c.Set(baseURLKey, b)
	return b
}

// requestBaseURL is the base URL of r when it comes from the request; see baseURL.
func (h *Handler) requestBaseURL(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if h.fromTrustedProxy(r) {
		// Each proxy appends its own value; the right-most is the nearest one's.
		if v := strings.ToLower(lastListValue(r.Header.Values("X-Forwarded-Proto"))); v == "http" || v == "https" {
			scheme = v
		}
		if v := lastListValue(r.Header.Values("X-Forwarded-Host")); validHost(v) {
			host = v
		}
	}
	b := h.opts.PublicURL
	if validHost(host) {
		b = scheme + "://" + hostWithoutDefaultPort(scheme, strings.ToLower(host))
	}
	return b
}

// fromTrustedProxy reports whether the request's peer is one of the trusted proxies.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	if len(h.proxies) == 0 {
		return false
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range h.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// lastListValue is the last item of a comma-separated header that may be sent
// more than once.
func lastListValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// hostWithoutDefaultPort drops the scheme's default port, so that
// https://example.org:443 and https://example.org are the same base.
func hostWithoutDefaultPort(scheme, host string) string {
	if (scheme == "http" && strings.HasSuffix(host, ":80")) || (scheme == "https" && strings.HasSuffix(host, ":443")) {
		return host[:strings.LastIndexByte(host, ':')]
	}
	return host
}
