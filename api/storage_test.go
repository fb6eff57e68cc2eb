package main

// End-to-end tests of writes the database cannot take: a full database (SQLite's
// max_page_count), a read-only one (query_only) and one locked by another process.
// Each write gets its own problem (507, or 503 with Retry-After), nothing of it is
// saved, reads go on, /readyz says which writes fail, and writes come back by
// themselves once the cause has gone.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"signpost/models/store"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// readyBody is what /readyz answers, ready or not.
type readyBody struct {
	Status any                  `json:"status"`
	Type   string               `json:"type"`
	Detail string               `json:"detail"`
	Checks handlers.ReadyChecks `json:"checks"`
}

func mustReady(tb testing.TB, app *testApp, status int) readyBody {
	tb.Helper()
	var r readyBody
	MustStatus(tb, app.GetJSON(tb, "/readyz", &r), status)
	return r
}

// writerExec runs a statement on the store's writer connection, its only one, to
// make SQLite refuse writes as it would a full or read-only database. (The handle is
// for statistics otherwise; no code of the server writes through it.)
func writerExec(tb testing.TB, app *testApp, query string) {
	tb.Helper()
	_, writer := app.Store.Pools()
	if _, err := writer.ExecContext(context.Background(), query); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// holdLock takes the database's write lock from a connection of another "process"
// and returns the function that lets it go.
func holdLock(tb testing.TB, app *testApp) func() {
	tb.Helper()
	db, err := sql.Open("sqlite3", sideDSN(app.DBPath))
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		tb.Fatal(err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			tb.Fatal(err)
		}
		conn.Close()
		db.Close()
	}
}

// storageCauses are the ways a database refuses writes, each with what the API
// answers: the status, problem type, Retry-After ("" for none) and a word of the
// detail, and /readyz's checks.writes.
var storageCauses = []struct {
	name                 string
	cause                func(tb testing.TB, app *testApp) (undo func())
	status               int
	problem, retry, word string
	code                 string
}{
	{"ErrFull", func(tb testing.TB, app *testApp) func() {
		// SQLite never lowers the limit below the pages in use: "no page more".
		writerExec(tb, app, "PRAGMA max_page_count = 1")
		return func() { writerExec(tb, app, "PRAGMA max_page_count = 1000000") }
	}, http.StatusInsufficientStorage, "/problems/storage-full", "", "full", models.EFULL},
	{"ErrReadOnly", func(tb testing.TB, app *testApp) func() {
		writerExec(tb, app, "PRAGMA query_only = 1")
		return func() { writerExec(tb, app, "PRAGMA query_only = 0") }
	}, http.StatusServiceUnavailable, "/problems/storage-read-only", "30", "read-only", models.EREADONLY},
	{"ErrLocked", holdLock, http.StatusServiceUnavailable, "/problems/storage-locked", "5", "locked", models.ELOCKED},
}

