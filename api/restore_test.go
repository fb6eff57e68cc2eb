package main

// Tests of the commands that read an existing database (they never make one) and of
// backup and restore: a restored database passes PRAGMA integrity_check and serves
// exactly what the original served at the moment of the backup.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"signpost/models/store"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"signpost/models"
)

// runMain runs the program's Main and returns its error and output.
func runMain(getenv func(string) string, args ...string) (string, error) {
	var out bytes.Buffer
	err := Main(context.Background(), args, getenv, &out, slog.New(slog.DiscardHandler))
	return out.String(), err
}

// mustNotExist fails the test if a database, or any of its journal files, is at path.
func mustNotExist(t *testing.T, path string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s%s exists (%v): the command made a database", path, suffix, err)
		}
	}
}

// TestCommandsNeedExistingDatabase proves that the commands that read an existing
// database refuse a missing one with a clear error (and so a non-zero exit) and
// create nothing, whether it is named by -db or by SIGNPOST_DB.
func TestCommandsNeedExistingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.db")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"backup", []string{"backup", out}},
		{"keys list", []string{"keys", "list"}},
		{"keys create", []string{"keys", "create", "--name", "jo", "--scope", "editor"}},
		{"keys revoke", []string{"keys", "revoke", "jo"}},
		{"helplines due", []string{"helplines", "due"}},
	} {
		for _, db := range []string{missing, empty} {
			for _, byEnv := range []bool{false, true} {
				name := tc.name + map[bool]string{false: " -db", true: " SIGNPOST_DB"}[byEnv] + " " + filepath.Base(db)
				t.Run(name, func(t *testing.T) {
					args, getenv := append([]string(nil), tc.args...), env("SIGNPOST_DB", db)
					if !byEnv {
						// The flag goes after the sub-command (and the sub-sub-command).
						at := 1
						if args[0] == "keys" || args[0] == "helplines" {
							at = 2
						}
						args = slices.Insert(args, at, "-db", db)
						getenv = env()
					}
					stdout, err := runMain(getenv, args...)
					if err == nil {
						t.Fatalf("signpost %s: no error; printed %q", strings.Join(args, " "), stdout)
					}
					want := "does not exist"
					if db == empty {
						want = "empty file"
					}
					if !strings.Contains(err.Error(), db) || !strings.Contains(err.Error(), want) {
						t.Errorf("error %q, want one naming %s and saying %q", err, db, want)
					}
					if db == missing {
						mustNotExist(t, missing)
					} else if st, err := os.Stat(empty); err != nil || st.Size() != 0 {
						t.Errorf("the empty file was changed: %v", err)
					}
					mustNotExist(t, out)
				})
			}
		}
	}
	t.Run("restore of a missing backup", func(t *testing.T) {
		target := filepath.Join(dir, "target.db")
		if _, err := runMain(env(), "restore", "-db", target, missing); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("restore of a missing backup: %v", err)
		}
		mustNotExist(t, target)
		mustNotExist(t, missing)
	})
	t.Run("OKMigrateStillCreates", func(t *testing.T) {
		fresh := filepath.Join(dir, "fresh.db")
		mustMain(t, env(), "migrate", "-db", fresh)
		mustMain(t, env(), "keys", "list", "-db", fresh)
	})
}

// stoppableApp is the application on a database file, like MustStartApp's, that a
// test can stop half way (to restore its database) and start again.
type stoppableApp struct {
	*testApp
	stop func()
}

