package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// CopyOptions say how Copy treats its target.
type CopyOptions struct {
	// Replace lets Copy empty a target that already holds data, in the copy's own
	// transaction; without it such a target is refused with ErrTargetNotEmpty.
	Replace bool
	// BatchRows is the most rows one INSERT carries; 0 means DefaultCopyBatch.
	BatchRows int
}

// DefaultCopyBatch is how many rows Copy writes in one INSERT by default.
const DefaultCopyBatch = 1000

// copyBatchBytes bounds the text a batch holds, so that a batch of large rows (the
// rendered article pages) does not grow past a few MiB.
const copyBatchBytes = 4 << 20

// copyMaxParams bounds the parameters of one INSERT: SQLite takes 32,766 and
// PostgreSQL 65,535.
const copyMaxParams = 30000

// TableCount is how many rows Copy wrote into a table.
type TableCount struct {
	Table string
	Rows  int64
}

// ErrTargetNotEmpty is Copy's error when the target holds data and
// CopyOptions.Replace is not set.
var ErrTargetNotEmpty = errors.New("the target database already holds data")

// copyExcluded are the tables that Copy leaves alone, with the reason. Every other
// table is copied, so that a table a later migration adds is copied too, or the copy
// fails because the two databases do not have it both.
var copyExcluded = map[string]string{
	"schema_migrations": "each database's own record of the migrations that made its schema: the target's migrations wrote it",
}

// SQLite's own tables (sqlite_stat1, sqlite_sequence) are left out by name, and
// FTS5's shadow tables by their type: FTS5 fills them from the rows that the copy
// writes into the virtual table.

// copyMerged are the tables that the migrations fill, so that an empty target has
// rows in them too: the source's rows replace the target's rows of the same key, and
// rows of keys that only the target has stay.
var copyMerged = map[string]bool{"meta": true}

// Copy copies every row of the database from into the database to, which may be of
// the other kind (SQLite or PostgreSQL), and returns the rows it wrote, table by
// table in the order it wrote them.
//
// It reads from in one consistent snapshot without changing it: on SQLite one read
// transaction of a read-only connection, on PostgreSQL a REPEATABLE READ, READ ONLY
// transaction; from must be at this binary's latest schema. It migrates to to its
// latest schema and refuses it when it holds data (ErrTargetNotEmpty) unless
// opts.Replace. It then writes every table but those of copyExcluded, in foreign key
// order and in batches, converting values to the target's column types (times,
// flags, JSON and dates), all in one transaction of to: a copy that fails leaves to
// as it was (a SQLite file that Copy created is removed). On PostgreSQL it then
// moves every identity column's sequence past the ids copied (and past the source's
// own sequence), so that new rows, the changes feed's among them, take the next
// numbers. The search index is copied row for row, row ids included.
//
// A SQLite target is opened as a store, so to.Render is required there. Errors
// never hold a password of either URL.
func Copy(ctx context.Context, from, to Config, opts CopyOptions) ([]TableCount, error) {
	counts, err := copyDatabase(ctx, from, to, opts)
	return counts, redactErr(redactErr(err, from.DB), to.DB)
}

