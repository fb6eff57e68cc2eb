package store_test

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// column is what the parity test compares of a column.
type column struct {
	Type    string // SQLite's declared type, or PostgreSQL's data_type
	NotNull bool
}

// pgTypes are the PostgreSQL types that may hold each SQLite declared type's values.
// A SQLite TEXT holds text, JSON (JSONB) or a YYYY-MM-DD date (DATE); an FTS5 column
// has no type.
var pgTypes = map[string][]string{
	"INTEGER":   {"bigint", "integer"},
	"TEXT":      {"text", "jsonb", "date"},
	"TIMESTAMP": {"timestamp with time zone"},
	"BOOLEAN":   {"boolean"},
	"":          {"text", "bigint"},
}

// pgOnly are the PostgreSQL columns that SQLite does not have, with the reason.
var pgOnly = map[string]string{
	"search_index.rowid":    "FTS5's hidden rowid, a column of its own here",
	"search_index.document": "the weighted tsvector that stands in for FTS5's index",
}

// TestSchemaParity proves that the PostgreSQL migrations make the schema that the
// SQLite ones do, so that the two cannot drift apart silently: every SQLite table
// (but FTS5's own shadow tables) and column exists on PostgreSQL with a type that
// holds its values and the same NOT NULL, no PostgreSQL column is missing from
// SQLite but those listed in pgOnly, every SQLite index has one of the same name on
// the same columns (unique and partial alike), primary and foreign keys are the
// same, and the rows the migrations write in meta have the same keys.
func TestSchemaParity(t *testing.T) {
	sqliteOnly(t, "it compares the SQLite schema with the PostgreSQL one, and runs once, in the SQLite pass")
	u := pgtest.MustDatabase(t)
	ctx := context.Background()
	if _, err := store.MigrateDatabase(ctx, store.Config{DB: u}); err != nil {
		t.Fatal(err)
	}
	pg := mustPG(t, u)
	lite, _ := MustOpenStore(t, false)
	ldb, _ := lite.Pools()

	// SQLite: ordinary and virtual tables, not FTS5's shadow tables.
	liteTables := map[string]bool{}
	for _, r := range mustStrings2(t, ldb, `SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'`) {
		switch r[1] {
		case "table":
			liteTables[r[0]] = false
		case "virtual":
			liteTables[r[0]] = true
		}
	}
	if _, ok := liteTables["search_index"]; !ok || len(liteTables) < 30 {
		t.Fatalf("read %d SQLite tables (%v); the query is wrong", len(liteTables), slices.Sorted(maps.Keys(liteTables)))
	}
	liteCols := map[string]column{}
	for name, virtual := range liteTables {
		rows, err := ldb.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var col, typ string
			var notNull bool
			var pk int
			if err := rows.Scan(&col, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			// A primary key is never null, whatever SQLite's table says.
			liteCols[name+"."+col] = column{Type: strings.ToUpper(typ), NotNull: (notNull || pk > 0) && !virtual}
		}
		rows.Close()
	}

	pgCols := map[string]column{}
	rows, err := pg.Query(`SELECT table_name, column_name, data_type, is_nullable = 'NO' FROM information_schema.columns WHERE table_schema = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		var c column
		if err := rows.Scan(&table, &col, &c.Type, &c.NotNull); err != nil {
			t.Fatal(err)
		}
		pgCols[table+"."+col] = c
	}
	rows.Close()

	for _, key := range slices.Sorted(maps.Keys(liteCols)) {
		lc := liteCols[key]
		pc, ok := pgCols[key]
		switch {
		case !ok:
			t.Errorf("%s (%s) is missing on PostgreSQL", key, lc.Type)
			continue
		case !slices.Contains(pgTypes[lc.Type], pc.Type):
			t.Errorf("%s is %s on PostgreSQL, which does not hold SQLite's %s (want one of %v)", key, pc.Type, lc.Type, pgTypes[lc.Type])
		}
		table := key[:strings.Index(key, ".")]
		if !liteTables[table] && lc.NotNull != pc.NotNull {
			t.Errorf("%s: NOT NULL is %v on SQLite, %v on PostgreSQL", key, lc.NotNull, pc.NotNull)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(pgCols)) {
		if _, ok := liteCols[key]; !ok && pgOnly[key] == "" {
			t.Errorf("%s is on PostgreSQL only: add it to SQLite (a migration) or to pgOnly with the reason", key)
		}
	}

	// Indexes, by name, with their columns and whether they are unique or partial;
	// those SQLite makes itself for UNIQUE and PRIMARY KEY have PostgreSQL's names
	// for theirs, and the keys are compared below.
	pgIndexes := map[string]string{}
	for _, r := range mustStrings2(t, pg, `SELECT i.relname, concat_ws(' ',
			CASE WHEN x.indisunique THEN 'unique' END, CASE WHEN x.indpred IS NOT NULL THEN 'partial' END,
			'(' || (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) || ')')
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
		WHERE n.nspname = 'public'`) {
		pgIndexes[r[0]] = r[1]
	}
	liteIndexes := mustStrings2(t, ldb, `SELECT m.name, trim(
			CASE WHEN l."unique" THEN 'unique ' ELSE '' END || CASE WHEN l.partial THEN 'partial ' ELSE '' END ||
			'(' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) || ')')
		FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name
		WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex_%'`)
	if len(liteIndexes) < 30 {
		t.Fatalf("read %d SQLite indexes; the query is wrong", len(liteIndexes))
	}
	for _, r := range liteIndexes {
		if got, ok := pgIndexes[r[0]]; !ok {
			t.Errorf("index %s %s is missing on PostgreSQL", r[0], r[1])
		} else if got != r[1] {
			t.Errorf("index %s is %s on SQLite, %s on PostgreSQL", r[0], r[1], got)
		}
	}

	// Primary keys, and foreign keys with what a delete does.
	litePKs := map[string]string{}
	for _, r := range mustStrings2(t, ldb, `SELECT m.name, COALESCE((SELECT group_concat(name, ',') FROM
			(SELECT name FROM pragma_table_info(m.name) WHERE pk > 0 ORDER BY pk)), '')
		FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`) {
		if virtual, ok := liteTables[r[0]]; ok && !virtual {
			litePKs[r[0]] = r[1]
		}
	}
	if len(litePKs) < 30 {
		t.Fatalf("read %d SQLite primary keys; the query is wrong", len(litePKs))
	}
	pgPKs := map[string]string{}
	for _, r := range mustStrings2(t, pg, `SELECT c.conrelid::regclass::text, (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
			FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
		FROM pg_constraint c WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace`) {
		pgPKs[r[0]] = r[1]
	}
	for table, key := range litePKs {
		if pgPKs[table] != key {
			t.Errorf("%s's primary key is (%s) on SQLite, (%s) on PostgreSQL", table, key, pgPKs[table])
		}
	}
	liteFKs := mustStrings(t, ldb, `SELECT m.name || '.' || f."from" || ' -> ' || f."table" || '.' || f."to" || ' on delete ' || lower(f.on_delete)
		FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1`)
	pgFKs := mustStrings(t, pg, `SELECT c.conrelid::regclass::text || '.' || a.attname || ' -> ' || c.confrelid::regclass::text || '.' || af.attname
			|| ' on delete ' || CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'a' THEN 'no action' ELSE c.confdeltype::text END
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1`)
	if len(liteFKs) < 20 {
		t.Fatalf("read %d SQLite foreign keys; the query is wrong", len(liteFKs))
	}
	for _, fk := range liteFKs {
		if !slices.Contains(pgFKs, fk) {
			t.Errorf("foreign key %s is missing on PostgreSQL", fk)
		}
	}
	for _, fk := range pgFKs {
		if !slices.Contains(liteFKs, fk) {
			t.Errorf("foreign key %s is on PostgreSQL only", fk)
		}
	}

	// The rows the migrations write.
	liteMeta := mustStrings(t, ldb, `SELECT key FROM meta ORDER BY key`)
	pgMeta := mustStrings(t, pg, `SELECT key FROM meta ORDER BY key`)
	if !slices.Equal(liteMeta, pgMeta) {
		t.Errorf("meta keys are %v on SQLite, %v on PostgreSQL", liteMeta, pgMeta)
	}
}

