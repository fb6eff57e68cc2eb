package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// copyTestOnce skips a copy test in the run of the tests on PostgreSQL
// (pgtest.Both): copy's tests pick their databases, of both kinds, themselves, so a
// second run would only repeat the first.
func copyTestOnce(t *testing.T) {
	t.Helper()
	if pgtest.OnPostgres() {
		t.Skip("copy's tests choose their databases themselves and run once, in the SQLite run")
	}
}

// copyConfig is the store configuration of a copy's source or target.
func copyConfig(db string) store.Config {
	return store.Config{DB: db, Now: func() time.Time { return epoch }, Render: handlers.Renderer{}}
}

// mustSeededFile makes a seeded SQLite database with an API key under tb.TempDir()
// and returns its path; the store is closed again.
func mustSeededFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "source.db")
	s, err := store.Open(context.Background(), copyConfig(path))
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Seed(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.CreateKey(context.Background(), "jo.bloggs", "editor"); err != nil {
		tb.Fatal(err)
	}
	return path
}

// mustSQLite opens a connection of its own to the SQLite file at path.
func mustSQLite(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=off&_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustOpenDB opens a connection of its own to a SQLite file or a PostgreSQL URL.
func mustOpenDB(tb testing.TB, db string) *sql.DB {
	tb.Helper()
	if store.IsPostgres(db) {
		return mustPG(tb, db)
	}
	return mustSQLite(tb, db)
}

// mustDump returns every row of every table of db but schema_migrations, as text, so
// that a test can tell whether anything at all changed.
func mustDump(tb testing.TB, db string) string {
	tb.Helper()
	conn := mustOpenDB(tb, db)
	var tables []string
	var q string
	if store.IsPostgres(db) {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name != 'schema_migrations' ORDER BY 1`
	} else {
		q = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY 1`
	}
	tables = mustStrings(tb, conn, q)
	var b strings.Builder
	for _, table := range tables {
		rows, err := conn.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		rows.Close()
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s (%d rows)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// mustNextIDs returns, for every identity column of the PostgreSQL database at u, the
// id that its sequence gives next, and the highest id in the table. It takes the ids
// from the sequences.
func mustNextIDs(tb testing.TB, u string) map[string][2]int64 {
	tb.Helper()
	db := mustPG(tb, u)
	out := map[string][2]int64{}
	for _, r := range mustStrings2(tb, db, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND is_identity = 'YES'`) {
		var next, maxID int64
		if err := db.QueryRow(`SELECT nextval(pg_get_serial_sequence($1, $2))`, r[0], r[1]).Scan(&next); err != nil {
			tb.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COALESCE(MAX("` + r[1] + `"), 0) FROM "` + r[0] + `"`).Scan(&maxID); err != nil {
			tb.Fatal(err)
		}
		out[r[0]+"."+r[1]] = [2]int64{next, maxID}
	}
	if len(out) < 15 {
		tb.Fatalf("found %d identity columns; the query is wrong", len(out))
	}
	return out
}

// TestCopyToPostgres proves that a copy into PostgreSQL writes every row of every
// table (the counts it reports are the source's), and that every identity sequence
// then gives the id after the highest copied, so that new rows and the changes feed
// continue where the source stopped.
func TestCopyToPostgres(t *testing.T) {
	copyTestOnce(t)
	ctx := context.Background()
	src := mustSeededFile(t)
	u := pgtest.MustDatabase(t)
	counts, err := store.Copy(ctx, copyConfig(src), copyConfig(u), store.CopyOptions{BatchRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	lite, pg := mustSQLite(t, src), mustPG(t, u)
	var names []string
	for _, c := range counts {
		names = append(names, c.Table)
		var want, got int64
		lite.QueryRow(`SELECT COUNT(*) FROM "` + c.Table + `"`).Scan(&want)
		pg.QueryRow(`SELECT COUNT(*) FROM "` + c.Table + `"`).Scan(&got)
		if c.Rows != want || got != want {
			t.Errorf("%s: copied %d rows, PostgreSQL has %d, SQLite %d", c.Table, c.Rows, got, want)
		}
	}
	if slices.Contains(names, "schema_migrations") || !slices.Contains(names, "search_index") || len(names) < 30 {
		t.Errorf("copied tables %v: want every table but schema_migrations", names)
	}
	// Referenced tables come first.
	if slices.Index(names, "articles") > slices.Index(names, "article_bodies") || slices.Index(names, "organisations") > slices.Index(names, "helplines") {
		t.Errorf("tables copied out of foreign key order: %v", names)
	}
	for col, ids := range mustNextIDs(t, u) {
		if ids[0] != ids[1]+1 {
			t.Errorf("%s: the sequence gives %d next, want %d (the highest copied + 1)", col, ids[0], ids[1]+1)
		}
	}
	var seq int64
	if err := pg.QueryRow(`INSERT INTO changes (at, item_type, item_id, slug, action) VALUES (now(), 'article', 1, 'x', 'update') RETURNING id`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	var last int64
	lite.QueryRow(`SELECT MAX(id) FROM changes`).Scan(&last)
	if seq != last+2 { // mustNextIDs took last+1
		t.Errorf("a new change has seq %d, want %d", seq, last+2)
	}
}

// TestCopyPostgresSequencePastSource proves that a copy from PostgreSQL moves the
// target's sequences past the source's own, not only past its highest id: an id the
// source gave to a row since deleted is not given again.
func TestCopyPostgresSequencePastSource(t *testing.T) {
	copyTestOnce(t)
	ctx := context.Background()
	a, b := pgtest.MustDatabase(t), pgtest.MustDatabase(t)
	if _, err := store.Copy(ctx, copyConfig(mustSeededFile(t)), copyConfig(a), store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mustPG(t, a).Exec(`SELECT setval(pg_get_serial_sequence('changes', 'id'), 1000)`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, copyConfig(a), copyConfig(b), store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := mustNextIDs(t, b)["changes.id"][0]; got != 1001 {
		t.Errorf("the copy's changes sequence gives %d next, want 1001", got)
	}
	if mustDump(t, a) != mustDump(t, b) {
		t.Error("a PostgreSQL to PostgreSQL copy differs from its source")
	}
}

// TestCopyNonEmptyTarget proves that a target holding data is refused and left
// exactly as it was, and that Replace empties it and copies, in one transaction.
func TestCopyNonEmptyTarget(t *testing.T) {
	copyTestOnce(t)
	ctx := context.Background()
	src := mustSeededFile(t)
	for _, kind := range []string{"SQLite", "PostgreSQL"} {
		t.Run(kind, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "target.db")
			if kind == "PostgreSQL" {
				dst = pgtest.MustDatabase(t)
			}
			if _, err := store.Copy(ctx, copyConfig(src), copyConfig(dst), store.CopyOptions{}); err != nil {
				t.Fatal(err)
			}
			// The target gets content of its own, which the source does not have.
			conn := mustOpenDB(t, dst)
			if _, err := conn.Exec(`INSERT INTO topics (id, slug, name, kind) VALUES (900, 'target-only', 'Target only', 'topic')`); err != nil {
				t.Fatal(err)
			}
			before := mustDump(t, dst)

			t.Run("ErrTargetNotEmpty", func(t *testing.T) {
				_, err := store.Copy(ctx, copyConfig(src), copyConfig(dst), store.CopyOptions{})
				if !errors.Is(err, store.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "api_keys") || !strings.Contains(err.Error(), "-replace") {
					t.Fatalf("copy into a target with data: %v, want ErrTargetNotEmpty naming a table and -replace", err)
				}
				if mustDump(t, dst) != before {
					t.Error("the refused copy changed the target")
				}
			})
			t.Run("OKReplace", func(t *testing.T) {
				if _, err := store.Copy(ctx, copyConfig(src), copyConfig(dst), store.CopyOptions{Replace: true}); err != nil {
					t.Fatal(err)
				}
				var n int
				conn.QueryRow(`SELECT COUNT(*) FROM topics WHERE slug = 'target-only'`).Scan(&n)
				if n != 0 {
					t.Error("Replace kept the target's own row")
				}
				if kind == "SQLite" && mustDump(t, dst) != mustDump(t, src) {
					t.Error("after Replace the target differs from the source")
				}
			})
		})
	}
}

// TestCopyFailureLeavesTarget proves that a copy that fails half way leaves the
// target as it was, sequences included, and removes a SQLite target that it created.
// One source fails while rows are written (a flag that does not convert, in a table
// copied late), the other once every row is written and sequences have moved (an
// organisation whose parent does not exist, set in the second pass): the target
// has more changes than the source, so a sequence left moved back would make the
// next change collide.
func TestCopyFailureLeavesTarget(t *testing.T) {
	copyTestOnce(t)
	ctx := context.Background()
	good := mustSeededFile(t)
	for _, tc := range []struct{ name, bad, want string }{
		{"RowsPhase", `UPDATE contacts SET anonymous = 7 WHERE id = (SELECT MAX(id) FROM contacts)`, "column anonymous"},
		{"FinishPhase", `UPDATE organisations SET parent_id = 999 WHERE id = (SELECT MAX(id) FROM organisations)`, "parent_id"},
	} {
		t.Run("PostgreSQL"+tc.name, func(t *testing.T) {
			src := mustSeededFile(t)
			if _, err := mustSQLite(t, src).Exec(tc.bad); err != nil {
				t.Fatal(err)
			}
			u := pgtest.MustDatabase(t)
			if _, err := store.Copy(ctx, copyConfig(good), copyConfig(u), store.CopyOptions{}); err != nil {
				t.Fatal(err)
			}
			pg := mustPG(t, u)
			if _, err := pg.Exec(`INSERT INTO changes (at, item_type, item_id, slug, action) SELECT now(), 'topic', g, 'x', 'update' FROM generate_series(1, 50) g`); err != nil {
				t.Fatal(err)
			}
			before := mustDump(t, u)
			_, err := store.Copy(ctx, copyConfig(src), copyConfig(u), store.CopyOptions{Replace: true, BatchRows: 2})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("copy of a bad row: %v, want an error naming %q", err, tc.want)
			}
			t.Log(err)
			if mustDump(t, u) != before {
				t.Error("the failed copy changed the target")
			}
			var id, maxID int64
			pg.QueryRow(`SELECT MAX(id) FROM changes`).Scan(&maxID)
			if err := pg.QueryRow(`INSERT INTO changes (at, item_type, item_id, slug, action) VALUES (now(), 'topic', 1, 'x', 'update') RETURNING id`).Scan(&id); err != nil {
				t.Fatalf("a change after the failed copy: %v", err)
			}
			if id != maxID+1 {
				t.Errorf("a new change has seq %d, want %d", id, maxID+1)
			}
		})
	}
	t.Run("SQLite", func(t *testing.T) {
		// SQLite takes any flag; a reference to a topic that does not exist fails the
		// target's foreign key check instead.
		bad := mustSeededFile(t)
		if _, err := mustSQLite(t, bad).Exec(`INSERT INTO article_topics (article_id, topic_id) VALUES (1, 999)`); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "target.db")
		if _, err := store.Copy(ctx, copyConfig(bad), copyConfig(dst), store.CopyOptions{}); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Fatalf("copy of a dangling reference: %v, want a foreign key error", err)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the failed copy left the target it created: %v", err)
		}
		if _, err := store.Copy(ctx, copyConfig(good), copyConfig(dst), store.CopyOptions{}); err != nil {
			t.Fatal(err)
		}
		before := mustDump(t, dst)
		if _, err := store.Copy(ctx, copyConfig(bad), copyConfig(dst), store.CopyOptions{Replace: true}); err == nil {
			t.Fatal("copy of a dangling reference succeeded")
		}
		if mustDump(t, dst) != before {
			t.Error("the failed copy changed the target")
		}
	})
}

// TestCopyRefuses proves that copy stops, changing nothing, with a message that says
// what to do, when the source is missing, is not at the binary's schema version, or
// has a table or a column that the target does not, or names the target itself.
func TestCopyRefuses(t *testing.T) {
	copyTestOnce(t)
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		name  string
		setup func(db *sql.DB) error // run on a seeded source
		src   string                 // instead of a seeded source
		want  string
	}{
		{name: "ErrMissing", src: filepath.Join(dir, "missing.db"), want: "does not exist"},
		{name: "ErrOldSchema", setup: func(db *sql.DB) error {
			_, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
			return err
		}, want: "run 'signpost migrate -db "},
		{name: "ErrExtraTable", setup: func(db *sql.DB) error {
			_, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)`)
			return err
		}, want: "table notes is in the source only"},
		{name: "ErrExtraColumn", setup: func(db *sql.DB) error {
			_, err := db.Exec(`ALTER TABLE articles ADD COLUMN mood TEXT`)
			return err
		}, want: "table articles has different columns: in the source only [mood]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if src == "" {
				src = mustSeededFile(t)
				if err := tc.setup(mustSQLite(t, src)); err != nil {
					t.Fatal(err)
				}
			}
			for _, dst := range []string{filepath.Join(t.TempDir(), "target.db"), pgtest.MustDatabase(t)} {
				_, err := store.Copy(ctx, copyConfig(src), copyConfig(dst), store.CopyOptions{})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("copy to %s: %v, want an error saying %q", dst, err, tc.want)
				}
				if !store.IsPostgres(dst) {
					if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("the refused copy left a target file: %v", err)
					}
				}
			}
		})
	}
	t.Run("ErrSameDatabase", func(t *testing.T) {
		src := mustSeededFile(t)
		before := mustDump(t, src)
		_, err := store.Copy(ctx, copyConfig(src), copyConfig(filepath.Dir(src)+"/./"+filepath.Base(src)), store.CopyOptions{Replace: true})
		if err == nil || !strings.Contains(err.Error(), "the same database") {
			t.Fatalf("copy onto itself: %v", err)
		}
		if mustDump(t, src) != before {
			t.Error("the refused copy changed the database")
		}
		u := pgtest.MustDatabase(t)
		_, err = store.Copy(ctx, copyConfig(u), copyConfig(strings.Replace(u, "postgres://", "postgresql://", 1)), store.CopyOptions{Replace: true})
		if err == nil || !strings.Contains(err.Error(), "the same database") {
			t.Fatalf("copy of a PostgreSQL database onto itself: %v", err)
		}
	})
}
