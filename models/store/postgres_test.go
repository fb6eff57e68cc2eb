package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"signpost/handlers"
	"signpost/models"
	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// mustPG opens a pool of its own on the database at u.
func mustPG(tb testing.TB, u string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

type appliedRow struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

func mustApplied(tb testing.TB, db *sql.DB) []appliedRow {
	tb.Helper()
	rows, err := db.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []appliedRow
	for rows.Next() {
		var r appliedRow
		if err := rows.Scan(&r.Version, &r.Name, &r.AppliedAt); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestPostgresMigrateConcurrent proves that instances starting at once on one empty
// PostgreSQL database take turns: every migrator succeeds, each migration is applied
// by exactly one of them and recorded once under its version and name, and a later
// run applies nothing and changes nothing.
func TestPostgresMigrateConcurrent(t *testing.T) {
	u := pgtest.MustDatabase(t)
	ctx := context.Background()
	names, err := store.MigrationNames("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 2 {
		t.Fatalf("%d PostgreSQL migrations; the test needs several to interleave", len(names))
	}
	now := func() time.Time { return epoch }

	const n = 5
	pools := make([]*sql.DB, n)
	for i := range pools {
		pools[i] = mustPG(t, u) // each migrator has a pool of its own, as an instance does
		pools[i].SetMaxOpenConns(2)
		if err := pools[i].Ping(); err != nil {
			t.Fatal(err)
		}
	}
	applied := make([][]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = store.MigratePostgres(ctx, pools[i], now)
		}()
	}
	close(start)
	wg.Wait()

	var all []int
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
		all = append(all, applied[i]...)
	}
	slices.Sort(all)
	var want []int
	for v := range names {
		want = append(want, v)
	}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Fatalf("migrations applied %v in all, want each of %v once", all, want)
	}
	rows := mustApplied(t, pools[0])
	if len(rows) != len(want) {
		t.Fatalf("schema_migrations has %d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.Version != want[i] || r.Name != names[r.Version] || !r.AppliedAt.Equal(epoch) {
			t.Errorf("schema_migrations row %+v, want version %d named %s applied at %v", r, want[i], names[want[i]], epoch)
		}
	}

	// Once up to date, a run is a no-op.
	later := func() time.Time { return epoch.Add(time.Hour) }
	again, err := store.MigratePostgres(ctx, pools[1], later)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v, %v; want nothing", again, err)
	}
	if after := mustApplied(t, pools[0]); !slices.Equal(after, rows) {
		t.Fatalf("second run changed schema_migrations: %+v, want %+v", after, rows)
	}

	// The lock is released: another session takes it at once.
	var got bool
	if err := pools[2].QueryRow(`SELECT pg_try_advisory_lock($1)`, store.MigrationLock).Scan(&got); err != nil || !got {
		t.Fatalf("the migration lock is still held after the runs (%v, %v)", got, err)
	}
}

