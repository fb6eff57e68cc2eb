package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"signpost/handlers"
	"signpost/models/store"
	"text/tabwriter"
	"time"

	"signpost/models"
)

// keysCommand runs `keys create|list|revoke`. `keys create` prints the new key alone
// on the last line of its output.
func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const usage = "usage: signpost keys create [-db FILE] --name NAME --scope editor|admin | keys list [-db FILE] | keys revoke [-db FILE] NAME"
	if len(args) == 0 {
		return errors.New(usage)
	}
	sub, args := args[0], args[1:]
	if sub != "create" && sub != "list" && sub != "revoke" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("signpost keys "+sub, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	db := getenv("SIGNPOST_DB")
	if db == "" {
		db = "signpost.db"
	}
	fs.Var(dbFlag{&db}, "db", "SQLite database file, or a postgres:// URL (env SIGNPOST_DB)")
	name := fs.String("name", "", "the key's name, e.g. the editor or team it is for")
	scope := fs.String("scope", models.ScopeEditor, "editor (writes content) or admin (also reads the audit log)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := store.CheckDB(db); err != nil {
		return fmt.Errorf("invalid -db / SIGNPOST_DB: %v", err)
	}
	if err := existingDatabase(db); err != nil {
		return err
	}
	store, err := store.Open(ctx, store.Config{DB: db, Render: handlers.Renderer{}})
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "create":
		if fs.NArg() > 0 {
			return errors.New(usage)
		}
		key, err := store.CreateKey(ctx, *name, *scope)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Created %s key %q. It is shown only this once; store it safely:\n%s\n", *scope, *name, key)
		return nil
	case "list":
		keys, err := store.Keys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSCOPE\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Scope, k.CreatedAt.Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		if err := store.RevokeKey(ctx, fs.Arg(0)); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Revoked key %q.\n", fs.Arg(0))
		return nil
	}
	return errors.New(usage)
}

