package search_test

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	_ "github.com/mattn/go-sqlite3"

	"signpost/models/search"
)

var update = flag.Bool("update", false, "rewrite fold_table.go and search_fold in the PostgreSQL migration from SQLite's tokenizer")

// foldProbeEnd is where the probe of SQLite's tokenizer stops: the runes above are
// left as they are.
const foldProbeEnd = 0x20000

// sqliteFolds asks SQLite's unicode61 tokenizer (remove_diacritics 2, as the search
// index has it) what it makes of every rune below foldProbeEnd, each between two
// letters: "x" r "y" is two tokens for a separator, "xy" for a dropped rune, else
// one token with r folded in its middle. It returns what each rune becomes: " ",
// "" or the folded rune.
func sqliteFolds(t *testing.T) map[rune]string {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE f USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v (build with -tags sqlite_fts5)", q, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare(`INSERT INTO f (rowid, x) VALUES (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for r := rune(1); r < foldProbeEnd; r++ {
		if utf8.ValidRune(r) {
			if _, err := st.Exec(int64(r), "x"+string(r)+"y"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, term FROM v ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	terms := map[rune][]string{}
	for rows.Next() {
		var doc int64
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		terms[rune(doc)] = append(terms[rune(doc)], term)
	}
	out := map[rune]string{}
	for r := rune(1); r < foldProbeEnd; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		switch ts := terms[r]; {
		case len(ts) == 2 && ts[0] == "x" && ts[1] == "y":
			out[r] = " "
		case len(ts) == 1 && strings.HasPrefix(ts[0], "x") && strings.HasSuffix(ts[0], "y"):
			out[r] = ts[0][1 : len(ts[0])-1]
		default:
			t.Fatalf("SQLite tokenizes x%cy as %q", r, ts)
		}
	}
	return out
}

// TestFoldTable proves that Fold folds every rune below U+20000 as SQLite's
// tokenizer does. With -update it rewrites the tables from SQLite, and search_fold in
// the PostgreSQL migration from them.
func TestFoldTable(t *testing.T) {
	folds := sqliteFolds(t)
	if *update {
		// The migration is written from the tables compiled in: run it twice.
		writeFoldTable(t, folds)
		writeFoldFunction(t)
		return
	}
	bad := 0
	for r := rune(1); r < foldProbeEnd; r++ {
		want, ok := folds[r]
		if !ok {
			continue
		}
		if got := search.Fold("x" + string(r) + "y"); got != "x"+want+"y" && bad < 20 {
			t.Errorf("Fold(x%cy) = %q (%U), want %q: run go test -tags sqlite_fts5 ./models/search -run TestFoldTable -update", r, got, r, "x"+want+"y")
			bad++
		}
	}
	for _, c := range []struct{ in, want string }{
		{"Crème Brûlée!", "creme brulee "},
		{"cre\u0300me", "creme"},
		{"e-mail: a@b.org", "e mail  a b org"},
		{"ÉCOLE", "ecole"},
		{"don’t—stop", "don t stop"},
		{"İstanbul", "istanbul"},
	} {
		if got := search.Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	mig, err := os.ReadFile(migrationPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mig, []byte(search.FoldFunctionSQL())) {
		t.Errorf("%s does not hold search.FoldFunctionSQL(): run go test -tags sqlite_fts5 ./models/search -run TestFoldTable -update", migrationPath)
	}
}

const migrationPath = "../store/migrations/postgres/0007_search_fold.sql"

// The migration's definition of search_fold stands between these lines.
const (
	foldBegin = "-- search_fold: written by go test -tags sqlite_fts5 ./models/search -run TestFoldTable -update\n"
	foldEnd   = "\n-- end of search_fold\n"
)

func writeFoldFunction(t *testing.T) {
	mig, err := os.ReadFile(migrationPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(mig)
	i, j := strings.Index(s, foldBegin), strings.Index(s, foldEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no lines %q and %q", migrationPath, foldBegin, foldEnd)
	}
	s = s[:i+len(foldBegin)] + search.FoldFunctionSQL() + s[j:]
	if err := os.WriteFile(migrationPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFoldTable(t *testing.T, folds map[rune]string) {
	var seps, dropped, mapped []string
	lo := rune(-1)
	flush := func(hi rune) {
		if lo >= 0 {
			seps = append(seps, fmt.Sprintf("0x%04X, 0x%04X,", lo, hi))
			lo = -1
		}
	}
	for r := rune(utf8.RuneSelf); r < foldProbeEnd; r++ {
		f, ok := folds[r]
		if ok && f == " " {
			if lo < 0 {
				lo = r
			}
			continue
		}
		flush(r - 1)
		switch {
		case !ok:
		case f == "":
			dropped = append(dropped, fmt.Sprintf("0x%04X,", r))
		case f != string(r):
			fr, _ := utf8.DecodeRuneInString(f)
			if len(f) != utf8.RuneLen(fr) {
				t.Fatalf("SQLite folds %U to %q, more than one rune", r, f)
			}
			mapped = append(mapped, fmt.Sprintf("0x%04X, 0x%04X,", r, fr))
		}
	}
	flush(foldProbeEnd - 1)
	// ASCII is folded by code (see foldRune); check that SQLite agrees.
	for r := rune(1); r < utf8.RuneSelf; r++ {
		want := " "
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			want = string(r)
		case 'A' <= r && r <= 'Z':
			want = string(r + 'a' - 'A')
		}
		if folds[r] != want {
			t.Fatalf("SQLite folds ASCII %q to %q, not %q", r, folds[r], want)
		}
	}
	lines := func(items []string) string {
		var b strings.Builder
		for i, it := range items {
			if i%6 == 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(it)
		}
		return b.String()
	}
	src := fmt.Sprintf(`// Code generated by go test -tags sqlite_fts5 ./models/search -run TestFoldTable -update; DO NOT EDIT.

package search

// foldSeparators are the ranges (lo, hi, lo, hi, …) of the runes beyond ASCII that
// SQLite's unicode61 tokenizer takes for separators.
var foldSeparators = []rune{%s
}

// foldDropped are the runes it drops (diacritics), in order.
var foldDropped = []rune{%s
}

// foldMapped are the runes it folds (from, to, from, to, …), in order.
var foldMapped = []rune{%s
}
`, lines(seps), lines(dropped), lines(mapped))
	if err := os.WriteFile("fold_table.go", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote fold_table.go: %d separator ranges, %d dropped, %d folded; now run the test again without -update to rewrite the migration", len(seps), len(dropped), len(mapped))
}
