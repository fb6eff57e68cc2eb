package markdown

import (
	"errors"
	"strings"
	"testing"
)

// nested returns Markdown whose last line sits n containers deep, opened by lines
// that each open one more: block quotes, or lists nested by indentation.
func nestedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	return b.String()
}

// TestRenderLimits proves the bounds on Render's work: hostile texts are refused
// with a *LimitError naming the limit, after visiting few nodes and rendering little
// or nothing, and texts just inside the limits render.
func TestRenderLimits(t *testing.T) {
	tooDeep := "nests block quotes and lists more than 16 levels deep"
	tooBig := "renders to more than 524288 bytes of HTML (512 KiB)"
	tooLong := "has more than 20000 lines"
	wideTable := "|" + strings.Repeat(" a |", 2000) + "\n|" + strings.Repeat("---|", 2000) + "\n"
	for _, tc := range []struct {
		name, src string
		want      string // the LimitError's message, "" for none
		maxNodes  int    // nodes visited at most
		maxHTML   int    // bytes of HTML rendered at most
	}{
		// The body of the report: 100,000 nested block quotes on one line.
		{"ErrQuotes100000", strings.Repeat("> ", 100_000), tooDeep, 0, 0},
		{"ErrQuotesNoSpace", strings.Repeat(">", 200_000), tooDeep, 0, 0},
		{"ErrLists", strings.Repeat("- ", 100_000) + "x", tooDeep, 0, 0},
		{"ErrOrderedLists", strings.Repeat("1. ", 60_000) + "x", tooDeep, 0, 0},
		{"ErrMixed", strings.Repeat("> - ", 50_000) + "x", tooDeep, 0, 0},
		// Depth built up line by line, then kept open by blank lines: goldmark's
		// work on each blank line grows with the depth.
		{"ErrIndentedListsAndBlankLines", nestedList(400) + strings.Repeat("\n", 19_000), tooDeep, 0, 0},
		{"ErrQuotesAcrossLines", strings.Repeat("> ", 17) + "x\n" + strings.Repeat("> ", 17) + "y\n", tooDeep, 0, 0},
		{"OKQuotesAtTheLimit", strings.Repeat("> ", 16) + "x", "", 100, 1000},
		{"OKListsAtTheLimit", nestedList(16), "", 200, 2000},
		// The most work a text within the limits can ask for: every line inside 16
		// levels of lists.
		{"OKListsAtTheLimitAndBlankLines", nestedList(16) + strings.Repeat("\n", MaxLines-17) + "text", "", 200, 2000},
		{"ErrLines", strings.Repeat("a\n", MaxLines) + "b", tooLong, 0, 0},
		{"ErrBlankLines", strings.Repeat("\n", 200_000), tooLong, 0, 0},
		{"OKLines", strings.Repeat("a\n", MaxLines), "", 30_000, 100_000},
		// A header of 2,000 columns makes every short row 2,000 cells.
		{"ErrTableRows", wideTable + strings.Repeat("|\n", 19_000), tooBig, 0, 0},
		{"ErrTableWide", "|" + strings.Repeat("a|", 60_000) + "\n|" + strings.Repeat("-|", 60_000) + "\n", tooBig, 0, 0},
		{"OKTable", wideTable + strings.Repeat("|\n", 10), "", 30_000, 300_000},
		// Output past the cap stops the renderer.
		{"ErrLinks", strings.Repeat("[a](b) ", 28_000), tooBig, 100_000, MaxHTMLBytes},
		{"ErrAutolinks", strings.Repeat("www.a.b ", 25_000), tooBig, 100_000, MaxHTMLBytes},
		{"ErrAmpersands", strings.Repeat("&", 200_000), tooBig, 10, MaxHTMLBytes},
		{"OKLongText", strings.Repeat("Officers executed two warrants. ", 6000), "", 10, 250_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html, _, w, err := render(tc.src)
			var le *LimitError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("render: %v", err)
			case tc.want != "" && !errors.As(err, &le):
				t.Fatalf("render: %v (HTML %d bytes), want a *LimitError", err, len(html))
			case tc.want != "" && le.Error() != tc.want:
				t.Errorf("error %q, want %q", le.Error(), tc.want)
			}
			if w.nodes > tc.maxNodes {
				t.Errorf("visited %d nodes, want at most %d", w.nodes, tc.maxNodes)
			}
			if w.htmlBytes > tc.maxHTML {
				t.Errorf("rendered %d bytes of HTML, want at most %d", w.htmlBytes, tc.maxHTML)
			}
			if tc.want == "" && len(html) > MaxHTMLBytes {
				t.Errorf("HTML of %d bytes passed the limit", len(html))
			}
		})
	}
}

// TestRenderNestingKept proves that the guard changes nothing within the limit: the
// deepest block quote allowed is still a block quote.
func TestRenderNestingKept(t *testing.T) {
	html, _, err := Render(strings.Repeat("> ", MaxNesting) + "deep")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(html, "<blockquote>"); n != MaxNesting {
		t.Errorf("%d block quotes, want %d:\n%s", n, MaxNesting, html)
	}
}
