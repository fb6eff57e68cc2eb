package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"signpost/handlers"
	"signpost/models"
)

// fastPair is one store served twice, with the same configuration: through the
// fast path (handlers.FastPath) and through gin's router alone. Each server has
// its own response cache, rate limiter, metrics and access log, so the same
// requests sent to both in the same order must get the same answers.
type fastPair struct {
	app      *testApp // the store, its configuration and the OpenAPI check
	fast, gn pairServer
	served   atomic.Int64 // requests the fast path answered itself
	// ids are the request IDs each server answered, in order, for the logs.
	fastIDs, ginIDs []string
}

type pairServer struct {
	url  string
	logs *syncBuffer
	*finished
}

// finished counts the requests a handler has finished, so that a test reads the
// logs and metrics once every request it sent has written its own.
type finished struct {
	next http.Handler
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (f *finished) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.next.ServeHTTP(w, r)
	f.mu.Lock()
	f.n++
	f.cond.Broadcast()
	f.mu.Unlock()
}

// wait returns once n requests have finished.
func (f *finished) wait(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.n < n {
		f.cond.Wait()
	}
}

func startFastPair(t *testing.T, opts ...TestOption) *fastPair {
	t.Helper()
	p := &fastPair{app: MustStartApp(t, opts...)}
	serve := func(cfg Config) pairServer {
		s := pairServer{logs: &syncBuffer{}, finished: &finished{}}
		s.cond = sync.NewCond(&s.mu)
		s.next = newApp(p.app.Store, cfg, slog.New(slog.NewJSONHandler(s.logs, nil)), nil).handler
		srv := httptest.NewServer(s.finished)
		t.Cleanup(srv.Close)
		s.url = srv.URL
		return s
	}
	cfg := p.app.Config
	cfg.onFastPath = func() { p.served.Add(1) }
	p.fast = serve(cfg)
	cfg.noFastPath, cfg.onFastPath = true, nil
	p.gn = serve(cfg)
	return p
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// send sends the same request to both servers and fails the test unless the
// answers are the same: status, every header but Date (and X-Request-ID when the
// servers made it, which must then be well-formed) and body. Both answers must
// conform to the OpenAPI document. served is how many requests the fast path is
// expected to answer itself (0 or 1; -1 for either). It returns the fast path's
// answer, with its body in body.
func (p *fastPair) send(t *testing.T, served int64, method, path string, headers ...string) (resp *http.Response, body []byte) {
	t.Helper()
	before := p.served.Load()
	fr, fb := p.do(t, p.fast.url, method, path, headers)
	if got := p.served.Load() - before; served >= 0 && got != served {
		t.Errorf("%s %s %q: the fast path answered %d, want %d", method, path, headers, got, served)
	}
	gr, gb := p.do(t, p.gn.url, method, path, headers)
	where := method + " " + path + " " + strings.Join(headers, " ")
	if fr.StatusCode != gr.StatusCode {
		t.Errorf("%s: status %d with the fast path, %d without", where, fr.StatusCode, gr.StatusCode)
	}
	sentID := ""
	for i := 0; i+1 < len(headers); i += 2 {
		if http.CanonicalHeaderKey(headers[i]) == "X-Request-Id" {
			sentID = headers[i+1]
		}
	}
	fid, gid := fr.Header.Get("X-Request-Id"), gr.Header.Get("X-Request-Id")
	// A problem names the request's ID, which each server made for itself.
	if fid != "" && gid != "" && !bytes.Equal(fb, gb) &&
		!bytes.Equal(bytes.ReplaceAll(fb, []byte(fid), []byte("ID")), bytes.ReplaceAll(gb, []byte(gid), []byte("ID"))) {
		t.Errorf("%s: bodies differ:\nfast: %s\ngin:  %s", where, truncate(fb), truncate(gb))
	}
	p.fastIDs, p.ginIDs = append(p.fastIDs, fid), append(p.ginIDs, gid)
	if fid != gid && (!generatedID.MatchString(fid) || !generatedID.MatchString(gid) || fid == sentID) {
		t.Errorf("%s: X-Request-ID %q with the fast path, %q without", where, fid, gid)
	}
	names := map[string]bool{}
	for k := range fr.Header {
		names[k] = true
	}
	for k := range gr.Header {
		names[k] = true
	}
	for k := range names {
		if k == "Date" || k == "X-Request-Id" {
			continue
		}
		if !slices.Equal(fr.Header[k], gr.Header[k]) {
			t.Errorf("%s: header %s is %q with the fast path, %q without", where, k, fr.Header[k], gr.Header[k])
		}
	}
	return fr, fb
}

func (p *fastPair) do(t *testing.T, base, method, path string, headers []string) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "body" {
			body = strings.NewReader(headers[i+1])
		}
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	// The same Host on both servers (they listen on different ports), since
	// answers name the request's own base URL.
	req.Host = "signpost.example"
	for i := 0; i+1 < len(headers); i += 2 {
		switch headers[i] {
		case "body":
		case "Host":
			req.Host = headers[i+1]
		default:
			req.Header.Add(headers[i], headers[i+1])
		}
	}
	resp, err := p.app.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The documentation UI is not part of the API document (see Unchecked).
	if strings.HasPrefix(path, "/docs") {
		return resp, b
	}
	if err := checkResponse(req, resp.StatusCode, resp.Header, b); err != nil {
		t.Errorf("%s %s: response does not conform to the OpenAPI document:\n%v\nbody: %s", method, path, err, truncate(b))
	}
	return resp, b
}

