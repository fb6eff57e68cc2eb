// Package search is the language of Signpost's searches: words, "quoted phrases",
// prefix* and AND, OR, NOT, parsed once into a Query that each store writes in its
// engine's own syntax. Nothing a user types reaches a search engine as syntax.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"signpost/models"
)

// Limits of a search query.
const (
	// MaxQueryLength is the longest search query accepted, in bytes.
	MaxQueryLength = 500
	// MaxQueryWords is how many words a search query may have.
	MaxQueryWords = 32
	// minPrefix is how many letters a prefix search needs before its *, so that
	// "a*" does not expand to most of the index.
	minPrefix = 2
)

// Syntax tells a caller what a search may contain; it ends the messages of
// malformed queries.
const Syntax = `use words, "quoted phrases", prefix* and AND, OR, NOT between terms`

// Parse reads what a user typed as a search, or returns an EBADPARAM error naming
// q that says what is wrong. The store turns the result into its engine's own
// syntax (Query.FTS5 for SQLite).
//
// The language: words and "quoted phrases" (a phrase matches its words in order); a
// trailing * makes the word (or the phrase's last word) a prefix; AND, OR and NOT in
// upper case are operators (lower-case "and" is a word), with NOT binding tighter than
// AND and AND tighter than OR, as in SQLite; terms side by side are ANDed; "a AND NOT b"
// means "a NOT b"; parentheses group. Case and accents do not matter (the index folds
// them). Punctuation separates words: "e-mail" is the phrase "e mail", and "title:x" is
// the phrase "title x", never a column filter.
//
// Safety comes from the output, not from the input: every term is emitted as an FTS5
// string holding only letters, marks, digits and single spaces, and the only syntax
// around them is " * ( ) AND OR NOT written here. So nothing a user types can reach
// FTS5 as syntax: not a column filter (:), an initial-token (^) or column exclusion
// (-), a NEAR group, an unterminated string or a NUL.
func Parse(q string) (*Query, error) {
	if len(q) > MaxQueryLength {
		return nil, models.BadParam("q", "must be at most %d characters", MaxQueryLength)
	}
	if !utf8.ValidString(q) {
		return nil, models.BadParam("q", "is not valid UTF-8 text; send the search percent-encoded as UTF-8")
	}
	toks, err := lexQuery(q)
	if err != nil {
		return nil, err
	}
	words := 0
	for _, t := range toks {
		words += t.words
	}
	if words > MaxQueryWords {
		return nil, models.BadParam("q", "has more than %d words; search for fewer", MaxQueryWords)
	}
	p := &queryParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		// Only a ")" can be left over: every other token starts or continues an
		// expression.
		return nil, models.BadParam("q", `has a ")" without a matching "("; %s`, Syntax)
	}
	return &Query{root: n}, nil
}

// Query is a parsed search.
type Query struct {
	root *queryNode
}

// FTS5 returns the query as an FTS5 MATCH expression. Every term is an FTS5 string
// of letters, marks, digits and single spaces, so nothing a user typed reaches FTS5
// as syntax.
func (q *Query) FTS5() string {
	var b strings.Builder
	q.root.write(&b, "")
	return b.String()
}

// FTS5Needed returns the FTS5 MATCH expression of the terms the query needs, without
// those it excludes (after NOT): it holds wherever the query holds, and more often. A
// store adds it to an expression to have FTS5 find, for snippets, every instance of
// the words a match has, at little cost: it excludes nothing.
func (q *Query) FTS5Needed() string {
	var b strings.Builder
	q.root.writeNeeded(&b)
	return b.String()
}

// FTS5In returns the query as an FTS5 MATCH expression that holds where the query
// holds within the given columns of the index: every term it needs is looked for in
// those columns only, while the terms it excludes (after NOT) stay excluded from every
// column. So what it matches is always a part of what FTS5 matches; the store ranks
// that part first (see the store's search tiers). The column names are the index's
// own, never a user's.
func (q *Query) FTS5In(columns ...string) string {
	var b strings.Builder
	q.root.write(&b, "{"+strings.Join(columns, " ")+"} : ")
	return b.String()
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokTerm
	tokAnd
	tokOr
	tokNot
	tokOpen
	tokClose
)

