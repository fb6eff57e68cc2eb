package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"signpost/handlers"
	"signpost/models"
)

// TestNoCookies crawls every route the router serves, with and without a key, with
// good and bad input, and the error paths around them, and checks that no response
// sets a cookie: people who look up a helpline must not be tracked.
func TestNoCookies(t *testing.T) {
	app := MustStartApp(t, withRateLimits(100_000, 100_000)).Unchecked()
	admin := MustCreateKey(t, app.testApp(), "ops", models.ScopeAdmin)

	statuses := map[int]bool{}
	check := func(resp *http.Response) {
		t.Helper()
		statuses[resp.StatusCode] = true
		if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("%s %s: %d sets cookies %q", resp.Request.Method, resp.Request.URL.RequestURI(), resp.StatusCode, c)
		}
	}

	// firstSlug returns the slug of the first item of a list, or "".
	firstSlug := func(list string) string {
		var env struct {
			Data []struct{ Slug string } `json:"data"`
		}
		resp := app.GetJSON(t, list, &env)
		check(resp)
		if len(env.Data) == 0 {
			return ""
		}
		return env.Data[0].Slug
	}

	routes := app.Router.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		var paths []string
		switch {
		case strings.HasSuffix(r.Path, "/:slug"):
			list := strings.TrimSuffix(r.Path, "/:slug")
			if s := firstSlug(list); s != "" && r.Method == http.MethodGet {
				paths = append(paths, list+"/"+s)
			}
			paths = append(paths, list+"/no-such-item")
		case r.Path == handlers.StreamPath:
			continue // never ends by itself; TestChangesStream checks its headers
		case strings.Contains(r.Path, "/webhooks/:id"):
			paths = []string{strings.NewReplacer(":id", "1", ":delivery", "1").Replace(r.Path)}
		case strings.Contains(r.Path, "*any"):
			paths = []string{strings.Replace(r.Path, "*any", "index.html", 1), strings.Replace(r.Path, "*any", "nope.js", 1)}
		case strings.Contains(r.Path, ":"):
			t.Fatalf("route %s: the crawl does not know its parameter", r.Path)
		default:
			paths = []string{r.Path}
		}
		for _, p := range paths {
			for _, q := range []string{"", "?no_such_parameter=1", "?q=help&limit=1000"} {
				for _, key := range []string{"", admin, "sp_000000000000_wrong"} {
					var body *bytes.Reader
					headers := []string{}
					if key != "" {
						headers = append(headers, auth(key)...)
					}
					if r.Method != http.MethodGet {
						body = bytes.NewReader([]byte(`{}`))
						headers = append(headers, "Content-Type", "application/json")
					}
					if body == nil {
						check(app.Do(t, r.Method, p+q, nil, headers...))
					} else {
						check(app.Do(t, r.Method, p+q, body, headers...))
					}
				}
			}
			if r.Method == http.MethodGet {
				resp := app.Get(t, p)
				check(resp)
				check(app.Do(t, http.MethodHead, p, nil))
				if etag := resp.Header.Get("ETag"); etag != "" {
					check(app.Get(t, p, "If-None-Match", etag, "Accept-Encoding", "gzip"))
				}
				check(app.Do(t, http.MethodOptions, p, nil, "Origin", "https://school.example.net", "Access-Control-Request-Method", "GET"))
			}
		}
	}
	// Around the routes: unknown paths, wrong methods, bad bodies, a panic-free 413.
	check(app.Get(t, "/no-such-route"))
	check(app.Get(t, "/api/v1/"))
	check(app.Do(t, http.MethodDelete, "/api/v1/topics", nil))
	check(app.Do(t, http.MethodOptions, "/api/v1/topics", nil))
	check(app.Do(t, http.MethodPost, "/api/v1/articles", strings.NewReader("title=x"), append(auth(admin), "Content-Type", "text/plain")...))
	check(app.Do(t, http.MethodPost, "/api/v1/articles", strings.NewReader("{"), append(auth(admin), "Content-Type", "application/json")...))
	check(app.Do(t, http.MethodPost, "/api/v1/articles", bytes.NewReader(make([]byte, 2<<20)), append(auth(admin), "Content-Type", "application/json")...))
	// And a rate-limited answer.
	limited := MustStartApp(t, withRateLimits(1, 0)).Unchecked()
	check(limited.Get(t, "/api/v1/topics"))
	check(limited.Get(t, "/api/v1/topics"))

	for _, s := range []int{200, 204, 302, 304, 400, 401, 404, 405, 413, 415, 422, 429} {
		if !statuses[s] {
			t.Errorf("the crawl met no %d; it should cover every kind of answer", s)
		}
	}
}

// testApp returns the app itself, so that helpers taking *testApp accept an
// Unchecked one.
func (a *testApp) testApp() *testApp { return a }

// logLines decodes the JSON lines of a log buffer.
func logLines(tb testing.TB, buf *bytes.Buffer) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			tb.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// requestLog returns the access log line of the request with ID id.
func requestLog(tb testing.TB, buf *bytes.Buffer, id string) map[string]any {
	tb.Helper()
	for _, m := range logLines(tb, buf) {
		if m["msg"] == "request" && m["request_id"] == id {
			return m
		}
	}
	tb.Fatalf("no access log line for request %s in:\n%s", id, buf)
	return nil
}