// mustSameLogs compares the access logs line by line, field by field: all but
// the time and the duration, with each line's request ID the one its server sent.
func (p *fastPair) mustSameLogs(t *testing.T) {
	t.Helper()
	p.fast.wait(len(p.fastIDs))
	p.gn.wait(len(p.ginIDs))
	fast, gn := requestLines(t, p.fast.logs.String()), requestLines(t, p.gn.logs.String())
	if len(fast) != len(p.fastIDs) || len(gn) != len(p.ginIDs) {
		t.Fatalf("%d and %d log lines for %d requests", len(fast), len(gn), len(p.fastIDs))
	}
	for i := range fast {
		if fast[i]["request_id"] != p.fastIDs[i] || gn[i]["request_id"] != p.ginIDs[i] {
			t.Errorf("log line %d: request IDs %v and %v, the answers said %s and %s",
				i, fast[i]["request_id"], gn[i]["request_id"], p.fastIDs[i], p.ginIDs[i])
		}
		for _, line := range []map[string]any{fast[i], gn[i]} {
			if _, ok := line["duration"]; !ok {
				t.Errorf("log line %d has no duration: %v", i, line)
			}
			delete(line, "time")
			delete(line, "duration")
			delete(line, "request_id")
		}
		a, _ := json.Marshal(fast[i])
		b, _ := json.Marshal(gn[i])
		if !bytes.Equal(a, b) {
			t.Errorf("log line %d:\nfast: %s\ngin:  %s", i, a, b)
		}
	}
}

func requestLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// mustSameMetrics compares the request metrics of both servers: every
// signpost_ series, with the latency histograms by their counts alone.
func (p *fastPair) mustSameMetrics(t *testing.T) {
	t.Helper()
	p.fast.wait(len(p.fastIDs))
	p.gn.wait(len(p.ginIDs))
	fast, gn := requestMetrics(t, p.fast.url), requestMetrics(t, p.gn.url)
	if len(fast) == 0 {
		t.Fatal("no metrics")
	}
	if !slices.Equal(fast, gn) {
		t.Errorf("metrics differ:\nfast: %s\ngin:  %s", strings.Join(fast, "\n      "), strings.Join(gn, "\n      "))
	}
}