type queryToken struct {
	kind tokKind
	// text is a term's words separated by single spaces.
	text   string
	prefix bool
	words  int
}

func (t queryToken) String() string {
	switch t.kind {
	case tokAnd:
		return "AND"
	case tokOr:
		return "OR"
	case tokNot:
		return "NOT"
	case tokOpen:
		return `"("`
	case tokClose:
		return `")"`
	}
	return "a term"
}

// lexQuery splits a query into terms, operators and parentheses. Words and phrases
// with nothing searchable in them (punctuation, emoji) are dropped.
func lexQuery(q string) ([]queryToken, error) {
	var toks []queryToken
	addTerm := func(raw string, prefix bool) error {
		t, ok, err := termToken(raw, prefix)
		if ok {
			toks = append(toks, t)
		}
		return err
	}
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			i += size
		case r == '(':
			toks = append(toks, queryToken{kind: tokOpen})
			i++
		case r == ')':
			toks = append(toks, queryToken{kind: tokClose})
			i++
		case r == '"':
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				return nil, models.BadParam("q", `has an unclosed quote ("); %s`, Syntax)
			}
			phrase := q[i+1 : i+1+end]
			i += end + 2
			prefix := false
			for i < len(q) && q[i] == '*' {
				prefix = true
				i++
			}
			if err := addTerm(phrase, prefix); err != nil {
				return nil, err
			}
		default:
			j := i
			for j < len(q) {
				r, size := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r) || unicode.IsControl(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				j += size
			}
			word := q[i:j]
			i = j
			switch word {
			case "AND":
				toks = append(toks, queryToken{kind: tokAnd})
				continue
			case "OR":
				toks = append(toks, queryToken{kind: tokOr})
				continue
			case "NOT":
				toks = append(toks, queryToken{kind: tokNot})
				continue
			}
			trimmed := strings.TrimRight(word, "*")
			if err := addTerm(trimmed, len(trimmed) < len(word)); err != nil {
				return nil, err
			}
		}
	}
	return toks, nil
}

// termToken cleans a word or phrase: every rune that is not a letter, a mark or a digit
// becomes a word break, as it does for the index's tokenizer. ok is false when nothing
// is left.
func termToken(raw string, prefix bool) (queryToken, bool, error) {
	var words []string
	start := -1
	for i, r := range raw + " " {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w := raw[start:i]
			if strings.IndexFunc(w, isLetterOrDigit) >= 0 {
				words = append(words, w)
			}
			start = -1
		}
	}
	if len(words) == 0 {
		return queryToken{}, false, nil
	}
	if prefix {
		last := words[len(words)-1]
		n := 0
		for _, r := range last {
			if isLetterOrDigit(r) {
				n++
			}
		}
		if n < minPrefix {
			return queryToken{}, false, models.BadParam("q", "a prefix search needs at least %d letters before the *, e.g. abus*", minPrefix)
		}
	}
	return queryToken{kind: tokTerm, text: strings.Join(words, " "), prefix: prefix, words: len(words)}, true, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func isLetterOrDigit(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// queryNode is a parsed search: a term, or an operator over two or more nodes.
type queryNode struct {
	op   tokKind // tokTerm, tokAnd, tokOr or tokNot
	term queryToken
	args []*queryNode
}

// write emits the node as FTS5 syntax, parenthesising every operator so that the
// precedence is ours whatever FTS5's is. A column filter (colspec), when given, goes
// before each term the node needs; the right-hand sides of NOT are written without it.
func (n *queryNode) write(b *strings.Builder, colspec string) {
	if n.op == tokTerm {
		b.WriteString(colspec)
		b.WriteByte('"')
		b.WriteString(n.term.text)
		b.WriteByte('"')
		if n.term.prefix {
			b.WriteByte('*')
		}
		return
	}
	b.WriteByte('(')
	for i, a := range n.args {
		if i > 0 {
			b.WriteString(" " + queryToken{kind: n.op}.String() + " ")
		}
		if i > 0 && n.op == tokNot {
			a.write(b, "")
		} else {
			a.write(b, colspec)
		}
	}
	b.WriteByte(')')
}

// writeNeeded emits the node as write does, with each NOT reduced to its left side.
func (n *queryNode) writeNeeded(b *strings.Builder) {
	switch n.op {
	case tokTerm:
		n.write(b, "")
		return
	case tokNot:
		n.args[0].writeNeeded(b)
		return
	}
	b.WriteByte('(')
	for i, a := range n.args {
		if i > 0 {
			b.WriteString(" " + queryToken{kind: n.op}.String() + " ")
		}
		a.writeNeeded(b)
	}
	b.WriteByte(')')
}

// join combines two nodes with a binary operator, flattening chains of AND and OR.
func join(op tokKind, left, right *queryNode) *queryNode {
	if op != tokNot && left.op == op {
		left.args = append(left.args, right)
		return left
	}
	return &queryNode{op: op, args: []*queryNode{left, right}}
}

// queryParser is a recursive-descent parser over the tokens of lexQuery:
//
//	or      = and { "OR" and }
//	and     = not { ["AND"] not | "AND" "NOT" primary }
//	not     = primary { "NOT" primary }
//	primary = term | "(" or ")"
type queryParser struct {
	toks []queryToken
	pos  int
}

func (p *queryParser) peek() queryToken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return queryToken{kind: tokEOF}
}

