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

// TestMain stops the PostgreSQL cluster that the PostgreSQL tests start, if any.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

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
// database and then stops with the store's specific error, password redacted, in
// the error and the logs, and never listens.
func TestPostgresServe(t *testing.T) {
	u := mustPostgresURL(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Main(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", u}, env(), io.Discard, logger)
	if !errors.Is(err, store.ErrPostgresIncomplete) {
		t.Fatalf("serve returned %v, want ErrPostgresIncomplete", err)
	}
	if !strings.Contains(err.Error(), "the PostgreSQL store is not complete yet") || !strings.Contains(err.Error(), ":xxxxx@127.0.0.1") {
		t.Errorf("error %q: want the store's message, naming the database with its password redacted", err)
	}
	noPassword(t, "the error", err.Error())
	noPassword(t, "the log", logs.String())
	if strings.Contains(logs.String(), "listening") {
		t.Errorf("serve listened on PostgreSQL: %s", logs.String())
	}
	latest, err := store.LatestVersion(u)
	if err != nil {
		t.Fatal(err)
	}
	if n := countMigrations(t, u); n != latest {
		t.Errorf("serve left %d migrations applied, want %d", n, latest)
	}

	// Run, as tests and main call it, is never ready.
	cfg, _, err := LoadConfig("signpost", []string{"-addr", "127.0.0.1:0", "-db", u}, env())
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	if err := Run(ctx, cfg, logger, ready); !errors.Is(err, store.ErrPostgresIncomplete) {
		t.Fatalf("Run returned %v", err)
	}
	if len(ready) != 0 {
		t.Fatalf("Run on PostgreSQL listened at %s", <-ready)
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

// TestPostgresCommands proves that every other command on a PostgreSQL URL stops
// with a clear error and a non-zero status, without the password, and without making
// a file named after the URL.
func TestPostgresCommands(t *testing.T) {
	u := mustPostgresURL(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for name, args := range map[string][]string{
		"Seed":          {"seed", "-db", u},
		"KeysList":      {"keys", "list", "-db", u},
		"KeysCreate":    {"keys", "create", "-db", u, "--name", "x", "--scope", "editor"},
		"HelplinesDue":  {"helplines", "due", "-db", u},
		"WebhooksList":  {"webhooks", "list", "-db", u},
		"Generate":      {"generate", "-db", u, "-articles", "1"},
		"Backup":        {"backup", "-db", u, filepath.Join(dir, "backup.db")},
		"Restore":       {"restore", "-db", u, filepath.Join(dir, "backup.db")},
		"ServeEnv":      {"serve", "-addr", "127.0.0.1:0"},
		"NoSuchDB":      {"migrate", "-db", strings.Replace(u, "/t", "/missing_t", 1)},
		"BadURL":        {"migrate", "-db", strings.Replace(u, "sslmode=disable", "sslmode=sometimes", 1)},
		"KeyValueDSN":   {"migrate", "-db", "host=127.0.0.1 user=signpost password=" + pgPassword + " dbname=signpost"},
		"KeysKeyValue":  {"keys", "list", "-db", "host=127.0.0.1 password=" + pgPassword},
		"GenerateKV":    {"generate", "-db", "password=" + pgPassword},
		"BackupMissing": {"backup", "-db", "user=signpost password=" + pgPassword, filepath.Join(dir, "b.db")},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, logs bytes.Buffer
			err := Main(ctx, args, env("SIGNPOST_DB", u), &out, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err == nil {
				t.Fatalf("no error; printed %q", out.String())
			}
			noPassword(t, "the error", err.Error())
			noPassword(t, "the output", out.String())
			noPassword(t, "the log", logs.String())
			switch name {
			case "Backup", "Restore":
				if !strings.Contains(err.Error(), "SQLite databases only") {
					t.Errorf("error %q: want it to say the command works on SQLite only", err)
				}
			case "KeyValueDSN", "KeysKeyValue", "GenerateKV", "BackupMissing":
				if !strings.Contains(err.Error(), "postgres:// URL") {
					t.Errorf("error %q: want it to ask for a postgres:// URL", err)
				}
			case "NoSuchDB", "BadURL":
			default:
				if !errors.Is(err, store.ErrPostgresIncomplete) {
					t.Errorf("error %v, want ErrPostgresIncomplete", err)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the command made files: %v", entries)
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
