package main

// End-to-end tests of caching, through the real router over a real SQLite file:
//
//   - HTTP caching: strong ETags on every public read, If-None-Match and
//     If-Modified-Since answered with 304, Cache-Control, Vary, and tags that follow
//     writes exactly;
//   - compression: gzip for clients that ask, with a tag of its own, so that a 304
//     never leaves a client with the bytes of the other encoding;
//   - the in-memory response cache: it is used, it is never stale after a write
//     (on this instance at once, on a second instance sharing the database within a
//     second), answers that depend on the time are not served past the minute or
//     the publication they describe, and keyed reads, no-cache requests and errors
//     are not cached.
//
// The clocks are pinned; the only wait is the bounded poll of the second instance,
// whose guarantee is "within a second".

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cachePaths are public reads of every kind: lists, items, a feed, the embed page.
var cachePaths = []string{
	"/api/v1/articles", "/api/v1/helplines", "/api/v1/campaigns", "/api/v1/organisations",
	"/api/v1/articles/" + cumbriaSlug, "/api/v1/helplines/stop-it-now",
	"/api/v1/campaigns/stop-it-now-deterrence", "/api/v1/organisations/stop-it-now",
	"/feeds/articles.atom", "/embed/helplines",
}

// cacheItems are the items that carry Last-Modified, one of each type.
var cacheItems = []string{
	"/api/v1/articles/" + cumbriaSlug, "/api/v1/helplines/stop-it-now",
	"/api/v1/campaigns/stop-it-now-deterrence", "/api/v1/organisations/stop-it-now",
}

var strongTag = regexp.MustCompile(`^"[\x21\x23-\x7e]+"$`)

// noCache is the request header that asks for a freshly rendered answer.
var noCache = []string{"Cache-Control", "no-cache"}

var acceptGzip = []string{"Accept-Encoding", "gzip"}

// cacheCounts returns the response cache's hits and misses so far, from /metrics.
func (a *testApp) cacheCounts(tb testing.TB) (hits, misses float64) {
	tb.Helper()
	m := a.scrape(tb)
	hits, ok1 := metricValue(m, "signpost_response_cache_hits_total")
	misses, ok2 := metricValue(m, "signpost_response_cache_misses_total")
	if !ok1 || !ok2 {
		tb.Fatal("no response cache counters in /metrics")
	}
	return hits, misses
}

// mustCacheDelta fails unless the hits and misses grew by exactly hits and misses
// since before (from cacheCountsNow).
func (a *testApp) mustCacheDelta(tb testing.TB, before [2]float64, hits, misses float64) {
	tb.Helper()
	h, m := a.cacheCounts(tb)
	if h-before[0] != hits || m-before[1] != misses {
		tb.Errorf("response cache: %v hits and %v misses, want %v and %v", h-before[0], m-before[1], hits, misses)
	}
}

// cacheCountsNow returns the hits and misses so far, for mustCacheDelta.
func (a *testApp) cacheCountsNow(tb testing.TB) [2]float64 {
	tb.Helper()
	h, m := a.cacheCounts(tb)
	return [2]float64{h, m}
}

// decodedBody returns the body of a response from Do, decompressed when it came with
// Content-Encoding: gzip.
func decodedBody(tb testing.TB, resp *http.Response) []byte {
	tb.Helper()
	b := ReadBody(tb, resp)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("Content-Encoding gzip, but the body is not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("Content-Encoding gzip, but the body is not gzip: %v", err)
	}
	return out
}

// gzipTagOf is the tag of the gzip form of the answer whose tag is etag.
func gzipTagOf(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gzip"` }

// varies reports whether the response's Vary names header.
func varies(resp *http.Response, header string) bool {
	for _, v := range resp.Header.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(name), header) {
				return true
			}
		}
	}
	return false
}

// mustNotModified fails unless resp is a 304 without a body, carrying etag.
func mustNotModified(tb testing.TB, resp *http.Response, etag string) {
	tb.Helper()
	MustStatus(tb, resp, http.StatusNotModified)
	if b := ReadBody(tb, resp); len(b) != 0 {
		tb.Errorf("a 304 with a body of %d bytes", len(b))
	}
	if got := resp.Header.Get("ETag"); got != etag {
		tb.Errorf("304 ETag %s, want %s", got, etag)
	}
	for _, h := range []string{"Content-Type", "Content-Encoding"} {
		if v := resp.Header.Get(h); v != "" {
			tb.Errorf("a 304 with %s %q", h, v)
		}
	}
}

// head sends a HEAD request with headers (name, value pairs) and returns the response
// and the number of body bytes that came with it.
func head(tb testing.TB, app *testApp, path string, headers ...string) (*http.Response, int) {
	tb.Helper()
	req := mustRequest(tb, http.MethodHead, app.URL+path)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := app.Client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, len(b)
}

