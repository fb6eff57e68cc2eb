package handlers

import (
	"regexp"
	"testing"
)

// hostPattern is the expression validHost is written from.
var hostPattern = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$`)

var hostCases = []string{
	"", "a", "A", "localhost", "localhost:8080", "example.org", "EXAMPLE.org:443", "a-b.c-d", "a--b",
	"-a", "a-", "a.-b", "a.b-", "a..b", ".a", "a.", "a:", ":80", "a:123456", "a:12345", "a:1a", "a:80:80",
	"127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:8080", "[]", "[::1", "[::1]x", "[::1]:", "[fe80::1%25en0]",
	"[g::1]", "[::1]]", "[[::1]]", "a b", "a/b", "a@b", "a_b", "xn--bcher-kva.example", "ſ.example",
	"\u212aelvin.example", "é.example", "a.b.c.d.e.f:1", "[1.2.3.4]", "0", "0:0", "a\n", "a:80\n",
}

// TestValidHostIsTheRegexp checks validHost against the expression it replaces.
func TestValidHostIsTheRegexp(t *testing.T) {
	for _, s := range hostCases {
		if got, want := validHost(s), hostPattern.MatchString(s); got != want {
			t.Errorf("validHost(%q) = %v, the expression says %v", s, got, want)
		}
	}
}

func FuzzValidHost(f *testing.F) {
	for _, s := range hostCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validHost(s), hostPattern.MatchString(s); got != want {
			t.Errorf("validHost(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
