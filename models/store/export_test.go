package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"signpost/models/store/pgtest"
)

// ReaderExec runs a statement on the store's read pool. It exists for the test that
// proves the pool cannot write.
func ReaderExec(ctx context.Context, s *Store, query string, args ...any) error {
	return s.reader.WithContext(ctx).Exec(query, args...).Error
}

// ReaderQueryInt runs a query returning one integer on the store's read pool.
func ReaderQueryInt(ctx context.Context, s *Store, query string, args ...any) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Raw(query, args...).Scan(&n).Error
	return n, err
}

// Clock is a clock that tests move by hand; the store reads it through Config.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// WriterQueryInt runs a query returning one integer on the writer connection.
func WriterQueryInt(ctx context.Context, s *Store, query string) (int64, error) {
	var n int64
	err := s.writer.WithContext(ctx).Raw(query).Scan(&n).Error
	return n, err
}

// MigratePostgres runs the PostgreSQL migrations on db and returns the versions it
// applied, for the tests of concurrent start-ups.
func MigratePostgres(ctx context.Context, db *sql.DB, now func() time.Time) ([]int, error) {
	return migratePostgres(ctx, db, now)
}

// MigrationNames returns the names of a dialect's migrations ("sqlite" or
// "postgres"), by version.
func MigrationNames(d string) (map[int]string, error) {
	ms, err := loadMigrations(dialect(d))
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, len(ms))
	for _, m := range ms {
		out[m.version] = m.name
	}
	return out, nil
}

// MigrationLock is the key of the PostgreSQL migrations' advisory lock.
const MigrationLock = migrationLock

// OpenPostgres connects to the PostgreSQL database of cfg as the store does, for the
// tests of its pool.
func OpenPostgres(ctx context.Context, cfg Config) (*sql.DB, error) {
	g, err := openPostgres(ctx, cfg, time.Now)
	if err != nil {
		return nil, err
	}
	return g.DB()
}

// internalTestDB returns a new, empty database for the tests of this package: a
// SQLite file under tb.TempDir(), or a PostgreSQL database when the tests run on
// PostgreSQL (pgtest.Both).
func internalTestDB(tb testing.TB) string {
	tb.Helper()
	if pgtest.OnPostgres() {
		return pgtest.MustDatabase(tb)
	}
	return filepath.Join(tb.TempDir(), "signpost.db")
}
