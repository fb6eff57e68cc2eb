// Package slug makes and checks slugs, the public identifiers of content in URLs.
package slug

import (
	"strings"

	gosimple "github.com/gosimple/slug"
)

// MaxLength is the longest slug Make makes and Valid accepts.
const MaxLength = 80

// Make makes a URL-safe slug from a title: lower case, ASCII, words joined by '-';
// accents transliterated ("Crème brûlée" → "creme-brulee"); at most 80 chars cut at a
// word boundary; "" when nothing is left.
//
// Transliteration uses github.com/gosimple/slug with English substitutions, so "&"
// becomes "and" and "@" becomes "at". Any character other than a lower-case ASCII
// letter or digit that survives transliteration, such as "_", separates words. A slug
// whose first word alone is longer than 80 characters is cut inside that word.
// Make does not depend on the package-level settings of github.com/gosimple/slug.
func Make(title string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return ' '
	}, gosimple.MakeLang(title, "en"))
	s = strings.Join(strings.Fields(s), "-")
	if len(s) <= MaxLength {
		return s
	}
	if i := strings.LastIndexByte(s[:MaxLength+1], '-'); i > 0 {
		return s[:i]
	}
	return s[:MaxLength]
}

// Valid reports whether s is a well-formed slug: ^[a-z0-9]+(?:-[a-z0-9]+)*$, 1..80 chars.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLength || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}
