package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// TestMain runs the tests on SQLite and then on PostgreSQL (see pgtest.Both), and
// stops the PostgreSQL cluster that they start, if any.
func TestMain(m *testing.M) { os.Exit(pgtest.Both(m)) }

// pgPassword is sent in the test databases' URLs. The test cluster trusts local
// connections, so it is never checked: it is there to be kept out of every message.
const pgPassword = "Tr0ub4dor-and-3"

// mustPostgresURL returns the URL of a new, empty PostgreSQL database, with
// pgPassword in it.
func mustPostgresURL(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(pgtest.MustDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), pgPassword)
	return u.String()
}

// noPassword fails the test when text shows the password.
func noPassword(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, pgPassword) {
		t.Errorf("%s shows the database password: %s", what, text)
	}
}

func countMigrations(t *testing.T, u string) int {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgresServe proves that `signpost serve` on a PostgreSQL URL migrates the
// database, seeds it and serves from it, with the password redacted in the logs.
func TestPostgresServe(t *testing.T) {
	u := mustPostgresURL(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg, _, err := LoadConfig("signpost", []string{"-addr", "127.0.0.1:0", "-db", u}, env())
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	go func() { done <- Run(runCtx, cfg, logger, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run returned %v before it was ready", err)
	}
	resp, err := http.Get("http://" + addr + "/api/v1/helplines/stop-it-now")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Stop It Now") {
		t.Errorf("GET the seed's helpline: %d %s", resp.StatusCode, body)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	noPassword(t, "the log", logs.String())
	latest, err := store.LatestVersion(u)
	if err != nil {
		t.Fatal(err)
	}
	if n := countMigrations(t, u); n != latest {
		t.Errorf("serve left %d migrations applied, want %d", n, latest)
	}
}

// TestPostgresMigrateCommand proves that `signpost migrate` works fully on
// PostgreSQL: it applies the migrations, prints the version with the password
// redacted, and a second run changes nothing.
func TestPostgresMigrateCommand(t *testing.T) {
	u := mustPostgresURL(t)
	out := mustMain(t, env("SIGNPOST_DB", u), "migrate")
	latest, err := store.LatestVersion(u)
	if err != nil {
		t.Fatal(err)
	}
	want := "database " + store.RedactDB(u) + " is at schema version " + strconv.Itoa(latest) + "\n"
	equal(t, "migrate printed", out, want)
	noPassword(t, "migrate's output", out)
	equal(t, "migrations applied", countMigrations(t, u), latest)
	equal(t, "second migrate printed", mustMain(t, env(), "migrate", "-db", u), want)
	equal(t, "migrations applied after two runs", countMigrations(t, u), latest)
}

// TestPostgresCommands proves that the commands work on a PostgreSQL URL, and that
// those that work on SQLite files only (backup, restore) and connection strings that
// are not URLs stop with a clear error and a non-zero status; no output, error or log
// shows the password, and no command makes a file named after the URL.
func TestPostgresCommands(t *testing.T) {
	u := mustPostgresURL(t)
	dir := t.TempDir()
	t.Chdir(dir)
	run := func(t *testing.T, args []string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var out, logs bytes.Buffer
		err := Main(ctx, args, env("SIGNPOST_DB", u), &out, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err != nil {
			noPassword(t, "the error", err.Error())
		}
		noPassword(t, "the output", out.String())
		noPassword(t, "the log", logs.String())
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("the command made files: %v", entries)
		}
		return out.String(), err
	}
	// In order: the seed comes first, and generate needs it.
	for _, c := range []struct {
		name string
		args []string
	}{
		{"Seed", []string{"seed", "-db", u}},
		{"KeysCreate", []string{"keys", "create", "-db", u, "--name", "x", "--scope", "editor"}},
		{"KeysList", []string{"keys", "list", "-db", u}},
		{"HelplinesDue", []string{"helplines", "due", "-db", u}},
		{"WebhooksList", []string{"webhooks", "list", "-db", u}},
		{"Generate", []string{"generate", "-db", u, "-articles", "3", "-helplines", "2", "-campaigns", "1"}},
	} {
		t.Run("OK"+c.name, func(t *testing.T) {
			if out, err := run(t, c.args); err != nil {
				t.Fatalf("error %v; printed %q", err, out)
			}
		})
	}
	for name, args := range map[string][]string{
		"Backup":        {"backup", "-db", u, filepath.Join(dir, "backup.db")},
		"Restore":       {"restore", "-db", u, filepath.Join(dir, "backup.db")},
		"NoSuchDB":      {"migrate", "-db", strings.Replace(u, "/t", "/missing_t", 1)},
		"BadURL":        {"migrate", "-db", strings.Replace(u, "sslmode=disable", "sslmode=sometimes", 1)},
		"KeyValueDSN":   {"migrate", "-db", "host=127.0.0.1 user=signpost password=" + pgPassword + " dbname=signpost"},
		"KeysKeyValue":  {"keys", "list", "-db", "host=127.0.0.1 password=" + pgPassword},
		"GenerateKV":    {"generate", "-db", "password=" + pgPassword},
		"BackupMissing": {"backup", "-db", "user=signpost password=" + pgPassword, filepath.Join(dir, "b.db")},
	} {
		t.Run("Err"+name, func(t *testing.T) {
			out, err := run(t, args)
			if err == nil {
				t.Fatalf("no error; printed %q", out)
			}
			switch name {
			case "Backup", "Restore":
				if !strings.Contains(err.Error(), "SQLite databases only") {
					t.Errorf("error %q: want it to say the command works on SQLite only", err)
				}
			case "KeyValueDSN", "KeysKeyValue", "GenerateKV", "BackupMissing":
				if !strings.Contains(err.Error(), "postgres:// URL") {
					t.Errorf("error %q: want it to ask for a postgres:// URL", err)
				}
			}
		})
	}
}

// TestDBHelpRedacted proves that -h, which shows each flag's default and so the
// environment's value, shows a password in SIGNPOST_DB as xxxxx.
func TestDBHelpRedacted(t *testing.T) {
	u := "postgres://signpost:" + pgPassword + "@db.example.org/signpost"
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	errServe := Main(context.Background(), []string{"serve", "-h"}, env("SIGNPOST_DB", u), io.Discard, slog.New(slog.DiscardHandler))
	errKeys := Main(context.Background(), []string{"keys", "list", "-h"}, env("SIGNPOST_DB", u), io.Discard, slog.New(slog.DiscardHandler))
	os.Stderr = saved
	w.Close()
	help, _ := io.ReadAll(r)
	if !errors.Is(errServe, flag.ErrHelp) || !errors.Is(errKeys, flag.ErrHelp) {
		t.Fatalf("-h returned %v and %v", errServe, errKeys)
	}
	if !strings.Contains(string(help), "signpost:xxxxx@db.example.org") || strings.Count(string(help), "xxxxx") < 2 {
		t.Errorf("help does not show the redacted default of -db twice:\n%s", help)
	}
	noPassword(t, "the help", string(help))
}

// TestReadyzNoDatabaseName proves that /readyz never shows the database's name.
func TestReadyzNoDatabaseName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready-check-signpost.db")
	base, _ := startRun(t, env(), "-db", path)
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	equal(t, "GET /readyz", resp.StatusCode, http.StatusOK)
	if strings.Contains(string(body), "ready-check") || strings.Contains(string(body), filepath.Dir(path)) {
		t.Errorf("/readyz shows the database: %s", body)
	}
}

// TestDBPoolConfig proves that the pool options reach the store's configuration and
// that values out of range stop the program with an error naming the option.
func TestDBPoolConfig(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		cfg, _, err := LoadConfig("signpost", []string{"-db-max-open-conns", "20", "-db-conn-max-lifetime", "30m"},
			env("SIGNPOST_DB_MAX_IDLE_CONNS", "5"))
		if err != nil {
			t.Fatal(err)
		}
		sc := cfg.storeConfig()
		if sc.MaxOpenConns != 20 || sc.MaxIdleConns != 5 || sc.ConnMaxLifetime != 30*time.Minute {
			t.Fatalf("store config %+v", sc)
		}
	})
	t.Run("OKDefaults", func(t *testing.T) {
		cfg, _, err := LoadConfig("signpost", nil, env())
		if err != nil {
			t.Fatal(err)
		}
		sc := cfg.storeConfig()
		if sc.MaxOpenConns != 0 || sc.MaxIdleConns != 0 || sc.ConnMaxLifetime != 0 {
			t.Fatalf("store config %+v, want the store's defaults", sc)
		}
	})
	for name, c := range map[string]struct {
		args   []string
		errHas []string
	}{
		"ErrOpenNegative":   {[]string{"-db-max-open-conns", "-1"}, []string{"-db-max-open-conns", "SIGNPOST_DB_MAX_OPEN_CONNS", "0 (the default size) to 1000"}},
		"ErrOpenTooMany":    {[]string{"-db-max-open-conns", "1001"}, []string{"-db-max-open-conns", "to 1000"}},
		"ErrOpenNotNumber":  {[]string{"-db-max-open-conns", "ten"}, []string{"-db-max-open-conns"}},
		"ErrIdleNegative":   {[]string{"-db-max-idle-conns", "-2"}, []string{"-db-max-idle-conns", "SIGNPOST_DB_MAX_IDLE_CONNS"}},
		"ErrIdleAboveOpen":  {[]string{"-db-max-open-conns", "4", "-db-max-idle-conns", "5"}, []string{"-db-max-idle-conns", "5 is more than -db-max-open-conns", "(4)"}},
		"ErrLifetimeShort":  {[]string{"-db-conn-max-lifetime", "500ms"}, []string{"-db-conn-max-lifetime", "SIGNPOST_DB_CONN_MAX_LIFETIME", "1s to 24h"}},
		"ErrLifetimeLong":   {[]string{"-db-conn-max-lifetime", "25h"}, []string{"-db-conn-max-lifetime", "1s to 24h"}},
		"ErrLifetimeNoUnit": {[]string{"-db-conn-max-lifetime", "30"}, []string{"-db-conn-max-lifetime"}},
		"ErrLifetimeMinus":  {[]string{"-db-conn-max-lifetime", "-1m"}, []string{"-db-conn-max-lifetime"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := LoadConfig("signpost", c.args, env())
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range c.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}
