package main

// This file holds the helpers shared by every end-to-end test of the api package:
// a real SQLite store under tb.TempDir() with a settable clock, the real router on a
// real listener, request helpers, and the OpenAPI conformance check that every
// response passing through the helpers must pass.
//
// A typical test:
//
//	app := MustStartApp(t)                       // seeded, clock pinned at testEpoch
//	var list struct{ Data []handlers.Article }
//	resp := app.GetJSON(t, "/api/v1/articles?region=cumbria", &list)
//	MustStatus(t, resp, http.StatusOK)
//
//	resp = app.Get(t, "/api/v1/articles?limit=0")
//	p := MustProblem(t, resp, http.StatusBadRequest, "limit")
//
//	app.Clock.Set(testEpoch.Add(time.Hour))      // scheduled content goes live
//	app.MustInsertArticle(t, ArticleRow{Slug: "x", Title: "X"})
//
// Every response read through app.Do (and the helpers built on it) is checked against
// the OpenAPI document of handlers.OpenAPI3(); a response that does not conform fails
// the test. Use app.Unchecked() for the few routes that are not API (the /docs UI).

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"signpost/models/hours"
	"signpost/models/store"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"

	"signpost/handlers"
	"signpost/models"
)

// testEpoch is the moment every test clock starts at unless told otherwise: Monday
// 1 February 2027, 10:00 UTC (10:00 in London, GMT), when every seeded helpline is
// open. Seeded content is published at this moment.
var testEpoch = time.Date(2027, time.February, 1, 10, 0, 0, 0, time.UTC)

// testClock is a clock that tests set by hand. It is safe for concurrent use, so a
// test can move it while the server reads it.
type testClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration // added after every read; see Tick
}

// newTestClock returns a clock showing t.
func newTestClock(t time.Time) *testClock { return &testClock{t: t.UTC()} }

// Now returns the clock's time; it is what the store gets as store.Config.Now.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

// Tick makes the clock move on by d after every read, so that no two reads see the
// same time (0, the default, stops it).
func (c *testClock) Tick(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = d
}

// Set moves the clock to t.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

