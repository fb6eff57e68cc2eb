package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"signpost/handlers"
	"signpost/models/store"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// env returns a getenv over a fixed environment.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// mustMain runs the program's Main and fails the test on an error; it returns what
// the command printed.
func mustMain(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := Main(context.Background(), args, getenv, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("signpost %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// seedCounts returns the number of rows of the seeded tables of the database at path.
func seedCounts(t *testing.T, path string) map[string]int64 {
	t.Helper()
	db, err := openSide(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int64{}
	for _, table := range []string{"regions", "topics", "organisations", "helplines", "contacts", "campaigns", "articles", "outcomes"} {
		var n int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

var seeded = map[string]int64{"regions": 51, "topics": 11, "organisations": 9, "helplines": 4, "contacts": 11, "campaigns": 2, "articles": 1, "outcomes": 6}

func TestCommandMigrate(t *testing.T) {
	path := testDB(t)
	out := mustMain(t, env(), "migrate", "-db", path)
	if !strings.Contains(out, "schema version") {
		t.Errorf("migrate printed %q", out)
	}
	if _, err := os.Stat(path); err != nil && !onPostgres() {
		t.Fatalf("migrate did not create the database: %v", err)
	}
	counts := seedCounts(t, path) // fails unless every table exists
	if counts["regions"] != 0 || counts["articles"] != 0 {
		t.Errorf("migrate loaded content: %v", counts)
	}
	if again := mustMain(t, env(), "migrate", "-db", path); again != out {
		t.Errorf("a second migrate printed %q, the first %q", again, out)
	}
}

func TestCommandSeed(t *testing.T) {
	path := testDB(t)
	getenv := env("SIGNPOST_DB", path) // the environment alone names the database
	if out := mustMain(t, getenv, "seed"); !strings.Contains(out, "seed content loaded") {
		t.Errorf("first seed printed %q", out)
	}
	if got := seedCounts(t, path); !mapsEqual(got, seeded) {
		t.Errorf("after one seed: %v, want %v", got, seeded)
	}
	if out := mustMain(t, getenv, "seed"); !strings.Contains(out, "nothing loaded") {
		t.Errorf("second seed printed %q", out)
	}
	if got := seedCounts(t, path); !mapsEqual(got, seeded) {
		t.Errorf("after two seeds: %v, want %v", got, seeded)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCommandVersion(t *testing.T) {
	equal(t, "version", mustMain(t, env(), "version"), "signpost "+Version+"\n")
	if out := mustMain(t, env(), "help"); !strings.Contains(out, "usage: signpost") {
		t.Errorf("help printed %q", out)
	}
}

// TestCommandBadConfig checks that an invalid configuration stops the program with an
// error naming the setting, before it touches the database or listens.
func TestCommandBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    []string
		errHas []string
	}{
		{"ErrAddr", []string{"serve", "-addr", "nonsense"}, nil, []string{"-addr", "SIGNPOST_ADDR", "nonsense"}},
		{"ErrAddrEnv", nil, []string{"SIGNPOST_ADDR", "8080"}, []string{"SIGNPOST_ADDR"}},
		{"ErrMaxBody", nil, []string{"SIGNPOST_MAX_BODY", "-1"}, []string{"SIGNPOST_MAX_BODY", "positive"}},
		{"ErrMaxBodyNotNumber", []string{"-max-body", "1MB"}, nil, []string{"-max-body"}},
		{"ErrNoSeed", nil, []string{"SIGNPOST_NO_SEED", "maybe"}, []string{"SIGNPOST_NO_SEED"}},
		{"ErrShutdownTimeout", []string{"-shutdown-timeout", "0s"}, nil, []string{"-shutdown-timeout", "positive"}},
		{"ErrShutdownTimeoutNoUnit", []string{"-shutdown-timeout", "10"}, nil, []string{"-shutdown-timeout"}},
		{"ErrCacheControl", []string{"-cache-control", " "}, nil, []string{"-cache-control"}},
		{"ErrDB", []string{"migrate", "-db", ""}, nil, []string{"-db", "SIGNPOST_DB"}},
		{"ErrUnknownFlag", []string{"serve", "-colour", "red"}, nil, []string{"colour"}},
		{"ErrUnknownCommand", []string{"frobnicate"}, nil, []string{"unknown command", "frobnicate"}},
		{"ErrExtraArguments", []string{"serve", "extra"}, nil, []string{"unexpected arguments"}},
		{"ErrSeedExtraArguments", []string{"seed", "extra"}, nil, []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "signpost.db")
			getenv := env(append([]string{"SIGNPOST_DB", path, "SIGNPOST_ADDR", "127.0.0.1:0"}, tt.env...)...)
			// Should the configuration be accepted by mistake, the server stops at
			// the deadline and Main returns nil, which fails the test.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Main(ctx, tt.args, getenv, io.Discard, slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the database was created despite the error")
			}
		})
	}
}

// startRun starts Run as the program does, with the configuration of args and getenv
// on 127.0.0.1:0, and returns its base URL and a function that stops it and returns
// Run's result.
func startRun(t *testing.T, getenv func(string) string, args ...string) (string, func() error) {
	t.Helper()
	cfg, rest, err := LoadConfig("signpost", append([]string{"-addr", "127.0.0.1:0"}, args...), getenv)
	if err != nil || len(rest) != 0 {
		t.Fatalf("config: %v %v", rest, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("Run returned before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Run was not ready within 10s")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Run did not return within 10s of its context ending")
		}
	}
	t.Cleanup(func() { stop() })
	return "http://" + addr, stop
}

func getStatus(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestCommandRun(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		path := testDB(t)
		base, stop := startRun(t, env(), "-db", path)
		var h struct{ Status string }
		equal(t, "GET /healthz", getStatus(t, base+"/healthz", &h), http.StatusOK)
		equal(t, "status", h.Status, "ok")
		var p page[slugged]
		equal(t, "GET /api/v1/articles", getStatus(t, base+"/api/v1/articles", &p), http.StatusOK)
		equalSlices(t, "articles", slugsOf(p.Data, func(s slugged) string { return s.Slug }), []string{cumbriaSlug})
		// A kept-alive idle connection does not hold up the stop.
		if err := stop(); err != nil {
			t.Fatalf("Run: %v, want a clean stop", err)
		}
		if c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
			c.Close()
			t.Error("the server still accepts connections after Run returned")
		}
	})

	t.Run("OKRestartDoesNotDuplicateSeed", func(t *testing.T) {
		path := testDB(t)
		for range 2 {
			_, stop := startRun(t, env("SIGNPOST_DB", path))
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		}
		if got := seedCounts(t, path); !mapsEqual(got, seeded) {
			t.Errorf("after two starts: %v, want %v", got, seeded)
		}
	})

	t.Run("OKTwoInstancesAtOnce", func(t *testing.T) {
		// Two instances on one new database file (say, two containers on one
		// volume) start at the same moment: both start and the seed is loaded once.
		// Migrate and Seed look again inside their write transactions, and Open
		// retries while the other instance turns on WAL.
		path := testDB(t)
		type result struct {
			base string
			stop func() error
		}
		results := make(chan result, 2)
		for range 2 {
			go func() {
				cfg, _, _ := LoadConfig("signpost", []string{"-addr", "127.0.0.1:0", "-db", path}, env())
				ctx, cancel := context.WithCancel(context.Background())
				ready, errc := make(chan string, 1), make(chan error, 1)
				go func() { errc <- Run(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
				select {
				case addr := <-ready:
					results <- result{"http://" + addr, func() error { cancel(); return <-errc }}
				case err := <-errc:
					cancel()
					results <- result{"", func() error { return err }}
				}
			}()
		}
		var errs []error
		for range 2 {
			r := <-results
			if r.base == "" {
				errs = append(errs, r.stop())
				continue
			}
			equal(t, "GET /readyz", getStatus(t, r.base+"/readyz", nil), http.StatusOK)
			if err := r.stop(); err != nil {
				errs = append(errs, err)
			}
		}
		if got := seedCounts(t, path); !mapsEqual(got, seeded) {
			t.Errorf("after two concurrent starts: %v, want %v", got, seeded)
		}
		if len(errs) > 0 {
			t.Errorf("an instance failed to start beside another: %v", errs)
		}
	})

	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"OKNoSeedFlag", nil, []string{"-no-seed"}},
		{"OKNoSeedEnv", []string{"SIGNPOST_NO_SEED", "true"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := testDB(t)
			base, stop := startRun(t, env(tt.env...), append([]string{"-db", path}, tt.args...)...)
			var regions struct{ Data []json.RawMessage }
			equal(t, "GET /api/v1/regions", getStatus(t, base+"/api/v1/regions", &regions), http.StatusOK)
			var articles page[slugged]
			equal(t, "GET /api/v1/articles", getStatus(t, base+"/api/v1/articles", &articles), http.StatusOK)
			if len(regions.Data) != 0 || len(articles.Data) != 0 {
				t.Errorf("%d regions and %d articles, want an empty database", len(regions.Data), len(articles.Data))
			}
			equal(t, "GET /readyz", getStatus(t, base+"/readyz", nil), http.StatusOK)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			counts := seedCounts(t, path)
			if slices.ContainsFunc([]string{"regions", "articles", "helplines"}, func(k string) bool { return counts[k] != 0 }) {
				t.Errorf("the database has content: %v", counts)
			}
		})
	}

	t.Run("ErrAddressInUse", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		cfg, _, err := LoadConfig("signpost", []string{"-addr", ln.Addr().String(), "-db", filepath.Join(t.TempDir(), "signpost.db")}, env())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := Run(ctx, cfg, slog.New(slog.DiscardHandler), nil); err == nil {
			t.Fatal("Run on a busy address returned no error")
		}
	})
}

