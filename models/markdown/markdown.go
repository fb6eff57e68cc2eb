// Package markdown renders the Markdown that editors write into sanitised HTML and
// plain text: goldmark for CommonMark with the GitHub extensions, bluemonday for
// the HTML that may reach a partner's page.
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
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

// Limits of what Render takes. Past them it returns a *LimitError, and the work done
// before that is bounded by them: a text of too many lines is not parsed, the parser
// never nests deeper than MaxNesting, never builds a table that would render past
// MaxHTMLBytes, and rendering stops there.
const (
	// MaxNesting is how deep block quotes and list items may sit inside one another.
	// goldmark's work on each line grows with the depth of the blocks still open, so
	// an unbounded depth (a line of 100,000 "> ") costs seconds.
	MaxNesting = 16
	// MaxLines is the most lines a text may have: goldmark's work on every line,
	// even a blank one, grows with the depth of the blocks open around it.
	MaxLines = 20_000
	// MaxHTMLBytes is the largest rendered HTML: every read of the article and the
	// feeds serve it again.
	MaxHTMLBytes = 512 << 10
)

// LimitError says which of Render's limits a text went past. Its message is safe to
// show to the editor, and names the limit.
type LimitError struct {
	msg string
}

func (e *LimitError) Error() string { return e.msg }

var (
	errTooDeep = &LimitError{fmt.Sprintf("nests block quotes and lists more than %d levels deep", MaxNesting)}
	errTooBig  = &LimitError{fmt.Sprintf("renders to more than %d bytes of HTML (%d KiB)", MaxHTMLBytes, MaxHTMLBytes>>10)}
	errTooLong = &LimitError{fmt.Sprintf("has more than %d lines", MaxLines)}
)

// renderer converts CommonMark with the GitHub extensions (tables, strikethrough,
// autolinks and task lists) to HTML. It keeps goldmark's default of omitting raw HTML.
// Block quotes and lists are opened through nestGuard, and tables are checked by
// tableGuard before goldmark builds them. It is built once and is safe for concurrent
// use.
var renderer = goldmark.New(
	goldmark.WithParser(parser.NewParser(
		parser.WithBlockParsers(guardedBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)),
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(linkRelTransformer{}, 1000)),
		// After link reference definitions (100), before GFM tables (200).
		parser.WithParagraphTransformers(util.Prioritized(tableGuard{}, 150)),
	),
)

// limitKey marks a parse that went past a limit: its value is the *LimitError.
var limitKey = parser.NewContextKey()

// guardedBlockParsers returns goldmark's block parsers with the container parsers
// (block quotes, lists and list items) behind nestGuard.
func guardedBlockParsers() []util.PrioritizedValue {
	containers := map[reflect.Type]bool{
		reflect.TypeOf(parser.NewBlockquoteParser()): true,
		reflect.TypeOf(parser.NewListParser()):       true,
		reflect.TypeOf(parser.NewListItemParser()):   true,
	}
	ps := parser.DefaultBlockParsers()
	for i, p := range ps {
		if containers[reflect.TypeOf(p.Value)] {
			ps[i].Value = nestGuard{p.Value.(parser.BlockParser)}
		}
	}
	return ps
}

// nestGuard opens a block quote, list or list item only where it would sit at most
// MaxNesting containers deep. Deeper, it opens nothing (the line stays text) and marks
// the parse as too deep, so Render refuses it: the parser's work stays bounded and
// the limit is exact.
type nestGuard struct {
	parser.BlockParser
}

// Open implements parser.BlockParser.
func (g nestGuard) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	depth := 0
	for n := parent; n != nil; n = n.Parent() {
		if k := n.Kind(); k == ast.KindBlockquote || k == ast.KindListItem {
			depth++
		}
	}
	if depth >= MaxNesting {
		pc.Set(limitKey, errTooDeep)
		return nil, parser.NoChildren
	}
	return g.BlockParser.Open(parent, reader, pc)
}

// tableGuard refuses a paragraph that GFM would turn into a table too large to
// render: goldmark gives every row as many cells as the header has, so a few bytes
// a row can make millions of cells. The size is checked before the table is built,
// from the delimiter row's columns and the number of rows, against the least HTML
// such a table renders to. Such a paragraph is dropped and the parse marked.
type tableGuard struct{}

// minCellHTML and minRowHTML are the least HTML a table cell ("<td></td>\n") and a
// row ("<tr>\n</tr>\n") render to.
const minCellHTML, minRowHTML = 10, 11

// Transform implements parser.ParagraphTransformer.
func (tableGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		cols := delimiterColumns(seg.Value(reader.Source()))
		if cols == 0 {
			continue
		}
		rows := lines.Len() - i // the header and every line after the delimiter row
		if rows*(cols*minCellHTML+minRowHTML) > MaxHTMLBytes {
			pc.Set(limitKey, errTooBig)
			node.Parent().RemoveChild(node.Parent(), node)
		}
		return
	}
}

// delimiterColumns returns the number of columns of a GFM table delimiter row such
// as "| :--- | ---: |", or 0 when line is not one.
func delimiterColumns(line []byte) int {
	s := strings.TrimSpace(string(line))
	if !strings.Contains(s, "-") || strings.Trim(s, "|-: \t") != "" {
		return 0
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "|"), "|")
	return strings.Count(s, "|") + 1
}

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
//
// It returns a *LimitError when the text has more than MaxLines lines, nests block
// quotes and lists more than MaxNesting deep or renders to more than MaxHTMLBytes of
// HTML.
func Render(src string) (html, text string, err error) {
	html, text, _, err = render(src)
	return html, text, err
}

// work counts what one render did, for the tests of its bounds.
type work struct {
	nodes     int // nodes of the parsed document visited
	htmlBytes int // bytes of HTML rendered
}

func render(src string) (html, plain string, w work, err error) {
	source := []byte(src)
	lines := bytes.Count(source, []byte("\n"))
	if len(source) > 0 && source[len(source)-1] != '\n' {
		lines++
	}
	if lines > MaxLines {
		return "", "", w, errTooLong
	}
	pc := parser.NewContext()
	doc := renderer.Parser().Parse(text.NewReader(source), parser.WithContext(pc))
	if e, ok := pc.Get(limitKey).(*LimitError); ok {
		return "", "", w, e
	}
	_ = ast.Walk(doc, func(_ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			w.nodes++
		}
		return ast.WalkContinue, nil
	})
	out := &cappedBuffer{max: MaxHTMLBytes}
	err = renderer.Renderer().Render(out, source, doc)
	w.htmlBytes = out.buf.Len()
	if out.full {
		return "", "", w, errTooBig
	}
	if err != nil {
		return "", "", w, fmt.Errorf("markdown: render: %w", err)
	}
	safe := policy.SanitizeBytes(out.buf.Bytes())
	if len(safe) > MaxHTMLBytes {
		return "", "", w, errTooBig
	}
	plain, err = htmlToText(safe)
	if err != nil {
		return "", "", w, err
	}
	return string(safe), plain, w, nil
}

// cappedBuffer keeps at most max bytes; a write past that fails, and the renderer
// stops writing.
type cappedBuffer struct {
	buf  bytes.Buffer
	max  int
	full bool
}

var errCapped = errors.New("markdown: rendered HTML over the limit")

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.full || c.buf.Len()+len(p) > c.max {
		c.full = true
		return 0, errCapped
	}
	return c.buf.Write(p)
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
