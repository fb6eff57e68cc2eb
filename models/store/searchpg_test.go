package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"signpost/models/search"
	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// mustMigratedPG returns the URL of a new PostgreSQL database with the migrations
// applied.
func mustMigratedPG(tb testing.TB) string {
	tb.Helper()
	u := pgtest.MustDatabase(tb)
	if _, err := store.MigrateDatabase(context.Background(), store.Config{DB: u, Now: func() time.Time { return epoch }}); err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestPostgresSearchFold proves that the document of PostgreSQL's search index holds
// the words SQLite's tokenizer makes: for every rune below U+20000 between two
// letters, to_tsvector('simple', search_fold(…)) gives the words of search.Fold.
func TestPostgresSearchFold(t *testing.T) {
	u := mustMigratedPG(t)
	pg := mustPG(t, u)
	var texts []string
	for r := rune(1); r < 0x20000; r++ {
		if utf8.ValidRune(r) {
			texts = append(texts, "x"+string(r)+"y")
		}
	}
	start := time.Now()
	rows, err := pg.Query(`SELECT t, array_to_string(tsvector_to_array(to_tsvector('simple', search_fold(t))), ' ') FROM unnest($1::text[]) t`, texts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	bad := 0
	for rows.Next() {
		var in, got string
		if err := rows.Scan(&in, &got); err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(search.Fold(in))
		slices.Sort(words)
		want := strings.Join(slices.Compact(words), " ")
		if got != want && bad < 30 {
			bad++
			r, _ := utf8.DecodeRuneInString(in[1:])
			t.Errorf("%U: PostgreSQL %q, Fold %q", r, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d runes in %v", len(texts), time.Since(start))
}