func requestMetrics(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "signpost_") || strings.HasPrefix(l, "signpost_http_request_duration_seconds_bucket") ||
			strings.HasPrefix(l, "signpost_http_request_duration_seconds_sum") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// publicReads are the paths of every public GET route, with the seed's slugs.
func publicReads(t *testing.T, p *fastPair) []string {
	t.Helper()
	app := p.app
	firstSlug := func(list string) string {
		var env struct {
			Data []struct{ Slug string } `json:"data"`
		}
		_, b := p.send(t, -1, http.MethodGet, list) // to both, so that they stay in step
		if err := json.Unmarshal(b, &env); err != nil || len(env.Data) == 0 {
			t.Fatalf("%s is empty", list)
		}
		return env.Data[0].Slug
	}
	var paths []string
	for _, r := range app.Router.Routes() {
		switch {
		case r.Method != http.MethodGet, r.Path == handlers.StreamPath,
			strings.Contains(r.Path, "/webhooks"), r.Path == "/api/v1/audit", r.Path == "/api/v1/helplines/due",
			r.Path == "/metrics": // its own figures differ; see mustSameMetrics
		case r.Path == "/articles/:slug":
			paths = append(paths, "/articles/"+firstSlug("/api/v1/articles"))
		case r.Path == "/helplines/:slug":
			paths = append(paths, "/helplines/"+firstSlug("/api/v1/helplines"))
		case strings.HasSuffix(r.Path, "/:slug"):
			list := strings.TrimSuffix(r.Path, "/:slug")
			paths = append(paths, list+"/"+firstSlug(list), list+"/no-such-item")
		case strings.Contains(r.Path, "*any"):
			paths = append(paths, strings.Replace(r.Path, "*any", "index.html", 1))
		case strings.Contains(r.Path, ":"):
			t.Fatalf("route %s: the test does not know its parameter", r.Path)
		default:
			paths = append(paths, r.Path)
		}
	}
	return append(paths,
		"/api/v1/articles?limit=2", "/api/v1/articles?topic=online-safety&limit=3",
		"/api/v1/helplines?region=cumbria", "/api/v1/helplines?open_now=true",
		"/api/v1/helplines?at=2027-02-06T10:00:00Z", "/api/v1/search?q=helpline",
		"/embed/helplines?region=cumbria", "/oembed?url=http://127.0.0.1/embed/helplines",
		"/api/v1/articles?no_such_parameter=1", "/no-such-route")
}

// TestFastPathSameAnswers sends every public read, in each of the ways a client
// may ask for it, through the fast path and through gin's router alone, and
// requires the same status, headers and body, the same access log lines and the
// same metrics.
func TestFastPathSameAnswers(t *testing.T) {
	p := startFastPair(t)
	paths := publicReads(t, p)
	if len(paths) < 25 {
		t.Fatalf("only %d paths", len(paths))
	}
	for _, path := range paths {
		resp, _ := p.send(t, -1, http.MethodGet, path)
		etag := resp.Header.Get("ETag")
		p.send(t, -1, http.MethodGet, path)
		p.send(t, -1, http.MethodGet, path, "Accept-Encoding", "gzip")
		p.send(t, -1, http.MethodGet, path, "Accept-Encoding", "gzip;q=0, identity")
		p.send(t, -1, http.MethodHead, path)
		p.send(t, -1, http.MethodHead, path, "Accept-Encoding", "gzip")
		p.send(t, -1, http.MethodGet, path, "Origin", "https://school.example.net")
		p.send(t, -1, http.MethodGet, path, "X-Request-ID", "trace-1.a_b")
		p.send(t, -1, http.MethodGet, path, "X-Request-ID", "not a valid id")
		if etag != "" {
			p.send(t, -1, http.MethodGet, path, "If-None-Match", etag)
			p.send(t, -1, http.MethodGet, path, "If-None-Match", `W/`+etag+`, "other"`)
			p.send(t, -1, http.MethodGet, path, "If-None-Match", etag, "Accept-Encoding", "gzip")
			gz, _ := p.send(t, -1, http.MethodGet, path, "Accept-Encoding", "gzip")
			p.send(t, -1, http.MethodGet, path, "If-None-Match", gz.Header.Get("ETag"), "Accept-Encoding", "gzip")
			p.send(t, -1, http.MethodGet, path, "If-None-Match", gz.Header.Get("ETag"))
			p.send(t, -1, http.MethodHead, path, "If-None-Match", etag)
		}
		if lm := resp.Header.Get("Last-Modified"); lm != "" {
			p.send(t, -1, http.MethodGet, path, "If-Modified-Since", lm)
		}
		p.send(t, -1, http.MethodOptions, path, "Origin", "https://school.example.net", "Access-Control-Request-Method", "GET")
	}
	if p.served.Load() == 0 {
		t.Fatal("the fast path answered nothing")
	}
	p.mustSameLogs(t)
	p.mustSameMetrics(t)
}