func copyDatabase(ctx context.Context, from, to Config, opts CopyOptions) ([]TableCount, error) {
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultCopyBatch
	}
	for _, c := range []struct{ name, db string }{{"source", from.DB}, {"target", to.DB}} {
		if err := CheckDB(c.db); err != nil {
			return nil, fmt.Errorf("copy: %s: %w", c.name, err)
		}
	}
	if same, err := sameDatabase(from.DB, to.DB); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	} else if same {
		return nil, fmt.Errorf("copy: the source and the target are the same database (%s)", RedactDB(to.DB))
	}
	srcName, dstName := RedactDB(from.DB), RedactDB(to.DB)

	src, srcDialect, err := openCopySource(ctx, from)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	srcOpts := &sql.TxOptions{ReadOnly: true}
	if srcDialect == postgresDialect {
		srcOpts.Isolation = sql.LevelRepeatableRead
	}
	stx, err := src.BeginTx(ctx, srcOpts)
	if err != nil {
		return nil, fmt.Errorf("copy: source %s: %w", srcName, err)
	}
	defer stx.Rollback()
	// The first read takes the snapshot that every later one sees (SQLite's read
	// transaction starts at its first read).
	var version int
	if err := stx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return nil, fmt.Errorf("copy: source %s is not a Signpost database (it has no schema_migrations table): %w", srcName, err)
	}
	latest, err := LatestVersion(from.DB)
	if err != nil {
		return nil, err
	}
	switch {
	case version < latest:
		return nil, fmt.Errorf("copy: source %s is at schema version %d, not this binary's %d: run 'signpost migrate -db %s' on it first", srcName, version, latest, srcName)
	case version > latest:
		return nil, fmt.Errorf("copy: source %s is at schema version %d, newer than this binary's %d: copy it with a newer signpost", srcName, version, latest)
	}
	srcTables, err := readCopySchema(ctx, stx, srcDialect)
	if err != nil {
		return nil, fmt.Errorf("copy: source %s: %w", srcName, err)
	}

	dst, err := openCopyTarget(ctx, to)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		dst.close()
		if !committed && dst.created != "" {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(dst.created + suffix)
			}
		}
	}()
	dtx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("copy: target %s: %w", dstName, err)
	}
	defer dtx.Rollback()
	dstTables, err := readCopySchema(ctx, dtx, dst.dialect)
	if err != nil {
		return nil, fmt.Errorf("copy: target %s: %w", dstName, err)
	}
	plan, err := planCopy(srcTables, srcDialect, dstTables, dst.dialect)
	if err != nil {
		return nil, fmt.Errorf("copy from %s to %s: %w", srcName, dstName, err)
	}

	var held []string
	for _, t := range plan {
		if copyMerged[t.name] {
			continue
		}
		var one int
		err := dtx.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(t.name)+` LIMIT 1`).Scan(&one)
		switch {
		case err == nil:
			held = append(held, t.name)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("copy: target %s: %s: %w", dstName, t.name, err)
		}
	}
	if len(held) > 0 {
		if !opts.Replace {
			shown := strings.Join(held, ", ")
			if len(held) > 4 {
				shown = fmt.Sprintf("%s and %d more tables", strings.Join(held[:4], ", "), len(held)-4)
			}
			return nil, fmt.Errorf("copy: target %s has rows in %s: %w; give -replace to empty it first", dstName, shown, ErrTargetNotEmpty)
		}
		for i := len(plan) - 1; i >= 0; i-- {
			if copyMerged[plan[i].name] {
				continue
			}
			if _, err := dtx.ExecContext(ctx, `DELETE FROM `+quoteIdent(plan[i].name)); err != nil {
				return nil, fmt.Errorf("copy: target %s: empty %s: %w", dstName, plan[i].name, err)
			}
		}
	}

	var counts []TableCount
	for _, t := range plan {
		n, err := t.copyRows(ctx, stx, dtx, opts.BatchRows)
		if err != nil {
			return nil, fmt.Errorf("copy from %s to %s: table %s: %w", srcName, dstName, t.name, err)
		}
		counts = append(counts, TableCount{Table: t.name, Rows: n})
	}
	for _, t := range plan {
		if err := t.finish(ctx, stx, dtx); err != nil {
			return nil, fmt.Errorf("copy from %s to %s: table %s: %w", srcName, dstName, t.name, err)
		}
	}
	if err := dtx.Commit(); err != nil {
		return nil, fmt.Errorf("copy: target %s: commit: %w", dstName, err)
	}
	committed = true
	if dst.dialect == postgresDialect {
		// Fresh statistics for the planner; autovacuum would take them later.
		if _, err := dst.db.ExecContext(ctx, `ANALYZE`); err != nil {
			return counts, fmt.Errorf("copy: target %s: copied, but ANALYZE failed: %w", dstName, err)
		}
	}
	return counts, nil
}

// sameDatabase reports whether a and b name the same database: the same SQLite file,
// or the same database on the same PostgreSQL server.
func sameDatabase(a, b string) (bool, error) {
	if IsPostgres(a) != IsPostgres(b) {
		return false, nil
	}
	if IsPostgres(a) {
		ca, err := pgconn.ParseConfig(a)
		if err != nil {
			return false, err
		}
		cb, err := pgconn.ParseConfig(b)
		if err != nil {
			return false, err
		}
		return ca.Host == cb.Host && ca.Port == cb.Port && ca.Database == cb.Database, nil
	}
	pa, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	pb, err := filepath.Abs(b)
	if err != nil {
		return false, err
	}
	if pa == pb {
		return true, nil
	}
	sa, errA := os.Stat(pa)
	sb, errB := os.Stat(pb)
	return errA == nil && errB == nil && os.SameFile(sa, sb), nil
}