// TestCachingConditional proves a strong ETag on every public read, and
// If-None-Match answered with 304 for the tag, a list holding it, its weak form and
// *, and 200 for another tag, whether the answer comes from the response cache or
// is rendered again.
func TestCachingConditional(t *testing.T) {
	app := MustStartApp(t)
	for _, path := range cachePaths {
		t.Run(path, func(t *testing.T) {
			resp := app.Get(t, path)
			MustStatus(t, resp, http.StatusOK)
			etag := resp.Header.Get("ETag")
			if !strongTag.MatchString(etag) {
				t.Fatalf("ETag %q is not a strong entity tag", etag)
			}
			if !varies(resp, "Accept-Encoding") {
				t.Errorf("Vary %q does not name Accept-Encoding", resp.Header.Values("Vary"))
			}
			body := ReadBody(t, resp)
			for _, from := range []struct {
				name    string
				headers []string
			}{{"Cached", nil}, {"Rendered", noCache}} {
				t.Run(from.name, func(t *testing.T) {
					for _, m := range []struct{ name, inm string }{
						{"NotModifiedForTag", etag},
						{"NotModifiedForListWithTag", `"other", ` + etag + `, W/"more"`},
						{"NotModifiedForWeakTag", "W/" + etag},
						{"NotModifiedForStar", "*"},
					} {
						t.Run(m.name, func(t *testing.T) {
							mustNotModified(t, app.Get(t, path, append([]string{"If-None-Match", m.inm}, from.headers...)...), etag)
						})
					}
					t.Run("OKForOtherTag", func(t *testing.T) {
						resp := app.Get(t, path, append([]string{"If-None-Match", `"other", W/"more"`}, from.headers...)...)
						MustStatus(t, resp, http.StatusOK)
						equal(t, "ETag", resp.Header.Get("ETag"), etag)
						if !bytes.Equal(ReadBody(t, resp), body) {
							t.Error("the body differs from the first answer's")
						}
					})
				})
			}
		})
	}
}

// TestCachingLastModified proves Last-Modified on items of every type, 304 for
// If-Modified-Since when nothing changed (even as the clock moves on) and 200 once
// content was written, and that If-None-Match wins over If-Modified-Since.
func TestCachingLastModified(t *testing.T) {
	app := MustStartEditorApp(t)
	lastMod := map[string]string{}
	for _, path := range cacheItems {
		t.Run(path, func(t *testing.T) {
			resp := app.Get(t, path)
			MustStatus(t, resp, http.StatusOK)
			lm := resp.Header.Get("Last-Modified")
			at, err := http.ParseTime(lm)
			if err != nil {
				t.Fatalf("Last-Modified %q: %v", lm, err)
			}
			if at.After(app.Clock.Now()) {
				t.Errorf("Last-Modified %s is after the clock's %s", lm, app.Clock.Now())
			}
			lastMod[path] = lm
			etag := resp.Header.Get("ETag")
			t.Run("NotModifiedSinceLastModified", func(t *testing.T) {
				mustNotModified(t, app.Get(t, path, "If-Modified-Since", lm), etag)
				mustNotModified(t, app.Get(t, path, append([]string{"If-Modified-Since", lm}, noCache...)...), etag)
			})
			t.Run("NotModifiedSinceLater", func(t *testing.T) {
				mustNotModified(t, app.Get(t, path, "If-Modified-Since", at.Add(time.Hour).Format(http.TimeFormat)), etag)
			})
			t.Run("OKModifiedSinceEarlier", func(t *testing.T) {
				MustStatus(t, app.Get(t, path, "If-Modified-Since", at.Add(-time.Second).Format(http.TimeFormat)), http.StatusOK)
			})
			t.Run("OKIfNoneMatchWins", func(t *testing.T) {
				MustStatus(t, app.Get(t, path, "If-None-Match", `"other"`, "If-Modified-Since", lm), http.StatusOK)
			})
		})
	}

	// Five seconds later, in the same minute, nothing has changed.
	app.Clock.Set(testEpoch.Add(5 * time.Second))
	for _, path := range cacheItems {
		t.Run(path+"/NotModifiedWhenNothingWritten", func(t *testing.T) {
			resp := app.Get(t, path, "If-Modified-Since", lastMod[path])
			MustStatus(t, resp, http.StatusNotModified)
		})
	}

	tags := map[string]string{}
	for _, path := range cacheItems {
		tags[path] = app.Get(t, path).Header.Get("ETag")
	}
	resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/"+cumbriaSlug, app.Editor, obj{"title": "A new title"})
	MustStatus(t, resp, http.StatusOK)
	for _, path := range cacheItems {
		t.Run(path+"/OKModifiedAfterWrite", func(t *testing.T) {
			if app.Get(t, path).Header.Get("ETag") == tags[path] {
				if strings.HasPrefix(path, "/api/v1/articles/") {
					t.Fatal("the written article's ETag did not change")
				}
				// The write did not change what this item shows: its Last-Modified
				// need not move (a later one is allowed too).
				return
			}
			resp := app.Get(t, path, "If-Modified-Since", lastMod[path])
			MustStatus(t, resp, http.StatusOK)
			old, _ := http.ParseTime(lastMod[path])
			now, err := http.ParseTime(resp.Header.Get("Last-Modified"))
			if err != nil || !now.After(old) {
				t.Errorf("Last-Modified %q after the write, want later than %q", resp.Header.Get("Last-Modified"), lastMod[path])
			}
			mustNotModified(t, app.Get(t, path, "If-Modified-Since", resp.Header.Get("Last-Modified")), resp.Header.Get("ETag"))
		})
	}
}

