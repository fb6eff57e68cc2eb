package main

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"signpost/models/store"
)

// scrape reads /metrics and returns its text.
func (a *testApp) scrape(tb testing.TB) string {
	tb.Helper()
	resp := a.Get(tb, "/metrics")
	MustStatus(tb, resp, http.StatusOK)
	if mt := mediaType(resp.Header); mt != "text/plain" {
		tb.Fatalf("Content-Type %q, want text/plain", resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		tb.Errorf("Cache-Control %q, want no-store", cc)
	}
	return string(ReadBody(tb, resp))
}

// metricValue returns the value of the sample of metric name whose labels include
// all of labels (name, value pairs), and whether there is one.
func metricValue(text, name string, labels ...string) (float64, bool) {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		set, value := "", rest
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndex(rest, "}")
			set, value = rest[1:end], rest[end+1:]
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(","+set+",", ","+labels[i]+`="`+labels[i+1]+`",`) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		return v, err == nil
	}
	return 0, false
}

func mustMetric(tb testing.TB, text string, want float64, name string, labels ...string) {
	tb.Helper()
	got, ok := metricValue(text, name, labels...)
	if !ok {
		tb.Errorf("no %s%v in the metrics", name, labels)
	} else if got != want {
		tb.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func TestMetrics(t *testing.T) {
	t.Run("OKRequestsByRouteTemplate", func(t *testing.T) {
		app := MustStartApp(t)
		MustStatus(t, app.Get(t, "/api/v1/helplines/stop-it-now"), http.StatusOK)
		MustStatus(t, app.Get(t, "/api/v1/helplines/crimestoppers"), http.StatusOK)
		app.Get(t, "/api/v1/helplines/no-such-line")
		app.Get(t, "/api/v1/helplines?region=cumbria")
		app.Get(t, "/looking-for-help-with-abuse")
		app.Do(t, "BREW", "/api/v1/helplines", nil)
		m := app.scrape(t)

		mustMetric(t, m, 2, "signpost_http_requests_total", "method", "GET", "route", "/api/v1/helplines/:slug", "code", "200")
		mustMetric(t, m, 1, "signpost_http_requests_total", "method", "GET", "route", "/api/v1/helplines/:slug", "code", "404")
		mustMetric(t, m, 1, "signpost_http_requests_total", "method", "GET", "route", "/api/v1/helplines", "code", "200")
		mustMetric(t, m, 1, "signpost_http_requests_total", "method", "GET", "route", "(unmatched)", "code", "404")
		mustMetric(t, m, 3, "signpost_http_request_duration_seconds_count", "method", "GET", "route", "/api/v1/helplines/:slug")
		mustMetric(t, m, 3, "signpost_http_request_duration_seconds_bucket", "method", "GET", "route", "/api/v1/helplines/:slug", "le", "+Inf")
		// Made-up methods share one label value.
		if _, ok := metricValue(m, "signpost_http_requests_total", "method", "OTHER"); !ok {
			t.Error("no signpost_http_requests_total{method=\"OTHER\"}")
		}
		// Never the raw path, the slug or the query: they would leak what people
		// looked for and grow the series without bound.
		for _, leak := range []string{"stop-it-now", "crimestoppers", "no-such-line", "cumbria", "looking-for-help", "BREW"} {
			if strings.Contains(m, leak) {
				t.Errorf("the metrics hold %q", leak)
			}
		}
	})

	t.Run("OKNotModifiedAndCache", func(t *testing.T) {
		app := MustStartApp(t)
		resp := app.Get(t, "/api/v1/topics")
		etag := resp.Header.Get("ETag")
		for range 2 {
			MustStatus(t, app.Get(t, "/api/v1/topics", "If-None-Match", etag), http.StatusNotModified)
		}
		m := app.scrape(t)
		mustMetric(t, m, 2, "signpost_http_not_modified_total", "route", "/api/v1/topics")
		mustMetric(t, m, 2, "signpost_http_requests_total", "method", "GET", "route", "/api/v1/topics", "code", "304")
		for _, name := range []string{"signpost_response_cache_hits_total", "signpost_response_cache_misses_total"} {
			if _, ok := metricValue(m, name); !ok {
				t.Errorf("no %s", name)
			}
		}
	})

	t.Run("OKRateLimitedCounted", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(1, 0))
		app.Get(t, "/api/v1/regions")
		app.Get(t, "/api/v1/regions")
		mustMetric(t, app.scrape(t), 1, "signpost_http_requests_total", "route", "/api/v1/regions", "code", "429")
	})

	t.Run("OKDatabaseRuntimeProcess", func(t *testing.T) {
		app := MustStartApp(t)
		app.Get(t, "/api/v1/articles")
		m := app.scrape(t)
		// SQLite's writer is one connection; PostgreSQL's writer and reader are
		// the one pool.
		writers := 1.0
		if onPostgres() {
			writers = store.DefaultPostgresConns
		}
		mustMetric(t, m, writers, "go_sql_max_open_connections", "db_name", "writer")
		if v, ok := metricValue(m, "go_sql_max_open_connections", "db_name", "reader"); !ok || v < 1 {
			t.Errorf("reader max open connections %v (%v)", v, ok)
		}
		for _, name := range []string{"go_sql_open_connections", "go_sql_wait_count_total", "go_goroutines", "go_memstats_alloc_bytes"} {
			if _, ok := metricValue(m, name); !ok {
				t.Errorf("no %s", name)
			}
		}
		if runtime.GOOS == "linux" {
			if _, ok := metricValue(m, "process_resident_memory_bytes"); !ok {
				t.Error("no process_resident_memory_bytes")
			}
		}
	})

	t.Run("OKRegistryPerApp", func(t *testing.T) {
		// Each app has its own registry: two in one process neither panic nor
		// count each other's requests.
		a, b := MustStartApp(t), MustStartApp(t)
		a.Get(t, "/api/v1/topics")
		a.Get(t, "/api/v1/topics")
		b.Get(t, "/api/v1/topics")
		mustMetric(t, a.scrape(t), 2, "signpost_http_requests_total", "route", "/api/v1/topics", "code", "200")
		mustMetric(t, b.scrape(t), 1, "signpost_http_requests_total", "route", "/api/v1/topics", "code", "200")
	})
}
