package main

import (
	"context"
	"fmt"
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

// BenchmarkServeCached serves the public article list and one article from the
// response cache over a real listener, as the load test's cached server does,
// beside bare gin routes of the same body sizes: the ratios of their ns/op are
// the load test's "x same" ratios, without its noise. With -cpuprofile it shows
// what each piece of the cached path costs (see the README's Performance section).
func BenchmarkServeCached(b *testing.B) {
	app := MustStartApp(b, WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitKey, c.RateLimitEmbed, c.BenchCeiling = 0, 0, 0, true
		c.CacheCheck = 250 * time.Millisecond
	}), WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))))
	if err := app.Store.Generate(context.Background(), store.GenerateConfig{Articles: benchArticles, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(handlers.WithBareCeiling(app.Handler))
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	get := func(b *testing.B, url string) int {
		resp, err := client.Get(url)
		if err != nil {
			b.Error(err)
			return 0
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("GET %s: %d", url, resp.StatusCode)
			return 0
		}
		return int(n)
	}
	for _, bc := range []struct{ name, path string }{
		{"ArticleList", "/api/v1/articles"},
		{"Article", "/api/v1/articles/synthetic-article-500"},
	} {
		size := get(b, srv.URL+bc.path) // fills the cache
		if size == 0 {
			return
		}
		for _, run := range []struct{ name, url string }{
			{bc.name, srv.URL + bc.path},
			{bc.name + "Bare", fmt.Sprintf("%s/bench/bare?bytes=%d", srv.URL, size)},
		} {
			b.Run(run.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() && get(b, run.url) > 0 {
					}
				})
			})
		}
	}
}