// cacheControlMaxAge returns the max-age and stale-while-revalidate of a
// Cache-Control value, -1 for those it does not have, and whether it is public.
func cacheControlMaxAge(v string) (maxAge, swr int, public bool) {
	maxAge, swr = -1, -1
	for _, d := range strings.Split(v, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		n, err := strconv.Atoi(val)
		switch strings.ToLower(name) {
		case "public":
			public = true
		case "max-age":
			if err == nil {
				maxAge = n
			}
		case "stale-while-revalidate":
			if err == nil {
				swr = n
			}
		}
	}
	return maxAge, swr, public
}

// TestCachingCacheControl proves the default Cache-Control of public reads (public,
// a short max-age, stale-while-revalidate) and that it can be configured; both on
// rendered, cached and 304 answers.
func TestCachingCacheControl(t *testing.T) {
	paths := []string{"/api/v1/articles", "/api/v1/helplines/stop-it-now", "/feeds/articles.atom", "/embed/helplines"}
	check := func(t *testing.T, app *testApp, want string) {
		t.Helper()
		for _, path := range paths {
			rendered := app.Get(t, path)
			cached := app.Get(t, path)
			nm := app.Get(t, path, "If-None-Match", rendered.Header.Get("ETag"))
			MustStatus(t, nm, http.StatusNotModified)
			for name, resp := range map[string]*http.Response{"rendered": rendered, "cached": cached, "304": nm} {
				if got := resp.Header.Get("Cache-Control"); got != want {
					t.Errorf("%s %s: Cache-Control %q, want %q", path, name, got, want)
				}
			}
		}
	}

	t.Run("OKDefaultShortWithStaleWhileRevalidate", func(t *testing.T) {
		app := MustStartApp(t)
		maxAge, swr, public := cacheControlMaxAge(app.Config.CacheControl)
		if !public || maxAge <= 0 || maxAge > 300 || swr <= 0 {
			t.Errorf("default Cache-Control %q: want public, a max-age of at most 5 minutes and stale-while-revalidate", app.Config.CacheControl)
		}
		check(t, app, app.Config.CacheControl)
	})

	t.Run("OKConfigured", func(t *testing.T) {
		const cc = "public, max-age=5, stale-while-revalidate=30"
		app := MustStartApp(t, WithConfig(func(c *Config) { c.CacheControl = cc }))
		check(t, app, cc)
	})

	t.Run("OKConfiguredFromEnvironment", func(t *testing.T) {
		cfg, _, err := LoadConfig("signpost", nil, func(k string) string {
			return map[string]string{"SIGNPOST_CACHE_CONTROL": "public, max-age=10"}[k]
		})
		if err != nil || cfg.CacheControl != "public, max-age=10" {
			t.Errorf("CacheControl %q (%v), want the environment's", cfg.CacheControl, err)
		}
	})
}

// TestCachingETagFollowsWrites proves that a write through the API changes the tags
// of the list, the item and the feed that show it at once, in both encodings, and
// leaves the tags of unrelated items alone.
func TestCachingETagFollowsWrites(t *testing.T) {
	app := MustStartEditorApp(t)
	affected := []string{"/api/v1/articles", "/api/v1/articles/" + cumbriaSlug, "/feeds/articles.atom",
		"/api/v1/articles?region=cumbria", "/api/v1/search?q=cumbria"}
	unrelated := []string{"/api/v1/helplines/emergency-999", "/api/v1/organisations/crimestoppers", "/api/v1/regions",
		"/api/v1/articles?region=scotland"}
	// The tags of each answer before the write, as sent and as sent to clients that
	// accept gzip (the same for bodies too small to compress).
	before, beforeGzip := map[string]string{}, map[string]string{}
	for _, path := range append(slices.Clone(affected), unrelated...) {
		before[path] = app.Get(t, path).Header.Get("ETag")
		equal(t, path+" ETag again (cached)", app.Get(t, path).Header.Get("ETag"), before[path])
		beforeGzip[path] = app.Get(t, path, acceptGzip...).Header.Get("ETag")
	}

	const title = "Cumbria week of action: a title changed by an editor"
	resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/"+cumbriaSlug, app.Editor, obj{"title": title})
	MustStatus(t, resp, http.StatusOK)

	for _, path := range affected {
		t.Run("OKChanged"+path, func(t *testing.T) {
			searchPathOnPostgres(t, path)
			resp := app.Get(t, path, "If-None-Match", before[path])
			MustStatus(t, resp, http.StatusOK)
			if resp.Header.Get("ETag") == before[path] {
				t.Error("the ETag did not change")
			}
			if !bytes.Contains(ReadBody(t, resp), []byte("title changed by an editor")) {
				t.Error("the answer does not show the new title")
			}
			gz := app.Get(t, path, "Accept-Encoding", "gzip", "If-None-Match", beforeGzip[path])
			MustStatus(t, gz, http.StatusOK)
			if gz.Header.Get("ETag") == beforeGzip[path] {
				t.Error("the ETag for clients that accept gzip did not change")
			}
		})
	}
	for _, path := range unrelated {
		t.Run("OKUnchanged"+path, func(t *testing.T) {
			mustNotModified(t, app.Get(t, path, "If-None-Match", before[path]), before[path])
			mustNotModified(t, app.Get(t, path, "Accept-Encoding", "gzip", "If-None-Match", beforeGzip[path]), beforeGzip[path])
		})
	}
}