// Add moves the clock by d and returns the new time.
func (c *testClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// testOptions are what MustOpenStore and MustStartApp can be told.
type testOptions struct {
	seed      bool
	clock     *testClock
	path      string
	configure []func(*Config)
	store     []func(*store.Config)
	logger    *slog.Logger
}

// TestOption changes how MustOpenStore or MustStartApp set things up.
type TestOption func(*testOptions)

// WithoutSeed starts with a migrated but empty database.
func WithoutSeed() TestOption { return func(o *testOptions) { o.seed = false } }

// WithClock makes the store tell the time from c (default: a new clock at testEpoch).
func WithClock(c *testClock) TestOption { return func(o *testOptions) { o.clock = c } }

// WithDBPath puts the database at path (default: signpost.db in tb.TempDir()).
func WithDBPath(path string) TestOption { return func(o *testOptions) { o.path = path } }

// WithConfig changes the configuration (which starts from the defaults of
// LoadConfig) before the store and router are built; e.g. a small MaxBody for 413
// tests. Changing DB has no effect: use WithDBPath.
func WithConfig(f func(*Config)) TestOption {
	return func(o *testOptions) { o.configure = append(o.configure, f) }
}

// WithStoreConfig changes the store's configuration, for settings that are not server
// options, such as a short BusyTimeout.
func WithStoreConfig(f func(*store.Config)) TestOption {
	return func(o *testOptions) { o.store = append(o.store, f) }
}

// WithLogger sends the server's logs to logger (default: discarded).
func WithLogger(logger *slog.Logger) TestOption { return func(o *testOptions) { o.logger = logger } }

func resolveOptions(tb testing.TB, opts []TestOption) *testOptions {
	tb.Helper()
	o := &testOptions{seed: true}
	for _, opt := range opts {
		opt(o)
	}
	if o.clock == nil {
		o.clock = newTestClock(testEpoch)
	}
	if o.path == "" {
		o.path = testDB(tb)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// MustOpenStore opens a real SQLite store in a file under tb.TempDir() (or at
// WithDBPath), migrated and, unless WithoutSeed, loaded with the seed content at the
// clock's time. The store's clock is WithClock's, else a new one at testEpoch; the
// rest of its configuration comes from the server's (defaults, then WithConfig). It
// is closed when the test ends.
func MustOpenStore(tb testing.TB, opts ...TestOption) *store.Store {
	tb.Helper()
	o := resolveOptions(tb, opts)
	return openStore(tb, o, testConfig(tb, o))
}

// testConfig is the configuration of LoadConfig with no flags and no environment,
// with the database at the test's path and WithConfig's changes applied.
func testConfig(tb testing.TB, o *testOptions) Config {
	tb.Helper()
	cfg, _, err := LoadConfig("signpost-test", nil, func(string) string { return "" })
	if err != nil {
		tb.Fatalf("default config: %v", err)
	}
	// Tests write through the store as well as through the API, like a second
	// instance would: the response cache checks the content version on every
	// request, so that no test depends on how long a check interval lasts.
	cfg.CacheCheck = 0
	for _, f := range o.configure {
		f(&cfg)
	}
	cfg.DB = o.path
	return cfg
}

func openStore(tb testing.TB, o *testOptions, cfg Config) *store.Store {
	tb.Helper()
	sc := cfg.storeConfig()
	sc.Now = o.clock.Now
	for _, f := range o.store {
		f(&sc)
	}
	store, err := store.Open(context.Background(), sc)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := store.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if o.seed {
		if _, err := store.Seed(context.Background()); err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	return store
}

// testApp is the real application: the router of NewRouter over a real store, served
// on a real listener on 127.0.0.1.
type testApp struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Store is the store the server reads from and writes to.
	Store *store.Store
	// Clock is the store's clock; Set it to move time for the server.
	Clock *testClock
	// DBPath is the database: the SQLite file, or the PostgreSQL URL when the
	// tests run on PostgreSQL.
	DBPath string
	// Config is the server's configuration.
	Config Config
	// Router is the gin engine that serves the requests.
	Router *gin.Engine
	// Client sends the requests. It never follows redirects (so 301s are seen) and
	// does not ask for gzip by itself.
	Client *http.Client

	check bool     // validate responses against the OpenAPI document
	sqlDB **sql.DB // the side connection of MustExec, opened on first use
	mu    *sync.Mutex
}

// MustStartApp starts the application on 127.0.0.1:0 over a store from
// MustOpenStore (seeded unless WithoutSeed), and stops it when the test ends.
func MustStartApp(tb testing.TB, opts ...TestOption) *testApp {
	tb.Helper()
	o := resolveOptions(tb, opts)
	cfg := testConfig(tb, o)
	store := openStore(tb, o, cfg)
	router := NewRouter(store, cfg, o.logger)
	srv := httptest.NewServer(router) // listens on 127.0.0.1:0
	tb.Cleanup(srv.Close)             // runs before the store's Close (cleanups run last first)
	var sqlDB *sql.DB
	app := &testApp{
		URL: srv.URL, Store: store, Clock: o.clock, DBPath: o.path, Config: cfg, Router: router,
		Client: &http.Client{
			Transport:     &http.Transport{DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       30 * time.Second,
		},
		check: true, sqlDB: &sqlDB, mu: new(sync.Mutex),
	}
	tb.Cleanup(func() {
		app.mu.Lock()
		defer app.mu.Unlock()
		if *app.sqlDB != nil {
			(*app.sqlDB).Close()
		}
	})
	return app
}

// Unchecked returns the same app whose requests skip the OpenAPI check, for routes
// that are intentionally not part of the API document (the /docs UI and its assets).
func (a *testApp) Unchecked() *testApp {
	b := *a
	b.check = false
	return &b
}

// Do sends a request to path (which starts with "/" and may carry a query) and
// returns the response with its body fully read: resp.Body can be read again with
// ReadBody. headers are name, value pairs. Unless the app is Unchecked, the response
// must conform to the OpenAPI document, else the test fails.
func (a *testApp) Do(tb testing.TB, method, path string, body io.Reader, headers ...string) *http.Response {
	tb.Helper()
	if len(headers)%2 != 0 {
		tb.Fatalf("Do %s %s: headers must be name, value pairs, got %q", method, path, headers)
	}
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		tb.Fatalf("new request %s %s: %v", method, path, err)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if a.check {
		if err := checkResponse(req, resp.StatusCode, resp.Header, b); err != nil {
			tb.Errorf("%s %s: response does not conform to the OpenAPI document:\n%v\nbody: %s", method, path, err, truncate(b))
		}
	}
	return resp
}

// Get sends a GET request; see Do.
func (a *testApp) Get(tb testing.TB, path string, headers ...string) *http.Response {
	tb.Helper()
	return a.Do(tb, http.MethodGet, path, nil, headers...)
}

// GetJSON sends a GET request and decodes the JSON body into v, whatever the status;
// it fails the test when the body is not JSON. Check the status with MustStatus.
func (a *testApp) GetJSON(tb testing.TB, path string, v any, headers ...string) *http.Response {
	tb.Helper()
	return a.DoJSON(tb, http.MethodGet, path, nil, v, headers...)
}

// DoJSON sends in (when not nil) as a JSON body with Content-Type application/json
// and decodes the response body into out (when not nil), whatever the status.
func (a *testApp) DoJSON(tb testing.TB, method, path string, in, out any, headers ...string) *http.Response {
	tb.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			tb.Fatalf("marshal request body: %v", err)
		}
		body = bytes.NewReader(b)
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	resp := a.Do(tb, method, path, body, headers...)
	if out != nil {
		b := ReadBody(tb, resp)
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("%s %s: status %d, body is not the expected JSON: %v\nbody: %s", method, path, resp.StatusCode, err, truncate(b))
		}
	}
	return resp
}

// ReadBody returns the body of a response from Do; it can be called more than once.
func ReadBody(tb testing.TB, resp *http.Response) []byte {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// MustStatus fails the test unless resp has the status want.
func MustStatus(tb testing.TB, resp *http.Response, want int) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: status %d, want %d\nbody: %s", resp.Request.Method, resp.Request.URL.RequestURI(),
			resp.StatusCode, want, truncate(ReadBody(tb, resp)))
	}
}

