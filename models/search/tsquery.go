package search

import "strings"

// TSQuery returns the query as the text of a PostgreSQL tsquery, for
// to_tsquery('simple', …) as a bound value, with the meaning of FTS5: & for AND, |
// for OR, & ! for NOT, <-> between the words of a phrase, :* after a prefix, and
// parentheses around every operator. Each word is folded as the index folds its text
// (see Fold) and quoted as a lexeme; folding leaves letters, marks and digits only,
// so nothing a user typed reaches to_tsquery as syntax. It returns "" for a query
// that matches nothing: a term whose words all fold away, which FTS5 matches nowhere
// (an empty phrase), where to_tsquery would drop it and change what the rest means.
func (q *Query) TSQuery() string {
	s, _ := q.root.tsquery("", true)
	return s
}

// TSQueryIn is TSQuery for a part of the index: every term the query needs matches
// only words of the given weights (tsquery labels, e.g. "AB"), while the terms it
// excludes (after NOT) stay excluded at any weight, as FTS5In does with columns.
func (q *Query) TSQueryIn(weights string) string {
	s, _ := q.root.tsquery(weights, true)
	return s
}

// TSQueryNeeded is TSQuery of the terms the query needs, without those it excludes,
// as FTS5Needed.
func (q *Query) TSQueryNeeded() string {
	s, _ := q.root.tsquery("", false)
	return s
}

// Terms returns the terms the query needs (not those after NOT), each as the folded
// words of a phrase, and whether its last word is a prefix: what a snippet marks.
func (q *Query) Terms() []Term {
	var out []Term
	var walk func(n *queryNode)
	walk = func(n *queryNode) {
		switch n.op {
		case tokTerm:
			if t := n.term.folded(); len(t.Words) > 0 {
				out = append(out, t)
			}
		case tokNot:
			walk(n.args[0])
		default:
			for _, a := range n.args {
				walk(a)
			}
		}
	}
	walk(q.root)
	return out
}

// Term is a phrase of folded words; with Prefix, its last word is a prefix.
type Term struct {
	Words  []string
	Prefix bool
}

// folded returns the term's words as the index has them.
func (t queryToken) folded() Term {
	return Term{Words: strings.Fields(Fold(t.text)), Prefix: t.prefix}
}

// tsquery writes the node as a tsquery, with weights on the terms it needs. With
// not false, NOT is reduced to its left side (TSQueryNeeded). ok is false for a node
// that can match nothing, which its parent then leaves out as FTS5 would: AND with it
// matches nothing, OR matches what its other sides match, and NOT it excludes
// nothing.
func (n *queryNode) tsquery(weights string, not bool) (string, bool) {
	switch n.op {
	case tokTerm:
		t := n.term.folded()
		if len(t.Words) == 0 {
			return "", false
		}
		var b strings.Builder
		if len(t.Words) > 1 {
			b.WriteByte('(')
		}
		for i, w := range t.Words {
			if i > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString(lexeme(w))
			if i == len(t.Words)-1 && t.Prefix {
				b.WriteString(":*")
			} else if weights != "" {
				b.WriteByte(':')
			}
			b.WriteString(weights)
		}
		if len(t.Words) > 1 {
			b.WriteByte(')')
		}
		return b.String(), true
	case tokNot:
		left, ok := n.args[0].tsquery(weights, not)
		if !ok || !not {
			return left, ok
		}
		var b strings.Builder
		b.WriteString("(" + left)
		for _, a := range n.args[1:] {
			if right, ok := a.tsquery("", not); ok {
				b.WriteString(" & !" + right)
			}
		}
		b.WriteByte(')')
		return b.String(), true
	}
	op := " & "
	if n.op == tokOr {
		op = " | "
	}
	var parts []string
	for _, a := range n.args {
		s, ok := a.tsquery(weights, not)
		if !ok && n.op == tokAnd {
			return "", false
		}
		if ok {
			parts = append(parts, s)
		}
	}
	switch len(parts) {
	case 0:
		return "", false
	case 1:
		return parts[0], true
	}
	return "(" + strings.Join(parts, op) + ")", true
}

// lexeme quotes a word as a tsquery lexeme. Folded words hold no quote or backslash;
// they are escaped all the same, so that the quoting never depends on the folding.
func lexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}