// TestCompressGzip proves gzip for clients that ask: the same bytes once
// decompressed, a tag of its own, none for small bodies or clients that refuse it,
// 304 only for the tag of the encoding asked for, and HEAD like GET.
func TestCompressGzip(t *testing.T) {
	app := MustStartApp(t)
	large := []string{"/api/v1/helplines", "/api/v1/articles", "/api/v1/articles/" + cumbriaSlug,
		"/feeds/articles.atom", "/embed/helplines", "/api/v1/helplines/essentials"}

	for _, path := range large {
		t.Run(path, func(t *testing.T) {
			plain := app.Get(t, path) // rendered: the cache keeps it without gzip
			MustStatus(t, plain, http.StatusOK)
			identity, etag := ReadBody(t, plain), plain.Header.Get("ETag")
			if len(identity) < 1024 {
				t.Fatalf("the body has %d bytes; this test needs one of at least 1 KB", len(identity))
			}
			if ce := plain.Header.Get("Content-Encoding"); ce != "" {
				t.Fatalf("Content-Encoding %q for a client that did not ask", ce)
			}

			t.Run("GzipForClientsThatAsk", func(t *testing.T) {
				for _, from := range []struct {
					name    string
					headers []string
				}{{"Cached", acceptGzip}, {"Rendered", append(slices.Clone(acceptGzip), noCache...)}} {
					resp := app.Get(t, path, from.headers...)
					MustStatus(t, resp, http.StatusOK)
					if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
						t.Fatalf("%s: Content-Encoding %q, want gzip", from.name, ce)
					}
					raw := ReadBody(t, resp)
					equal(t, from.name+" Content-Length", resp.Header.Get("Content-Length"), strconv.Itoa(len(raw)))
					if len(raw) >= len(identity) {
						t.Errorf("%s: gzip body of %d bytes, identity %d", from.name, len(raw), len(identity))
					}
					if got := decodedBody(t, resp); !bytes.Equal(got, identity) {
						t.Errorf("%s: the gzip body does not decompress to the identity body", from.name)
					}
					equal(t, from.name+" ETag", resp.Header.Get("ETag"), gzipTagOf(etag))
					if !strongTag.MatchString(resp.Header.Get("ETag")) {
						t.Errorf("%s: gzip ETag %q is not strong", from.name, resp.Header.Get("ETag"))
					}
					if !varies(resp, "Accept-Encoding") {
						t.Errorf("%s: Vary %q", from.name, resp.Header.Values("Vary"))
					}
				}
			})

			t.Run("IdentityForClientsThatRefuse", func(t *testing.T) {
				for _, ae := range []string{"gzip;q=0", "identity", "br", "deflate, gzip;q=0"} {
					resp := app.Get(t, path, "Accept-Encoding", ae)
					MustStatus(t, resp, http.StatusOK)
					if ce := resp.Header.Get("Content-Encoding"); ce != "" {
						t.Errorf("Accept-Encoding %q: Content-Encoding %q", ae, ce)
					}
					equal(t, "ETag for "+ae, resp.Header.Get("ETag"), etag)
					if !bytes.Equal(ReadBody(t, resp), identity) {
						t.Errorf("Accept-Encoding %q: not the identity body", ae)
					}
				}
			})

			t.Run("NotModifiedOnlyForTagOfEncodingAsked", func(t *testing.T) {
				for _, tt := range []struct {
					name, ae, inm string
					status        int
					etag          string
				}{
					{"NotModifiedGzipTagGzipAsked", "gzip", gzipTagOf(etag), 304, gzipTagOf(etag)},
					{"NotModifiedIdentityTagIdentityAsked", "", etag, 304, etag},
					{"OKIdentityTagGzipAsked", "gzip", etag, 200, gzipTagOf(etag)},
					{"OKGzipTagIdentityAsked", "", gzipTagOf(etag), 200, etag},
					{"OKGzipTagGzipRefused", "gzip;q=0", gzipTagOf(etag), 200, etag},
					{"NotModifiedWeakGzipTagGzipAsked", "gzip", "W/" + gzipTagOf(etag), 304, gzipTagOf(etag)},
				} {
					t.Run(tt.name, func(t *testing.T) {
						for _, extra := range [][]string{nil, noCache} {
							resp := app.Get(t, path, append([]string{"Accept-Encoding", tt.ae, "If-None-Match", tt.inm}, extra...)...)
							MustStatus(t, resp, tt.status)
							equal(t, "ETag", resp.Header.Get("ETag"), tt.etag)
							if tt.status == http.StatusOK && !bytes.Equal(decodedBody(t, resp), identity) {
								t.Error("the body is not the answer")
							}
							if tt.status == http.StatusOK && (resp.Header.Get("Content-Encoding") == "gzip") != strings.HasSuffix(tt.etag, `-gzip"`) {
								t.Errorf("Content-Encoding %q with ETag %s", resp.Header.Get("Content-Encoding"), tt.etag)
							}
						}
					})
				}
			})

			t.Run("HeadGzip", func(t *testing.T) {
				gz := app.Get(t, path, acceptGzip...)
				resp, n := head(t, app, path, acceptGzip...)
				MustStatus(t, resp, http.StatusOK)
				if n != 0 {
					t.Errorf("HEAD with a body of %d bytes", n)
				}
				equal(t, "HEAD Content-Encoding", resp.Header.Get("Content-Encoding"), "gzip")
				equal(t, "HEAD ETag", resp.Header.Get("ETag"), gzipTagOf(etag))
				equal(t, "HEAD Content-Length", resp.Header.Get("Content-Length"), gz.Header.Get("Content-Length"))
				nm, _ := head(t, app, path, "Accept-Encoding", "gzip", "If-None-Match", gzipTagOf(etag))
				MustStatus(t, nm, http.StatusNotModified)
				other, _ := head(t, app, path, "Accept-Encoding", "gzip", "If-None-Match", etag)
				MustStatus(t, other, http.StatusOK)
			})
		})
	}

	t.Run("IdentityForSmallBody", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/api/v1/organisations/crimestoppers"} {
			resp := app.Get(t, path, acceptGzip...)
			MustStatus(t, resp, http.StatusOK)
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("%s: Content-Encoding %q for a body under 1 KB", path, ce)
			}
			if b := ReadBody(t, resp); len(b) >= 1024 {
				t.Fatalf("%s: %d bytes; this test needs a body under 1 KB", path, len(b))
			}
			if strings.HasSuffix(resp.Header.Get("ETag"), `-gzip"`) {
				t.Errorf("%s: ETag %s names gzip for an identity body", path, resp.Header.Get("ETag"))
			}
		}
	})
}