func startStoppableApp(t *testing.T, path string, clock *testClock) *stoppableApp {
	t.Helper()
	cfg := testConfig(t, &testOptions{path: path, clock: clock})
	sc := cfg.storeConfig()
	sc.Now = clock.Now
	store, err := store.Open(context.Background(), sc)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	router := NewRouter(store, cfg, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(router)
	var sqlDB *sql.DB
	app := &testApp{URL: srv.URL, Store: store, Clock: clock, DBPath: path, Config: cfg, Router: router,
		Client: &http.Client{Transport: &http.Transport{DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second},
		check: true, sqlDB: &sqlDB, mu: new(sync.Mutex)}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			if sqlDB != nil {
				sqlDB.Close()
			}
			if err := store.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &stoppableApp{testApp: app, stop: stop}
}

// snapshot reads everything the app serves from its content, public and with the
// keys given: every page of every list, every item each list names, the changes
// feed, search, the feeds, the essentials, the audit log. It returns each answer's
// ETag and body by request.
func snapshot(t *testing.T, app *testApp, editor, admin string) map[string]string {
	t.Helper()
	out := map[string]string{}
	read := func(path, key string) []byte {
		t.Helper()
		var headers []string
		if key != "" {
			headers = auth(key)
		}
		resp := app.Get(t, path, headers...)
		MustStatus(t, resp, http.StatusOK)
		b := ReadBody(t, resp)
		// An answer that names the server's own base URL (the cards' links to the
		// helplines' pages) differs between servers by their port alone.
		etag, body := resp.Header.Get("ETag"), string(b)
		if strings.Contains(body, app.URL) {
			etag, body = "(the tag of a body naming the base URL)", strings.ReplaceAll(body, app.URL, "<base URL>")
		}
		out[fmt.Sprintf("%s (key %t)", path, key != "")] = etag + "\n" + body
		return b
	}
	// walk reads every page of a list and returns the slugs of its items.
	walk := func(path, key string) []string {
		t.Helper()
		var slugs []string
		for next := &path; next != nil; {
			var page struct {
				Data  []struct{ Slug string } `json:"data"`
				Links struct{ Next *string }  `json:"links"`
			}
			if err := json.Unmarshal(read(*next, key), &page); err != nil {
				t.Fatalf("%s: %v", *next, err)
			}
			for _, it := range page.Data {
				slugs = append(slugs, it.Slug)
			}
			next = page.Links.Next
		}
		return slugs
	}
	for _, key := range []string{"", editor} {
		for _, list := range []string{"/api/v1/articles", "/api/v1/helplines", "/api/v1/campaigns", "/api/v1/organisations"} {
			for _, slug := range walk(list+"?limit=2", key) {
				read(list+"/"+slug, key)
			}
		}
		walk("/api/v1/changes?limit=5", key)
		for _, p := range []string{"/api/v1/regions", "/api/v1/topics", "/api/v1/helplines/essentials",
			"/api/v1/search?q=help", "/api/v1/search?q=cumbria", "/feeds/articles.json", "/feeds/articles.atom", "/embed/helplines.json"} {
			read(p, key)
		}
	}
	walk("/api/v1/helplines/due", editor)
	walk("/api/v1/audit?limit=10", admin)
	return out
}

// mustSameSnapshot fails the test for every answer that differs.
func mustSameSnapshot(t *testing.T, want, got map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	}) {
		if got[k] != want[k] {
			t.Errorf("%s differs:\nwant %s\ngot  %s", k, truncate([]byte(want[k])), truncate([]byte(got[k])))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is served now but was not at the backup", k)
		}
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestBackupRestore proves backup and restore end to end: a backup taken while the
// server runs, after writes of every kind, is restored into the same place once the
// server has stopped (and refused while it runs); the restored database passes
// PRAGMA integrity_check and serves, item by item and page by page, what the
// original served at the moment of the backup, including drafts, keys and the audit
// log. Writes made after the backup are gone.
func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "signpost.db")
	backup := filepath.Join(dir, "backup.db")
	clock := newTestClock(testEpoch)
	if _, err := runMain(env(), "seed", "-db", path); err != nil {
		t.Fatal(err)
	}
	app := startStoppableApp(t, path, clock)
	editor := MustCreateKey(t, app.testApp, "editor-1", models.ScopeEditor)
	admin := MustCreateKey(t, app.testApp, "admin-1", models.ScopeAdmin)
	ed := &editorApp{testApp: app.testApp, Editor: editor, Admin: admin}

	// Content of every kind and state: published, draft, scheduled, edited, renamed,
	// deleted.
	a := ed.MustCreate(t, "/api/v1/articles", editor, articleBody("Kept article"))
	draft := articleBody("Draft article")
	draft["status"] = "draft"
	ed.MustCreate(t, "/api/v1/articles", editor, draft)
	scheduled := articleBody("Scheduled article")
	scheduled["status"], scheduled["publish_at"] = "scheduled", testEpoch.Add(48*time.Hour).Format(time.RFC3339)
	ed.MustCreate(t, "/api/v1/articles", editor, scheduled)
	h := ed.MustCreate(t, "/api/v1/helplines", editor, helplineBody("Kept helpline"))
	ed.MustCreate(t, "/api/v1/campaigns", editor, campaignBody("Kept campaign"))
	o := ed.MustCreate(t, "/api/v1/organisations", editor, organisationBody("Doomed organisation"))
	resp, _ := ed.Write(t, http.MethodPatch, "/api/v1/helplines/"+h["slug"].(string), editor, obj{"slug": "renamed-helpline"})
	MustStatus(t, resp, http.StatusOK)
	MustStatus(t, ed.Do(t, http.MethodDelete, "/api/v1/organisations/"+o["slug"].(string), nil, auth(editor)...), http.StatusNoContent)

	if out, err := runMain(env(), "backup", "-db", path, backup); err != nil || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup while the server runs: %v %q", err, out)
	}
	atBackup := snapshot(t, app.testApp, editor, admin)
	t.Logf("%d answers compared", len(atBackup))

	// Changes after the backup, which the restore must undo.
	resp, _ = ed.Write(t, http.MethodPatch, "/api/v1/articles/"+a["slug"].(string), editor, obj{"title": "Changed after the backup"})
	MustStatus(t, resp, http.StatusOK)
	MustStatus(t, ed.Do(t, http.MethodDelete, "/api/v1/helplines/renamed-helpline", nil, auth(editor)...), http.StatusNoContent)
	ed.MustCreate(t, "/api/v1/organisations", editor, organisationBody("Added after the backup"))
	late := MustCreateKey(t, app.testApp, "late-key", models.ScopeEditor)
	afterWrites := snapshot(t, app.testApp, editor, admin)
	if maps.Equal(afterWrites, atBackup) {
		t.Fatal("the snapshot does not see the writes made after the backup")
	}

	t.Run("ErrInUse", func(t *testing.T) {
		_, err := runMain(env(), "restore", "-db", path, backup)
		if !errors.Is(err, store.ErrInUse) {
			t.Fatalf("restore while the server runs: %v, want %v", err, store.ErrInUse)
		}
		mustSameSnapshot(t, afterWrites, snapshot(t, app.testApp, editor, admin))
	})

	app.stop()
	for _, tc := range []struct {
		name  string
		bytes func(good []byte) []byte
		want  string
	}{
		{"ErrNotADatabase", func([]byte) []byte { return []byte("this is not a database, it is a note\n") }, "not a database"},
		{"ErrCorruptPage", func(good []byte) []byte {
			bad := bytes.Clone(good)
			for i := 4096 + 100; i < 4096*3 && i < len(bad); i++ {
				bad[i] ^= 0x5a
			}
			return bad
		}, ""},
		{"ErrTruncated", func(good []byte) []byte { return good[:len(good)/2] }, ""},
		{"ErrNotSignpost", func([]byte) []byte { return nil }, "not a Signpost database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good, err := os.ReadFile(backup)
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "bad.db")
			if b := tc.bytes(good); b != nil {
				os.WriteFile(bad, b, 0o600)
			} else {
				db, _ := sql.Open("sqlite3", sideDSN(bad))
				if _, err := db.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			before := fileHash(t, path)
			_, err = runMain(env(), "restore", "-db", path, bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore of a bad backup: %v, want an error saying %q", err, tc.want)
			}
			if fileHash(t, path) != before {
				t.Error("a refused restore changed the database")
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*restore*")); len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}

	out, err := runMain(env(), "restore", "-db", path, backup)
	if err != nil || !strings.Contains(out, "integrity ok") {
		t.Fatalf("restore: %v %q", err, out)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*restore*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	mustIntegrityOK(t, path)

	restored := startStoppableApp(t, path, clock)
	mustSameSnapshot(t, atBackup, snapshot(t, restored.testApp, editor, admin))
	t.Run("OKKeyMadeAfterTheBackupIsGone", func(t *testing.T) {
		MustProblem(t, restored.Get(t, "/api/v1/helplines/due", auth(late)...), http.StatusUnauthorized, "")
	})
	t.Run("OKRestoredDatabaseTakesWrites", func(t *testing.T) {
		resp, _ := restored.Write(t, http.MethodPatch, "/api/v1/articles/"+a["slug"].(string), editor, obj{"title": "Written after the restore"})
		MustStatus(t, resp, http.StatusOK)
	})
	restored.stop()
	mustIntegrityOK(t, path)

	t.Run("OKIntoANewPlace", func(t *testing.T) {
		fresh := filepath.Join(t.TempDir(), "new", "signpost.db")
		os.MkdirAll(filepath.Dir(fresh), 0o700)
		if _, err := runMain(env(), "restore", "-db", fresh, backup); err != nil {
			t.Fatal(err)
		}
		mustIntegrityOK(t, fresh)
		again := startStoppableApp(t, fresh, clock)
		mustSameSnapshot(t, atBackup, snapshot(t, again.testApp, editor, admin))
	})
}

// mustIntegrityOK runs PRAGMA integrity_check on the database at path, on a
// connection of its own.
func mustIntegrityOK(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", sideDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
		t.Errorf("PRAGMA integrity_check on %s: %q %v", path, result, err)
	}
}