// TestPostgresSearchDocument proves that the search index weighs its columns as the
// ranking does (title A, summary and keywords B, topics C, body D) with the simple
// configuration: words are neither stemmed nor dropped as stop words.
func TestPostgresSearchDocument(t *testing.T) {
	u := pgtest.MustDatabase(t)
	if _, err := store.MigrateDatabase(context.Background(), store.Config{DB: u, Now: func() time.Time { return epoch }}); err != nil {
		t.Fatal(err)
	}
	pg := mustPG(t, u)
	if _, err := pg.Exec(`INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords)
		VALUES (3000000000001, 'helpline', 1, 'Stop It Now', 'Confidential helpline', 'Lucy Faithfull Foundation', 'Prevention', 'worried')`); err != nil {
		t.Fatal(err)
	}
	var doc string
	if err := pg.QueryRow(`SELECT document::text FROM search_index`).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	want := `'confidential':4B 'faithfull':9 'foundation':10 'helpline':5B 'it':2A 'lucy':8 'now':3A 'prevention':7C 'stop':1A 'worried':6B`
	if doc != want {
		t.Fatalf("document is %s, want %s", doc, want)
	}
	var found int
	if err := pg.QueryRow(`SELECT COUNT(*) FROM search_index WHERE document @@ to_tsquery('simple', 'stop & it & now')`).Scan(&found); err != nil || found != 1 {
		t.Fatalf("a search for stop it now found %d (%v), want 1", found, err)
	}
}

func mustStrings(tb testing.TB, db *sql.DB, query string) []string {
	tb.Helper()
	var out []string
	for _, r := range mustStrings2(tb, db, query) {
		out = append(out, r[0])
	}
	return out
}

// mustStrings2 returns the rows of a query of two text columns, or of one (then the
// second is empty).
func mustStrings2(tb testing.TB, db *sql.DB, query string) [][2]string {
	tb.Helper()
	rows, err := db.Query(query)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		dest := []any{&r[0]}
		if len(cols) > 1 {
			dest = append(dest, &r[1])
		}
		if err := rows.Scan(dest...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