// TestPostgresMigrateWaitsForLock proves that a migrator waits while another session
// holds the migrations' lock, and goes on once it is released.
func TestPostgresMigrateWaitsForLock(t *testing.T) {
	u := pgtest.MustDatabase(t)
	ctx := context.Background()
	holder := mustPG(t, u)
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, store.MigrationLock); err != nil {
		t.Fatal(err)
	}
	db := mustPG(t, u)
	done := make(chan error, 1)
	go func() {
		_, err := store.MigratePostgres(ctx, db, func() time.Time { return epoch })
		done <- err
	}()
	// Wait until the migrator's session is seen waiting for the advisory lock.
	for {
		var waiting int
		if err := holder.QueryRow(`SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the migrator finished (%v) while another session held the lock", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	var tables int
	if err := holder.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("%d tables made while another session held the lock", tables)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, store.MigrationLock); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPostgresOpen proves what a PostgreSQL URL does: Open connects, applies the
// migrations, and the store then seeds and serves; an error names the database
// without its password; MigrateDatabase migrates and reports the version; Backup
// refuses, pointing at pg_dump.
func TestPostgresOpen(t *testing.T) {
	const password = "s3cret-Pa55word"
	u, err := url.Parse(pgtest.MustDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	// The test cluster trusts local connections, so the password is sent and not
	// checked: it is there to be kept out of every message.
	u.User = url.UserPassword(u.User.Username(), password)
	ctx := context.Background()
	cfg := store.Config{DB: u.String(), Render: handlers.Renderer{}, Now: func() time.Time { return epoch }}

	t.Run("OKOpenSeed", func(t *testing.T) {
		s, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		db := mustPG(t, u.String())
		names, _ := store.MigrationNames("postgres")
		if rows := mustApplied(t, db); len(rows) != len(names) {
			t.Fatalf("Open left %d migrations applied, want %d", len(rows), len(names))
		}
		if loaded, err := s.Seed(ctx); err != nil || !loaded {
			t.Fatalf("Seed = %v, %v", loaded, err)
		}
		if loaded, err := s.Seed(ctx); err != nil || loaded {
			t.Fatalf("second Seed = %v, %v; want false, nil", loaded, err)
		}
		h, err := s.FindHelpline(ctx, "stop-it-now", time.Time{}, models.Visibility{})
		if err != nil || h.Name == "" {
			t.Fatalf("FindHelpline = %+v, %v", h, err)
		}
		err = s.Backup(ctx, filepath.Join(t.TempDir(), "copy.db"))
		if !errors.Is(err, store.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("Backup = %v, want ErrBackupPostgres", err)
		}
	})
	t.Run("ErrRedacted", func(t *testing.T) {
		bad := *u
		bad.Path = "/no_such_database"
		s, err := store.Open(ctx, store.Config{DB: bad.String(), Render: handlers.Renderer{}})
		if s != nil || err == nil {
			t.Fatalf("Open = %v, %v; want an error", s, err)
		}
		if strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "xxxxx@127.0.0.1") {
			t.Fatalf("error %q: want the database named with its password redacted", err)
		}
	})
	t.Run("OKMigrate", func(t *testing.T) {
		v, err := store.MigrateDatabase(ctx, cfg)
		names, _ := store.MigrationNames("postgres")
		if err != nil || names[v] == "" || v != len(names) {
			t.Fatalf("MigrateDatabase = %d, %v; want %d", v, err, len(names))
		}
	})
}

// TestPostgresErrorsRedacted proves that when PostgreSQL cannot be reached, or its
// URL cannot be read, the error names the database without its password.
func TestPostgresErrorsRedacted(t *testing.T) {
	const password = "hunter2-Secret"
	// A port that nothing listens on: taken, then freed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	for name, db := range map[string]string{
		"Unreachable":   fmt.Sprintf("postgres://signpost:%s@127.0.0.1:%d/signpost?connect_timeout=5", password, port),
		"QueryPassword": fmt.Sprintf("postgresql://signpost@127.0.0.1:%d/signpost?password=%s&connect_timeout=5", port, password),
		"BadPort":       fmt.Sprintf("postgres://signpost:%s@127.0.0.1:99999999/signpost", password),
		"BadOption":     fmt.Sprintf("postgres://signpost:%s@127.0.0.1:%d/signpost?sslmode=sometimes", password, port),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := store.Open(context.Background(), store.Config{DB: db, Render: handlers.Renderer{}})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("error shows the password: %v", err)
			}
			if _, err := store.MigrateDatabase(context.Background(), store.Config{DB: db}); err == nil || strings.Contains(err.Error(), password) {
				t.Fatalf("MigrateDatabase: %v", err)
			}
		})
	}
}

// TestPoolConfig proves that the pool settings reach the pools: SQLite's read pool,
// and the PostgreSQL pool (with its default size when none is given).
func TestPoolConfig(t *testing.T) {
	ctx := context.Background()
	t.Run("OKSQLite", func(t *testing.T) {
		s, err := store.Open(ctx, store.Config{DB: t.TempDir() + "/signpost.db", Render: handlers.Renderer{}, MaxOpenConns: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		reader, writer := s.Pools()
		if n := reader.Stats().MaxOpenConnections; n != 3 {
			t.Errorf("read pool of %d, want 3", n)
		}
		if n := writer.Stats().MaxOpenConnections; n != 1 {
			t.Errorf("writer pool of %d, want 1", n)
		}
	})
	t.Run("OKPostgres", func(t *testing.T) {
		u := pgtest.MustDatabase(t)
		for _, c := range []struct{ give, want int }{{0, store.DefaultPostgresConns}, {7, 7}} {
			db, err := store.OpenPostgres(ctx, store.Config{DB: u, MaxOpenConns: c.give, MaxIdleConns: 2, ConnMaxLifetime: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if n := db.Stats().MaxOpenConnections; n != c.want {
				t.Errorf("MaxOpenConns %d: pool of %d, want %d", c.give, n, c.want)
			}
			db.Close()
		}
	})
}