// TestCachingHits proves that the response cache answers a repeated read: the
// second identical GET (and a HEAD, and the same query in another order) is a hit,
// with the same body and headers.
func TestCachingHits(t *testing.T) {
	app := MustStartApp(t)
	const path = "/api/v1/articles?region=cumbria&limit=5"
	c := app.cacheCountsNow(t)
	first := app.Get(t, path)
	MustStatus(t, first, http.StatusOK)
	app.mustCacheDelta(t, c, 0, 1)

	c = app.cacheCountsNow(t)
	second := app.Get(t, path)
	app.mustCacheDelta(t, c, 1, 0)
	equal(t, "ETag of the hit", second.Header.Get("ETag"), first.Header.Get("ETag"))
	if !bytes.Equal(ReadBody(t, second), ReadBody(t, first)) {
		t.Error("the hit's body differs from the rendered one")
	}
	equal(t, "Content-Type of the hit", second.Header.Get("Content-Type"), first.Header.Get("Content-Type"))

	c = app.cacheCountsNow(t)
	head(t, app, path)
	app.Get(t, "/api/v1/articles?limit=5&region=cumbria")
	app.mustCacheDelta(t, c, 2, 0)

	// A HEAD fills the cache with the whole answer: the GET after it gets the body.
	const other = "/api/v1/helplines?region=cumbria"
	c = app.cacheCountsNow(t)
	head(t, app, other)
	hit := app.Get(t, other)
	app.mustCacheDelta(t, c, 1, 1)
	if !bytes.Equal(ReadBody(t, hit), ReadBody(t, app.Get(t, other, noCache...))) {
		t.Error("the GET after a HEAD did not get the whole answer")
	}

	// The operational routes are never cached.
	c = app.cacheCountsNow(t)
	app.Get(t, "/healthz")
	app.Get(t, "/healthz")
	app.mustCacheDelta(t, c, 0, 0)
}

// TestCachingNeverStaleAfterWrite proves that no answer from the cache is stale after
// a write through the API: for each kind of read, twenty rounds of read (filling the
// cache, in both encodings), write, read again. It runs with the version checked on
// every request and with the longest check interval allowed (1s): this instance
// must learn of its own writes at once, whatever the interval.
func TestCachingNeverStaleAfterWrite(t *testing.T) {
	for _, check := range []time.Duration{0, time.Second} {
		t.Run(fmt.Sprintf("CacheCheck%s", check), func(t *testing.T) {
			testNeverStaleAfterWrite(t, WithConfig(func(c *Config) { c.CacheCheck = check }))
		})
	}
}

