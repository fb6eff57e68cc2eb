package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"signpost/models"
)

const editorOrigin = "https://editor.example.org"

// withWriteOrigins configures the origins whose pages may write.
func withWriteOrigins(origins ...string) TestOption {
	return WithConfig(func(c *Config) { c.CORSOrigins = origins })
}

// preflight sends a CORS preflight for method from origin, asking for headers.
func (a *testApp) preflight(tb testing.TB, path, origin, method, headers string) *http.Response {
	tb.Helper()
	h := []string{"Origin", origin, "Access-Control-Request-Method", method}
	if headers != "" {
		h = append(h, "Access-Control-Request-Headers", headers)
	}
	resp := a.Do(tb, http.MethodOptions, path, nil, h...)
	MustStatus(tb, resp, http.StatusNoContent)
	if v := resp.Header.Get("Access-Control-Allow-Credentials"); v != "" {
		tb.Errorf("Access-Control-Allow-Credentials %q: credentials are never allowed", v)
	}
	return resp
}

// headerList splits a comma-separated header value.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(s)))
		}
	}
	return out
}

// mustList fails unless the header lists each of want (case-insensitively).
func mustList(tb testing.TB, h http.Header, name string, want ...string) {
	tb.Helper()
	got := headerList(h, name)
	for _, w := range want {
		if !slices.Contains(got, strings.ToLower(w)) {
			tb.Errorf("%s %q does not list %s", name, h.Values(name), w)
		}
	}
}

// mustNotList fails if the header lists any of unwanted.
func mustNotList(tb testing.TB, h http.Header, name string, unwanted ...string) {
	tb.Helper()
	got := headerList(h, name)
	for _, u := range unwanted {
		if slices.Contains(got, strings.ToLower(u)) {
			tb.Errorf("%s %q lists %s", name, h.Values(name), u)
		}
	}
}

func mustHeader(tb testing.TB, h http.Header, name, want string) {
	tb.Helper()
	if got := h.Get(name); got != want {
		tb.Errorf("%s %q, want %q", name, got, want)
	}
}

