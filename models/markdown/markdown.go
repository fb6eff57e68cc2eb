// Package markdown renders the Markdown that editors write into sanitised HTML and
// plain text: goldmark for CommonMark with the GitHub extensions, bluemonday for
// the HTML that may reach a partner's page.
package markdown

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// linkRel is the rel attribute given to every link in rendered Markdown.
const linkRel = "nofollow noopener noreferrer"

// renderer converts CommonMark with the GitHub extensions (tables, strikethrough,
// autolinks and task lists) to HTML. It keeps goldmark's default of omitting raw HTML.
// It is built once and is safe for concurrent use.
var renderer = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(linkRelTransformer{}, 1000)),
	),
)

// policy sanitises the HTML rendered from Markdown. It is built once and is
// safe for concurrent use.
var policy = newPolicy()

// newPolicy returns bluemonday's policy for user-generated content, narrowed
// and extended for Signpost: URLs must be parseable and either relative or of the
// http, https, mailto or tel schemes (so no data: images), and links carry
// rel="nofollow noopener noreferrer". The UGC policy already removes style attributes,
// event handler attributes, and script, style, iframe, svg, math, form, object and
// embed elements.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// The only rel value allowed is the one linkRelTransformer sets.
	p.AllowAttrs("rel").Matching(regexpExactly(linkRel)).OnElements("a")
	return p
}

// regexpExactly returns a regular expression matching exactly s.
func regexpExactly(s string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(s) + "$")
}

// linkRelTransformer sets rel="nofollow noopener noreferrer" on every link in a
// Markdown document.
type linkRelTransformer struct{}

// Transform implements parser.ASTTransformer.
func (linkRelTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink:
			n.SetAttributeString("rel", []byte(linkRel))
		}
		return ast.WalkContinue, nil
	})
}

// Render renders an editor's Markdown to sanitised HTML and a plain-text form.
//
// The Markdown is CommonMark with the GitHub extensions for tables, strikethrough and
// autolinks. Raw HTML in the source is dropped, and the rendered HTML is then sanitised,
// so the result is safe to embed in a page. The plain text is derived from the
// sanitised HTML: tags are removed, entities decoded, runs of white space collapsed to
// one space, block elements such as paragraphs, headings and lists separated by a blank
// line, and list items, table rows and line breaks put on lines of their own.
func Render(src string) (html, text string, err error) {
	var buf bytes.Buffer
	if err := renderer.Convert([]byte(src), &buf); err != nil {
		return "", "", fmt.Errorf("markdown: render: %w", err)
	}
	safe := policy.SanitizeBytes(buf.Bytes())
	plain, err := htmlToText(safe)
	if err != nil {
		return "", "", err
	}
	return string(safe), plain, nil
}

// htmlToText returns the plain text of an HTML fragment, as described for Render.
func htmlToText(src []byte) (string, error) {
	var w textWriter
	z := html.NewTokenizer(bytes.NewReader(src))
	skip := 0 // depth inside elements whose content is not text, such as script
	pre := 0  // depth inside pre elements, whose white space is kept
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return "", fmt.Errorf("markdown: read the rendered HTML: %w", err)
			}
			return w.String(), nil
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			start := tt != html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Textarea, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Pre:
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
				w.brk(2)
			case atom.Br:
				if start {
					w.brk(1)
				}
			case atom.Td, atom.Th:
				w.space()
			default:
				if n := blockBreak(a); n > 0 {
					w.brk(n)
				}
			}
		}
	}
}

// blockBreak returns the break an element puts around its content in plain text:
// 2 for a blank line, 1 for a new line, 0 for none.
func blockBreak(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Blockquote, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Hr,
		atom.Div, atom.Section, atom.Article, atom.Aside, atom.Figure, atom.Details:
		return 2
	case atom.Li, atom.Dt, atom.Dd, atom.Tr, atom.Figcaption, atom.Summary, atom.Caption:
		return 1
	}
	return 0
}

// textWriter builds plain text, collapsing white space and turning element boundaries
// into pending line breaks that are written only between pieces of text.
type textWriter struct {
	b    strings.Builder
	brks int  // pending line breaks: 0, 1 or 2
	sp   bool // a pending space
}

// brk asks for n line breaks (1 or 2) before the next text.
func (w *textWriter) brk(n int) {
	w.brks = max(w.brks, n)
	w.sp = false
}

// space asks for a space before the next text, unless a line break is pending.
func (w *textWriter) space() {
	if w.brks == 0 {
		w.sp = true
	}
}

// text writes s, collapsing its white space unless pre is true.
func (w *textWriter) text(s string, pre bool) {
	if pre {
		s = strings.Trim(s, "\n")
		if strings.TrimSpace(s) == "" {
			return
		}
		w.flush()
		w.b.WriteString(strings.TrimRight(s, " \t\n"))
		return
	}
	if s == "" {
		return
	}
	if isSpace(s[0]) {
		w.space()
	}
	for _, word := range strings.Fields(s) {
		w.flush()
		w.b.WriteString(word)
		w.sp = true
	}
	if !isSpace(s[len(s)-1]) {
		w.sp = false
	}
}

// flush writes any pending breaks or space, but none at the start of the text.
func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		switch {
		case w.brks > 0:
			w.b.WriteString(strings.Repeat("\n", w.brks))
		case w.sp:
			w.b.WriteByte(' ')
		}
	}
	w.brks = 0
	w.sp = false
}

// String returns the text written so far.
func (w *textWriter) String() string {
	return w.b.String()
}

// isSpace reports whether c is HTML white space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