// openCopySource opens the database that Copy reads, without creating or changing
// anything: a SQLite file read-only, or a PostgreSQL database (one connection).
func openCopySource(ctx context.Context, cfg Config) (*sql.DB, dialect, error) {
	shown := RedactDB(cfg.DB)
	if IsPostgres(cfg.DB) {
		g, err := openPostgres(ctx, cfg, storeClock(cfg.Now))
		if err != nil {
			return nil, "", fmt.Errorf("copy: source: %w", err)
		}
		db, _ := g.DB()
		db.SetMaxOpenConns(1)
		return db, postgresDialect, nil
	}
	st, err := os.Stat(cfg.DB)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("copy: source %s does not exist", shown)
	case err != nil:
		return nil, "", fmt.Errorf("copy: source %s: %w", shown, err)
	case !st.Mode().IsRegular():
		return nil, "", fmt.Errorf("copy: source %s is not a file", shown)
	case st.Size() == 0:
		return nil, "", fmt.Errorf("copy: source %s is an empty file, not a Signpost database", shown)
	}
	db, err := openReadOnly(cfg.DB)
	if err != nil {
		return nil, "", fmt.Errorf("copy: source %s: %w", shown, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("copy: source %s: %w", shown, err)
	}
	return db, sqliteDialect, nil
}

// copyTarget is the database that Copy writes, migrated.
type copyTarget struct {
	db      *sql.DB
	dialect dialect
	close   func()
	created string // the SQLite file that opening created, removed if the copy fails
}

// openCopyTarget opens the database that Copy writes and brings it to the latest
// schema: a SQLite file through Open (created if missing; its writer connection
// does the copy), or a PostgreSQL database through its migrations.
func openCopyTarget(ctx context.Context, cfg Config) (*copyTarget, error) {
	if IsPostgres(cfg.DB) {
		now := storeClock(cfg.Now)
		g, err := openPostgres(ctx, cfg, now)
		if err != nil {
			return nil, fmt.Errorf("copy: target: %w", err)
		}
		db, _ := g.DB()
		if _, err := migratePostgres(ctx, db, now); err != nil {
			db.Close()
			return nil, fmt.Errorf("copy: target %s: %w", RedactDB(cfg.DB), err)
		}
		return &copyTarget{db: db, dialect: postgresDialect, close: func() { db.Close() }}, nil
	}
	created := ""
	if _, err := os.Stat(cfg.DB); errors.Is(err, fs.ErrNotExist) {
		created = cfg.DB
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		if created != "" {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(created + suffix)
			}
		}
		return nil, fmt.Errorf("copy: target %s: %w", RedactDB(cfg.DB), err)
	}
	_, w := s.Pools()
	return &copyTarget{db: w, dialect: sqliteDialect, close: func() { s.Close() }, created: created}, nil
}

// querier is what Copy reads and writes through: a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// copyColumn is a column as Copy sees it.
type copyColumn struct {
	name     string
	typ      string // SQLite's declared type in upper case, or PostgreSQL's data_type
	identity bool   // PostgreSQL: an identity column
	always   bool   // PostgreSQL: GENERATED ALWAYS AS IDENTITY
	serial   bool   // PostgreSQL: a column whose default is a sequence's nextval
}

// copySchemaTable is a table of one database as Copy sees it.
type copySchemaTable struct {
	name    string
	cols    []copyColumn // without generated and hidden columns
	pk      []string
	refs    map[string][]string // referenced table -> referencing columns
	virtual string              // SQLite: the virtual table's module (fts5), else ""
}

