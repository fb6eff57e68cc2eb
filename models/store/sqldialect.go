package store

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// This file holds what differs between SQLite and PostgreSQL in the store's SQL:
// small functions that return the text for the store's dialect, and the write
// transaction, which each database serialises in its own way.

// storeClock returns the store's clock: now (time.Now when nil) in UTC, to the
// microsecond. PostgreSQL keeps microseconds, SQLite's text keeps nanoseconds:
// times cut here are stored and read back the same on both.
func storeClock(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return storedTime(now()) }
}

// storedTime is t as the store keeps it: in UTC, to the microsecond. The store's
// clock (storeClock) and the times an item is given (utcPtr, in write) pass through
// it.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// writeTx runs fn in a write transaction.
//
// On SQLite the one writer connection begins it IMMEDIATE, which takes the
// database's write lock: writes run one at a time. On PostgreSQL every connection
// of the pool may write, so the transaction first takes the row lock of meta's
// content_version row (which bumpVersion updates at the end), and holds it to the
// commit: writes run one at a time here too, in the order they took the lock. That
// is what keeps the changes feed gap-free for readers: a change's id comes from the
// identity while the lock is held, and the lock passes to the next writer only once
// the commit is visible, so ids become visible in their order and a reader that
// has seen id n never later finds a smaller one (a bare sequence hands out numbers
// at insert and commits them in any order). The same lock keeps the store's
// read-then-write steps (slug checks, If-Match versions, changeStamp) as sound as
// they are under SQLite's single writer.
func (s *Store) writeTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == postgresDialect {
			if err := tx.Exec(`SELECT 1 FROM meta WHERE key = 'content_version' FOR UPDATE`).Error; err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// timeArg is the placeholder of a time where PostgreSQL cannot infer the type
// from the context (the select list of an INSERT … SELECT): cast there, bare on
// SQLite, whose CAST to a type it does not know would make the time a number.
func (s *Store) timeArg() string {
	if s.dialect == postgresDialect {
		return `CAST(? AS TIMESTAMPTZ)`
	}
	return `?`
}

// isPostgres reports whether db is a handle on PostgreSQL.
func isPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// pgFunctions maps the spellings of SQLite's functions in the store's own SQL to
// PostgreSQL's: the separators of records (char(30), char(31)) and the snippet
// markers (char(57344), char(57345)) are chr there, and group_concat is string_agg
// (both leave the order to the query; the store sorts in Go).
var pgFunctions = strings.NewReplacer(
	"char(30)", "chr(30)", "char(31)", "chr(31)", "char(57344)", "chr(57344)", "char(57345)", "chr(57345)",
	"group_concat(", "string_agg(",
)

// jsonEach is SQLite's table of a JSON array's elements, as the store writes it.
var jsonEach = regexp.MustCompile(`json_each\(([a-z_.]+)\) j\b`)

// sqlText returns the store's SQL text q for the dialect of db: as it is on
// SQLite; on PostgreSQL with the functions of pgFunctions and json_each spelt as
// PostgreSQL spells them. Only the store's fixed texts go through it, never values.
func sqlText(db *gorm.DB, q string) string {
	if !isPostgres(db) {
		return q
	}
	if t, ok := pgTexts.Load(q); ok {
		return t.(string)
	}
	t := jsonEach.ReplaceAllString(pgFunctions.Replace(q), "jsonb_array_elements_text($1) AS j(value)")
	pgTexts.Store(q, t)
	return t
}

// pgTexts caches sqlText's translations: the store has a few dozen texts.
var pgTexts sync.Map

// rebind numbers the ? placeholders of q as PostgreSQL's $1, $2, …, for SQL that
// goes to database/sql directly (gorm does this itself). The store's texts have no
// ? inside their string literals or names.
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// skipLocked is the locking clause of a SELECT that leases rows of the table
// aliased alias: FOR UPDATE SKIP LOCKED on PostgreSQL, where claims run at once;
// none on SQLite, where they run one at a time.
func (s *Store) skipLocked(alias string) string {
	if s.dialect == postgresDialect {
		return " FOR UPDATE OF " + alias + " SKIP LOCKED"
	}
	return ""
}
