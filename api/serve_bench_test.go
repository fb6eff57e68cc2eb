package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models/store"
)

// BenchmarkServeUncached serves the public article list and one article over a
// real listener with the response cache off, as the load test's uncached server
// does, beside the bare gin route that the load test compares them with: the
// ratios of their ns/op are the load test's ratios, without its noise. The
// access log is encoded as JSON (and discarded), as a server's is.
//
// SIGNPOST_BENCH_DB names a database to read instead of one made here (such as
// the load test's 100,000 articles; use a copy: the store migrates it).
func BenchmarkServeUncached(b *testing.B) {
	opts := []TestOption{WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitKey, c.RateLimitEmbed, c.BenchCeiling, c.CacheBytes = 0, 0, 0, true, 0
	}), WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)))}
	db := os.Getenv("SIGNPOST_BENCH_DB")
	if db != "" {
		opts = append(opts, WithDBPath(db), WithoutSeed())
	}
	o := resolveOptions(b, opts)
	cfg := testConfig(b, o)
	st := openStore(b, o, cfg)
	if db == "" {
		if err := st.Generate(context.Background(), store.GenerateConfig{Articles: benchArticles, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(handlers.WithBareCeiling(NewRouter(st, cfg, o.logger)))
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	for _, bc := range []struct{ name, path string }{
		{"Bare", "/bench/bare?bytes=4500"},
		{"ArticleList", "/api/v1/articles"},
		{"Article", "/api/v1/articles/synthetic-article-500"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			url := srv.URL + bc.path
			// get may run on the benchmark's goroutines: it reports, the caller stops.
			get := func() bool {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return false
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("GET %s: %d", bc.path, resp.StatusCode)
					return false
				}
				return true
			}
			if !get() {
				return
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() && get() {
				}
			})
		})
	}
}