// TestFastPathTakes checks which requests the fast path answers itself: a
// repeated public read, in any encoding, with or without If-None-Match; and which
// it hands to gin's router: a first read, anything with a key, a body,
// Cache-Control: no-cache or headers over the limit, and every other method.
func TestFastPathTakes(t *testing.T) {
	p := startFastPair(t, WithConfig(func(c *Config) { c.CORSOrigins = []string{"https://editor.example.org"} }))
	const list, item = "/api/v1/articles", "/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse"
	for _, path := range []string{list, item, "/api/v1/helplines?region=cumbria", "/embed/helplines.json"} {
		resp, _ := p.send(t, 0, http.MethodGet, path) // a miss: rendered by gin's path
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		p.send(t, 1, http.MethodGet, path)
		p.send(t, 1, http.MethodHead, path)
		p.send(t, 1, http.MethodGet, path, "Accept-Encoding", "gzip")
		p.send(t, 1, http.MethodGet, path, "If-None-Match", resp.Header.Get("ETag"))
		p.send(t, 1, http.MethodGet, path, "Origin", "https://editor.example.org")
		p.send(t, 0, http.MethodGet, path, "Cache-Control", "no-cache")
		p.send(t, 0, http.MethodGet, path, "Authorization", "Bearer sp_000000000000_wrong")
		p.send(t, 0, http.MethodGet, path, "body", "{}")
		p.send(t, 0, http.MethodGet, path, "X-Padding", strings.Repeat("x", handlers.MaxHeaderBytes))
		p.send(t, 0, http.MethodOptions, path, "Origin", "https://editor.example.org", "Access-Control-Request-Method", "PATCH")
	}
	p.send(t, 0, http.MethodPost, list, "Origin", "https://editor.example.org", "body", "{}")
	p.send(t, 0, http.MethodGet, "/api/v1/helplines?at=2027-02-06T10:00:00Z") // private: never cached
	p.send(t, 0, http.MethodGet, "/api/v1/helplines?at=2027-02-06T10:00:00Z")
	p.send(t, 0, http.MethodGet, "/healthz")
	p.send(t, 0, http.MethodGet, "/healthz")
	p.mustSameLogs(t)
	p.mustSameMetrics(t)
}