// MustProblem checks that resp is an RFC 9457 problem with the given status, served
// as application/problem+json, and returns it. When field is not "", the problem must
// name it in errors[0].field.
func MustProblem(tb testing.TB, resp *http.Response, status int, field string) handlers.Problem {
	tb.Helper()
	MustStatus(tb, resp, status)
	if ct := mediaType(resp.Header); ct != handlers.ProblemContentType {
		tb.Fatalf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), handlers.ProblemContentType)
	}
	var p handlers.Problem
	if err := json.Unmarshal(ReadBody(tb, resp), &p); err != nil {
		tb.Fatalf("problem body: %v", err)
	}
	if p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		tb.Fatalf("problem %+v: want status %d and a type, title and detail", p, status)
	}
	if field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != field) {
		tb.Fatalf("problem errors %+v: want errors[0].field %q", p.Errors, field)
	}
	return p
}

func mediaType(h http.Header) string {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// The OpenAPI check.

// spec is the API's OpenAPI 3 document and a router over it, built once per test
// binary.
var spec = sync.OnceValues(func() (*specChecker, error) {
	doc, err := handlers.OpenAPI3()
	if err != nil {
		return nil, fmt.Errorf("build the OpenAPI 3 document: %w", err)
	}
	router, err := legacy.NewRouter(doc) // validates the document first
	if err != nil {
		return nil, err
	}
	problem := doc.Components.Schemas["handlers.Problem"]
	if problem == nil || problem.Value == nil {
		return nil, errors.New(`the document has no "handlers.Problem" schema`)
	}
	// A list asked for some fields only (?fields=) leaves the others out, required
	// or not, as the parameter says: such answers are checked against a copy of the
	// document that requires nothing.
	sparseDoc, err := handlers.OpenAPI3()
	if err != nil {
		return nil, err
	}
	for _, s := range sparseDoc.Components.Schemas {
		s.Value.Required = nil
	}
	sparse, err := legacy.NewRouter(sparseDoc)
	if err != nil {
		return nil, err
	}
	// kin-openapi decodes application/problem+json as JSON already; registering it
	// keeps that true whatever its defaults become.
	openapi3filter.RegisterBodyDecoder(handlers.ProblemContentType, openapi3filter.JSONBodyDecoder)
	// kin-openapi checks the date and date-time formats by itself; these are the
	// document's other formats.
	openapi3.DefineStringFormatCallback("uri", func(v string) error {
		if u, err := url.Parse(v); err != nil || !u.IsAbs() {
			return fmt.Errorf("%q is not an absolute URI", v)
		}
		return nil
	})
	openapi3.DefineStringFormatCallback("uri-reference", func(v string) error {
		if _, err := url.Parse(v); err != nil || v == "" {
			return fmt.Errorf("%q is not a URI reference", v)
		}
		return nil
	})
	return &specChecker{doc: doc, router: router, sparse: sparse, problem: problem.Value}, nil
})

type specChecker struct {
	doc     *openapi3.T
	router  routers.Router
	sparse  routers.Router // over the document with nothing required, for ?fields=
	problem *openapi3.Schema
}

// documentedHeaders are the response headers that integrators act on: when a
// response carries one, the document must name it for that operation and status.
var documentedHeaders = []string{
	"ETag", "Last-Modified", "Cache-Control", "Link", "Location", "Retry-After", "X-Request-ID",
	"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
}

// checkResponse checks a response against the OpenAPI document and against the rules
// of DESIGN.md that hold for every route:
//
//   - a request that matches an operation gets a documented status (undocumented
//     statuses fail: IncludeResponseStatus), documented headers and a body of the
//     documented media type and schema;
//   - a request that matches no operation (unknown path, wrong method) gets a 404 or
//     405 problem;
//   - every error (4xx, 5xx) is application/problem+json with the Problem schema and
//     its status in the body, never HTML;
//   - a 304 has an ETag and no body;
//   - every status is documented, also those kin-openapi never checks (304, 301);
//   - every header of documentedHeaders that a response carries is documented for
//     its operation and status;
//   - every response carries X-Content-Type-Options: nosniff.
//
// OPTIONS requests (CORS preflights) are not API operations and are not checked.
func checkResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if req.Method == http.MethodOptions {
		return nil
	}
	sc, err := spec()
	if err != nil {
		return err
	}
	if header.Get("Content-Encoding") == "gzip" && len(body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("Content-Encoding gzip, but the body is not gzip: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("Content-Encoding gzip, but the body is not gzip: %w", err)
		}
		header = header.Clone()
		header.Del("Content-Encoding")
	}

	var errs []error
	if header.Get("X-Content-Type-Options") != "nosniff" {
		errs = append(errs, errors.New("no X-Content-Type-Options: nosniff (DESIGN.md: security headers on every response)"))
	}
	if status == http.StatusNotModified {
		if len(body) != 0 {
			errs = append(errs, fmt.Errorf("304 with a body of %d bytes", len(body)))
		}
		if header.Get("ETag") == "" {
			errs = append(errs, errors.New("304 without an ETag"))
		}
	}
	// An error is a problem, unless the document says the operation answers that
	// status with an HTML page too (a page's 404 for a browser) and it did.
	checkProblem := func(htmlDocumented bool) {
		if status < 400 || req.Method == http.MethodHead || (htmlDocumented && mediaType(header) == "text/html") {
			return
		}
		errs = append(errs, sc.checkProblem(status, header, body))
	}

	// Find the operation for the request as the client sent it. The document's server
	// is "/", which matches a URL without scheme and host.
	// A HEAD is routed as the GET it stands for (kin-openapi does not check its
	// response).
	u := url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	method := req.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	router := sc.router
	if req.URL.Query().Has("fields") {
		router = sc.sparse
	}
	route, pathParams, err := router.FindRoute(&http.Request{Method: method, URL: &u, Header: req.Header})
	if err == nil && strings.HasSuffix(u.Path, "/") != strings.HasSuffix(route.Path, "/") {
		// The router forgives a trailing slash; the server does not.
		err = &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}
	}
	if err != nil {
		var want int
		switch {
		case errors.Is(err, routers.ErrMethodNotAllowed) || strings.Contains(err.Error(), routers.ErrMethodNotAllowed.Error()):
			want = http.StatusMethodNotAllowed
		default:
			want = http.StatusNotFound
		}
		if status != want {
			errs = append(errs, fmt.Errorf("%s %s is not in the document (%v), so the answer must be a %d problem, got %d",
				req.Method, req.URL.Path, err, want, status))
		}
		checkProblem(false)
		return errors.Join(errs...)
	}
	resp := route.Operation.Responses.Status(status)
	checkProblem(resp != nil && resp.Value != nil && resp.Value.Content.Get("text/html") != nil)
	if resp == nil || resp.Value == nil {
		if status < 200 || status >= 400 || route.Operation.Responses.Default() == nil {
			// kin-openapi reports the other undocumented statuses itself.
			errs = append(errs, fmt.Errorf("%s %s: status %d is not documented", req.Method, route.Path, status))
		}
	} else {
		for _, name := range documentedHeaders {
			if header.Get(name) == "" {
				continue
			}
			if !slices.ContainsFunc(slices.Collect(maps.Keys(resp.Value.Headers)), func(h string) bool { return strings.EqualFold(h, name) }) {
				errs = append(errs, fmt.Errorf("%s %s %d: the response carries %s, which the document does not name", req.Method, route.Path, status, name))
			}
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkProblem checks an error response: problem+json, the Problem schema, its status.
func (sc *specChecker) checkProblem(status int, header http.Header, body []byte) error {
	if mt := mediaType(header); mt != handlers.ProblemContentType {
		return fmt.Errorf("a %d must be %s, got Content-Type %q", status, handlers.ProblemContentType, header.Get("Content-Type"))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("a %d problem body is not JSON: %w", status, err)
	}
	if err := sc.problem.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("a %d problem does not match the Problem schema: %w", status, err)
	}
	if m, ok := v.(map[string]any); !ok || m["status"] != float64(status) {
		return fmt.Errorf("a %d problem must carry status %d in its body", status, status)
	}
	return nil
}

// Side access to the database, for setting up rows that no public endpoint writes.

// MustExec runs query on a separate connection to the app's SQLite file, in a
// transaction that also bumps the content version (as every write of the store does,
// so that anything caching on it sees the change), and then rebuilds the search index.
func (a *testApp) MustExec(tb testing.TB, query string, args ...any) sql.Result {
	tb.Helper()
	var res sql.Result
	a.mustTx(tb, func(tx *sql.Tx) error {
		var err error
		res, err = tx.Exec(query, args...)
		return err
	})
	return res
}

// MustQueryInt runs a query returning one integer (a COUNT, a PRAGMA) on the side
// connection.
func (a *testApp) MustQueryInt(tb testing.TB, query string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := a.db(tb).QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func (a *testApp) db(tb testing.TB) *sql.DB {
	tb.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if *a.sqlDB == nil {
		db, err := openSide(a.DBPath)
		if err != nil {
			tb.Fatalf("open side connection: %v", err)
		}
		db.SetMaxOpenConns(1)
		*a.sqlDB = db
	}
	return *a.sqlDB
}

func sideDSN(path string) string {
	return (&url.URL{Scheme: "file", Opaque: path}).String() + "?_busy_timeout=5000&_foreign_keys=on&_txlock=immediate"
}

func (a *testApp) mustTx(tb testing.TB, f func(tx *sql.Tx) error) {
	tb.Helper()
	tx, err := a.db(tb).Begin()
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		tb.Fatalf("side write: %v", err)
	}
	if _, err := tx.Exec(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'content_version'`); err != nil {
		tx.Rollback()
		tb.Fatalf("bump content version: %v", err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("commit: %v", err)
	}
	// The store keeps its search index and its articles' fragments in step with its
	// own writes; side writes bypass it, so both are rebuilt after each.
	if err := a.Store.Refresh(context.Background()); err != nil {
		tb.Fatalf("rebuild search index: %v", err)
	}
}

// MustInsert inserts row into table on the side connection and returns its id.
// created_at and updated_at default to the clock's time, version to 1, for the
// content tables that have them.
func (a *testApp) MustInsert(tb testing.TB, table string, row map[string]any) int64 {
	tb.Helper()
	var id int64
	a.mustTx(tb, func(tx *sql.Tx) error {
		var err error
		id, err = insertRow(tx, table, row, a.Clock.Now())
		return err
	})
	return id
}

var contentTables = []string{"articles", "helplines", "campaigns", "organisations"}

func insertRow(tx *sql.Tx, table string, row map[string]any, now time.Time) (int64, error) {
	if slices.Contains(contentTables, table) {
		for _, col := range []string{"created_at", "updated_at"} {
			if _, ok := row[col]; !ok {
				row[col] = now
			}
		}
	}
	cols := make([]string, 0, len(row))
	for c := range row {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		v := row[c]
		if t, ok := v.(time.Time); ok {
			v = t.UTC() // stored as text: one zone keeps comparisons right
		} else if t, ok := v.(*time.Time); ok && t != nil {
			v = t.UTC()
		}
		args[i] = v
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING id", table, strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	var id int64
	if err := tx.QueryRow(q, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("%s: %w", q, err)
	}
	return id, nil
}

// link inserts one row per slug into a join table: (owner, id of the slug in other).
func link(tx *sql.Tx, table, ownerCol string, owner int64, otherCol, other string, slugs []string) error {
	for _, s := range slugs {
		res, err := tx.Exec(fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT CAST(? AS BIGINT), id FROM %s WHERE slug = ? AND (%s)",
			table, ownerCol, otherCol, other, liveCond(other)), owner, s)
		if err != nil {
			return fmt.Errorf("link %s %q: %w", table, s, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("link %s: no %s with slug %q", table, other, s)
		}
	}
	return nil
}

func liveCond(table string) string {
	if slices.Contains(contentTables, table) {
		return "deleted_at IS NULL"
	}
	return "TRUE"
}

// ArticleRow is an article for MustInsertArticle. Related items are given by slug.
type ArticleRow struct {
	Slug, Title, Summary, BodyText string
	// Status defaults to published.
	Status string
	// PublishAt is the scheduled time of a scheduled article.
	PublishAt *time.Time
	// PublishedAt defaults to the clock's time for published articles and to
	// PublishAt for scheduled ones; drafts have none.
	PublishedAt                                 *time.Time
	Publisher                                   string
	Regions, Topics, Campaigns, Helplines, Orgs []string
}

// MustInsertArticle inserts an article with its links and returns its id.
func (a *testApp) MustInsertArticle(tb testing.TB, r ArticleRow) int64 {
	tb.Helper()
	now := a.Clock.Now()
	status, published := publicationOf(r.Status, r.PublishAt, r.PublishedAt, now)
	row := map[string]any{"slug": r.Slug, "title": r.Title, "summary": r.Summary,
		"status": status, "publish_at": r.PublishAt, "published_at": published}
	var id int64
	a.mustTx(tb, func(tx *sql.Tx) error {
		if r.Publisher != "" {
			var pid int64
			if err := tx.QueryRow(`SELECT id FROM organisations WHERE slug = ?`, r.Publisher).Scan(&pid); err != nil {
				return fmt.Errorf("publisher %q: %w", r.Publisher, err)
			}
			row["source_publisher_id"] = pid
		}
		var err error
		if id, err = insertRow(tx, "articles", row, now); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO article_bodies (article_id, body_markdown, body_html, body_text) VALUES (?, ?, ?, ?)`,
			id, r.BodyText, "<p>"+r.BodyText+"</p>", r.BodyText); err != nil {
			return err
		}
		return errors.Join(
			link(tx, "article_regions", "article_id", id, "region_id", "regions", r.Regions),
			link(tx, "article_topics", "article_id", id, "topic_id", "topics", r.Topics),
			link(tx, "article_campaigns", "article_id", id, "campaign_id", "campaigns", r.Campaigns),
			link(tx, "article_helplines", "article_id", id, "helpline_id", "helplines", r.Helplines),
			link(tx, "article_organisations", "article_id", id, "organisation_id", "organisations", r.Orgs),
		)
	})
	return id
}