func testNeverStaleAfterWrite(t *testing.T, opts ...TestOption) {
	const rounds = 20
	articleTitle := func(i int) string { return fmt.Sprintf("Quokka sighting in Cumbria (round %d)", i) }
	helplineName := func(i int) string { return fmt.Sprintf("Stop It Now! helpline (round %d)", i) }
	for _, tc := range []struct {
		name, path  string
		item, field string
		text        func(int) string
	}{
		{"OKArticleList", "/api/v1/articles", "/api/v1/articles/" + cumbriaSlug, "title", articleTitle},
		{"OKArticleItem", "/api/v1/articles/" + cumbriaSlug, "/api/v1/articles/" + cumbriaSlug, "title", articleTitle},
		{"OKSearch", "/api/v1/search?q=quokka", "/api/v1/articles/" + cumbriaSlug, "title", articleTitle},
		{"OKFeed", "/feeds/articles.atom", "/api/v1/articles/" + cumbriaSlug, "title", articleTitle},
		{"OKEssentials", "/api/v1/helplines/essentials", "/api/v1/helplines/stop-it-now", "name", helplineName},
		{"OKEmbed", "/embed/helplines", "/api/v1/helplines/stop-it-now", "name", helplineName},
		{"OKHelplineList", "/api/v1/helplines", "/api/v1/helplines/stop-it-now", "name", helplineName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			searchPathOnPostgres(t, tc.path)
			app := MustStartEditorApp(t, opts...)
			read := func(t *testing.T, headers ...string) string {
				t.Helper()
				resp := app.Get(t, tc.path, headers...)
				MustStatus(t, resp, http.StatusOK)
				return string(decodedBody(t, resp))
			}
			c := app.cacheCountsNow(t)
			for i := 1; i <= rounds; i++ {
				for _, enc := range [][]string{nil, acceptGzip, nil} {
					if body := read(t, enc...); i > 1 && !strings.Contains(body, tc.text(i-1)) {
						t.Fatalf("round %d, before the write: the answer does not show %q", i, tc.text(i-1))
					}
				}
				resp, _ := app.Write(t, http.MethodPatch, tc.item, app.Editor, obj{tc.field: tc.text(i)})
				MustStatus(t, resp, http.StatusOK)
				for _, enc := range [][]string{acceptGzip, nil, acceptGzip} {
					body := read(t, enc...)
					if !strings.Contains(body, tc.text(i)) || (i > 1 && strings.Contains(body, tc.text(i-1))) {
						t.Fatalf("round %d, after the write (%v): stale answer, want %q", i, enc, tc.text(i))
					}
				}
			}
			// The test means something only if the cache answered most reads.
			h, _ := app.cacheCounts(t)
			if h-c[0] < 4*rounds {
				t.Errorf("only %v of %d reads were cache hits", h-c[0], 6*rounds)
			}
		})
	}
}