// TestFastPathRateLimits checks that the fast path counts a read against the
// same buckets as gin's path, once, and that a client over its limit gets the same
// 429 (and the widget's page and script are still served over theirs), with the
// client's address taken from X-Forwarded-For of a trusted proxy as gin takes it,
// and logged as it is when the operator opts in.
func TestFastPathRateLimits(t *testing.T) {
	p := startFastPair(t, WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitEmbed = 4, 3
		c.TrustedProxies, c.LogClient = []string{"127.0.0.1"}, true
	}))
	const path, xff = "/api/v1/topics?kind=topic", "X-Forwarded-For"
	// The first request is rendered by gin's path; then the client's next three
	// are hits, and its fifth is over the limit: a 429 from gin's path.
	p.send(t, 0, http.MethodGet, path, xff, "203.0.113.5")
	p.send(t, 1, http.MethodGet, path, xff, "203.0.113.5")
	p.send(t, 1, http.MethodGet, path, xff, "198.51.100.9, 203.0.113.5") // the right-most untrusted address
	p.send(t, 1, http.MethodHead, path, xff, "203.0.113.5")
	mustStatus(t, p.send, http.StatusTooManyRequests, path, xff, "203.0.113.5")
	mustStatus(t, p.send, http.StatusTooManyRequests, path, xff, "203.0.113.5")
	// Another client has a bucket of its own; an IPv6 client's is its /64.
	for range 4 {
		p.send(t, 1, http.MethodGet, path, xff, "2001:db8::1")
	}
	mustStatus(t, p.send, http.StatusTooManyRequests, path, xff, "2001:db8::2")
	p.send(t, 1, http.MethodGet, path, xff, "2001:db8:0:1::2")
	for _, path := range []string{"/embed/helplines", "/embed/helplines.js", "/embed/helplines.json"} {
		for range 5 {
			p.send(t, -1, http.MethodGet, path, "X-Forwarded-For", "192.0.2.77")
		}
	}
	// A request from the proxy itself, without X-Forwarded-For.
	p.send(t, -1, http.MethodGet, path)
	p.mustSameLogs(t)
	p.mustSameMetrics(t)
}

// mustStatus sends a request that the fast path must hand to gin's path, and
// checks the status both answered.
func mustStatus(t *testing.T, send func(*testing.T, int64, string, string, ...string) (*http.Response, []byte),
	status int, path string, headers ...string) {
	t.Helper()
	if resp, _ := send(t, 0, http.MethodGet, path, headers...); resp.StatusCode != status {
		t.Errorf("GET %s %q: %d, want %d", path, headers, resp.StatusCode, status)
	}
}

// TestFastPathBaseURL checks that answers which name the request's own base URL
// are kept apart by Host on the fast path as on gin's, and that a made-up Host
// gets the default.
func TestFastPathBaseURL(t *testing.T) {
	p := startFastPair(t)
	for _, path := range []string{"/embed/helplines.json", "/oembed?url=http://a.example/embed/helplines"} {
		for _, host := range []string{"a.example", "b.example:8080", "A.EXAMPLE:80", "bad_host.example", "a.example"} {
			p.send(t, -1, http.MethodGet, path, "Host", host)
			p.send(t, -1, http.MethodGet, path, "Host", host)
		}
	}
	p.mustSameLogs(t)
	p.mustSameMetrics(t)
}

// TestFastPathAfterWrite checks that the fast path never serves an answer that a
// write has changed: written through another server on the same store, as
// another instance would, the next read on either server is rendered anew and
// shows it, and the one after is a hit again.
func TestFastPathAfterWrite(t *testing.T) {
	p := startFastPair(t)
	editor := MustCreateKey(t, p.app, "editor-1", models.ScopeEditor)
	const path = "/api/v1/articles/" + cumbriaSlug
	for _, summary := range []string{"A first new summary.", "A second new summary."} {
		p.send(t, -1, http.MethodGet, path)
		p.send(t, -1, http.MethodGet, "/api/v1/articles")
		p.send(t, 1, http.MethodGet, path)
		p.send(t, 1, http.MethodGet, "/api/v1/articles")
		resp := p.app.Do(t, http.MethodPatch, path, strings.NewReader(`{"summary":"`+summary+`"}`),
			append(auth(editor), "Content-Type", "application/merge-patch+json")...)
		MustStatus(t, resp, http.StatusOK)
		for _, read := range []string{path, "/api/v1/articles"} {
			_, b := p.send(t, 0, http.MethodGet, read)
			if !strings.Contains(string(b), summary) {
				t.Errorf("GET %s after the write does not show it: %s", read, truncate(b))
			}
			p.send(t, 1, http.MethodGet, read)
		}
	}
	p.mustSameLogs(t)
	p.mustSameMetrics(t)
}