// HelplineRow is a helpline for MustInsertHelpline.
type HelplineRow struct {
	Slug, Name string
	// Hours are the opening hours; the zero value means unknown (never open_now).
	Hours hours.Schedule
	// Status defaults to published; PublishAt and PublishedAt as for ArticleRow.
	Status                 string
	PublishAt, PublishedAt *time.Time
	Organisation           string
	Coverage, Topics       []string // Topics holds topic and audience slugs
	// Contacts are contact types (phone, sms, …); each gets a dummy value.
	Contacts []string
}

// MustInsertHelpline inserts a helpline with its links and returns its id.
func (a *testApp) MustInsertHelpline(tb testing.TB, r HelplineRow) int64 {
	tb.Helper()
	now := a.Clock.Now()
	status, published := publicationOf(r.Status, r.PublishAt, r.PublishedAt, now)
	hours, err := json.Marshal(r.Hours)
	if err != nil {
		tb.Fatal(err)
	}
	row := map[string]any{"slug": r.Slug, "name": r.Name, "opening_hours": string(hours), "status": status,
		"publish_at": r.PublishAt, "published_at": published}
	var id int64
	a.mustTx(tb, func(tx *sql.Tx) error {
		if r.Organisation != "" {
			var oid int64
			if err := tx.QueryRow(`SELECT id FROM organisations WHERE slug = ?`, r.Organisation).Scan(&oid); err != nil {
				return fmt.Errorf("organisation %q: %w", r.Organisation, err)
			}
			row["organisation_id"] = oid
		}
		var err error
		if id, err = insertRow(tx, "helplines", row, now); err != nil {
			return err
		}
		for i, typ := range r.Contacts {
			// A contact always has a URI: the store makes one from every value it
			// accepts.
			value := "https://example.org/" + typ
			if _, err := tx.Exec(`INSERT INTO contacts (helpline_id, position, type, value, display, uri) VALUES (?, ?, ?, ?, ?, ?)`,
				id, i, typ, value, "example.org", value); err != nil {
				return err
			}
		}
		return errors.Join(
			link(tx, "helpline_regions", "helpline_id", id, "region_id", "regions", r.Coverage),
			link(tx, "helpline_topics", "helpline_id", id, "topic_id", "topics", r.Topics),
		)
	})
	return id
}

