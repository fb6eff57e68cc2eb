package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// migrationFiles holds each dialect's migrations, in a directory of its own:
// migrations/sqlite and migrations/postgres. Their versions count apart.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// dialect is the kind of database a store runs on.
type dialect string

const (
	sqliteDialect   dialect = "sqlite"
	postgresDialect dialect = "postgres"
)

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the migrations of a dialect, in the order of their versions.
func loadMigrations(d dialect) ([]migration, error) {
	dir := "migrations/" + string(d) + "/"
	names, err := fs.Glob(migrationFiles, dir+"*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, p := range names {
		base := strings.TrimPrefix(p, dir)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and '_'", base)
		}
		b, err := migrationFiles.ReadFile(p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("store: no %s migrations", d)
	}
	return ms, nil
}

// Migrate applies every SQLite migration not yet recorded in schema_migrations, in
// order, each in its own transaction. It is safe to call on an up-to-date database.
// SQLite's write lock keeps processes from applying one twice; PostgreSQL's
// migrations run in migratePostgres, under an advisory lock.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(sqliteDialect)
	if err != nil {
		return err
	}
	db := s.writer.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	var done []int
	if err := db.Raw(`SELECT version FROM schema_migrations`).Scan(&done).Error; err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	applied := make(map[int]bool, len(done))
	for _, v := range done {
		applied[v] = true
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			// Another process may have applied it since we looked: the transaction
			// holds the write lock now, so look again.
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if err := tx.Exec(m.sql).Error; err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now()).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	// Articles written before their fragments existed (or around the store) get
	// them now, so that every later read is the quick one.
	return s.renderMissingFragments(ctx)
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.reader.WithContext(ctx).Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v).Error
	return v, err
}

// LatestVersion returns the schema version that this binary brings a database to:
// the version of the last migration for the kind of database that db names (as
// Config.DB does).
func LatestVersion(db string) (int, error) {
	d := sqliteDialect
	if IsPostgres(db) {
		d = postgresDialect
	}
	ms, err := loadMigrations(d)
	if err != nil {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}
