package store_test

import (
	"context"
	"database/sql"
	"testing"

	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// TestSearchIndexFoldsDiacritics proves that PostgreSQL's search index folds
// diacritics as SQLite's FTS5 tokenizer (unicode61 remove_diacritics 2) does: for
// each text and word, the word finds the text in search_index's tsvector exactly
// when it finds it in an FTS5 table with the store's tokenizer. Both sides fold the
// word too (fold_diacritics on PostgreSQL, as a search must).
func TestSearchIndexFoldsDiacritics(t *testing.T) {
	ctx := context.Background()
	u := pgtest.MustDatabase(t)
	if _, err := store.MigrateDatabase(ctx, store.Config{DB: u}); err != nil {
		t.Fatal(err)
	}
	pg := mustPG(t, u)
	lite, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	lite.SetMaxOpenConns(1)
	if _, err := lite.Exec(`CREATE VIRTUAL TABLE f USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		t.Fatal(err)
	}
	texts := []string{"Crème brûlée", "naïve café", "São Paulo", "İstanbul", "ſtar", "Ærø", "Zürich", "Ångström", "plain words"}
	words := []string{"creme", "crème", "CRÈME", "brulee", "naive", "naïve", "cafe", "sao", "istanbul", "star", "aero", "zurich",
		"angstrom", "ångström", "plain", "paulo"}
	matches := 0
	for i, text := range texts {
		if _, err := lite.Exec(`DELETE FROM f`); err != nil {
			t.Fatal(err)
		}
		if _, err := lite.Exec(`INSERT INTO f (x) VALUES (?)`, text); err != nil {
			t.Fatal(err)
		}
		if _, err := pg.Exec(`INSERT INTO search_index (rowid, item_type, item_id, title) VALUES ($1, 'article', $1, $2)`, i+1, text); err != nil {
			t.Fatal(err)
		}
		for _, w := range words {
			var inLite int
			if err := lite.QueryRow(`SELECT COUNT(*) FROM f WHERE f MATCH ?`, `"`+w+`"`).Scan(&inLite); err != nil {
				t.Fatal(err)
			}
			var inPG bool
			if err := pg.QueryRow(`SELECT document @@ plainto_tsquery('simple', fold_diacritics($2)) FROM search_index WHERE rowid = $1`,
				i+1, w).Scan(&inPG); err != nil {
				t.Fatal(err)
			}
			if inPG != (inLite == 1) {
				t.Errorf("%q in %q: PostgreSQL %v, FTS5 %v", w, text, inPG, inLite == 1)
			}
			if inPG {
				matches++
			}
		}
	}
	if matches < 15 {
		t.Errorf("only %d matches: the check proves little", matches)
	}
}
