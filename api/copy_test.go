package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"signpost/handlers"
	"signpost/models/store"
)

// copyTestConfig is the configuration of the apps of the copy tests: no rate limits
// (they send hundreds of requests) and one public URL, so that absolute links are
// the same whichever server answers.
func copyTestConfig() TestOption {
	return WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitKey, c.RateLimitEmbed = 0, 0, 0
		c.PublicURL, c.PublicURLSet = "https://signpost.example.org", true
	})
}

// richSource is a running app whose database has rows in every table, made through
// the API: the source of the copy tests.
type richSource struct {
	*editorApp
	hookID int64
}

// mustRichSource starts a seeded app and makes editorial changes through the API, so
// that every table has rows: articles created, updated with If-Match, renamed (slug
// history), scheduled and deleted; a helpline and a campaign; an organisation whose
// parent was created after it (a reference to a higher id); API keys that have been
// used; a webhook subscription with deliveries and an attempt. It fails the test when
// a table that copy copies is still empty, so that a table added later gets rows here
// too.
func mustRichSource(t *testing.T) *richSource {
	t.Helper()
	app := MustStartEditorApp(t, withHooks(), copyTestConfig())
	src := &richSource{editorApp: app}
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL + "/hook", "events": []string{"*"}, "filters": obj{"regions": []string{"cumbria"}}, "description": "copy"})
	src.hookID = hook.ID

	app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Warrants executed in Carlisle"))
	resp, _ := app.Read(t, "/api/v1/articles/warrants-executed-in-carlisle", app.Editor)
	MustStatus(t, resp, http.StatusOK)
	resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/warrants-executed-in-carlisle", app.Editor,
		obj{"summary": "Six children were safeguarded after two warrants."}, "If-Match", resp.Header.Get("ETag"))
	MustStatus(t, resp, http.StatusOK)
	resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/warrants-executed-in-carlisle", app.Editor,
		obj{"slug": "carlisle-warrants"}, "If-Match", resp.Header.Get("ETag"))
	MustStatus(t, resp, http.StatusOK)

	scheduled := articleBody("Schools week of action announced")
	scheduled["status"] = "scheduled"
	scheduled["publish_at"] = app.Clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	app.MustCreate(t, "/api/v1/articles", app.Editor, scheduled)
	draft := articleBody("A draft about reporting")
	draft["status"] = "draft"
	app.MustCreate(t, "/api/v1/articles", app.Editor, draft)
	app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("An article to be deleted"))
	resp, _ = app.Write(t, http.MethodDelete, "/api/v1/articles/an-article-to-be-deleted", app.Editor, nil)
	MustStatus(t, resp, http.StatusNoContent)

	app.MustCreate(t, "/api/v1/helplines", app.Editor, helplineBody("Cumbria advice line"))
	app.MustCreate(t, "/api/v1/campaigns", app.Editor, campaignBody("Cumbria week of action"))
	app.MustCreate(t, "/api/v1/organisations", app.Editor, obj{"name": "Carlisle Youth Trust", "kind": "charity"})
	app.MustCreate(t, "/api/v1/organisations", app.Editor, obj{"name": "Northern Youth Network", "kind": "charity"})
	resp, _ = app.Write(t, http.MethodPatch, "/api/v1/organisations/carlisle-youth-trust", app.Editor, obj{"parent": "northern-youth-network"})
	MustStatus(t, resp, http.StatusOK)
	mustPatchHelpline(t, app, "stop-it-now", "Confidential advice for anyone worried about child sexual abuse.")

	// The worker tries the pending deliveries once: attempts are recorded.
	if n := mustTick(t, mustWorker(t, app.testApp, "copy-test", nil)); n == 0 {
		t.Fatal("the worker tried no delivery")
	}
	app.Clock.Add(time.Minute)

	db := mustSide(t, app.DBPath)
	tables, err := copiedTables(db, app.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		var n int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("table %s has no rows: make some in mustRichSource, so that the copy tests cover it", table)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return src
}