// generate fills a database with the synthetic content the benchmarks use: as many
// articles, helplines and campaigns as asked, shaped like real ones, searchable, and
// the same for the same seed.
func TestCommandGenerate(t *testing.T) {
	a, b, c := testDB(t), testDB(t), testDB(t)
	out := mustMain(t, env(), "generate", "-db", a, "-articles", "250", "-helplines", "12", "-campaigns", "15", "-seed", "7")
	if !strings.Contains(out, "added 250 articles, 12 helplines and 15 campaigns") {
		t.Errorf("generate printed %q", out)
	}
	counts := seedCounts(t, a)
	for table, want := range map[string]int64{"articles": seeded["articles"] + 250, "helplines": seeded["helplines"] + 12, "campaigns": seeded["campaigns"] + 15} {
		if counts[table] != want {
			t.Errorf("%s: %d rows, want %d (the seed and the synthetic ones)", table, counts[table], want)
		}
	}
	if counts["outcomes"] < seeded["outcomes"]+250 {
		t.Errorf("%d outcomes: every synthetic article should have one", counts["outcomes"])
	}

	store, err := store.Open(context.Background(), store.Config{DB: a, Render: handlers.Renderer{}})
	if err != nil {
		t.Fatal(err)
	}
	art, err := store.FindArticle(context.Background(), "synthetic-article-250", models.Visibility{})
	if err != nil {
		t.Fatalf("a generated article is not public: %v", err)
	}
	if len(art.Regions) == 0 || len(art.Topics) == 0 || len(art.Outcomes) == 0 || len(strings.Fields(art.BodyText)) < 150 ||
		!strings.Contains(art.Title, "Synthetic") {
		t.Errorf("generated article lacks the shape of a real one: %d regions, %d topics, %d outcomes, %d words of body, title %q",
			len(art.Regions), len(art.Topics), len(art.Outcomes), len(strings.Fields(art.BodyText)), art.Title)
	}
	if !onPostgres() { // search on PostgreSQL: branch pgsearch
		word := strings.Fields(art.Title)[len(strings.Fields(art.Title))-1]
		hits, err := store.Search(context.Background(), models.SearchFilter{Q: word, Types: []string{"article"}, Limit: 100})
		if err != nil || !slices.ContainsFunc(hits, func(h models.SearchHit) bool { return h.Slug == art.Slug }) {
			t.Errorf("search for %q (in its title) does not find %s: %v", word, art.Slug, err)
		}
	}
	store.Close()

	mustMain(t, env(), "generate", "-db", b, "-articles", "250", "-helplines", "12", "-campaigns", "15", "-seed", "7")
	mustMain(t, env(), "generate", "-db", c, "-articles", "250", "-helplines", "12", "-campaigns", "15", "-seed", "8")
	text := func(path string) string {
		db, err := openSide(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		q := `SELECT group_concat(a.title || a.summary || b.body_markdown, '|') FROM
			(SELECT * FROM articles ORDER BY id) a JOIN article_bodies b ON b.article_id = a.id`
		if onPostgres() {
			q = `SELECT string_agg(a.title || a.summary || b.body_markdown, '|' ORDER BY a.id) FROM
				articles a JOIN article_bodies b ON b.article_id = a.id`
		}
		var s string
		if err := db.QueryRow(q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if text(a) != text(b) {
		t.Error("the same seed made different content")
	}
	if text(a) == text(c) {
		t.Error("another seed made the same content")
	}
}
