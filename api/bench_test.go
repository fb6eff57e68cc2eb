package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"signpost/models/store"
	"testing"
	"time"
)

// The benchmarks of the read path run the real router in-process (no network)
// over a real SQLite file with the seed content and benchOpts' synthetic articles.
// The load test (go run ./bench/load) measures the same paths over HTTP.

const benchArticles = 2000

func mustBenchApp(b *testing.B) *testApp {
	b.Helper()
	app := MustStartApp(b, WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitKey, c.BenchCeiling, c.CacheCheck = 0, 0, true, 250*time.Millisecond
	}))
	if err := app.Store.Generate(context.Background(), store.GenerateConfig{Articles: benchArticles, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return app
}

// benchGet serves path b.N times; header values come in pairs.
func benchGet(b *testing.B, app *testApp, path string, header ...string) {
	b.Helper()
	// A server's request has a context that is cancelled when the client goes; the
	// store must not pay for watching it (see models.readContext), so neither does
	// the benchmark get to skip it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	app.Router.ServeHTTP(w, req)
	if w.Code != http.StatusOK && w.Code != http.StatusNotModified {
		b.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		app.Router.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusNotModified {
			b.Fatalf("GET %s: %d", path, w.Code)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	app := mustBenchApp(b)
	etag := func(path string) string {
		w := httptest.NewRecorder()
		app.Router.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Header().Get("ETag")
	}
	fresh := []string{"Cache-Control", "no-cache"}
	for _, bc := range []struct {
		name   string
		path   string
		header []string
	}{
		{"ArticleListCached", "/api/v1/articles", nil},
		{"ArticleListUncached", "/api/v1/articles", fresh},
		{"ArticleCached", "/api/v1/articles/synthetic-article-500", nil},
		{"ArticleUncached", "/api/v1/articles/synthetic-article-500", fresh},
		{"HelplinesRegionCached", "/api/v1/helplines?region=cumbria", nil},
		{"HelplinesRegionUncached", "/api/v1/helplines?region=cumbria", fresh},
		{"SearchUncached", "/api/v1/search?q=" + store.SyntheticWord(40), fresh},
		{"NotModified", "/api/v1/articles", []string{"If-None-Match", etag("/api/v1/articles")}},
		{"Ceiling", "/bench/ceiling?bytes=16000", nil},
	} {
		b.Run(bc.name, func(b *testing.B) { benchGet(b, app, bc.path, bc.header...) })
	}
}

// searchBenchArticles is larger than benchArticles so that the cost of a search that
// grows with its matches shows: a word in 2% of them matches 400 articles.
const searchBenchArticles = 20000

// BenchmarkSearch measures full-text search with the response cache bypassed: a word
// in about 2% of the articles (store.SyntheticWord(940)) and one in most of them
// ("safeguarding"), through /api/v1/search and the lists' q.
func BenchmarkSearch(b *testing.B) {
	app := MustStartApp(b, WithConfig(func(c *Config) {
		c.RateLimit, c.RateLimitKey, c.BenchCeiling, c.CacheCheck = 0, 0, true, 250*time.Millisecond
	}))
	if err := app.Store.Generate(context.Background(), store.GenerateConfig{Articles: searchBenchArticles, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	fresh := []string{"Cache-Control", "no-cache"}
	rare := store.SyntheticWord(940)
	for _, bc := range []struct{ name, path string }{
		{"Rare", "/api/v1/search?q=" + rare},
		{"Common", "/api/v1/search?q=safeguarding"},
		{"TwoWords", "/api/v1/search?q=" + rare + "+police"},
		{"ArticleListRare", "/api/v1/articles?q=" + rare},
		{"ArticleListCommon", "/api/v1/articles?q=safeguarding"},
		{"HelplineListCommon", "/api/v1/helplines?q=safeguarding"},
		{"CampaignListRare", "/api/v1/campaigns?q=" + rare},
	} {
		b.Run(bc.name, func(b *testing.B) { benchGet(b, app, bc.path, fresh...) })
	}
}
