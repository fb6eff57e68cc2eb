package search

import "strings"

// This file makes FTS5's highlight() and snippet() in Go, for an engine whose own
// (PostgreSQL's ts_headline) reads words differently: it would neither fold
// diacritics as the index does nor split words where unicode61 does, and it picks
// its window by rules of its own. The words are read as Fold reads them, and the
// window is chosen as FTS5's snippet() chooses it (fts5_aux.c), so both stores show
// the same snippets; see Snippet for where they can differ.

// token is a word of a text: its bytes and its folded form.
type token struct {
	start, end int
	word       string
}

// tokenize splits text into words as the index does (see Fold).
func tokenize(text string) []token {
	var out []token
	var word strings.Builder
	start := -1
	flush := func(end int) {
		if start >= 0 && word.Len() > 0 {
			out = append(out, token{start: start, end: end, word: word.String()})
		}
		start = -1
		word.Reset()
	}
	for i, r := range text {
		f := foldRune(r)
		if f == ' ' {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
		if f != foldDrop {
			word.WriteRune(f)
		}
	}
	flush(len(text))
	return out
}

// instance is where a term's words are in a text: from token pos, size tokens.
type instance struct {
	pos, size, term int
}

// instances returns where the terms are in toks, by position (then term), as
// FTS5's xInst lists them.
func instances(toks []token, terms []Term) []instance {
	var out []instance
	for i := range toks {
		for p, t := range terms {
			n := len(t.Words)
			if i+n > len(toks) {
				continue
			}
			ok := true
			for j, w := range t.Words {
				got := toks[i+j].word
				if j == n-1 && t.Prefix {
					ok = ok && strings.HasPrefix(got, w)
				} else {
					ok = ok && got == w
				}
			}
			if ok {
				out = append(out, instance{pos: i, size: n, term: p})
			}
		}
	}
	return out
}

// Highlight returns text with every instance of the query's terms between open and
// close, as FTS5's highlight() writes it: instances that overlap are marked as one.
func (q *Query) Highlight(text, open, close string) string {
	toks := tokenize(text)
	return render(text, toks, instances(toks, q.dedupTerms()), 0, len(toks)-1, open, close)
}

// Snippet returns the part of text around the query's terms that FTS5's
// snippet(…, open, close, ellipsis, n) shows: a window of n words, chosen as
// FTS5 chooses it (the most distinct terms, centred on them, or from the start of
// a sentence when that does as well), with ellipsis where text is cut. The window
// can differ from FTS5's in a text of more than n words when a term of the query
// comes more than once in FTS5's expression of it (the store's tiers name a term
// once for each tier's columns, and FTS5 counts each copy apart): here each term
// counts once.
func (q *Query) Snippet(text, open, close, ellipsis string, n int) string {
	toks := tokenize(text)
	terms := q.dedupTerms()
	insts := instances(toks, terms)
	best, bestStart := 0, 0
	// Sentences start at the first word and at each word after a '.' or ':' and
	// white space.
	var firsts []int
	for i, t := range toks {
		if i == 0 {
			firsts = append(firsts, 0)
			continue
		}
		j := t.start - 1
		for j >= 0 && strings.IndexByte(" \t\n\r", text[j]) >= 0 {
			j--
		}
		if j != t.start-1 && j >= 0 && (text[j] == '.' || text[j] == ':') {
			firsts = append(firsts, i)
		}
	}
	score := func(from int) (int, int) {
		seen := make([]bool, len(terms))
		s, first, last := 0, -1, 0
		for _, in := range insts {
			if in.pos >= from && in.pos < from+n {
				if seen[in.term] {
					s++
				} else {
					s += 1000
				}
				seen[in.term] = true
				if first < 0 {
					first = in.pos
				}
				last = in.pos + in.size
			}
		}
		adj := first - (n-(last-first))/2
		if adj+n > len(toks) {
			adj = len(toks) - n
		}
		return s, max(adj, 0)
	}
	for _, in := range insts {
		if s, adj := score(in.pos); s > best {
			best, bestStart = s, adj
		}
		if len(toks) > n {
			jj := 0
			for ; jj < len(firsts)-1; jj++ {
				if firsts[jj+1] > in.pos {
					break
				}
			}
			if firsts[jj] < in.pos {
				s, _ := score(firsts[jj])
				if firsts[jj] == 0 {
					s += 120
				} else {
					s += 100
				}
				if s > best {
					best, bestStart = s, firsts[jj]
				}
			}
		}
	}
	end := bestStart + n - 1
	out := render(text, toks, insts, bestStart, end, open, close)
	if bestStart > 0 {
		out = ellipsis + out
	}
	if end < len(toks)-1 {
		out += ellipsis
	}
	return out
}

// render writes the words from token first to token last of text with the
// instances marked, overlapping ones as one. From the first word it starts at the
// start of text; up to the last word it goes on to the end of text.
func render(text string, toks []token, insts []instance, first, last int, open, close string) string {
	if len(toks) == 0 {
		return text
	}
	from, to := 0, len(text)
	if first > 0 {
		from = toks[first].start
	}
	if last < len(toks)-1 {
		to = toks[last].end
	}
	var b strings.Builder
	off := from
	for i := 0; i < len(insts); {
		s, e := insts[i].pos, insts[i].pos+insts[i].size-1
		for i++; i < len(insts) && insts[i].pos <= e; i++ {
			e = max(e, insts[i].pos+insts[i].size-1)
		}
		if e < first || s > last {
			continue
		}
		s, e = max(s, first), min(e, last)
		b.WriteString(text[off:toks[s].start])
		b.WriteString(open)
		b.WriteString(text[toks[s].start:toks[e].end])
		b.WriteString(close)
		off = toks[e].end
	}
	b.WriteString(text[off:to])
	return b.String()
}

// dedupTerms returns Terms without repeats.
func (q *Query) dedupTerms() []Term {
	var out []Term
	for _, t := range q.Terms() {
		dup := false
		for _, o := range out {
			if o.Prefix == t.Prefix && strings.Join(o.Words, " ") == strings.Join(t.Words, " ") {
				dup = true
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}
