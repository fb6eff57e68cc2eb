package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// ErrInUse is the error of Restore when another connection has the database open,
// such as a running server.
var ErrInUse = errors.New("the database is in use")

// IntegrityCheck runs SQLite's PRAGMA integrity_check on the store's database and
// returns an error listing what it found unless that is "ok".
func (s *Store) IntegrityCheck(ctx context.Context) error {
	db, err := s.reader.DB()
	if err != nil {
		return err
	}
	return integrityCheck(ctx, db)
}

func integrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "…")
		}
		return fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// openReadOnly opens the SQLite file at path without creating or changing it.
func openReadOnly(path string) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Opaque: path}
	db, err := sql.Open("sqlite3", u.String()+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// VerifyDatabase checks, without creating or changing anything, that path is a
// Signpost database that this binary can open: a SQLite file that passes PRAGMA
// integrity_check, with the migrations table and no migration newer than the
// binary's. It returns its schema version.
func VerifyDatabase(ctx context.Context, path string) (int, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("%s does not exist", path)
	case err != nil:
		return 0, err
	case !st.Mode().IsRegular():
		return 0, fmt.Errorf("%s is not a file", path)
	case st.Size() == 0:
		return 0, fmt.Errorf("%s is empty, not a Signpost database", path)
	}
	db, err := openReadOnly(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := integrityCheck(ctx, db); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'meta')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if n != 2 {
		return 0, fmt.Errorf("%s is not a Signpost database (it has no schema_migrations and meta tables)", path)
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	ms, err := loadMigrations(sqliteDialect)
	if err != nil {
		return 0, err
	}
	if latest := ms[len(ms)-1].version; version > latest {
		return 0, fmt.Errorf("%s is at schema version %d, newer than this binary's %d: restore it with a newer signpost", path, version, latest)
	}
	return version, nil
}

// Restore replaces the database at path with the backup at from, and returns the
// backup's schema version. Nothing is changed unless the backup passes
// VerifyDatabase; then a copy of it is written next to path, checked again and
// synced, and renamed over path, so that path holds either the old database or the
// whole new one, whatever happens. It returns ErrInUse, and changes nothing, when
// another connection has path open (a running server): stop it first. A path that
// does not exist is created. Pending migrations are not applied: Open does that.
func Restore(ctx context.Context, from, path string) (int, error) {
	version, err := VerifyDatabase(ctx, from)
	if err != nil {
		return 0, err
	}
	if a, errA := os.Stat(from); errA == nil {
		if b, errB := os.Stat(path); errB == nil && os.SameFile(a, b) {
			return 0, fmt.Errorf("%s is the database itself", from)
		}
	}

	// The copy is a fresh, compact file made by SQLite from a consistent read of
	// the backup, in the database's directory so that the rename cannot cross file
	// systems.
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".restore-"+hex.EncodeToString(rnd[:]))
	defer os.Remove(tmp)
	src, err := openReadOnly(from)
	if err != nil {
		return 0, err
	}
	_, err = src.ExecContext(ctx, `VACUUM INTO ?`, tmp)
	src.Close()
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", from, err)
	}
	if _, err := VerifyDatabase(ctx, tmp); err != nil {
		return 0, fmt.Errorf("the copy of %s: %w", from, err)
	}
	if err := syncPath(tmp); err != nil {
		return 0, err
	}

	// Hold the old database's lock until the new one is in its place, so that no
	// one can open it in between.
	release, err := takeOver(ctx, path)
	if err != nil {
		return 0, err
	}
	defer release()
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("replace %s: %w", path, err)
	}
	return version, syncPath(filepath.Dir(path))
}

// takeOver gets the database at path ready to be replaced: it makes sure no other
// connection has it open, moves it out of WAL mode (SQLite folds the write-ahead
// log into the file and deletes it, so no log is left to be read into the new
// file) and holds an exclusive lock on it until release is called. A file that
// SQLite cannot read as a database is left as it is. When path does not exist,
// write-ahead log files left beside it are removed.
func takeOver(ctx context.Context, path string) (release func(), err error) {
	nothing := func() {}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		return nothing, nil
	} else if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Opaque: path}
	db, err := sql.Open("sqlite3", u.String()+"?_busy_timeout=0")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	release = func() { conn.Close(); db.Close() }
	// Leaving WAL mode needs the only connection to the database.
	var mode string
	err = conn.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode)
	var se sqlite3.Error
	switch {
	case errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt):
		// Not a database SQLite can read, so no server can be using it: replace it.
		release()
		return nothing, nil
	case errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked), err == nil && mode != "delete":
		release()
		return nil, fmt.Errorf("%s: %w (stop the server, and anything else that has it open, then restore again)", path, ErrInUse)
	case err != nil:
		release()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, q := range []string{`PRAGMA locking_mode = EXCLUSIVE`, `BEGIN EXCLUSIVE`, `COMMIT`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			release()
			if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
				return nil, fmt.Errorf("%s: %w (stop the server, then restore again)", path, ErrInUse)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		release()
		return nil, fmt.Errorf("%s: a write-ahead log is still beside it; open it with signpost once and restore again", path)
	}
	return release, nil
}

// syncPath flushes a file or directory to stable storage.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