func (p *queryParser) next() queryToken {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

// prev is the token before the current one, or EOF at the start.
func (p *queryParser) prev() queryToken {
	if p.pos > 0 {
		return p.toks[p.pos-1]
	}
	return queryToken{kind: tokEOF}
}

func (p *queryParser) or() (*queryNode, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokOr {
		p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = join(tokOr, left, right)
	}
	return left, nil
}

func (p *queryParser) and() (*queryNode, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	for {
		switch p.peek().kind {
		case tokAnd:
			p.next()
			if p.peek().kind == tokNot {
				p.next()
				right, err := p.primary()
				if err != nil {
					return nil, err
				}
				left = join(tokNot, left, right)
				continue
			}
		case tokTerm, tokOpen:
		default:
			return left, nil
		}
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		left = join(tokAnd, left, right)
	}
}

func (p *queryParser) not() (*queryNode, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokNot {
		p.next()
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		left = join(tokNot, left, right)
	}
	return left, nil
}

func (p *queryParser) primary() (*queryNode, error) {
	prev := p.prev()
	t := p.next()
	switch t.kind {
	case tokTerm:
		return &queryNode{op: tokTerm, term: t}, nil
	case tokOpen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tokClose {
			return nil, models.BadParam("q", `has a "(" without a matching ")"; %s`, Syntax)
		}
		return n, nil
	case tokNot:
		return nil, models.BadParam("q", "NOT needs a term before it, e.g. helpline NOT phone; %s", Syntax)
	case tokAnd, tokOr:
		return nil, models.BadParam("q", "%s needs a term on each side; %s", t, Syntax)
	}
	// EOF or ")": the expression stops where a term was needed.
	switch prev.kind {
	case tokAnd, tokOr, tokNot:
		return nil, models.BadParam("q", "%s needs a term after it; %s", prev, Syntax)
	case tokOpen:
		if t.kind == tokClose {
			return nil, models.BadParam("q", "has empty parentheses; %s", Syntax)
		}
		return nil, models.BadParam("q", `has a "(" without a matching ")"; %s`, Syntax)
	case tokEOF:
		if t.kind == tokClose {
			return nil, models.BadParam("q", `has a ")" without a matching "("; %s`, Syntax)
		}
	}
	return nil, models.BadParam("q", "has no words to search for; %s", Syntax)
}