// TestCachingSecondInstance proves that an instance sees another instance's write to
// the shared database within its check interval (and always within a second), and
// on the very next request with an interval of 0.
func TestCachingSecondInstance(t *testing.T) {
	const path = "/api/v1/articles?region=cumbria"
	write := func(t *testing.T, a *editorApp, title string) {
		t.Helper()
		resp, _ := a.Write(t, http.MethodPatch, "/api/v1/articles/"+cumbriaSlug, a.Editor, obj{"title": title})
		MustStatus(t, resp, http.StatusOK)
	}
	shows := func(t *testing.T, b *testApp, title string) bool {
		t.Helper()
		resp := b.Get(t, path)
		MustStatus(t, resp, http.StatusOK)
		return bytes.Contains(ReadBody(t, resp), []byte(title))
	}
	// second starts another instance on a's database file and fills its cache.
	second := func(t *testing.T, a *editorApp, check time.Duration) *testApp {
		t.Helper()
		b := MustStartApp(t, WithDBPath(a.DBPath), WithoutSeed(), WithClock(a.Clock),
			WithConfig(func(c *Config) { c.CacheCheck = check }))
		b.Get(t, path)
		c := b.cacheCountsNow(t)
		if !shows(t, b, "Cumbria") {
			t.Fatal("the second instance does not show the seeded article")
		}
		b.mustCacheDelta(t, c, 1, 0) // the answer the write must invalidate is cached
		return b
	}

	t.Run("OKFreshWithinASecond", func(t *testing.T) {
		a := MustStartEditorApp(t)
		b := second(t, a, 200*time.Millisecond)
		const title = "Written through the first instance"
		write(t, a, title)
		start := time.Now()
		deadline := start.Add(time.Second)
		for !shows(t, b, title) {
			if time.Now().After(deadline) {
				t.Fatalf("the second instance still serves the old list %s after the write", time.Since(start))
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("fresh on the second instance after %s", time.Since(start).Round(time.Millisecond))
		for range 3 {
			if !shows(t, b, title) {
				t.Fatal("the second instance went back to the old list")
			}
		}
	})

	t.Run("OKFreshOnNextRequestWithCheckZero", func(t *testing.T) {
		a := MustStartEditorApp(t)
		b := second(t, a, 0)
		const title = "Seen at once by the second instance"
		write(t, a, title)
		if !shows(t, b, title) {
			t.Error("with CacheCheck 0 the second instance served the old list after the write")
		}
	})
}

// TestCachingTimeDependent proves that answers which depend on the time are not
// served past the moment they describe, though no write happens: open now ends at
// the closing minute, a scheduled article appears at its publication (inside a
// minute), and a clock that goes back is not served an answer for a later moment.
// Each runs with the version checked on every request and once a second, as in
// production.
func TestCachingTimeDependent(t *testing.T) {
	// Friday 5 February 2027: Stop It Now! closes at 17:00 London time (GMT).
	beforeClosing := time.Date(2027, time.February, 5, 16, 59, 30, 0, time.UTC)
	closing := time.Date(2027, time.February, 5, 17, 0, 0, 0, time.UTC)

	openNow := func(t *testing.T, app *testApp, path string) bool {
		t.Helper()
		h := hlFind(t, hlList(t, app, path).Data, "stop-it-now")
		if h.OpenNow == nil {
			t.Fatalf("%s: stop-it-now open_now unknown", path)
		}
		return *h.OpenNow
	}
	itemOpenNow := func(t *testing.T, app *testApp) bool {
		t.Helper()
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		return h.OpenNow != nil && *h.OpenNow
	}

	for _, check := range []time.Duration{0, time.Second} {
		t.Run(fmt.Sprintf("CacheCheck%s", check), func(t *testing.T) {
			start := func(t *testing.T, at time.Time) *testApp {
				return MustStartApp(t, WithClock(newTestClock(at)), WithConfig(func(c *Config) { c.CacheCheck = check }))
			}

			t.Run("OKClosedAtClosingMinute", func(t *testing.T) {
				app := start(t, beforeClosing)
				if !openNow(t, app, "/api/v1/helplines") || !itemOpenNow(t, app) {
					t.Fatal("stop-it-now is not open at 16:59:30 on a Friday")
				}
				c := app.cacheCountsNow(t)
				openNow(t, app, "/api/v1/helplines")
				itemOpenNow(t, app)
				app.mustCacheDelta(t, c, 2, 0)

				app.Clock.Set(closing)
				if openNow(t, app, "/api/v1/helplines") {
					t.Error("the list still shows stop-it-now open at 17:00")
				}
				if itemOpenNow(t, app) {
					t.Error("the item still shows stop-it-now open at 17:00")
				}
				if slices.Contains(hlSlugs(hlList(t, app, "/api/v1/helplines?open_now=true").Data), "stop-it-now") {
					t.Error("open_now=true still lists stop-it-now at 17:00")
				}
			})

			t.Run("OKEarlierClockNotServedLaterAnswer", func(t *testing.T) {
				app := start(t, beforeClosing) // the seed is published at the start
				app.Clock.Set(closing.Add(30 * time.Second))
				if openNow(t, app, "/api/v1/helplines") || itemOpenNow(t, app) {
					t.Fatal("stop-it-now is open at 17:00:30 on a Friday")
				}
				app.Clock.Set(beforeClosing.Add(20 * time.Second)) // 16:59:50
				if !openNow(t, app, "/api/v1/helplines") {
					t.Error("the list rendered for 17:00:30 was served at 16:59:50")
				}
				if !itemOpenNow(t, app) {
					t.Error("the item rendered for 17:00:30 was served at 16:59:50")
				}
			})

			t.Run("OKScheduledArticleAppearsAtPublication", func(t *testing.T) {
				// Scheduled for 10:01:35: the list is read at 10:01:20 and again at
				// 10:01:40, in the same minute, so only the publication can expire it.
				app := &editorApp{testApp: start(t, testEpoch.Add(5*time.Second))}
				app.Editor = MustCreateKey(t, app.testApp, "editor-1", "editor")
				publishAt := testEpoch.Add(95 * time.Second)
				body := articleBody("Quokka article on a schedule")
				body["status"] = "scheduled"
				body["publish_at"] = publishAt.Format(time.RFC3339)
				slug := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)

				lists := withoutSearch([]string{"/api/v1/articles", "/api/v1/articles?region=cumbria", "/api/v1/search?q=quokka"})
				app.Clock.Set(publishAt.Add(-15 * time.Second))
				for _, path := range lists {
					if slices.Contains(listSlugs(t, app.testApp, path), slug) {
						t.Fatalf("%s shows the article before its publication", path)
					}
				}
				MustStatus(t, app.Get(t, "/api/v1/articles/"+slug), http.StatusNotFound)
				feed := ReadBody(t, app.Get(t, "/feeds/articles.atom"))
				if bytes.Contains(feed, []byte(slug)) {
					t.Fatal("the feed shows the article before its publication")
				}
				c := app.cacheCountsNow(t)
				for _, path := range lists {
					listSlugs(t, app.testApp, path)
				}
				app.Get(t, "/feeds/articles.atom")
				app.mustCacheDelta(t, c, float64(len(lists)+1), 0)

				app.Clock.Set(publishAt.Add(5 * time.Second))
				for _, path := range lists {
					if !slices.Contains(listSlugs(t, app.testApp, path), slug) {
						t.Errorf("%s does not show the article after its publication", path)
					}
				}
				MustStatus(t, app.Get(t, "/api/v1/articles/"+slug), http.StatusOK)
				if !bytes.Contains(ReadBody(t, app.Get(t, "/feeds/articles.atom")), []byte(slug)) {
					t.Error("the feed does not show the article after its publication")
				}
			})
		})
	}
}

// TestCachingNotCached proves what the response cache never keeps or serves: reads
// with a key (an editor's drafts), errors; and that Cache-Control: no-cache renders
// the answer again.
func TestCachingNotCached(t *testing.T) {
	const list = "/api/v1/articles?limit=100"

	t.Run("OKEditorDraftNeverInPublicCache", func(t *testing.T) {
		app := MustStartEditorApp(t)
		body := articleBody("A draft only editors may see")
		body["status"] = "draft"
		slug := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)

		c := app.cacheCountsNow(t)
		for range 2 {
			resp, l := app.Read(t, list, app.Editor)
			MustStatus(t, resp, http.StatusOK)
			if !slices.Contains(slugsOfList(t, l), slug) {
				t.Fatal("the editor's list does not show the draft")
			}
			equal(t, "keyed Cache-Control", resp.Header.Get("Cache-Control"), "private, no-store")
		}
		app.mustCacheDelta(t, c, 0, 0) // keyed reads neither hit nor fill the cache
		for range 2 {
			if slices.Contains(listSlugs(t, app.testApp, list), slug) {
				t.Fatal("the public list shows the editor's draft")
			}
		}
		MustStatus(t, app.Get(t, "/api/v1/articles/"+slug), http.StatusNotFound)
	})

	t.Run("OKEditorNotServedPublicCache", func(t *testing.T) {
		app := MustStartEditorApp(t)
		body := articleBody("Another draft only editors may see")
		body["status"] = "draft"
		slug := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)
		for range 2 {
			listSlugs(t, app.testApp, list) // cached
		}
		if _, l := app.Read(t, list, app.Editor); !slices.Contains(slugsOfList(t, l), slug) {
			t.Error("the editor was served the public list from the cache")
		}
	})

	t.Run("OKNoCacheRendersAgain", func(t *testing.T) {
		// A change made behind the store's back, without bumping the content
		// version, is invisible to the cache: it shows that answers come from it,
		// and that no-cache does not.
		app := MustStartApp(t)
		const path = "/api/v1/articles/" + cumbriaSlug
		MustStatus(t, app.Get(t, path), http.StatusOK)
		// The article's ready-made JSON goes too, so that a rendering reads the row.
		if _, err := app.db(t).Exec(`UPDATE articles SET title = 'Changed behind the cache' WHERE slug = ?`, cumbriaSlug); err != nil {
			t.Fatal(err)
		}
		if _, err := app.db(t).Exec(`DELETE FROM article_pages WHERE article_id = (SELECT id FROM articles WHERE slug = ?)`, cumbriaSlug); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(ReadBody(t, app.Get(t, path)), []byte("Changed behind the cache")) {
			t.Fatal("the second read was rendered again: it did not come from the cache")
		}
		if !bytes.Contains(ReadBody(t, app.Get(t, path, noCache...)), []byte("Changed behind the cache")) {
			t.Error("a no-cache request was served from the cache")
		}
		if !bytes.Contains(ReadBody(t, app.Get(t, path)), []byte("Changed behind the cache")) {
			t.Error("the cache did not keep the answer rendered for the no-cache request")
		}
	})

	t.Run("OKErrorsNotCached", func(t *testing.T) {
		app := MustStartApp(t)
		c := app.cacheCountsNow(t)
		for range 3 {
			MustProblem(t, app.Get(t, "/api/v1/articles/no-such-article"), http.StatusNotFound, "")
			MustProblem(t, app.Get(t, "/api/v1/articles?limit=0"), http.StatusBadRequest, "limit")
			MustProblem(t, app.Get(t, "/api/v1/search?q="+url.QueryEscape(`"unclosed`)), http.StatusBadRequest, "q")
		}
		app.mustCacheDelta(t, c, 0, 9)
	})

	t.Run("OKBadKeyNotServedFromCache", func(t *testing.T) {
		app := MustStartApp(t)
		listSlugs(t, app, list)
		listSlugs(t, app, list) // cached
		MustProblem(t, app.Get(t, list, "Authorization", "Bearer not-a-key"), http.StatusUnauthorized, "")
	})
}