// mustSide opens a connection of its own to the database named name, of either
// kind, whichever store the tests run on; it is closed when the test ends.
func mustSide(t *testing.T, name string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if store.IsPostgres(name) {
		db, err = sql.Open("pgx", name)
	} else {
		db, err = sql.Open("sqlite3", sideDSN(name))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// copiedTables lists the tables of a database that copy copies: all but
// schema_migrations, and on SQLite its own and FTS5's shadow tables.
func copiedTables(db *sql.DB, name string) ([]string, error) {
	q := `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
		AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name`
	if store.IsPostgres(name) {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' AND table_name != 'schema_migrations' ORDER BY 1`
	}
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// copyTargets are the databases the copy tests copy into: a new SQLite file, a new
// PostgreSQL database, and a round trip (into PostgreSQL, then out of it into a new
// SQLite file). The source is a SQLite file, or a PostgreSQL database when the
// tests run on PostgreSQL, so that between the two runs every direction is served
// and compared.
var copyTargets = []struct {
	name string
	// copy copies the source at src and returns the database to serve from.
	copy func(t *testing.T, src string) string
}{
	{"SQLite", func(t *testing.T, src string) string {
		dst := filepath.Join(t.TempDir(), "copy.db")
		mustMain(t, env(), "copy", "-from", src, "-to", dst)
		mustSameTables(t, src, dst)
		return dst
	}},
	{"PostgreSQL", func(t *testing.T, src string) string {
		u := mustPostgresURL(t)
		out := mustMain(t, env(), "copy", "-from", src, "-to", u)
		noPassword(t, "copy's output", out)
		mustSameTables(t, src, u)
		return u
	}},
	{"PostgreSQLToSQLite", func(t *testing.T, src string) string {
		if store.IsPostgres(src) {
			t.Skip("from PostgreSQL, the SQLite target is that direction already")
		}
		u := mustPostgresURL(t)
		mustMain(t, env(), "copy", "-from", src, "-to", u)
		back := filepath.Join(t.TempDir(), "back.db")
		out := mustMain(t, env(), "copy", "-from", u, "-to", back)
		noPassword(t, "copy's output", out)
		mustSameTables(t, u, back)
		return back
	}},
}

// TestCopyReads proves that a copy serves exactly what its source serves: every GET
// route of the router, with representative parameters, without a key and with an
// editor's and an admin's key (which work on the copy: their hashes came along),
// answers the same status, body and headers from a server on the copy as from one
// on the source. The source is copied while its server runs. Then a write to the
// copy takes ids and a changes feed seq after the source's.
func TestCopyReads(t *testing.T) {
	for _, target := range copyTargets {
		t.Run(target.name, func(t *testing.T) {
			src := mustRichSource(t)
			dst := target.copy(t, src.DBPath)
			cp := MustStartApp(t, WithDBPath(dst), WithoutSeed(), WithClock(src.Clock), copyTestConfig())
			n := compareReads(t, src.testApp, cp, src.Editor, src.Admin, src.hookID)
			if n < 200 {
				t.Errorf("compared %d requests; the route table is not read right", n)
			}
			t.Logf("%d requests compared", n)

			srcDB, cpDB := mustSide(t, src.DBPath), mustSide(t, cp.DBPath)
			maxOf := func(db *sql.DB, table string) int64 {
				var n int64
				if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM ` + table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			lastSeq := maxOf(srcDB, "changes")
			cp.MustCreate(t, "/api/v1/articles", src.Editor, articleBody("Written to the copy"))
			for _, table := range []string{"articles", "changes", "audit_log", "webhook_events", "webhook_deliveries"} {
				if got, want := maxOf(cpDB, table), maxOf(srcDB, table)+1; got != want {
					t.Errorf("%s: the copy's new row has id %d, want %d", table, got, want)
				}
			}
			// The feed shows the copy's write under the next seq.
			var found bool
			for page := "/api/v1/changes?limit=100"; page != ""; {
				resp := cp.Get(t, page)
				MustStatus(t, resp, http.StatusOK)
				var feed struct{ Data []handlers.Change }
				if err := json.Unmarshal(ReadBody(t, resp), &feed); err != nil {
					t.Fatal(err)
				}
				for _, c := range feed.Data {
					if c.Slug == "written-to-the-copy" {
						found = true
						if c.Seq != lastSeq+1 {
							t.Errorf("the copy's write has seq %d in the feed, want %d", c.Seq, lastSeq+1)
						}
					}
				}
				page = nextLink(ReadBody(t, resp))
			}
			if !found {
				t.Error("the copy's write is not in its changes feed")
			}
		})
	}
}

// compareReads requests every GET route of src's router from src and cp, fails the
// test where their answers differ, and returns how many requests it compared.
func compareReads(t *testing.T, src, cp *testApp, editor, admin string, hookID int64) (n int) {
	t.Helper()
	db := mustSide(t, src.DBPath)
	slugs := func(query string) []string {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, url.PathEscape(s))
		}
		return append(out, "no-such-item")
	}
	itemSlugs := func(table, itemType string) []string {
		return slugs(`SELECT slug FROM ` + table + ` UNION SELECT slug FROM slug_redirects WHERE item_type = '` + itemType + `' ORDER BY 1`)
	}
	articles, helplines := itemSlugs("articles", "article"), itemSlugs("helplines", "helpline")
	hooks := []string{fmt.Sprint(hookID), "999"}

	// params are the values each path parameter is tried with; queries the query
	// strings each path is tried with (default: none).
	params := map[string]map[string][]string{
		"/articles/:slug":                 {"slug": articles},
		"/helplines/:slug":                {"slug": helplines},
		"/api/v1/articles/:slug":          {"slug": articles},
		"/api/v1/helplines/:slug":         {"slug": helplines},
		"/api/v1/campaigns/:slug":         {"slug": itemSlugs("campaigns", "campaign")},
		"/api/v1/organisations/:slug":     {"slug": itemSlugs("organisations", "organisation")},
		"/api/v1/webhooks/:id":            {"id": hooks},
		"/api/v1/webhooks/:id/deliveries": {"id": hooks},
		"/docs/*any":                      {"*any": {"index.html", "doc.json"}},
	}
	queries := map[string][]string{
		"/api/v1/articles":                {"", "?limit=2", "?region=cumbria", "?topic=reporting-crime", "?campaign=stop-it-now-deterrence", "?organisation=cumbria-constabulary", "?q=warrants", "?q=warrants&sort=newest", "?from=2027-01-01"},
		"/api/v1/helplines":               {"", "?limit=2", "?region=cumbria", "?channel=phone", "?open_now=true", "?at=2027-02-06T22:00:00Z", "?q=advice"},
		"/api/v1/campaigns":               {"", "?limit=1", "?region=cumbria", "?organisation=cumbria-constabulary"},
		"/api/v1/organisations":           {"", "?limit=3", "?kind=charity"},
		"/api/v1/search":                  {"?q=stop", "?q=cumbria", "?q=helpline&limit=2", "?q=%22stop+it+now%22", "?q=warrant*"},
		"/api/v1/changes":                 {"", "?limit=5", "?since=10"},
		"/api/v1/audit":                   {"", "?limit=3"},
		"/api/v1/webhooks":                {""},
		"/api/v1/helplines/:slug":         {"", "?at=2027-02-06T22:00:00Z"},
		"/embed/helplines":                {"", "?region=cumbria"},
		"/embed/helplines.json":           {"", "?region=cumbria"},
		"/oembed":                         {"?url=" + url.QueryEscape("https://signpost.example.org/embed/helplines?region=cumbria")},
		"/feeds/articles.rss":             {"", "?region=cumbria"},
		"/api/v1/webhooks/:id/deliveries": {"", "?limit=1"},
	}
	// skipped are the GET routes not compared, with the reason.
	skipped := map[string]string{
		"/api/v1/changes/stream": "a stream that never ends; /api/v1/changes serves the same events",
		"/metrics":               "counts this server's own requests",
	}
	// unchecked are the routes outside the API description.
	unchecked := func(path string) bool { return strings.HasPrefix(path, "/docs") }

	var paths []string
	for _, r := range src.Router.Routes() {
		if r.Method != http.MethodGet || skipped[r.Path] != "" {
			continue
		}
		expanded := []string{r.Path}
		for name, values := range params[r.Path] {
			var next []string
			for _, p := range expanded {
				for _, v := range values {
					placeholder := ":" + name
					if strings.HasPrefix(name, "*") {
						placeholder = name
					}
					next = append(next, strings.Replace(p, placeholder, v, 1))
				}
			}
			expanded = next
		}
		for _, p := range expanded {
			if strings.Contains(p, ":") || strings.Contains(p, "*") {
				t.Fatalf("route %s has a parameter that compareReads has no values for: add them to params", r.Path)
			}
			qs := queries[r.Path]
			if qs == nil {
				qs = []string{""}
			}
			for _, q := range qs {
				paths = append(paths, p+q)
			}
		}
	}
	slices.Sort(paths)
	seen := map[string]bool{}
	for _, key := range []string{"", editor, admin} {
		queue := slices.Clone(paths)
		for len(queue) > 0 {
			path := queue[0]
			queue = queue[1:]
			// An admin key reads what an editor key does, and the admin's own
			// routes besides: those alone are asked with it.
			if seen[key+" "+path] || key == admin && !adminOnly(path) {
				continue
			}
			seen[key+" "+path] = true
			var headers []string
			if key != "" {
				headers = auth(key)
			}
			// The copy's answers are not checked against the API description: they
			// must equal the source's, which are.
			a, b := src, cp.Unchecked()
			if unchecked(path) {
				a = src.Unchecked()
			}
			ra, rb := a.Get(t, path, headers...), b.Get(t, path, headers...)
			n++
			who := map[string]string{"": "no key", editor: "the editor key", admin: "the admin key"}[key]
			var diffs []string
			if ra.StatusCode != rb.StatusCode {
				diffs = append(diffs, fmt.Sprintf("status %d from the source, %d from the copy", ra.StatusCode, rb.StatusCode))
			} else if ba, bb := ReadBody(t, ra), ReadBody(t, rb); !bytes.Equal(ba, bb) && !sameProblem(ra, ba, bb) {
				diffs = append(diffs, fmt.Sprintf("bodies differ:\nsource: %s\ncopy:   %s", truncate(ba), truncate(bb)))
			}
			for name := range ra.Header {
				if va, vb := ra.Header.Values(name), rb.Header.Values(name); !differingHeaders[name] && !slices.Equal(va, vb) {
					diffs = append(diffs, fmt.Sprintf("header %s is %q from the source, %q from the copy", name, va, vb))
				}
			}
			if len(ra.Header) != len(rb.Header) {
				diffs = append(diffs, fmt.Sprintf("headers %v from the source, %v from the copy", ra.Header, rb.Header))
			}
			for _, d := range diffs {
				t.Errorf("GET %s with %s: %s", path, who, d)
			}
			// The next page of a list, as its links give it.
			if next := nextLink(ReadBody(t, ra)); next != "" && ra.StatusCode == http.StatusOK {
				queue = append(queue, next)
			}
		}
	}
	return n
}

// adminOnly reports whether path is one that only an admin key may read.
func adminOnly(path string) bool {
	return strings.HasPrefix(path, "/api/v1/audit") || strings.HasPrefix(path, "/api/v1/webhooks")
}

// sameProblem reports whether two problem bodies are the same but for their
// request_id, which is each request's own.
func sameProblem(resp *http.Response, a, b []byte) bool {
	if mediaType(resp.Header) != "application/problem+json" {
		return false
	}
	var pa, pb map[string]any
	if json.Unmarshal(a, &pa) != nil || json.Unmarshal(b, &pb) != nil {
		return false
	}
	delete(pa, "request_id")
	delete(pb, "request_id")
	ja, _ := json.Marshal(pa)
	jb, _ := json.Marshal(pb)
	return bytes.Equal(ja, jb)
}

// differingHeaders are the response headers allowed to differ between two servers:
// each request's own.
var differingHeaders = map[string]bool{"Date": true, "X-Request-Id": true}

// nextLink returns the path of a list's next page, from links.next, or "".
func nextLink(body []byte) string {
	var env struct {
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
	}
	if json.Unmarshal(body, &env) != nil || env.Links.Next == "" {
		return ""
	}
	u, err := url.Parse(env.Links.Next)
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// mustSameTables fails the test unless the databases a and b (SQLite files or
// PostgreSQL URLs) hold the same rows in every table that copy copies, after
// normalising what the two kinds keep differently: times are compared in UTC at
// microseconds, flags as booleans, JSON decoded, dates as YYYY-MM-DD.
func mustSameTables(t *testing.T, a, b string) {
	t.Helper()
	ta, tb := mustTableRows(t, a), mustTableRows(t, b)
	if !slices.Equal(sortedKeys(ta), sortedKeys(tb)) {
		t.Fatalf("tables differ: %v and %v", sortedKeys(ta), sortedKeys(tb))
	}
	for _, table := range sortedKeys(ta) {
		ra, rb := ta[table], tb[table]
		if len(ra) != len(rb) {
			t.Errorf("%s: %d rows in %s, %d in %s", table, len(ra), store.RedactDB(a), len(rb), store.RedactDB(b))
			continue
		}
		for i := range ra {
			if ra[i] != rb[i] {
				t.Errorf("%s: row %d differs:\n%s\n%s", table, i, ra[i], rb[i])
				break
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// mustTableRows reads every table that copy copies, each row normalised and written
// as one line of JSON, rows in primary key order. The column types come from the
// PostgreSQL schema, which says what SQLite's text and numbers mean.
func mustTableRows(t *testing.T, db string) map[string][]string {
	t.Helper()
	types, primaryKeys := mustPostgresTypes(t)
	var conn *sql.DB
	var err error
	if store.IsPostgres(db) {
		conn, err = sql.Open("pgx", db)
	} else {
		conn, err = sql.Open("sqlite3", sideDSN(db))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string][]string{}
	for table, cols := range types {
		var sel, order []string
		for _, c := range cols {
			expr := `"` + c.name + `"`
			if !store.IsPostgres(db) {
				expr = "+" + expr // the stored value, not the driver's reading of it
			}
			sel = append(sel, expr)
		}
		for _, k := range primaryKeys[table] {
			order = append(order, `"`+k+`"`)
		}
		q := `SELECT ` + strings.Join(sel, ", ") + ` FROM "` + table + `"`
		if len(order) > 0 {
			q += ` ORDER BY ` + strings.Join(order, ", ")
		}
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := map[string]any{}
			for i, c := range cols {
				row[c.name] = normalise(t, table+"."+c.name, c.typ, vals[i])
			}
			line, _ := json.Marshal(row)
			out[table] = append(out[table], string(line))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type pgColumn struct{ name, typ string }

// mustPostgresTypes returns the columns of every table that copy copies, with their
// PostgreSQL types, and each table's primary key, read from a database of its own
// that the migrations made.
func mustPostgresTypes(t *testing.T) (map[string][]pgColumn, map[string][]string) {
	t.Helper()
	u := mustPostgresURL(t)
	if _, err := store.MigrateDatabase(context.Background(), store.Config{DB: u}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name != 'schema_migrations' AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]pgColumn{}
	for rows.Next() {
		var table string
		var c pgColumn
		if err := rows.Scan(&table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], c)
	}
	primaryKeys := map[string][]string{}
	pk, err := db.Query(`SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
		CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace ORDER BY 1, k.ord`)
	if err != nil {
		t.Fatal(err)
	}
	defer pk.Close()
	for pk.Next() {
		var table, col string
		if err := pk.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		primaryKeys[table] = append(primaryKeys[table], col)
	}
	if err := pk.Err(); err != nil {
		t.Fatal(err)
	}
	return out, primaryKeys
}

// normalise returns a value read from SQLite or PostgreSQL in one form for both.
func normalise(t *testing.T, col, typ string, v any) any {
	t.Helper()
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch typ {
	case "timestamp with time zone":
		switch v := v.(type) {
		case time.Time:
			return v.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		case string:
			for _, f := range sqlite3.SQLiteTimestampFormats {
				if tm, err := time.Parse(f, strings.TrimSuffix(v, "Z")); err == nil {
					return tm.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
				}
			}
		}
	case "boolean":
		switch v := v.(type) {
		case bool:
			return v
		case int64:
			if v == 0 || v == 1 {
				return v == 1
			}
		}
	case "jsonb":
		if s, ok := v.(string); ok {
			var d any
			if err := json.Unmarshal([]byte(s), &d); err == nil {
				return d
			}
		}
	case "date":
		switch v := v.(type) {
		case time.Time:
			return v.Format(time.DateOnly)
		case string:
			return v
		}
	case "bigint", "integer":
		if n, ok := v.(int64); ok {
			return n
		}
	case "text":
		if s, ok := v.(string); ok {
			return s
		}
	}
	t.Fatalf("%s (%s): value %#v of type %T", col, typ, v, v)
	return nil
}

// TestCopyCommand proves the command line of copy: its output names every table and
// the databases with the password shown as xxxxx, a target that holds data is
// refused with a message that says what to do (and -replace copies over it), and
// wrong arguments stop it with the usage; no message shows the password.
func TestCopyCommand(t *testing.T) {
	if onPostgres() {
		t.Skip("copy's command names its databases itself: it runs once, in the SQLite run")
	}
	src := filepath.Join(t.TempDir(), "source.db")
	mustMain(t, env(), "seed", "-db", src)
	u := mustPostgresURL(t)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Main(context.Background(), append([]string{"copy"}, args...), env(), &out, slog.New(slog.DiscardHandler))
		if err != nil {
			noPassword(t, "the error", err.Error())
		}
		noPassword(t, "the output", out.String())
		return out.String(), err
	}

	t.Run("OK", func(t *testing.T) {
		out, err := run("-from", src, "-to", u)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"TABLE", "articles ", "search_index ", "changes ", "copied ", ":xxxxx@"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not show %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "schema_migrations") {
			t.Errorf("output shows schema_migrations as copied:\n%s", out)
		}
	})
	t.Run("ErrTargetNotEmpty", func(t *testing.T) {
		_, err := run("-from", src, "-to", u)
		if !errors.Is(err, store.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "-replace") || !strings.Contains(err.Error(), ":xxxxx@") {
			t.Fatalf("second copy: %v, want ErrTargetNotEmpty saying -replace, the URL redacted", err)
		}
	})
	t.Run("OKReplace", func(t *testing.T) {
		if _, err := run("-from", src, "-to", u, "-replace"); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrNoTarget", []string{"-from", src}, "copy needs both -from and -to"},
		{"ErrArgument", []string{"-from", src, "-to", u, "extra"}, "unexpected arguments"},
		{"ErrMissingSource", []string{"-from", filepath.Join(t.TempDir(), "nope.db"), "-to", u}, "does not exist"},
		{"ErrKeyValueDSN", []string{"-from", src, "-to", "host=db dbname=signpost password=" + pgPassword}, "invalid -to"},
		{"ErrUnreachable", []string{"-from", src, "-to", "postgres://signpost:" + pgPassword + "@127.0.0.1:1/signpost?connect_timeout=2"}, "xxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("copy %v: %v, want an error saying %q", tc.args, err, tc.want)
			}
		})
	}
}
