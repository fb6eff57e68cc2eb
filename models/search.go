package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SearchTypes are the types of content that search covers.
var SearchTypes = []string{"article", "helpline", "campaign"}

// Ranking weights of bm25 by column: a word in a title counts far more than one in a
// body. The two zeros are the unindexed item_type and item_id.
const searchWeights = "0, 0, 10, 4, 1, 2" // item_type, item_id, title, summary, body, topics

// Snippet markers: private-use characters, which are removed from indexed text so that
// only FTS5 puts them there. They become <mark> and </mark> after HTML escaping.
const (
	markOpen   = "\ue000"
	markClose  = "\ue001"
	markSQL    = "char(57344), char(57345)"
	snippetLen = 32 // tokens
)

// SearchFilter is a search over articles, helplines and campaigns.
type SearchFilter struct {
	// Q is what the user typed; see parseQuery for the language.
	Q string
	// Types limits the search to some of SearchTypes; none means all.
	Types []string
	Limit int
	Visibility
}

// SearchHit is one result of a search.
type SearchHit struct {
	Type string
	Slug string
	// Title is the plain title (a helpline's or campaign's name).
	Title string
	// Snippet is HTML: escaped text with the matched words in <mark> elements.
	Snippet     string
	Score       float64
	PublishedAt *time.Time
}

type searchRow struct {
	RowID          int64
	Type           string
	ID             int64
	Slug           string
	Title          string
	PublishedAt    *time.Time
	Score          float64
	TitleMarked    string
	SummarySnippet string
	BodySnippet    string
	TopicsSnippet  string
}

// Search returns the best matches of f.Q among the items f.Visibility may see, best
// first: ranked by bm25 with titles weighted above summaries, topics and bodies, and
// among hits of the same score, the most recently added first. It
// returns the top f.Limit hits only; there are no further pages. It returns EBADPARAM
// (naming q, type or limit) for a malformed query, an unknown type or a bad limit.
func (s *Store) Search(ctx context.Context, f SearchFilter) ([]SearchHit, error) {
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.Q) == "" {
		return nil, BadParam("q", "is required: the words to search for; %s", searchSyntax)
	}
	types := SearchTypes
	if len(f.Types) > 0 {
		for _, t := range f.Types {
			if !slices.Contains(SearchTypes, t) {
				return nil, BadParam("type", "%q is not a type of content; use %s, separated by commas", t, strings.Join(SearchTypes, ", "))
			}
		}
		types = f.Types
	}
	expr, err := parseQuery(f.Q)
	if err != nil {
		return nil, err
	}
	now := s.now()
	codes := make([]int, len(types))
	for i, t := range types {
		codes[i] = indexSourceOf(t).code
	}
	// The ranking can take long for a common word, so it stops when the client goes;
	// the lookups after it are small (see readContext).
	rank := s.reader.WithContext(ctx)
	db := s.reader.WithContext(readContext(ctx))
	// Looking up every match's item, to see whether it may be shown, costs more than
	// ranking them all. So only the best candidates by rank (the limit and ten more)
	// are looked up, and almost always they can all be shown; when too few can, the
	// search looks further.
	var rows []searchRow
	for candidates := limit + 10; ; candidates *= 8 {
		var ranked []struct {
			RowID int64
			Score float64
		}
		if err := rank.Raw(`SELECT rowid AS row_id, -bm25(search_index, `+searchWeights+`) AS score FROM search_index
			WHERE search_index MATCH ? AND rowid % 4 IN ? ORDER BY score DESC, rowid DESC LIMIT ?`, expr, codes, candidates).Scan(&ranked).Error; err != nil {
			return nil, matchError("search", err)
		}
		score := make(map[int64]float64, len(ranked))
		byType := map[string][]int64{}
		for _, r := range ranked {
			score[r.RowID] = r.Score
			t := indexSources[r.RowID%4-1].itemType
			byType[t] = append(byType[t], r.RowID/4)
		}
		rows = rows[:0]
		for t, ids := range byType {
			src := indexSourceOf(t)
			cond, cargs := refVisible("x", f.Visibility, now)
			name := "x.title"
			if t != "article" {
				name = "x.name"
			}
			var found []searchRow
			if err := db.Raw(`SELECT x.id * 4 + ? AS row_id, ? AS type, x.id, x.slug, `+name+` AS title, x.published_at
				FROM `+src.table+` x WHERE x.id IN ? AND `+cond, append([]any{src.code, t, ids}, cargs...)...).Scan(&found).Error; err != nil {
				return nil, internal("search", err)
			}
			for _, r := range found {
				r.Score = score[r.RowID]
				rows = append(rows, r)
			}
		}
		// The ranking's own order, so that the candidates are exactly the best ones,
		// ties included.
		slices.SortFunc(rows, func(a, b searchRow) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.RowID, a.RowID))
		})
		if len(rows) >= limit || len(ranked) < candidates {
			break // enough, or every match was a candidate
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
	}
	if len(rows) > 0 {
		rowIDs := make([]int64, len(rows))
		for i, r := range rows {
			rowIDs[i] = r.RowID
		}
		var snippets []searchRow
		if err := db.Raw(`SELECT rowid AS row_id,
			highlight(search_index, 2, `+markSQL+`) AS title_marked,
			snippet(search_index, 3, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS summary_snippet,
			snippet(search_index, 4, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS body_snippet,
			snippet(search_index, 5, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS topics_snippet
			FROM search_index WHERE search_index MATCH ? AND rowid IN ?`, expr, rowIDs).Scan(&snippets).Error; err != nil {
			return nil, matchError("search", err)
		}
		byRow := make(map[int64]searchRow, len(snippets))
		for _, sn := range snippets {
			byRow[sn.RowID] = sn
		}
		for i := range rows {
			sn := byRow[rows[i].RowID]
			rows[i].TitleMarked, rows[i].SummarySnippet, rows[i].BodySnippet, rows[i].TopicsSnippet =
				sn.TitleMarked, sn.SummarySnippet, sn.BodySnippet, sn.TopicsSnippet
		}
	}
	hits := make([]SearchHit, len(rows))
	for i, r := range rows {
		hits[i] = SearchHit{
			Type: r.Type, Slug: r.Slug, Title: r.Title,
			Snippet:     markup(pickSnippet(r.TitleMarked, r.SummarySnippet, r.BodySnippet, r.TopicsSnippet)),
			Score:       math.Round(r.Score*1e4) / 1e4,
			PublishedAt: utcPtr(r.PublishedAt),
		}
	}
	return hits, nil
}