// existingDatabase refuses a SQLite database that is not there, before anything
// opens it: SQLite would make an empty one, and the command would then report on, or
// back up, nothing. Only serve, migrate, seed, generate and restore make a new
// database. A PostgreSQL database is the server's to check.
func existingDatabase(path string) error {
	if store.IsPostgres(path) {
		return nil
	}
	st, err := os.Stat(path)
	shown := store.RedactDB(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s does not exist (see -db or SIGNPOST_DB); 'signpost migrate -db %s' or 'signpost serve' makes a new one", shown, shown)
	case err != nil:
		return fmt.Errorf("database %s: %w", shown, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("database %s is not a file", shown)
	case st.Size() == 0:
		return fmt.Errorf("database %s is an empty file, not a Signpost database", shown)
	}
	return nil
}

// dbFlag is the -db flag of the commands that take no other configuration. Its
// default, shown by -h, may come from SIGNPOST_DB: a password in it is shown as
// xxxxx.
type dbFlag struct{ s *string }

func (f dbFlag) String() string {
	if f.s == nil {
		return ""
	}
	return store.RedactDB(*f.s)
}

func (f dbFlag) Set(v string) error { *f.s = v; return nil }

// migrateCommand runs `migrate`: the database's pending migrations, on SQLite or
// PostgreSQL, and its schema version.
func migrateCommand(ctx context.Context, cfg Config, stdout io.Writer) error {
	v, err := store.MigrateDatabase(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", store.RedactDB(cfg.DB), v)
	return nil
}

// sqliteCommand refuses a command that works on SQLite files alone, when the database is
// a PostgreSQL one.
func sqliteCommand(cmd, instead string, db string) error {
	if store.IsPostgres(db) {
		return fmt.Errorf("%s works on SQLite databases only; for PostgreSQL use %s", cmd, instead)
	}
	return nil
}

// backupCommand runs `backup FILE`: a consistent copy of the database, made while
// the server runs, checked with PRAGMA integrity_check and synced to disk.
func backupCommand(ctx context.Context, cfg Config, file string, stdout io.Writer) error {
	if err := sqliteCommand("backup", "pg_dump", cfg.DB); err != nil {
		return err
	}
	if err := existingDatabase(cfg.DB); err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, file); err != nil {
		return err
	}
	version, err := store.VerifyDatabase(ctx, file)
	if err == nil {
		err = syncFile(file)
	}
	if err != nil {
		return fmt.Errorf("backup %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (schema version %d, integrity ok)\n", store.RedactDB(cfg.DB), file, version)
	return nil
}

// restoreCommand runs `restore BACKUP`: the database is replaced by the backup,
// which is checked first, and then migrated to this binary's schema. The server
// must be stopped; see store.Restore.
func restoreCommand(ctx context.Context, cfg Config, backup string, stdout io.Writer) error {
	if err := sqliteCommand("restore", "pg_restore", cfg.DB); err != nil {
		return err
	}
	if _, err := store.Restore(ctx, backup, cfg.DB); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	st, err := store.Open(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.IntegrityCheck(ctx); err != nil {
		return fmt.Errorf("restore: %s: %w", store.RedactDB(cfg.DB), err)
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s restored from %s (schema version %d, integrity ok)\n", store.RedactDB(cfg.DB), backup, v)
	return nil
}

// syncFile flushes a file to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// describe turns a domain error into a message for the command line.
func describe(err error) error {
	var e *models.Error
	if errors.As(err, &e) {
		msg := e.Message
		for _, f := range e.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
		return errors.New(msg)
	}
	return err
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// healthcheck asks the local server for /healthz, for container health checks in
// images that have no shell or curl.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}

// helplinesCommand runs `helplines due`: the lines whose details are due for checking.
func helplinesCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const usage = "usage: signpost helplines due [flags]"
	if len(args) == 0 || args[0] != "due" {
		return errors.New(usage)
	}
	cfg, rest, err := LoadConfig("signpost helplines due", args[1:], getenv)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New(usage)
	}
	if err := existingDatabase(cfg.DB); err != nil {
		return err
	}
	store, err := store.Open(ctx, cfg.storeConfig())
	if err != nil {
		return err
	}
	defer store.Close()
	lines, err := store.HelplinesDue(ctx)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		fmt.Fprintln(stdout, "No helpline is due for checking.")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tSTATUS\tLAST VERIFIED")
	for _, h := range lines {
		last := "never"
		if h.LastVerifiedAt != nil {
			last = h.LastVerifiedAt.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Slug, h.Name, h.Status, last)
	}
	return w.Flush()
}

// generateCommand runs `generate`: synthetic content for benchmarks, on top of the
// seed content (loaded first if the database is empty).
func generateCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("signpost generate", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	db := getenv("SIGNPOST_DB")
	if db == "" {
		db = "signpost.db"
	}
	fs.Var(dbFlag{&db}, "db", "SQLite database file (env SIGNPOST_DB)")
	var cfg store.GenerateConfig
	fs.IntVar(&cfg.Articles, "articles", 100_000, "synthetic articles to add")
	fs.IntVar(&cfg.Helplines, "helplines", 200, "synthetic helplines to add")
	fs.IntVar(&cfg.Campaigns, "campaigns", 500, "synthetic campaigns to add")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed, for the same content every time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || cfg.Articles < 0 || cfg.Helplines < 0 || cfg.Campaigns < 0 {
		return errors.New("usage: signpost generate [-db FILE] [-articles N] [-helplines N] [-campaigns N] [-seed N]")
	}
	if err := store.CheckDB(db); err != nil {
		return fmt.Errorf("invalid -db / SIGNPOST_DB: %v", err)
	}
	shown := store.RedactDB(db)
	store, err := store.Open(ctx, store.Config{DB: db, Render: handlers.Renderer{}})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Seed(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := store.Generate(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %d articles, %d helplines and %d campaigns of synthetic content to %s in %s\n",
		cfg.Articles, cfg.Helplines, cfg.Campaigns, shown, time.Since(start).Round(time.Millisecond))
	return nil
}
