package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrBackupPostgres is what Backup returns on PostgreSQL: a copy of a PostgreSQL
// database is pg_dump's work, which copies it consistently while it serves.
var ErrBackupPostgres = errors.New("store: backup writes a SQLite file and works on SQLite only; on PostgreSQL use pg_dump (for example pg_dump -Fc -f signpost.dump <database URL>)")

// DefaultPostgresConns is the size of a PostgreSQL pool when Config.MaxOpenConns is
// 0: several instances share the server's connections (100 by default).
const DefaultPostgresConns = 10

// defaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout, so that an unreachable server fails the start-up in seconds.
const defaultConnectTimeout = 10 * time.Second

// migrationLock is the key of the session advisory lock that PostgreSQL migrations
// run under: "Signpost" in ASCII, read as a number.
const migrationLock int64 = 0x5369676e706f7374

// openPostgres connects to the PostgreSQL database at cfg.DB through gorm's
// postgres driver on pgx, with the pool sized by cfg, and checks that it answers.
// Its errors never hold the URL's password.
func openPostgres(ctx context.Context, cfg Config, now func() time.Time) (*gorm.DB, error) {
	pc, err := pgx.ParseConfig(cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", RedactDB(cfg.DB), redactErr(err, cfg.DB))
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = defaultConnectTimeout
	}
	// Times read back as text (in records, or scanned into strings) are written in
	// UTC whatever the server's TimeZone, as the store writes them.
	pc.RuntimeParams["timezone"] = "UTC"
	db := stdlib.OpenDB(*pc)
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = DefaultPostgresConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(idleConns(cfg.MaxIdleConns, n))
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", RedactDB(cfg.DB), redactErr(err, cfg.DB))
	}
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                now,
		Logger:                 logger.Discard,
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", RedactDB(cfg.DB), redactErr(err, cfg.DB))
	}
	return g, nil
}

// idleConns is the number of idle connections a pool of open connections keeps:
// idle, or all of them when idle is 0.
func idleConns(idle, open int) int {
	if idle <= 0 || idle > open {
		return open
	}
	return idle
}

// migratePostgres applies the PostgreSQL migrations not yet recorded in
// schema_migrations, in order, and returns the versions it applied. The whole run
// holds a session advisory lock on one connection of its own, so that instances
// starting together take turns: the first applies what is pending, the others then
// find nothing to do. Each migration commits in one transaction with its row in
// schema_migrations.
func migratePostgres(ctx context.Context, db *sql.DB, now func() time.Time) (applied []int, err error) {
	ms, err := loadMigrations(postgresDialect)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	locked, clean := false, false
	defer func() {
		if locked {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			var released bool
			if err := conn.QueryRowContext(uctx, `SELECT pg_advisory_unlock($1)`, migrationLock).Scan(&released); err != nil || !released {
				clean = false
			}
			cancel()
		}
		if !clean {
			// The lock goes with its session: a connection in doubt is closed rather
			// than handed back to the pool still holding it.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, fmt.Errorf("store: migrations: take the lock: %w", err)
	}
	locked = true
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	done := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: read migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		if err := applyPostgres(ctx, conn, m, now()); err != nil {
			return applied, fmt.Errorf("store: migration postgres/%s: %w", m.name, err)
		}
		applied = append(applied, m.version)
	}
	clean = true
	return applied, nil
}

// applyPostgres runs one migration and records it, in one transaction. A migration
// of several statements runs as one simple query (pgx sends a statement without
// arguments so).
func applyPostgres(ctx context.Context, conn *sql.Conn, m migration, at time.Time) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, at); err != nil {
		return err
	}
	return tx.Commit()
}

// postgresVersion returns the highest migration applied to a PostgreSQL database.
func postgresVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migrateOnPostgres connects to the PostgreSQL database at cfg.DB, applies its
// pending migrations and returns its schema version, then disconnects.
func migrateOnPostgres(ctx context.Context, cfg Config, now func() time.Time) (int, error) {
	g, err := openPostgres(ctx, cfg, now)
	if err != nil {
		return 0, err
	}
	db, _ := g.DB()
	defer db.Close()
	if _, err := migratePostgres(ctx, db, now); err != nil {
		return 0, redactErr(err, cfg.DB)
	}
	v, err := postgresVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", redactErr(err, cfg.DB))
	}
	return v, nil
}

// MigrateDatabase opens the database at cfg.DB, applies its pending migrations and returns
// its schema version. On PostgreSQL it only connects and migrates.
func MigrateDatabase(ctx context.Context, cfg Config) (int, error) {
	if IsPostgres(cfg.DB) {
		return migrateOnPostgres(ctx, cfg, storeClock(cfg.Now))
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return s.SchemaVersion(ctx)
}

// openPostgresStore connects s to the PostgreSQL database at cfg.DB, applies its
// pending migrations and renders the fragments that are missing. Writer and reader
// are the same pool: PostgreSQL serialises writes by locks, not by connection, and
// the store's write transactions take one lock first (see writeTx).
func (s *Store) openPostgresStore(ctx context.Context, cfg Config) error {
	g, err := openPostgres(ctx, cfg, s.now)
	if err != nil {
		return err
	}
	db, _ := g.DB()
	if _, err := migratePostgres(ctx, db, s.now); err != nil {
		db.Close()
		return redactErr(err, cfg.DB)
	}
	s.writer, s.reader = g, g
	if err := s.renderMissingFragments(ctx); err != nil {
		db.Close()
		return redactErr(err, cfg.DB)
	}
	return nil
}