// TestStorageFailures proves the answers to writes the database cannot take, for
// each cause, and that everything comes back by itself once the cause has gone.
func TestStorageFailures(t *testing.T) {
	sqliteOnly(t, "it makes SQLite's file full, read-only or locked")
	for _, tc := range storageCauses {
		t.Run(tc.name, func(t *testing.T) {
			app := MustStartEditorApp(t, WithStoreConfig(func(c *store.Config) { c.BusyTimeout = 20 * time.Millisecond }))
			mustReady(t, app.testApp, http.StatusOK)
			// About 100 KB of Markdown: the write needs new pages.
			big := articleBody("Not saved")
			big["body_markdown"] = strings.Repeat("Officers executed two warrants. ", 3000)
			patch, _ := json.Marshal(obj{"body_markdown": big["body_markdown"]})
			before := app.counts(t)
			undo := tc.cause(t, app.testApp)

			for _, resp := range []*http.Response{
				app.DoJSON(t, http.MethodPost, "/api/v1/articles", big, nil, auth(app.Editor)...),
				app.Do(t, http.MethodPatch, "/api/v1/articles/"+cumbriaSlug, bytes.NewReader(patch),
					append(auth(app.Editor), "Content-Type", "application/merge-patch+json")...),
			} {
				p := MustProblem(t, resp, tc.status, "")
				if p.Type != tc.problem || !strings.Contains(p.Detail, tc.word) || strings.Contains(strings.ToLower(p.Detail), "sqlite") {
					t.Errorf("problem %s %q: want type %s and a detail that names the cause (%s) in our words", p.Type, p.Detail, tc.problem, tc.word)
				}
				if got := resp.Header.Get("Retry-After"); got != tc.retry {
					t.Errorf("Retry-After %q, want %q", got, tc.retry)
				}
			}
			if after := app.counts(t); after != before {
				t.Errorf("the refused writes changed the database:\nbefore %s\nafter  %s", before, after)
			}

			// Reads go on, public and with a key.
			MustStatus(t, app.Get(t, "/api/v1/articles", "Cache-Control", "no-cache"), http.StatusOK)
			MustStatus(t, app.Get(t, "/api/v1/articles/"+cumbriaSlug, auth(app.Editor)...), http.StatusOK)
			MustStatus(t, app.Get(t, "/api/v1/changes"), http.StatusOK)
			r := mustReady(t, app.testApp, http.StatusServiceUnavailable)
			if r.Type != "/problems/writes-failing" || r.Checks.Reads != "ok" || r.Checks.Writes != tc.code || r.Checks.WritesFailingSince == nil ||
				!strings.Contains(r.Detail, tc.word) {
				t.Errorf("/readyz %+v: want writes-failing, reads ok, writes %s since a time, a detail naming the cause", r, tc.code)
			}

			// The server's check (watchWrites calls it every second) finds writes
			// still failing while the cause stays, and working once it has gone.
			if err := app.Store.CheckWrites(context.Background()); models.ErrorCode(err) != tc.code {
				t.Errorf("CheckWrites with the cause still there: %v, want %s", err, tc.code)
			}
			mustReady(t, app.testApp, http.StatusServiceUnavailable)
			undo()
			if err := app.Store.CheckWrites(context.Background()); err != nil {
				t.Fatalf("CheckWrites once the cause has gone: %v", err)
			}
			if r := mustReady(t, app.testApp, http.StatusOK); r.Checks.Reads != "ok" || r.Checks.Writes != "ok" || r.Checks.WritesFailingSince != nil {
				t.Errorf("/readyz %+v, want reads and writes ok", r)
			}
			if after := app.counts(t); after != before {
				t.Errorf("the checks changed the database:\nbefore %s\nafter  %s", before, after)
			}
			app.MustCreate(t, "/api/v1/articles", app.Editor, big)
		})
	}
}

// TestWatchWritesRecovers proves that the server's watcher clears failing writes by
// itself, with no write coming, once the lock that caused them is let go.
func TestWatchWritesRecovers(t *testing.T) {
	sqliteOnly(t, "a write that fails at once on SQLite's lock held by another process (busy timeout); a PostgreSQL write waits for its lock")
	app := MustStartEditorApp(t, WithStoreConfig(func(c *store.Config) { c.BusyTimeout = 20 * time.Millisecond }))
	release := holdLock(t, app.testApp)
	MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/organisations", organisationBody("Locked out"), nil, auth(app.Editor)...),
		http.StatusServiceUnavailable, "")
	release()
	if app.Store.WriteHealth().OK() {
		t.Fatal("writes recorded as working before the watcher ran")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go watchWrites(ctx, app.Store, slog.New(slog.DiscardHandler))
	// The watcher ticks once a second; give it ten.
	for deadline := time.Now().Add(10 * time.Second); !app.Store.WriteHealth().OK(); {
		if time.Now().After(deadline) {
			t.Fatal("writes still recorded as failing 10 s after the lock went")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustReady(t, app.testApp, http.StatusOK)
}
