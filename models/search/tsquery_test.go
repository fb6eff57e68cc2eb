package search_test

import (
	"testing"

	"signpost/models/search"
)

// TestTSQuery checks the tsquery text of queries: the operators of FTS5 in
// PostgreSQL's spelling, every operator in parentheses, words folded and quoted.
func TestTSQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abuse", `'abuse'`},
		{"Abuse", `'abuse'`},
		{"child abuse", `('child' & 'abuse')`},
		{`"week of action"`, `('week' <-> 'of' <-> 'action')`},
		{"abus*", `'abus':*`},
		{`"child abus"*`, `('child' <-> 'abus':*)`},
		{"a OR b", `('a' | 'b')`},
		{"a NOT b", `('a' & !'b')`},
		{"a AND NOT b", `('a' & !'b')`},
		{"a NOT b NOT c", `(('a' & !'b') & !'c')`},
		{"a b OR c", `(('a' & 'b') | 'c')`},
		{"(a OR b) c", `(('a' | 'b') & 'c')`},
		{"a NOT (b OR c)", `('a' & !('b' | 'c'))`},
		{"e-mail", `('e' <-> 'mail')`},
		{"title:foo", `('title' <-> 'foo')`},
		{"O'Brien", `('o' <-> 'brien')`},
		{"'; DROP TABLE articles; --", `('drop' & 'table' & 'articles')`},
		{`a\b`, `('a' <-> 'b')`},
		{"a:*B & c", `(('a' <-> 'b') & 'c')`},
		{"Crème BRÛLÉE", `('creme' & 'brulee')`},
		{"cre\u0300me", `'creme'`},
		{"İstanbul", `'istanbul'`},
		{"ΩMEGA", `'ωmega'`},
		{"0800 1111", `('0800' & '1111')`},
		// A word that unicode61 takes for two splits as FTS5 splits it.
		{"x\u00b7y", `('x' <-> 'y')`},
		// Terms that fold to nothing match nothing, as FTS5's empty phrase: AND
		// with one matches nothing, OR and NOT leave it out.
		{"\u19b0", ``},
		{"a \u19b0", ``},
		{"a OR \u19b0", `'a'`},
		{"a NOT \u19b0", `('a')`},
	} {
		query, err := search.Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := query.TSQuery(); got != c.want {
			t.Errorf("TSQuery(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestTSQueryIn checks the weighted form: every term the query needs carries the
// weights, the terms after NOT stay unweighted (excluded at every weight).
func TestTSQueryIn(t *testing.T) {
	for _, c := range []struct{ in, want, needed string }{
		{"abuse", `'abuse':AB`, `'abuse'`},
		{"child abus*", `('child':AB & 'abus':*AB)`, `('child' & 'abus':*)`},
		{`"week of action" OR cumbria`, `(('week':AB <-> 'of':AB <-> 'action':AB) | 'cumbria':AB)`, `(('week' <-> 'of' <-> 'action') | 'cumbria')`},
		{"a NOT b", `('a':AB & !'b')`, `'a'`},
		{"a NOT (b NOT c) d", `(('a':AB & !('b' & !'c')) & 'd':AB)`, `('a' & 'd')`},
		{"a OR (b NOT c)", `('a':AB | ('b':AB & !'c'))`, `('a' | 'b')`},
	} {
		query, err := search.Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := query.TSQueryIn("AB"); got != c.want {
			t.Errorf("TSQueryIn(%q) = %s, want %s", c.in, got, c.want)
		}
		if got := query.TSQueryNeeded(); got != c.needed {
			t.Errorf("TSQueryNeeded(%q) = %s, want %s", c.in, got, c.needed)
		}
	}
}