// TestCachingSharedStore proves the cache state the store reports: a write bumps the
// content version in its transaction, and the next scheduled publication is known.
func TestCachingSharedStore(t *testing.T) {
	app := MustStartEditorApp(t)
	ctx := context.Background()
	v0, next, err := app.Store.CacheState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !next.IsZero() {
		t.Errorf("next publication %s with nothing scheduled", next)
	}
	publishAt := testEpoch.Add(95 * time.Second)
	body := articleBody("Scheduled for later")
	body["status"] = "scheduled"
	body["publish_at"] = publishAt.Format(time.RFC3339)
	app.MustCreate(t, "/api/v1/articles", app.Editor, body)
	v1, next, err := app.Store.CacheState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 <= v0 {
		t.Errorf("content version %d after a write, was %d", v1, v0)
	}
	if !next.Equal(publishAt) {
		t.Errorf("next publication %s, want %s", next, publishAt)
	}
	app.Clock.Set(publishAt)
	if _, next, _ := app.Store.CacheState(ctx); !next.IsZero() {
		t.Errorf("next publication %s once it went live", next)
	}
}

// The server's soft memory limit must leave room above a full response cache for the
// requests' own garbage: a limit at or below the cache's size makes the collector run
// without end once the cache is full (as 64 MiB did with a 64 MiB cache).
func TestHeapLimitAboveFullCache(t *testing.T) {
	cfg, _, err := LoadConfig("signpost", nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, cache := range []int64{0, cfg.CacheBytes, 1 << 30} {
		if limit := heapLimit(cache); limit < cache+32<<20 {
			t.Errorf("cache of %d MiB: soft memory limit %d MiB leaves less than 32 MiB for the rest", cache>>20, limit>>20)
		}
	}
	if cfg.CacheBytes+heapWorkingSet > 100<<20 {
		t.Errorf("default cache %d MiB and working set %d MiB: with SQLite's 48 MiB the server would not stay under 150 MB",
			cfg.CacheBytes>>20, heapWorkingSet>>20)
	}
}