func TestCORS(t *testing.T) {
	exposed := []string{"ETag", "Link", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "X-Request-ID", "Location"}

	t.Run("OKPublicReads", func(t *testing.T) {
		app := MustStartApp(t)
		for _, path := range []string{"/api/v1/helplines", "/api/v1/helplines/stop-it-now", "/api/v1/articles?limit=1", "/openapi.json"} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp := app.Do(t, method, path, nil, "Origin", "https://school.example.net")
				MustStatus(t, resp, http.StatusOK)
				mustHeader(t, resp.Header, "Access-Control-Allow-Origin", "*")
				mustList(t, resp.Header, "Access-Control-Expose-Headers", exposed...)
				mustNotList(t, resp.Header, "Vary", "Origin") // one copy in shared caches
			}
		}
		// Without an Origin too, so that a cached copy serves every page.
		resp := app.Get(t, "/api/v1/topics")
		mustHeader(t, resp.Header, "Access-Control-Allow-Origin", "*")
		// Errors can be read too, so a page can show why.
		resp = app.Get(t, "/api/v1/helplines/no-such-line", "Origin", "https://school.example.net")
		MustProblem(t, resp, http.StatusNotFound, "")
		mustHeader(t, resp.Header, "Access-Control-Allow-Origin", "*")
	})

	t.Run("OKPreflightRead", func(t *testing.T) {
		app := MustStartApp(t, withWriteOrigins(editorOrigin))
		// Any path, known or not: preflights never get 404 or 405.
		for _, path := range []string{"/api/v1/helplines", "/api/v1/articles/some-slug", "/no-such-route", "/healthz"} {
			resp := app.preflight(t, path, "https://school.example.net", http.MethodGet, "if-none-match")
			mustHeader(t, resp.Header, "Access-Control-Allow-Origin", "*")
			mustList(t, resp.Header, "Access-Control-Allow-Methods", "GET", "HEAD")
			mustNotList(t, resp.Header, "Access-Control-Allow-Methods", "POST", "PUT", "PATCH", "DELETE")
			mustList(t, resp.Header, "Access-Control-Allow-Headers", "If-None-Match")
			// A key is only sent from the write origins.
			mustNotList(t, resp.Header, "Access-Control-Allow-Headers", "Authorization")
			mustHeader(t, resp.Header, "Access-Control-Max-Age", "7200")
		}
	})

	t.Run("ErrWritesClosedByDefault", func(t *testing.T) {
		app := MustStartApp(t)
		key := MustCreateKey(t, app, "newsroom", models.ScopeEditor)
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			resp := app.preflight(t, "/api/v1/articles/some-slug", editorOrigin, method, "authorization, content-type")
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s preflight: %s %q, want none", method, h, v)
				}
			}
		}
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/organisations", key, obj{}, "Origin", editorOrigin)
		MustStatus(t, resp, http.StatusUnprocessableEntity)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("write: Access-Control-Allow-Origin %q, want none", v)
		}
	})

	t.Run("OKWritesFromConfiguredOrigins", func(t *testing.T) {
		app := MustStartApp(t, withWriteOrigins(editorOrigin, "http://localhost:3000"))
		key := MustCreateKey(t, app, "newsroom", models.ScopeEditor)
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodGet} {
			resp := app.preflight(t, "/api/v1/articles/some-slug", editorOrigin, method, "authorization, content-type, if-match")
			mustHeader(t, resp.Header, "Access-Control-Allow-Origin", editorOrigin)
			mustList(t, resp.Header, "Access-Control-Allow-Methods", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
			mustList(t, resp.Header, "Access-Control-Allow-Headers", "Authorization", "Content-Type", "If-Match")
			mustList(t, resp.Header, "Vary", "Origin")
			mustHeader(t, resp.Header, "Access-Control-Max-Age", "7200")
		}
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/organisations", key, obj{}, "Origin", editorOrigin)
		MustStatus(t, resp, http.StatusUnprocessableEntity)
		mustHeader(t, resp.Header, "Access-Control-Allow-Origin", editorOrigin)
		mustList(t, resp.Header, "Access-Control-Expose-Headers", exposed...)
		mustList(t, resp.Header, "Vary", "Origin")

		// Exact origins only: another scheme, port or subdomain is another origin.
		for _, origin := range []string{"http://editor.example.org", "https://editor.example.org:8443", "https://evil.editor.example.org", "null"} {
			resp := app.preflight(t, "/api/v1/articles", origin, http.MethodPost, "authorization")
			if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, v)
			}
			mustList(t, resp.Header, "Vary", "Origin")
			resp, _ = app.Write(t, http.MethodPost, "/api/v1/organisations", key, obj{}, "Origin", origin)
			if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("write from %s: Access-Control-Allow-Origin %q", origin, v)
			}
		}
	})

	t.Run("OKRateLimitReadable", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(1, 0))
		app.Get(t, "/api/v1/topics")
		resp := app.Get(t, "/api/v1/topics", "Origin", "https://school.example.net")
		MustProblem(t, resp, http.StatusTooManyRequests, "")
		mustHeader(t, resp.Header, "Access-Control-Allow-Origin", "*")
		mustList(t, resp.Header, "Access-Control-Expose-Headers", "Retry-After", "RateLimit-Reset")
		// Preflights are answered before the limiter: they cost nothing to answer.
		app.preflight(t, "/api/v1/topics", "https://school.example.net", http.MethodGet, "")
	})

	t.Run("OKPlainOptions", func(t *testing.T) {
		// OPTIONS without Access-Control-Request-Method is not a preflight.
		app := MustStartApp(t)
		resp := app.Do(t, http.MethodOptions, "/api/v1/topics", nil)
		MustProblem(t, resp, http.StatusMethodNotAllowed, "")
	})
}

func TestConfigCORSOrigins(t *testing.T) {
	load := func(v string) (Config, error) {
		cfg, _, err := LoadConfig("test", nil, env("SIGNPOST_CORS_ORIGINS", v))
		return cfg, err
	}
	t.Run("OK", func(t *testing.T) {
		cfg, err := load(" https://Editor.Example.org , http://localhost:3000,https://x.example:443")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"https://editor.example.org", "http://localhost:3000", "https://x.example"}
		if !slices.Equal(cfg.CORSOrigins, want) {
			t.Errorf("origins %q, want %q", cfg.CORSOrigins, want)
		}
	})
	t.Run("ErrNotAnOrigin", func(t *testing.T) {
		for _, v := range []string{"*", "null", "editor.example.org", "https://editor.example.org/", "https://editor.example.org/app", "ftp://x.example", "https://user@x.example"} {
			if _, err := load(v); err == nil || !strings.Contains(err.Error(), "SIGNPOST_CORS_ORIGINS") {
				t.Errorf("%q: error %v, want one naming SIGNPOST_CORS_ORIGINS", v, err)
			}
		}
	})
}
