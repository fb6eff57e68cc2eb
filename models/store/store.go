// Package store keeps Signpost's content in a database through gorm: reads in the
// vocabulary of the domain (package models), editorial writes with their audit
// entries, changes feed and search index in one transaction, migrations and the
// seed content. No *gorm.DB leaves the package; it never imports gin.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"signpost/models"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Config says where the database is and how the store tells the time.
type Config struct {
	// DB names the database: a SQLite file path, or a postgres:// or
	// postgresql:// URL.
	DB string
	// Now returns the current time; nil means time.Now. Tests pin it.
	Now func() time.Time
	// MaxOpenConns bounds the connections open at once: on SQLite those of the read
	// pool, beside the one writer connection (0 picks the CPU count + 1); on
	// PostgreSQL the pool's (0 means DefaultPostgresConns).
	MaxOpenConns int
	// MaxIdleConns is how many of those stay open while idle; 0 means all of them.
	MaxIdleConns int
	// ConnMaxLifetime closes and replaces a connection once it is this old; 0 keeps
	// connections for as long as they work.
	ConnMaxLifetime time.Duration
	// VerifyAfter is how long a helpline's details are trusted after they were last
	// checked; older ones are marked verification_due. 0 means 180 days.
	VerifyAfter time.Duration
	// BusyTimeout is how long a write waits for the write lock that another process
	// holds before it fails with ELOCKED; 0 means DefaultBusyTimeout. Tests shorten
	// it.
	BusyTimeout time.Duration
	// Render writes items in the API's shapes: for the audit log's before and after,
	// and for the ready-made public JSON of articles. Required: the store shows the
	// documented shapes only, and it does not import the package that owns them.
	Render Renderer
	// Event renders a webhook message: the change, with the item in its public
	// shape (nil for a tombstone). The store calls it inside write transactions,
	// only when a subscription wants the change; without it such a write fails
	// rather than lose the message.
	Event func(c models.Change, item any) ([]byte, error)
}

// Renderer writes items (a *models.Article, Helpline, Campaign or Organisation) in
// the API's shapes. The store calls it inside write transactions, and on reads of
// items whose ready-made JSON is missing.
type Renderer interface {
	// Editor renders an item as an editor reads it at now.
	Editor(item any, now time.Time) ([]byte, error)
	// Public renders an item as the public reads it: in a list (full false) or on
	// its own page (full true).
	Public(item any, full bool, now time.Time) ([]byte, error)
}

// DefaultVerifyAfter is how long helpline details are trusted by default.
const DefaultVerifyAfter = 180 * 24 * time.Hour

// DefaultBusyTimeout is how long a write waits for a lock held elsewhere by default.
const DefaultBusyTimeout = 5 * time.Second

// Store holds the database: one writer connection, so that writes never race for the
// lock, and a pool of read-only connections on the same file.
type Store struct {
	writer      *gorm.DB
	reader      *gorm.DB
	now         func() time.Time
	path        string
	verifyAfter time.Duration
	render      Renderer
	stmts       sync.Map // of query text to *sql.Stmt on the read pool; see readStmt
	health      writeHealth
	event       func(c models.Change, item any) ([]byte, error)
	// dialect is the kind of database: SQLite (a writer connection and a read pool
	// on one file) or PostgreSQL (one pool, writer and reader alike).
	dialect dialect
}