func TestAccessLog(t *testing.T) {
	const client = "203.0.113.9"
	const query = "region=cumbria&topic=child-sexual-abuse-prevention"

	t.Run("OKPrivateByDefault", func(t *testing.T) {
		var buf bytes.Buffer
		app := MustStartApp(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
		rec := app.serveFrom(t, http.MethodGet, "/api/v1/helplines/stop-it-now", client+":50123")
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		rec2 := app.serveFrom(t, http.MethodGet, "/api/v1/helplines?"+query, client+":50124")
		if rec2.Code != http.StatusOK {
			t.Fatalf("status %d", rec2.Code)
		}
		for _, r := range []struct {
			id, route string
			status    int
		}{
			{rec.Header().Get("X-Request-ID"), "/api/v1/helplines/:slug", 200},
			{rec2.Header().Get("X-Request-ID"), "/api/v1/helplines", 200},
		} {
			m := requestLog(t, &buf, r.id)
			if m["method"] != "GET" || m["route"] != r.route || m["status"] != float64(r.status) {
				t.Errorf("log line %v: want method GET, route %s, status %d", m, r.route, r.status)
			}
			if _, ok := m["duration"]; !ok {
				t.Errorf("log line %v has no duration", m)
			}
			for _, k := range []string{"client_ip", "query", "path", "user_agent", "referer"} {
				if _, ok := m[k]; ok {
					t.Errorf("log line %v has %s", m, k)
				}
			}
		}
		// Nothing that says who asked or what for: no address, no query, no slug.
		for _, secret := range []string{client, "cumbria", "child-sexual-abuse", "stop-it-now"} {
			if strings.Contains(buf.String(), secret) {
				t.Errorf("the log holds %q:\n%s", secret, buf.String())
			}
		}
	})

	t.Run("OKClientWhenOptedIn", func(t *testing.T) {
		var buf bytes.Buffer
		app := MustStartApp(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))),
			WithConfig(func(c *Config) { c.LogClient = true }))
		rec := app.serveFrom(t, http.MethodGet, "/api/v1/helplines?"+query, client+":50123")
		m := requestLog(t, &buf, rec.Header().Get("X-Request-ID"))
		if m["client_ip"] != client || m["query"] != query {
			t.Errorf("log line %v: want client_ip %s and query %s", m, client, query)
		}
	})

	t.Run("OKUnmatchedRoute", func(t *testing.T) {
		var buf bytes.Buffer
		app := MustStartApp(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
		rec := app.serveFrom(t, http.MethodGet, "/looking-for-help-with-abuse", client+":1")
		m := requestLog(t, &buf, rec.Header().Get("X-Request-ID"))
		if m["route"] != "(unmatched)" || m["status"] != float64(404) {
			t.Errorf("log line %v", m)
		}
		if strings.Contains(buf.String(), "looking-for-help") {
			t.Errorf("the log holds the raw path:\n%s", buf.String())
		}
	})
}

func TestRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	var buf bytes.Buffer
	app := MustStartApp(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))

	t.Run("OKGenerated", func(t *testing.T) {
		resp := app.Get(t, "/api/v1/articles/no-such-article")
		id := resp.Header.Get("X-Request-ID")
		if !generated.MatchString(id) {
			t.Fatalf("X-Request-ID %q, want 16 hex digits", id)
		}
		if p := MustProblem(t, resp, http.StatusNotFound, ""); p.RequestID != id {
			t.Errorf("problem request_id %q, want %q", p.RequestID, id)
		}
		requestLog(t, &buf, id)
		if other := app.Get(t, "/healthz").Header.Get("X-Request-ID"); other == id {
			t.Error("two requests got the same ID")
		}
	})

	t.Run("OKAccepted", func(t *testing.T) {
		for _, id := range []string{"abc-123_X.y", "0f8e2c1d-7d4b-4e9a-9c1e-3b1f6a2d9e10", strings.Repeat("a", 64)} {
			resp := app.Get(t, "/healthz", "X-Request-ID", id)
			if got := resp.Header.Get("X-Request-ID"); got != id {
				t.Errorf("sent %q, echoed %q", id, got)
			}
		}
	})

	t.Run("OKForgedReplaced", func(t *testing.T) {
		for _, id := range []string{
			strings.Repeat("a", 65),           // oversized
			strings.Repeat("0123456789", 100), // far oversized
			"<script>alert(1)</script>",
			"id with spaces",
			`"quoted"`,
			"ünïcödé",
			"a,b",
		} {
			resp := app.Get(t, "/api/v1/topics", "X-Request-ID", id)
			got := resp.Header.Get("X-Request-ID")
			if got == id || !generated.MatchString(got) {
				t.Errorf("sent %q, got %q: want a generated ID", id, got)
			}
			if strings.Contains(buf.String(), id) {
				t.Errorf("the log holds the forged ID %q", id)
			}
			if vs := resp.Header.Values("X-Request-ID"); len(vs) != 1 || slices.Contains(vs, id) {
				t.Errorf("X-Request-ID values %q", vs)
			}
		}
	})
}
