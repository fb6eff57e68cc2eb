package main

// The api tests run on both stores: on SQLite, and then, from TestMain, the same
// tests again on PostgreSQL (pgtest.Both). This file holds what tells them apart.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"signpost/models/store/pgtest"
)

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return pgtest.OnPostgres() }

// testDB returns the name of a new, empty database of the store the tests run on:
// a SQLite file under tb.TempDir(), or a PostgreSQL database's URL.
func testDB(tb testing.TB) string {
	tb.Helper()
	if onPostgres() {
		return pgtest.MustDatabase(tb)
	}
	return filepath.Join(tb.TempDir(), "signpost.db")
}

// sqliteOnly skips a test that is about SQLite itself (its file, its locks, its
// backups) when the tests run on PostgreSQL, saying why.
func sqliteOnly(tb testing.TB, why string) {
	tb.Helper()
	if onPostgres() {
		tb.Skipf("SQLite only: %s", why)
	}
}

// searchOnPostgres skips a test that searches when the tests run on PostgreSQL,
// until search reads are ported there.
func searchOnPostgres(tb testing.TB) {
	tb.Helper()
	if onPostgres() {
		tb.Skip("search on PostgreSQL: branch pgsearch")
	}
}

// openSide opens the tests' side connection to the database named db: the SQL of
// the tests is written with ? placeholders, which on PostgreSQL are numbered on
// the way to the driver.
func openSide(db string) (*sql.DB, error) {
	if !onPostgres() {
		return sql.Open("sqlite3", sideDSN(db))
	}
	c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(db)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(rebindConnector{c}), nil
}

// rebindConnector opens pgx connections that take ? placeholders.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{conn.(pgxConn)}, nil
}

// pgxConn is what database/sql uses of a pgx connection.
type pgxConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.ConnBeginTx
	driver.NamedValueChecker
}

type rebindConn struct{ pgxConn }

func (c rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.pgxConn.PrepareContext(ctx, rebindSQL(q))
}

func (c rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.pgxConn.ExecContext(ctx, rebindSQL(q), args)
}

func (c rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgxConn.QueryContext(ctx, rebindSQL(q), args)
}

// rebindSQL numbers the ? placeholders of q as $1, $2, … (the tests' SQL has no ?
// inside its literals).
func rebindSQL(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isSearch reports whether a request path searches: /api/v1/search, or a list or
// feed with q=.
func isSearch(path string) bool {
	return strings.Contains(path, "/search") || strings.Contains(path, "q=")
}

// searchPathOnPostgres skips a (sub)test of a path that searches, on PostgreSQL, as
// searchOnPostgres does.
func searchPathOnPostgres(tb testing.TB, path string) {
	tb.Helper()
	if isSearch(path) {
		searchOnPostgres(tb)
	}
}

// withoutSearch returns paths without those that search, on PostgreSQL (all of
// them on SQLite), for tests that walk a list of answers.
func withoutSearch(paths []string) []string {
	if !onPostgres() {
		return paths
	}
	var out []string
	for _, p := range paths {
		if !isSearch(p) {
			out = append(out, p)
		}
	}
	return out
}