// Open opens (creating if needed) the SQLite database at cfg.DB and applies any
// pending migrations. It fails when the binary was built without FTS5. Given a
// PostgreSQL URL it connects to that database and applies the PostgreSQL migrations
// (see openPostgresStore).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DB == "" {
		return nil, errors.New("store: database path is empty")
	}
	if cfg.Render == nil {
		return nil, errors.New("store: Config.Render is required")
	}
	s := &Store{now: storeClock(cfg.Now), path: cfg.DB, verifyAfter: cfg.VerifyAfter, render: cfg.Render,
		event: cfg.Event, dialect: sqliteDialect}
	if s.verifyAfter <= 0 {
		s.verifyAfter = DefaultVerifyAfter
	}
	if IsPostgres(cfg.DB) {
		s.dialect, s.path = postgresDialect, ""
		if err := s.openPostgresStore(ctx, cfg); err != nil {
			return nil, err
		}
		return s, nil
	}
	busy := cfg.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	dsnOf := func(extra string) string { return dsn(cfg.DB, busy, extra) }

	gcfg := func() *gorm.Config {
		return &gorm.Config{
			TranslateError:         true,
			SkipDefaultTransaction: true,
			NowFunc:                s.now,
			Logger:                 logger.Discard,
		}
	}
	// _txlock=immediate makes every write transaction take the lock up front, so a
	// read-then-write never fails with "database is locked" half way.
	// Opening sets WAL mode, which takes a moment's exclusive lock: another process
	// opening the same new file at once may see "database is locked". Try again
	// for a few seconds before giving up.
	var writer *gorm.DB
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		writer, err = gorm.Open(sqlite.Open(dsnOf("_txlock=immediate&_synchronous=FULL")), gcfg())
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	wdb, _ := writer.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	s.writer = writer

	// SQLite's page caches and search work stay within 48 MiB for the whole process:
	// past that it gives pages back rather than grow.
	if _, err := wdb.ExecContext(ctx, `PRAGMA soft_heap_limit = 50331648`); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: soft heap limit: %w", err)
	}
	if err := probeFTS5(ctx, wdb); err != nil {
		wdb.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		wdb.Close()
		return nil, err
	}
	// The planner's statistics go stale as tables grow (the fragments' tables start
	// empty); SQLite's optimize brings back up to date those that need it, cheaply.
	// It runs in a write transaction of its own, which waits its turn behind another
	// process's writes: run bare, its read turned into a write and failed at once
	// with "database is locked" when another instance had written in between. It
	// only helps the planner, so a database still too busy does without it.
	err = writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec(`PRAGMA optimize=0x10002`).Error
	})
	if err != nil && !isBusy(err) {
		wdb.Close()
		return nil, fmt.Errorf("store: optimize: %w", err)
	}

	// Each reader keeps up to 12 MiB of pages: a search joins thousands of matches
	// to their items, and pages read from SQLite's own cache cost far less than pages
	// read again from the file.
	// Readers keep their prepared statements: the same few queries run over and over.
	rcfg := gcfg()
	rcfg.PrepareStmt = true
	reader, err := gorm.Open(sqlite.Open(dsnOf("_query_only=1&_cache_size=-12288")), rcfg)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open reader: %w", err)
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		// Reads are CPU work on pages in memory: one connection a core, and one
		// more, is enough, and keeps each one's page cache within bounds.
		n = max(2, runtime.NumCPU()+1)
	}
	rdb, _ := reader.DB()
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(idleConns(cfg.MaxIdleConns, n))
	rdb.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	s.reader = reader
	return s, nil
}

func dsn(path string, busy time.Duration, extra string) string {
	u := url.URL{Scheme: "file", Opaque: path}
	q := fmt.Sprintf("_journal_mode=WAL&_busy_timeout=%d&_foreign_keys=on", max(busy.Milliseconds(), 1))
	if extra != "" {
		q += "&" + extra
	}
	return u.String() + "?" + q
}

func probeFTS5(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts5_probe USING fts5(x)`); err != nil {
		if strings.Contains(err.Error(), "no such module") {
			return errors.New("store: this binary was built without SQLite FTS5; build with -tags sqlite_fts5")
		}
		return fmt.Errorf("store: probe FTS5: %w", err)
	}
	_, err := db.ExecContext(ctx, `DROP TABLE temp.fts5_probe`)
	return err
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.reader, s.writer} {
		if g == nil {
			continue
		}
		if db, err := g.DB(); err == nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// readContext returns ctx without its cancellation, for reads of bounded size.
//
// The SQLite driver watches a cancellable context by starting a goroutine for every
// row it fetches, and handing the row over through a channel: on a page of a list
// that cost more than the query itself (it doubled the article list's latency in the
// load test). A page or an item is read in about a millisecond, so those reads run to
// the end even when the client has gone; so does a search, which reads no more than
// its page's matches in most cases and checks the context before it starts.
func readContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// Now returns the store's current time in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.WithContext(ctx).Raw(`SELECT 1`).Scan(&one).Error; err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// ContentVersion returns the number that every write to content bumps.
func (s *Store) ContentVersion(ctx context.Context) (int64, error) {
	ctx = readContext(ctx)
	var v string
	if err := s.reader.WithContext(ctx).Raw(`SELECT value FROM meta WHERE key = 'content_version'`).Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("store: content version: %w", err)
	}
	var n int64
	fmt.Sscan(v, &n)
	return n, nil
}

// ContentState returns the content version and the time of the last content write
// (zero when none is known).
func (s *Store) ContentState(ctx context.Context) (version int64, changedAt time.Time, err error) {
	ctx = readContext(ctx)
	var rows []struct {
		Key   string
		Value string
	}
	if err := s.reader.WithContext(ctx).Raw(`SELECT key, value FROM meta WHERE key IN ('content_version', 'content_changed_at')`).Scan(&rows).Error; err != nil {
		return 0, time.Time{}, internal("content state", err)
	}
	for _, r := range rows {
		switch r.Key {
		case "content_version":
			fmt.Sscan(r.Value, &version)
		case "content_changed_at":
			changedAt, _ = time.Parse(time.RFC3339Nano, r.Value)
		}
	}
	return version, changedAt, nil
}

// internal wraps an unexpected storage error; its message never reaches clients.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *models.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// Backup writes a consistent copy of the database to path while the server runs.
// The file must not exist yet. It is SQLite's (VACUUM INTO): on PostgreSQL it fails
// with ErrBackupPostgres, since pg_dump is the tool there.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect == postgresDialect {
		return ErrBackupPostgres
	}
	if err := s.writer.WithContext(ctx).Exec(`VACUUM INTO ?`, path).Error; err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}

// isBusy reports whether err is SQLite's "database is locked" (SQLITE_BUSY).
func isBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return strings.Contains(err.Error(), "database is locked")
}