// pickSnippet chooses what to show under a hit's title: the first of the summary, body
// and topics snippets with a match in it; when only the title matched, the opening of
// the summary (or body); the marked title when there is nothing else.
func pickSnippet(title string, snippets ...string) string {
	for _, s := range snippets {
		if strings.Contains(s, markOpen) {
			return s
		}
	}
	for _, s := range snippets[:2] {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return title
}

// markup escapes a snippet for HTML and turns the markers into <mark> elements, so
// that markup in content (a <script> in a title) is shown as text, never run. Runs of
// white space (the line breaks of a body) become one space.
func markup(s string) string {
	s = html.EscapeString(strings.Join(strings.Fields(s), " "))
	return strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(s)
}

// matchFilter returns the condition (over alias.id) and the argument that keep the
// items of itemType matching a full-text query, for the q filter of lists. It returns
// EBADPARAM for a malformed query.
func matchFilter(q, itemType, alias string) (string, any, error) {
	expr, err := parseQuery(q)
	if err != nil {
		return "", nil, err
	}
	return alias + ".id IN (SELECT rowid / 4 FROM search_index WHERE search_index MATCH ? AND rowid % 4 = " + fmt.Sprint(indexSourceOf(itemType).code) + ")", expr, nil
}

// matchError turns an FTS5 error into EBADPARAM for q, in case a query the parser let
// through is still one that FTS5 refuses: the caller gets a 400, not a 500.
func matchError(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if msg := err.Error(); strings.Contains(msg, "fts5") || strings.Contains(msg, "unterminated string") {
		return BadParam("q", "could not be searched; %s", searchSyntax)
	}
	return internal(op, err)
}

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

// searchSyntax tells a caller what a search may contain; it ends the messages of
// malformed queries.
const searchSyntax = `use words, "quoted phrases", prefix* and AND, OR, NOT between terms`

// parseQuery turns what a user typed into a safe FTS5 MATCH expression, or returns an
// EBADPARAM error naming q that says what is wrong.
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
func parseQuery(q string) (string, error) {
	if len(q) > MaxQueryLength {
		return "", BadParam("q", "must be at most %d characters", MaxQueryLength)
	}
	if !utf8.ValidString(q) {
		return "", BadParam("q", "is not valid UTF-8 text; send the search percent-encoded as UTF-8")
	}
	toks, err := lexQuery(q)
	if err != nil {
		return "", err
	}
	words := 0
	for _, t := range toks {
		words += t.words
	}
	if words > MaxQueryWords {
		return "", BadParam("q", "has more than %d words; search for fewer", MaxQueryWords)
	}
	p := &queryParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return "", err
	}
	if t := p.peek(); t.kind != tokEOF {
		// Only a ")" can be left over: every other token starts or continues an
		// expression.
		return "", BadParam("q", `has a ")" without a matching "("; %s`, searchSyntax)
	}
	var b strings.Builder
	n.write(&b)
	return b.String(), nil
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
				return nil, BadParam("q", `has an unclosed quote ("); %s`, searchSyntax)
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
			return queryToken{}, false, BadParam("q", "a prefix search needs at least %d letters before the *, e.g. abus*", minPrefix)
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
// precedence is ours whatever FTS5's is.
func (n *queryNode) write(b *strings.Builder) {
	if n.op == tokTerm {
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
		a.write(b)
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
			return nil, BadParam("q", `has a "(" without a matching ")"; %s`, searchSyntax)
		}
		return n, nil
	case tokNot:
		return nil, BadParam("q", "NOT needs a term before it, e.g. helpline NOT phone; %s", searchSyntax)
	case tokAnd, tokOr:
		return nil, BadParam("q", "%s needs a term on each side; %s", t, searchSyntax)
	}
	// EOF or ")": the expression stops where a term was needed.
	switch prev.kind {
	case tokAnd, tokOr, tokNot:
		return nil, BadParam("q", "%s needs a term after it; %s", prev, searchSyntax)
	case tokOpen:
		if t.kind == tokClose {
			return nil, BadParam("q", "has empty parentheses; %s", searchSyntax)
		}
		return nil, BadParam("q", `has a "(" without a matching ")"; %s`, searchSyntax)
	case tokEOF:
		if t.kind == tokClose {
			return nil, BadParam("q", `has a ")" without a matching "("; %s`, searchSyntax)
		}
	}
	return nil, BadParam("q", "has no words to search for; %s", searchSyntax)
}