// CampaignRow is a campaign for MustInsertCampaign.
type CampaignRow struct {
	Slug, Name string
	// Scope defaults to national.
	Scope            string
	StartsOn, EndsOn string // YYYY-MM-DD or "" for unknown
	// Status defaults to published; PublishAt and PublishedAt as for ArticleRow.
	Status                 string
	PublishAt, PublishedAt *time.Time
	Organiser              string
	Partners, Regions      []string
}

// MustInsertCampaign inserts a campaign with its links and returns its id.
func (a *testApp) MustInsertCampaign(tb testing.TB, r CampaignRow) int64 {
	tb.Helper()
	now := a.Clock.Now()
	status, published := publicationOf(r.Status, r.PublishAt, r.PublishedAt, now)
	if r.Scope == "" {
		r.Scope = "national"
	}
	row := map[string]any{"slug": r.Slug, "name": r.Name, "scope": r.Scope, "status": status,
		"publish_at": r.PublishAt, "published_at": published, "starts_on": nullIfEmpty(r.StartsOn), "ends_on": nullIfEmpty(r.EndsOn)}
	var id int64
	a.mustTx(tb, func(tx *sql.Tx) error {
		if r.Organiser != "" {
			var oid int64
			if err := tx.QueryRow(`SELECT id FROM organisations WHERE slug = ?`, r.Organiser).Scan(&oid); err != nil {
				return fmt.Errorf("organiser %q: %w", r.Organiser, err)
			}
			row["organiser_id"] = oid
		}
		var err error
		if id, err = insertRow(tx, "campaigns", row, now); err != nil {
			return err
		}
		return errors.Join(
			link(tx, "campaign_partners", "campaign_id", id, "organisation_id", "organisations", r.Partners),
			link(tx, "campaign_regions", "campaign_id", id, "region_id", "regions", r.Regions),
		)
	})
	return id
}

// MustInsertOrganisation inserts an organisation of a kind and returns its id.
func (a *testApp) MustInsertOrganisation(tb testing.TB, slug, name, kind string) int64 {
	tb.Helper()
	return a.MustInsert(tb, "organisations", map[string]any{"slug": slug, "name": name, "kind": kind})
}

func publicationOf(status string, publishAt, publishedAt *time.Time, now time.Time) (string, *time.Time) {
	if status == "" {
		status = models.StatusPublished
	}
	if publishedAt != nil {
		return status, publishedAt
	}
	switch status {
	case models.StatusPublished:
		return status, &now
	case models.StatusScheduled:
		return status, publishAt
	}
	return status, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
