package store

import (
	"html"
	"strings"
	"testing"
)

// TestMarkup checks markup against what it does in one pass: white space folded,
// html.EscapeString, then the markers made <mark> elements.
func TestMarkup(t *testing.T) {
	want := func(s string) string {
		s = html.EscapeString(strings.Join(strings.Fields(s), " "))
		return strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(s)
	}
	for _, s := range []string{
		"", " ", "plain", "  two\n\nlines\t here  ", "<script>alert('x')</script> & \"q\"",
		"a " + markOpen + "word" + markClose + " b", markOpen + "<b>" + markClose, "crème brûlée\u00a0«x»", "\u2028x\u3000y",
	} {
		if got := markup(s); got != want(s) {
			t.Errorf("markup(%q) = %q, want %q", s, got, want(s))
		}
	}
}
