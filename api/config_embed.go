package main

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// cspSchemeSource is a CSP scheme-source such as https:.
	cspSchemeSource = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:$`)
	// cspHostSource is a CSP host-source: [scheme://]host[:port][/path], where the
	// host may start with *. and the port may be *.
	cspHostSource = regexp.MustCompile(`^([a-z][a-z0-9+.-]*://)?(\*|(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*)(:([0-9]{1,5}|\*))?(/[^\s;,'"]*)?$`)
)

// parseFrameAncestors checks a CSP frame-ancestors source list: '*', 'none' alone,
// 'self', scheme sources and host sources, separated by spaces. It returns the list
// with single spaces.
func parseFrameAncestors(v string) (string, error) {
	sources := strings.Fields(v)
	if len(sources) == 0 {
		return "", fmt.Errorf("give at least one source, e.g. * or 'none'")
	}
	for _, s := range sources {
		l := strings.ToLower(s)
		switch {
		case l == "'none'" && len(sources) > 1:
			return "", fmt.Errorf("'none' must stand alone")
		case l == "'none'", l == "'self'", l == "*", cspSchemeSource.MatchString(l), cspHostSource.MatchString(l):
		default:
			return "", fmt.Errorf("not a CSP frame-ancestors source: %q", s)
		}
	}
	return strings.Join(sources, " "), nil
}
