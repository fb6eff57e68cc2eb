package search_test

import (
	"errors"
	"strings"
	"testing"

	"signpost/models"
	"signpost/models/search"
)

// parse returns the FTS5 expression of a query, as the SQLite store writes it.
func parse(q string) (string, error) {
	query, err := search.Parse(q)
	if err != nil {
		return "", err
	}
	return query.FTS5(), nil
}

func TestParseQuery(t *testing.T) {
	ok := []struct{ in, want string }{
		{"abuse", `"abuse"`},
		{"  Abuse  ", `"Abuse"`},
		{"child abuse", `("child" AND "abuse")`},
		{`"week of action"`, `"week of action"`},
		{`"week of action" cumbria`, `("week of action" AND "cumbria")`},
		{"abus*", `"abus"*`},
		{"abus***", `"abus"*`},
		{`"child abus"*`, `"child abus"*`},
		{"a AND b", `("a" AND "b")`},
		{"a and b", `("a" AND "and" AND "b")`},
		{"a OR b", `("a" OR "b")`},
		{"a or b", `("a" AND "or" AND "b")`},
		{"a NOT b", `("a" NOT "b")`},
		{"a AND NOT b", `("a" NOT "b")`},
		{"a b OR c", `(("a" AND "b") OR "c")`},
		{"a OR b c", `("a" OR ("b" AND "c"))`},
		{"a NOT b c", `(("a" NOT "b") AND "c")`},
		{"a OR b OR c", `("a" OR "b" OR "c")`},
		{"(a OR b) c", `(("a" OR "b") AND "c")`},
		{"((a))", `"a"`},
		{"helpline(uk)", `("helpline" AND "uk")`},
		{"title:foo", `"title foo"`},
		{"e-mail", `"e mail"`},
		{"-x", `"x"`},
		{"^x", `"x"`},
		{"x NEAR y", `("x" AND "NEAR" AND "y")`},
		{"NEAR(x y)", `("NEAR" AND ("x" AND "y"))`},
		{"'; DROP TABLE articles; --", `("DROP" AND "TABLE" AND "articles")`},
		{"crème brûlée", `("crème" AND "brûlée")`},
		{"a\x00b", `("a" AND "b")`},
		{"x 🙂 y", `("x" AND "y")`},
		{"🙂 xy*", `"xy"*`},
		{"O'Brien", `"O Brien"`},
		{"0800 1111", `("0800" AND "1111")`},
		{"x \ue000 y", `("x" AND "y")`},
	}
	for _, c := range ok {
		got, err := parse(c.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseQuery(%q) = %s, want %s", c.in, got, c.want)
		}
	}

	bad := []struct{ in, msg string }{
		{"", "no words"},
		{"   ", "no words"},
		{"*", "no words"},
		{`"`, "unclosed quote"},
		{`"week of`, "unclosed quote"},
		{`""`, "no words"},
		{"- : ^ ' . @ 🙂", "no words"},
		{"AND", "AND needs a term on each side"},
		{"OR x", "OR needs a term on each side"},
		{"x AND", "AND needs a term after it"},
		{"x OR", "OR needs a term after it"},
		{"x NOT", "NOT needs a term after it"},
		{"x AND NOT", "NOT needs a term after it"},
		{"NOT x", "NOT needs a term before it"},
		{"x OR NOT y", "NOT needs a term before it"},
		{"x AND AND y", "AND needs a term on each side"},
		{"x - AND", "AND needs a term after it"},
		{"(", `"(" without a matching ")"`},
		{"(x", `"(" without a matching ")"`},
		{"x (", `"(" without a matching ")"`},
		{")", `")" without a matching "("`},
		{"x)", `")" without a matching "("`},
		{"x ) y", `")" without a matching "("`},
		{"()", "empty parentheses"},
		{"a*", "at least 2 letters"},
		{"e-m*", "at least 2 letters"},
		{"\xff\xfe", "UTF-8"},
		{"caf\xe9", "UTF-8"},
		{strings.Repeat("a ", 33), "more than 32 words"},
		{`"` + strings.Repeat("a ", 33) + `"`, "more than 32 words"},
		{strings.Repeat("x", 501), "at most 500"},
	}
	for _, c := range bad {
		_, err := parse(c.in)
		if err == nil {
			t.Errorf("ParseQuery(%q): no error, want one saying %q", c.in, c.msg)
			continue
		}
		mustBadParam(t, err, "q")
		if e := err.(*models.Error); !strings.Contains(e.Message, c.msg) {
			t.Errorf("ParseQuery(%q): %q, want it to say %q", c.in, e.Message, c.msg)
		}
	}
}

func mustBadParam(tb testing.TB, err error, param string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.EBADPARAM {
		tb.Fatalf("error %v, want %s", err, models.EBADPARAM)
	}
	if len(e.Fields) == 0 || e.Fields[0].Field != param {
		tb.Fatalf("error fields %+v, want %q first", e.Fields, param)
	}
}

// TestFTS5In checks the column-filtered form of a query: every term it needs carries
// the filter, the terms after NOT stay unfiltered (excluded from every column).
func TestFTS5In(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abuse", `{title keywords} : "abuse"`},
		{"child abus*", `({title keywords} : "child" AND {title keywords} : "abus"*)`},
		{`"week of action" OR cumbria`, `({title keywords} : "week of action" OR {title keywords} : "cumbria")`},
		{"a NOT b", `({title keywords} : "a" NOT "b")`},
		{"a NOT (b NOT c) d", `(({title keywords} : "a" NOT ("b" NOT "c")) AND {title keywords} : "d")`},
		{"a NOT b NOT c", `(({title keywords} : "a" NOT "b") NOT "c")`},
	} {
		query, err := search.Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := query.FTS5In("title", "keywords"); got != c.want {
			t.Errorf("FTS5In(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestFTS5Needed checks the expression of the terms a query needs: NOT and what it
// excludes are gone, the rest stays as FTS5 writes it.
func TestFTS5Needed(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abuse", `"abuse"`},
		{"child abus*", `("child" AND "abus"*)`},
		{"a NOT b", `"a"`},
		{"a NOT b c", `("a" AND "c")`},
		{"a OR (b NOT c)", `("a" OR "b")`},
		{"a NOT (b NOT c) d", `("a" AND "d")`},
	} {
		query, err := search.Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := query.FTS5Needed(); got != c.want {
			t.Errorf("FTS5Needed(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
