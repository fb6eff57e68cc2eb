package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"signpost/handlers"
	"signpost/models/store"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// rowCounts is how many rows the tables a write touches have.
func rowCounts(tb testing.TB, s *store.Store) string {
	tb.Helper()
	var parts []string
	for _, table := range []string{"articles", "article_bodies", "organisations", "audit_log", "changes", "meta", "api_keys"} {
		n, err := store.ReaderQueryInt(context.Background(), s, "SELECT COUNT(*) FROM "+table)
		if err != nil {
			tb.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	v, err := store.ReaderQueryInt(context.Background(), s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Join(append(parts, fmt.Sprint("content_version=", v)), " ")
}

// TestStorageFailures proves what a write does when the database cannot take it: a
// full database (max_page_count), a read-only one (query_only) and one locked by
// another connection each give their own error, write nothing, leave reads working
// and keys usable, and are recorded in WriteHealth until CheckWrites (or a write)
// finds writes working again, which it does only once the cause has gone.
func TestStorageFailures(t *testing.T) {
	sqliteOnly(t, "it makes SQLite's file full, read-only or locked")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		code  string
		cause func(t *testing.T, s *store.Store, path string) (undo func())
	}{
		{"ErrFull", models.EFULL, func(t *testing.T, s *store.Store, _ string) func() {
			// SQLite never lowers the limit below the pages in use: this is "no
			// page more".
			if err := store.WriterExec(ctx, s, "PRAGMA max_page_count = 1"); err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := store.WriterExec(ctx, s, "PRAGMA max_page_count = 1000000"); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"ErrReadOnly", models.EREADONLY, func(t *testing.T, s *store.Store, _ string) func() {
			if err := store.WriterExec(ctx, s, "PRAGMA query_only = 1"); err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := store.WriterExec(ctx, s, "PRAGMA query_only = 0"); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"ErrLocked", models.ELOCKED, func(t *testing.T, s *store.Store, path string) func() {
			side, err := sql.Open("sqlite3", (&url.URL{Scheme: "file", Opaque: path}).String()+"?_busy_timeout=0")
			if err != nil {
				t.Fatal(err)
			}
			side.SetMaxOpenConns(1)
			conn, err := side.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
				t.Fatal(err)
			}
			return func() {
				if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
					t.Fatal(err)
				}
				conn.Close()
				side.Close()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "signpost.db")
			clock := store.NewClock(epoch)
			s, err := store.Open(ctx, store.Config{DB: path, Now: clock.Now, Render: handlers.Renderer{}, BusyTimeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Seed(ctx); err != nil {
				t.Fatal(err)
			}
			key, err := s.CreateKey(ctx, "ed", models.ScopeEditor)
			if err != nil {
				t.Fatal(err)
			}
			if free, err := store.WriterQueryInt(ctx, s, "PRAGMA freelist_count"); err != nil || free > 10 {
				t.Fatalf("%d free pages (%v): the article below must need new ones", free, err)
			}
			before := rowCounts(t, s)
			undo := tc.cause(t, s, path)
			clock.Set(epoch.Add(time.Minute))

			body := strings.Repeat("Officers executed two warrants. ", 3000) // about 100 KB: new pages
			_, err = s.CreateArticle(ctx, "ed", &models.Article{Title: "Not saved", BodyMarkdown: body, Status: models.StatusPublished})
			e := mustCode(t, err, tc.code)
			if strings.Contains(strings.ToLower(e.Message), "sqlite") || !strings.Contains(e.Message, "nothing was changed") {
				t.Errorf("message %q: want the cause in our words, and that nothing was changed", e.Message)
			}
			seeded, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 1})
			if err != nil || len(seeded.Items) == 0 {
				t.Fatalf("read an article: %v", err)
			}
			cur, err := s.FindArticle(ctx, seeded.Items[0].Slug, models.Visibility{Editor: true})
			if err != nil {
				t.Fatal(err)
			}
			cur.BodyMarkdown = body
			_, err = s.ReplaceArticle(ctx, "ed", cur.Slug, cur, 0)
			mustCode(t, err, tc.code)
			if after := rowCounts(t, s); after != before {
				t.Errorf("the failed writes changed the database:\nbefore %s\nafter  %s", before, after)
			}
			if h := s.WriteHealth(); h.Cause != tc.code || !h.Since.Equal(epoch.Add(time.Minute)) {
				t.Errorf("WriteHealth %+v, want %s since the first failure", h, tc.code)
			}

			// Reads go on, and keys still work (their time of use is not recorded).
			if page, err := s.FindArticles(ctx, models.ArticleFilter{}); err != nil || len(page.Items) == 0 {
				t.Errorf("read while writes fail: %d articles, %v", len(page.Items), err)
			}
			if _, err := s.Authenticate(ctx, key); err != nil {
				t.Errorf("authenticate while writes fail: %v", err)
			}
			clock.Set(epoch.Add(2 * time.Minute))
			mustCode(t, s.CheckWrites(ctx), tc.code)
			if h := s.WriteHealth(); h.Cause != tc.code || !h.Since.Equal(epoch.Add(time.Minute)) {
				t.Errorf("WriteHealth after a failed check %+v, want %s since the first failure", h, tc.code)
			}
			if after := rowCounts(t, s); after != before {
				t.Errorf("the failed check changed the database:\nbefore %s\nafter  %s", before, after)
			}

			undo()
			if err := s.CheckWrites(ctx); err != nil {
				t.Fatalf("CheckWrites once the cause has gone: %v", err)
			}
			if h := s.WriteHealth(); !h.OK() {
				t.Errorf("WriteHealth %+v after a good check, want OK", h)
			}
			if after := rowCounts(t, s); after != before {
				t.Errorf("the check changed the database:\nbefore %s\nafter  %s", before, after)
			}
			if _, err := s.CreateArticle(ctx, "ed", &models.Article{Title: "Saved", BodyMarkdown: body, Status: models.StatusPublished}); err != nil {
				t.Errorf("write once the cause has gone: %v", err)
			}
		})
	}
}

// TestStorageFailureClearedByWrite proves that a write that works clears the record
// of failing writes, without CheckWrites.
func TestStorageFailureClearedByWrite(t *testing.T) {
	sqliteOnly(t, "a read-only writer connection, made with PRAGMA query_only")
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	if err := store.WriterExec(ctx, s, "PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateOrganisation(ctx, "ed", &models.Organisation{Name: "Refused", Kind: "charity"})
	mustCode(t, err, models.EREADONLY)
	if s.WriteHealth().OK() {
		t.Fatal("WriteHealth OK after a refused write")
	}
	if err := store.WriterExec(ctx, s, "PRAGMA query_only = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateOrganisation(ctx, "ed", &models.Organisation{Name: "Accepted", Kind: "charity"}); err != nil {
		t.Fatal(err)
	}
	if h := s.WriteHealth(); !h.OK() {
		t.Errorf("WriteHealth %+v after a write that worked, want OK", h)
	}
}