// readCopySchema reads the tables of a database that Copy copies: every table but
// those of copyExcluded and the database's own, with their columns, primary keys and
// foreign keys.
func readCopySchema(ctx context.Context, q querier, d dialect) (map[string]*copySchemaTable, error) {
	var names []string
	var listQuery string
	if d == sqliteDialect {
		listQuery = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%' ORDER BY name`
	} else {
		listQuery = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	if err := queryStrings(ctx, q, &names, listQuery); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables := map[string]*copySchemaTable{}
	for _, name := range names {
		if copyExcluded[name] != "" {
			continue
		}
		t := &copySchemaTable{name: name, refs: map[string][]string{}}
		var err error
		if d == sqliteDialect {
			err = t.readSQLite(ctx, q)
		} else {
			err = t.readPostgres(ctx, q)
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		tables[name] = t
	}
	return tables, nil
}

func (t *copySchemaTable) readSQLite(ctx context.Context, q querier) error {
	var sqlText sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = ?`, t.name).Scan(&sqlText); err != nil {
		return err
	}
	if upper := strings.ToUpper(sqlText.String); strings.HasPrefix(upper, "CREATE VIRTUAL TABLE") {
		if !strings.Contains(upper, "USING FTS5") {
			return errors.New("a virtual table that is not FTS5, which copy does not know how to copy")
		}
		// FTS5 keeps the row id apart from the columns; the search index's row ids
		// mean something (searchindex.go), so they are copied as a column.
		t.virtual = "fts5"
		t.cols = append(t.cols, copyColumn{name: "rowid", typ: "INTEGER"})
		t.pk = []string{"rowid"}
	}
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`, t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	type pkCol struct {
		name string
		pos  int
	}
	var pks []pkCol
	for rows.Next() {
		var name, typ string
		var pk, hidden int
		if err := rows.Scan(&name, &typ, &pk, &hidden); err != nil {
			return err
		}
		// Hidden columns are FTS5's own (search_index, rank) and generated ones:
		// SQLite makes their values.
		if hidden != 0 {
			continue
		}
		t.cols = append(t.cols, copyColumn{name: name, typ: strings.ToUpper(typ)})
		if pk > 0 {
			pks = append(pks, pkCol{name, pk})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(pks, func(a, b pkCol) int { return a.pos - b.pos })
	for _, p := range pks {
		t.pk = append(t.pk, p.name)
	}
	fks, err := q.QueryContext(ctx, `SELECT "table", "from" FROM pragma_foreign_key_list(?)`, t.name)
	return t.readRefs(fks, err)
}

func (t *copySchemaTable) readPostgres(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type, is_generated = 'ALWAYS',
			is_identity = 'YES', COALESCE(identity_generation, '') = 'ALWAYS', COALESCE(column_default, '') LIKE 'nextval(%'
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c copyColumn
		var generated bool
		if err := rows.Scan(&c.name, &c.typ, &generated, &c.identity, &c.always, &c.serial); err != nil {
			return err
		}
		// A generated column (the search index's tsvector) is made by the database.
		if generated {
			continue
		}
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := queryStrings(ctx, q, &t.pk, `SELECT a.attname FROM pg_constraint c
		CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.contype = 'p' AND c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass ORDER BY k.ord`, t.name); err != nil {
		return err
	}
	fks, err := q.QueryContext(ctx, `SELECT rc.relname, a.attname FROM pg_constraint c
		JOIN pg_class rc ON rc.oid = c.confrelid
		CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.contype = 'f' AND c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass`, t.name)
	return t.readRefs(fks, err)
}

// readRefs reads the rows (table referred to, column) of a foreign key query into
// t.refs.
func (t *copySchemaTable) readRefs(fks *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer fks.Close()
	for fks.Next() {
		var table, from string
		if err := fks.Scan(&table, &from); err != nil {
			return err
		}
		t.refs[table] = append(t.refs[table], from)
	}
	return fks.Err()
}

func queryStrings(ctx context.Context, q querier, out *[]string, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return rows.Err()
}

// copyTable is one table's copy: what to read from the source, how to convert each
// value, and how to write it.
type copyTable struct {
	name       string
	src, dst   *copySchemaTable
	from, to   dialect
	cols       []copyColumn // the target's columns, in its order
	convert    []func(any) (any, error)
	selfRef    []int // columns that reference the table itself, written in a second pass
	pkIndex    []int // positions in cols of the primary key's columns
	overriding bool  // PostgreSQL: insert with OVERRIDING SYSTEM VALUE
}

// planCopy checks that the two databases have the same tables with the same columns,
// in types that convert, and returns the tables in foreign key order: every table
// after those it references.
func planCopy(src map[string]*copySchemaTable, from dialect, dst map[string]*copySchemaTable, to dialect) ([]*copyTable, error) {
	var problems []string
	for name := range src {
		if dst[name] == nil {
			problems = append(problems, fmt.Sprintf("table %s is in the source only", name))
		}
	}
	for name := range dst {
		if src[name] == nil {
			problems = append(problems, fmt.Sprintf("table %s is in the target only", name))
		}
	}
	plans := map[string]*copyTable{}
	for name, d := range dst {
		s := src[name]
		if s == nil {
			continue
		}
		p := &copyTable{name: name, src: s, dst: d, from: from, to: to, cols: d.cols}
		srcCols := map[string]copyColumn{}
		for _, c := range s.cols {
			srcCols[c.name] = c
		}
		var onlySrc, onlyDst []string
		for _, c := range d.cols {
			sc, ok := srcCols[c.name]
			if !ok {
				onlyDst = append(onlyDst, c.name)
				continue
			}
			delete(srcCols, c.name)
			conv, err := converter(sc, from, c, to)
			if err != nil {
				problems = append(problems, fmt.Sprintf("table %s: column %s: %v", name, c.name, err))
			}
			p.convert = append(p.convert, conv)
			if slices.Contains(d.refs[name], c.name) {
				p.selfRef = append(p.selfRef, len(p.convert)-1)
			}
			if c.always {
				p.overriding = true
			}
		}
		for c := range srcCols {
			onlySrc = append(onlySrc, c)
		}
		if len(onlySrc)+len(onlyDst) > 0 {
			slices.Sort(onlySrc)
			problems = append(problems, fmt.Sprintf("table %s has different columns: in the source only [%s], in the target only [%s]",
				name, strings.Join(onlySrc, " "), strings.Join(onlyDst, " ")))
		}
		if !slices.Equal(s.pk, d.pk) {
			problems = append(problems, fmt.Sprintf("table %s: primary key (%s) in the source, (%s) in the target",
				name, strings.Join(s.pk, ", "), strings.Join(d.pk, ", ")))
		}
		for _, k := range d.pk {
			p.pkIndex = append(p.pkIndex, slices.IndexFunc(d.cols, func(c copyColumn) bool { return c.name == k }))
		}
		plans[name] = p
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("the databases' schemas differ:\n  %s", strings.Join(problems, "\n  "))
	}
	// Foreign key order, by the target's keys: a table comes once every table it
	// references (but itself) has come; ties in name order, so the order is stable.
	var order []*copyTable
	done := map[string]bool{}
	names := make([]string, 0, len(plans))
	for name := range plans {
		names = append(names, name)
	}
	slices.Sort(names)
	for len(order) < len(plans) {
		progress := false
		for _, name := range names {
			if done[name] {
				continue
			}
			ready := true
			for ref := range plans[name].dst.refs {
				if ref != name && !done[ref] && plans[ref] != nil {
					ready = false
				}
			}
			if ready {
				done[name] = true
				order = append(order, plans[name])
				progress = true
			}
		}
		if !progress {
			var left []string
			for _, name := range names {
				if !done[name] {
					left = append(left, name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of tables %s form a cycle, which copy cannot order", strings.Join(left, ", "))
		}
	}
	return order, nil
}

// copyTypes are the PostgreSQL types that hold each SQLite declared type's values,
// as schema_test.go checks them; an FTS5 column has no type.
var copyTypes = map[string][]string{
	"INTEGER":   {"bigint", "integer"},
	"TEXT":      {"text", "jsonb", "date"},
	"TIMESTAMP": {"timestamp with time zone"},
	"BOOLEAN":   {"boolean"},
	"":          {"text", "bigint"},
}

// converter returns the function that turns a value read from a source column into
// the value written to the target column. Between databases of one kind, values pass
// as they are (SQLite's are read without its driver's conversions, so its bytes are
// kept); between kinds, the PostgreSQL column's type says what the value is.
func converter(sc copyColumn, from dialect, tc copyColumn, to dialect) (func(any) (any, error), error) {
	if from == to {
		if sc.typ != tc.typ {
			return nil, fmt.Errorf("type %s in the source, %s in the target", sc.typ, tc.typ)
		}
		if to == sqliteDialect {
			return func(v any) (any, error) { return v, nil }, nil
		}
		return func(v any) (any, error) {
			switch v := v.(type) {
			case []byte:
				return string(v), nil
			case time.Time:
				return v.UTC(), nil
			}
			return v, nil
		}, nil
	}
	lite, pg := sc.typ, tc.typ
	if from == postgresDialect {
		lite, pg = tc.typ, sc.typ
	}
	if !slices.Contains(copyTypes[lite], pg) {
		return nil, fmt.Errorf("type %s on SQLite and %s on PostgreSQL do not convert", lite, pg)
	}
	toPG := to == postgresDialect
	var conv func(any) (any, error)
	switch pg {
	case "bigint", "integer":
		conv = func(v any) (any, error) {
			if n, ok := v.(int64); ok {
				return n, nil
			}
			return nil, fmt.Errorf("want an integer, got %T", v)
		}
	case "text":
		conv = textValue
	case "jsonb":
		conv = func(v any) (any, error) {
			s, err := textValue(v)
			if err != nil {
				return nil, err
			}
			if !json.Valid([]byte(s.(string))) {
				return nil, fmt.Errorf("not JSON: %.40q", s)
			}
			return s, nil
		}
	case "date":
		conv = func(v any) (any, error) {
			if toPG {
				s, err := textValue(v)
				if err != nil {
					return nil, err
				}
				d, err := time.Parse(time.DateOnly, s.(string))
				if err != nil {
					return nil, fmt.Errorf("not a date (YYYY-MM-DD): %q", s)
				}
				return d, nil
			}
			// The store's PostgreSQL connections read a date as its text
			// (registerTypes); pgx's own reading is a time.Time.
			switch d := v.(type) {
			case time.Time:
				return d.Format(time.DateOnly), nil
			case string:
				if _, err := time.Parse(time.DateOnly, d); err == nil {
					return d, nil
				}
			}
			return nil, fmt.Errorf("want a date (YYYY-MM-DD), got %#v", v)
		}
	case "timestamp with time zone":
		conv = func(v any) (any, error) {
			if toPG {
				return sqliteTime(v)
			}
			if t, ok := v.(time.Time); ok {
				// As the SQLite driver writes a time.Time: gorm's reads and the
				// store's comparisons of times as text depend on the one format.
				return t.UTC().Format(sqlite3.SQLiteTimestampFormats[0]), nil
			}
			return nil, fmt.Errorf("want a time, got %T", v)
		}
	case "boolean":
		conv = func(v any) (any, error) {
			switch v := v.(type) {
			case bool:
				if toPG {
					return v, nil
				}
				return map[bool]int64{false: 0, true: 1}[v], nil
			case int64:
				if toPG && (v == 0 || v == 1) {
					return v == 1, nil
				}
			}
			return nil, fmt.Errorf("want a flag (0 or 1), got %v", v)
		}
	default:
		return nil, fmt.Errorf("type %s has no conversion", pg)
	}
	return func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		return conv(v)
	}, nil
}

func textValue(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return nil, fmt.Errorf("want text, got %T", v)
}

// sqliteTime reads a time as SQLite keeps it (text in one of the formats its driver
// reads; gorm writes the first) into UTC at PostgreSQL's precision, microseconds.
// Unlike the driver, which reads a time it cannot parse as the zero time, it fails.
func sqliteTime(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Truncate(time.Microsecond), nil
	}
	s, err := textValue(v)
	if err != nil {
		return nil, fmt.Errorf("want a time, got %T", v)
	}
	text := strings.TrimSuffix(s.(string), "Z")
	for _, format := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.ParseInLocation(format, text, time.UTC); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return nil, fmt.Errorf("not a time: %q", s)
}

// selectList is the source's columns in the target's order. SQLite's are read as
// +column, an expression with no declared type, so that its driver hands over the
// stored value as it is rather than convert it by the column's type.
func (t *copyTable) selectList() string {
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		if t.from == sqliteDialect {
			b.WriteString("+")
		}
		b.WriteString(quoteIdent(c.name))
	}
	return b.String()
}

func (t *copyTable) orderBy() string {
	if len(t.src.pk) == 0 {
		return ""
	}
	var keys []string
	for _, k := range t.src.pk {
		keys = append(keys, quoteIdent(k))
	}
	return " ORDER BY " + strings.Join(keys, ", ")
}

// placeholder is the n-th (from 1) parameter of a statement on the target.
func (t *copyTable) placeholder(n int) string {
	if t.to == postgresDialect {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// copyRows streams the table's rows from the source into the target, in batches,
// and returns how many it wrote. Columns that reference the table itself are written
// as NULL here and set by finish, once every row they may point at is there.
func (t *copyTable) copyRows(ctx context.Context, src, dst querier, batchRows int) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+t.selectList()+` FROM `+quoteIdent(t.name)+t.orderBy())
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	perBatch := min(batchRows, max(1, copyMaxParams/len(t.cols)))
	var batch [][]any
	var bytes int
	var n int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := t.insert(ctx, dst, batch); err != nil {
			return err
		}
		n += int64(len(batch))
		batch, bytes = batch[:0], 0
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read: %w", err)
		}
		for i, v := range vals {
			c, err := t.convert[i](v)
			if err != nil {
				return n, fmt.Errorf("row %s: column %s: %w", t.rowKey(vals), t.cols[i].name, err)
			}
			vals[i] = c
			switch c := c.(type) {
			case string:
				bytes += len(c)
			case []byte:
				bytes += len(c)
			}
		}
		for _, i := range t.selfRef {
			vals[i] = nil
		}
		batch = append(batch, vals)
		if len(batch) >= perBatch || bytes >= copyBatchBytes {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	if err := rows.Close(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	return n, flush()
}

// rowKey names a row by its primary key, for errors.
func (t *copyTable) rowKey(vals []any) string {
	var parts []string
	for _, i := range t.pkIndex {
		parts = append(parts, fmt.Sprintf("%s=%v", t.cols[i].name, vals[i]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// insert writes a batch of rows in one INSERT. Into a table of copyMerged it first
// deletes the target's rows of the same keys.
func (t *copyTable) insert(ctx context.Context, dst querier, batch [][]any) error {
	if copyMerged[t.name] {
		if len(t.pkIndex) != 1 {
			return errors.New("a merged table needs a primary key of one column")
		}
		k := t.pkIndex[0]
		var ph []string
		var args []any
		for _, r := range batch {
			args = append(args, r[k])
			ph = append(ph, t.placeholder(len(args)))
		}
		if _, err := dst.ExecContext(ctx, `DELETE FROM `+quoteIdent(t.name)+` WHERE `+quoteIdent(t.cols[k].name)+` IN (`+strings.Join(ph, ", ")+`)`, args...); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + quoteIdent(t.name) + ` (`)
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.name))
	}
	b.WriteString(`)`)
	if t.overriding {
		b.WriteString(` OVERRIDING SYSTEM VALUE`)
	}
	b.WriteString(` VALUES `)
	args := make([]any, 0, len(batch)*len(t.cols))
	for r, row := range batch {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			b.WriteString(t.placeholder(len(args)))
		}
		b.WriteString(")")
	}
	if _, err := dst.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("write rows %s to %s: %w", t.rowKey(batch[0]), t.rowKey(batch[len(batch)-1]), err)
	}
	return nil
}

// finish completes the table once every table is copied: it sets the columns that
// reference the table itself, moves PostgreSQL's identity sequences past the ids
// copied, and merges an FTS5 index into one segment.
func (t *copyTable) finish(ctx context.Context, src, dst querier) error {
	for _, i := range t.selfRef {
		if err := t.copySelfRef(ctx, src, dst, i); err != nil {
			return err
		}
	}
	if t.to == postgresDialect {
		for _, c := range t.cols {
			if !c.identity && !c.serial {
				continue
			}
			if err := t.restartIdentity(ctx, src, dst, c); err != nil {
				return fmt.Errorf("column %s: restart its sequence: %w", c.name, err)
			}
		}
	}
	if t.to == sqliteDialect && t.dst.virtual == "fts5" {
		q := `INSERT INTO ` + quoteIdent(t.name) + ` (` + quoteIdent(t.name) + `) VALUES ('optimize')`
		if _, err := dst.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
	}
	return nil
}

// copySelfRef sets column i of every row from the source, which copyRows left NULL.
func (t *copyTable) copySelfRef(ctx context.Context, src, dst querier, i int) error {
	col := t.cols[i]
	var keys []string
	for _, k := range t.src.pk {
		keys = append(keys, quoteIdent(k))
	}
	if len(keys) == 0 {
		return fmt.Errorf("column %s references the table, which has no primary key to set it by", col.name)
	}
	sel := `SELECT ` + t.srcExpr(col.name)
	for _, k := range t.src.pk {
		sel += `, ` + t.srcExpr(k)
	}
	sel += ` FROM ` + quoteIdent(t.name) + ` WHERE ` + quoteIdent(col.name) + ` IS NOT NULL` + t.orderBy()
	rows, err := src.QueryContext(ctx, sel)
	if err != nil {
		return fmt.Errorf("read %s: %w", col.name, err)
	}
	defer rows.Close()
	upd := `UPDATE ` + quoteIdent(t.name) + ` SET ` + quoteIdent(col.name) + ` = ` + t.placeholder(1) + ` WHERE `
	for j, k := range keys {
		if j > 0 {
			upd += ` AND `
		}
		upd += k + ` = ` + t.placeholder(j+2)
	}
	for rows.Next() {
		vals := make([]any, 1+len(keys))
		ptrs := make([]any, len(vals))
		for j := range vals {
			ptrs[j] = &vals[j]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for j, name := range append([]string{col.name}, t.src.pk...) {
			k := slices.IndexFunc(t.cols, func(c copyColumn) bool { return c.name == name })
			v, err := t.convert[k](vals[j])
			if err != nil {
				return fmt.Errorf("column %s: %w", name, err)
			}
			vals[j] = v
		}
		if _, err := dst.ExecContext(ctx, upd, vals...); err != nil {
			return fmt.Errorf("write %s: %w", col.name, err)
		}
	}
	return rows.Err()
}

func (t *copyTable) srcExpr(col string) string {
	if t.from == sqliteDialect {
		return "+" + quoteIdent(col)
	}
	return quoteIdent(col)
}

// restartIdentity makes the target's sequence of column c give next a number past
// every id copied and past the last one the source's own sequence gave (on
// PostgreSQL, ids of deleted rows are never given again). ALTER TABLE … RESTART is
// transactional, unlike setval: a copy that fails leaves the sequence as it was.
func (t *copyTable) restartIdentity(ctx context.Context, src, dst querier, c copyColumn) error {
	var next int64
	if err := dst.QueryRowContext(ctx, `SELECT COALESCE(MAX(`+quoteIdent(c.name)+`), 0) + 1 FROM `+quoteIdent(t.name)).Scan(&next); err != nil {
		return err
	}
	if t.from == postgresDialect {
		var seq sql.NullString
		if err := src.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($1), $2)`, t.name, c.name).Scan(&seq); err != nil {
			return err
		}
		if seq.Valid {
			var last sql.NullInt64
			if err := src.QueryRowContext(ctx, `SELECT pg_sequence_last_value($1::regclass)`, seq.String).Scan(&last); err != nil {
				return err
			}
			if last.Valid && last.Int64+1 > next {
				next = last.Int64 + 1
			}
		}
	}
	// An identity column's sequence is restarted through its table, a serial
	// column's directly; both are DDL, undone with the transaction.
	restart := ` RESTART WITH ` + strconv.FormatInt(next, 10)
	if c.identity {
		_, err := dst.ExecContext(ctx, `ALTER TABLE `+quoteIdent(t.name)+` ALTER COLUMN `+quoteIdent(c.name)+restart)
		return err
	}
	var seq sql.NullString
	if err := dst.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($1), $2)`, t.name, c.name).Scan(&seq); err != nil {
		return err
	}
	if !seq.Valid {
		return errors.New("no sequence found")
	}
	_, err := dst.ExecContext(ctx, `ALTER SEQUENCE `+seq.String+restart)
	return err
}

// quoteIdent quotes a table or column name for both SQLite and PostgreSQL ("full"
// is a reserved word in PostgreSQL).
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
