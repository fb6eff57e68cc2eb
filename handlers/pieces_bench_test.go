package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// BenchmarkPieces measures what each piece of the middleware costs a cached read:
// a bare gin route that writes 4.5 KB, then the same route behind each middleware
// alone, behind all of them with the answer served from the response cache, and
// the fast path in front of them all, which answers the same hit before gin.
// The figures (ns/op over the bare route's) are in the README's Performance section.
func BenchmarkPieces(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	body := ceilingBody(4500)
	handler := func(c *gin.Context) {
		dependsOn(c, "article")
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	}
	now := func() time.Time { return time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC) }
	cache := func() *ResponseCache {
		return NewResponseCache(CacheConfig{MaxBytes: 32 << 20, CheckEvery: time.Hour, Now: now,
			State: func(context.Context, int64) (CacheState, error) { return CacheState{Complete: true}, nil }})
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := &Handler{}
	fromRequest := &Handler{opts: Options{PublicURL: "http://localhost:8080", PublicURLFromRequest: true}}
	all := func(c *ResponseCache, limiter *RateLimiter) []gin.HandlerFunc {
		return []gin.HandlerFunc{RequestIDs(), NewMetrics(nil).Observe(), AccessLog(logger, false), Recovery(),
			SecurityHeaders(), CORS(nil), HeaderLimit(MaxHeaderBytes), ReadOnlyPaths(), limiter.Middleware(),
			fromRequest.BaseURL(), BodyLimit(1 << 20), Conditional("public, max-age=60", c)}
	}
	limits := RateLimitConfig{PerMinute: 1 << 30, EmbedPerMinute: 1 << 30, Now: now}
	for _, p := range []struct {
		name string
		mw   []gin.HandlerFunc
	}{
		{"Bare", nil},
		{"RequestIDs", []gin.HandlerFunc{RequestIDs()}},
		{"Metrics", []gin.HandlerFunc{NewMetrics(nil).Observe()}},
		{"AccessLog", []gin.HandlerFunc{AccessLog(logger, false)}},
		{"Recovery", []gin.HandlerFunc{Recovery()}},
		{"SecurityHeaders", []gin.HandlerFunc{SecurityHeaders()}},
		{"CORS", []gin.HandlerFunc{CORS(nil)}},
		{"HeaderLimit", []gin.HandlerFunc{HeaderLimit(MaxHeaderBytes)}},
		{"RateLimit", []gin.HandlerFunc{h.RateLimit(RateLimitConfig{PerMinute: 1 << 30, EmbedPerMinute: 1 << 30, Now: now})}},
		{"ConditionalHit", []gin.HandlerFunc{Conditional("public, max-age=60", cache())}},
		{"ConditionalNoCache", []gin.HandlerFunc{Conditional("public, max-age=60", nil)}},
		{"BaseURL", []gin.HandlerFunc{fromRequest.BaseURL()}},
		{"All", all(cache(), h.NewRateLimiter(limits))},
		{"FastPath", nil},
	} {
		b.Run(p.name, func(b *testing.B) {
			r := gin.New()
			var serve http.Handler = r
			if p.name == "FastPath" {
				// All of the middleware behind the fast path, which answers the hits.
				c, limiter := cache(), h.NewRateLimiter(limits)
				r.Use(all(c, limiter)...)
				serve = fromRequest.FastPath(r, FastPathConfig{Cache: c, Limiter: limiter, Metrics: NewMetrics(nil), Logger: logger})
			}
			r.Use(p.mw...)
			r.GET("/api/v1/articles", handler)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/articles", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			w := &discardWriter{h: http.Header{}}
			serve.ServeHTTP(w, req)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(w.h)
				serve.ServeHTTP(w, req)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so that the benchmark
// measures the middleware, not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkEntityTag measures the strong tag of a body the size of an article
// (4 KB) and of a page of the article list (19 KB).
func BenchmarkEntityTag(b *testing.B) {
	for _, n := range []int{4_000, 19_000} {
		body := ceilingBody(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				versionTag(12, body)
			}
		})
	}
}
