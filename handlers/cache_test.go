package handlers

// Unit tests of ResponseCache: its size bound and LRU order, which answers an
// invalidation drops and which it keeps, when entries stop being served (their own
// next change, the next scheduled publication, the safety-net age, a clock gone
// back), how it reads invalidations, Cache-Control bounded by an answer's next
// change, and concurrent misses rendered once. The end-to-end guarantees (never
// stale after a write, a second instance, one test per kind of dependency) are
// proved through the real router in api/caching_test.go.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// cacheT0 is the test clocks' start: Monday 1 February 2027, 10:00:20 UTC.
var cacheT0 = time.Date(2027, time.February, 1, 10, 0, 20, 0, time.UTC)

// fakeState is the content state a test cache reads: the version, the next
// scheduled publication, the invalidations recorded so far, and how often it was
// read. kept is how many of the latest invalidations it still has.
type fakeState struct {
	mu    sync.Mutex
	log   []Invalidation
	next  time.Time
	kept  int
	err   error
	reads int
	// bare bumps the version without an invalidation (a write around the store).
	bare int64
}

func (s *fakeState) version() int64 { return int64(len(s.log)) + s.bare }

func (s *fakeState) read(_ context.Context, since int64) (CacheState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.err != nil {
		return CacheState{}, s.err
	}
	st := CacheState{Version: s.version(), NextPublication: s.next, Complete: s.bare == 0}
	for _, inv := range s.log {
		if inv.Version > since {
			st.Invalidations = append(st.Invalidations, inv)
		}
	}
	if s.kept > 0 && len(st.Invalidations) > s.kept {
		st.Invalidations, st.Complete = st.Invalidations[len(st.Invalidations)-s.kept:], false
	}
	return st, nil
}

// write records an invalidation of tags.
func (s *fakeState) write(tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Invalidation{Version: s.version() + 1, Tags: tags})
}

func (s *fakeState) setNext(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = t
}

func (s *fakeState) readCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testCache is a ResponseCache over a fakeState, with the answers' clock and the
// checks' clock both in the test's hands.
type testCache struct {
	*ResponseCache
	state *fakeState
	clock *fakeClock // answers
	mono  *fakeClock // checks
}

func mustNewTestCache(tb testing.TB, maxBytes int64, checkEvery time.Duration) *testCache {
	tb.Helper()
	tc := &testCache{state: &fakeState{}, clock: &fakeClock{t: cacheT0}, mono: &fakeClock{t: cacheT0}}
	tc.ResponseCache = NewResponseCache(CacheConfig{MaxBytes: maxBytes, CheckEvery: checkEvery,
		State: tc.state.read, Now: tc.clock.Now, Mono: tc.mono.Now})
	if v := tc.sync(context.Background(), false); v != 0 {
		tb.Fatalf("first content version %d, want 0", v)
	}
	return tc
}

// mustPut stores an answer of body for key, made from tags, rendered now at the
// version known.
func (tc *testCache) mustPut(tb testing.TB, key string, body []byte, tags ...string) *cacheEntry {
	tb.Helper()
	return tc.putAt(key, body, tc.version.Load(), time.Time{}, tags...)
}

func (tc *testCache) putAt(key string, body []byte, version int64, until time.Time, tags ...string) *cacheEntry {
	now := tc.clock.Now()
	e := &cacheEntry{key: key, version: version, tags: tags, rendered: now, expires: tc.expiry(now, until), until: until,
		rep: representation{status: 200, body: body, compressible: true, etag: `"x"`}}
	tc.put(e)
	return e
}

// lookup gets key at the current time.
func (tc *testCache) lookup(key string) (*cacheEntry, bool) {
	return tc.get(key, tc.clock.Now())
}

// mustHave fails unless exactly the keys want of keys are served.
func (tc *testCache) mustHave(tb testing.TB, keys []string, want ...string) {
	tb.Helper()
	for _, k := range keys {
		_, ok := tc.lookup(k)
		if w := slices.Contains(want, k); ok != w {
			tb.Errorf("%s served: %v, want %v", k, ok, w)
		}
	}
}

// mustWithinBound fails unless the accounted bytes are the sum of the live entries'
// sizes and at most MaxBytes, and the tag index holds exactly the live entries.
func (tc *testCache) mustWithinBound(tb testing.TB) {
	tb.Helper()
	tc.mu.Lock()
	defer tc.mu.Unlock()
	var sum int64
	live := map[*cacheEntry]bool{}
	for el := tc.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cacheEntry)
		sum += e.size
		live[e] = true
	}
	if sum != tc.bytes {
		tb.Errorf("accounted %d bytes, but the entries hold %d", tc.bytes, sum)
	}
	if tc.bytes > tc.maxBytes {
		tb.Errorf("the cache holds %d bytes, more than MaxBytes %d", tc.bytes, tc.maxBytes)
	}
	if len(tc.items) != tc.lru.Len() {
		tb.Errorf("%d keys but %d entries in the LRU list", len(tc.items), tc.lru.Len())
	}
	for tag, set := range tc.byTag {
		for e := range set {
			if !live[e] {
				tb.Errorf("tag %s indexes an entry that is gone (%s)", tag, e.key)
			}
		}
	}
}

// textBody is n bytes of JSON-like text that gzip shrinks only somewhat, as real
// answers are.
func textBody(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	const alphabet = "abcdefghijklmnopqrstuvwxyz ,.:\"{}0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

func TestResponseCacheBounded(t *testing.T) {
	t.Run("OKTotalWithinMaxBytes", func(t *testing.T) {
		tc := mustNewTestCache(t, 16<<10, 0)
		for i := range 200 {
			tc.mustPut(t, fmt.Sprintf("/api/v1/articles?page=%d", i), textBody(uint64(i), 700+i%300), "article", fmt.Sprint("article/a", i))
			tc.mustWithinBound(t)
		}
		n, size := tc.Len()
		if n == 0 || n >= 200 {
			t.Errorf("%d entries kept of 200", n)
		}
		if size > 16<<10 {
			t.Errorf("%d bytes kept, MaxBytes %d", size, 16<<10)
		}
	})

	t.Run("OKLeastRecentlyUsedEvictedFirst", func(t *testing.T) {
		// Each entry is a little over 1 KB; eight fit in 9 KB, the ninth evicts one.
		tc := mustNewTestCache(t, 9<<10, 0)
		keys := make([]string, 8)
		for i := range keys {
			keys[i] = fmt.Sprint("/k", i)
			tc.mustPut(t, keys[i], textBody(uint64(i), 800), "x")
		}
		if n, _ := tc.Len(); n != 8 {
			t.Fatalf("%d entries, want all 8 to fit", n)
		}
		// Use k0 and k1, so that k2 is the least recently used.
		for _, k := range keys[:2] {
			if _, ok := tc.lookup(k); !ok {
				t.Fatalf("%s not served", k)
			}
		}
		tc.mustPut(t, "/k8", textBody(8, 800), "x")
		tc.mustPut(t, "/k9", textBody(9, 800), "x")
		tc.mustWithinBound(t)
		tc.mustHave(t, []string{"/k0", "/k1", "/k2", "/k3", "/k4", "/k8", "/k9"}, "/k0", "/k1", "/k4", "/k8", "/k9")
	})

	t.Run("OKLargeEntryNotKept", func(t *testing.T) {
		tc := mustNewTestCache(t, 16<<10, 0)
		tc.mustPut(t, "/small", textBody(1, 500), "x")
		tc.mustPut(t, "/large", textBody(2, 16<<10/8), "x")
		tc.mustHave(t, []string{"/small", "/large"}, "/small")
		tc.mustWithinBound(t)
	})

	t.Run("OKGzipMadeLaterCountsAndStaysWithinMaxBytes", func(t *testing.T) {
		// Answers are cached without their gzip form, which is made when a client
		// first asks for it: the bound holds with it too.
		tc := mustNewTestCache(t, 16<<10, 0)
		for i := range 20 {
			tc.mustPut(t, fmt.Sprint("/k", i), textBody(uint64(i), 1500), "x")
		}
		tc.mustWithinBound(t)
		for i := range 20 {
			if e, ok := tc.lookup(fmt.Sprint("/k", i)); ok {
				rep := tc.withGzip(e, "gzip")
				if len(rep.gzip) == 0 {
					t.Fatalf("/k%d: no gzip made", i)
				}
				tc.mustWithinBound(t)
			}
		}
		if n, _ := tc.Len(); n == 0 {
			t.Error("nothing left in the cache")
		}
	})

	t.Run("OKGzipOfReplacedEntryNotCounted", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		tc.mustPut(t, "/k", textBody(1, 2000), "x")
		old, ok := tc.lookup("/k")
		if !ok {
			t.Fatal("/k not served")
		}
		tc.mustPut(t, "/k", textBody(2, 2000), "x")
		tc.withGzip(old, "gzip")
		tc.mustWithinBound(t)
	})
}

// TestResponseCacheInvalidation proves that a write drops exactly the answers that
// share a tag with what it touched.
func TestResponseCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	// The answers of a small site, with the tags their handlers give them.
	fill := func(tc *testCache) []string {
		tc.mustPut(t, "/articles", []byte("list"), "article", "article/a", "article/b")
		tc.mustPut(t, "/articles/a", []byte("a"), "article/a")
		tc.mustPut(t, "/articles/b", []byte("b"), "article/b")
		tc.mustPut(t, "/helplines", []byte("hl"), "helpline", "helpline/h")
		tc.mustPut(t, "/regions", []byte("regions"), "static")
		tc.mustPut(t, "/unsaid", []byte("made of anything"), tagAll)
		return []string{"/articles", "/articles/a", "/articles/b", "/helplines", "/regions", "/unsaid"}
	}
	for _, tt := range []struct {
		name string
		tags []string
		kept []string
	}{
		{"OKItemDropsItsPagesAndLists", []string{"article/a"}, []string{"/articles/b", "/helplines", "/regions"}},
		{"OKTypeDropsItsListsOnly", []string{"article"}, []string{"/articles/a", "/articles/b", "/helplines", "/regions"}},
		{"OKAnyItemOfType", []string{"article/*"}, []string{"/helplines", "/regions"}},
		{"OKOtherTypeKeepsArticles", []string{"helpline", "helpline/h"}, []string{"/articles", "/articles/a", "/articles/b", "/regions"}},
		{"OKEverything", []string{tagAll}, nil},
		{"OKUnrelatedTagDropsOnlyTheUnsaid", []string{"campaign/c"}, []string{"/articles", "/articles/a", "/articles/b", "/helplines", "/regions"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := mustNewTestCache(t, 64<<10, 0)
			keys := fill(tc)
			tc.state.write(tt.tags...)
			tc.sync(ctx, false)
			tc.mustHave(t, keys, tt.kept...)
			tc.mustWithinBound(t)
		})
	}

	t.Run("OKUnknownWritesDropEverything", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		keys := fill(tc)
		tc.state.bare = 1 // the version moved with no invalidation recorded
		tc.sync(ctx, false)
		tc.mustHave(t, keys)
	})

	t.Run("OKFallenBehindDropsEverything", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		keys := fill(tc)
		tc.state.kept = 2
		for range 3 {
			tc.state.write("campaign/c")
		}
		tc.sync(ctx, false)
		tc.mustHave(t, keys)
	})

	t.Run("OKAnswerRenderedBeforeAWriteNotStored", func(t *testing.T) {
		// A request renders from the content before a write; the write's
		// invalidation arrives before the request stores its answer.
		tc := mustNewTestCache(t, 64<<10, 0)
		before := tc.version.Load()
		tc.state.write("article/a")
		tc.sync(ctx, false)
		tc.putAt("/articles/a", []byte("old a"), before, time.Time{}, "article/a")
		tc.putAt("/articles/b", []byte("b"), before, time.Time{}, "article/b")
		tc.putAt("/unsaid", []byte("x"), before, time.Time{}, tagAll)
		tc.mustHave(t, []string{"/articles/a", "/articles/b", "/unsaid"}, "/articles/b")
	})

	t.Run("OKChecksAtMostEveryCheckEvery", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 200*time.Millisecond)
		tc.mustPut(t, "/articles/a", []byte("a"), "article/a")
		reads := tc.state.readCount()
		tc.state.write("article/a") // another instance writes
		tc.mono.Set(cacheT0.Add(199 * time.Millisecond))
		if v := tc.sync(ctx, false); v != 0 || tc.state.readCount() != reads {
			t.Errorf("within CheckEvery: version %d after %d reads, want 0 without reading", v, tc.state.readCount()-reads)
		}
		tc.mono.Set(cacheT0.Add(200 * time.Millisecond))
		if v := tc.sync(ctx, false); v != 1 {
			t.Errorf("after CheckEvery: version %d, want 1", v)
		}
		tc.mustHave(t, []string{"/articles/a"})
	})

	t.Run("OKOwnWriteChecksAtOnce", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		tc.mustPut(t, "/articles/a", []byte("a"), "article/a")
		tc.state.write("article/a")
		if v := tc.sync(ctx, true); v != 1 {
			t.Errorf("forced check: version %d, want 1", v)
		}
		tc.mustHave(t, []string{"/articles/a"})
	})

	t.Run("OKStateErrorCachesNothing", func(t *testing.T) {
		tc := &testCache{state: &fakeState{err: errors.New("database is locked")}, clock: &fakeClock{t: cacheT0}}
		tc.ResponseCache = NewResponseCache(CacheConfig{MaxBytes: 1 << 20, State: tc.state.read, Now: tc.clock.Now})
		if v := tc.sync(ctx, false); v != -1 {
			t.Errorf("version %d when the state cannot be read, want -1", v)
		}
	})
}

// TestResponseCacheExpiry proves when entries stop being served without a write.
func TestResponseCacheExpiry(t *testing.T) {
	ctx := context.Background()

	t.Run("OKAtItsOwnNextChange", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		closes := cacheT0.Add(40 * time.Second)
		e := tc.putAt("/helplines", []byte("open"), 0, closes, "helpline")
		if !e.expires.Equal(closes) {
			t.Fatalf("expires %s, want the closing %s", e.expires, closes)
		}
		tc.clock.Set(closes.Add(-time.Nanosecond))
		tc.mustHave(t, []string{"/helplines"}, "/helplines")
		tc.clock.Set(closes)
		tc.mustHave(t, []string{"/helplines"})
	})

	t.Run("OKAnswersMadeTogetherDoNotExpireTogether", func(t *testing.T) {
		// Answers that no clock changes live for MaxAge spread by ±25%: not one
		// shared boundary, as a minute's end was.
		tc := mustNewTestCache(t, 1<<20, 0)
		seen := map[time.Time]bool{}
		for i := range 50 {
			e := tc.mustPut(t, fmt.Sprint("/k", i), []byte("x"), "x")
			lo, hi := cacheT0.Add(DefaultCacheMaxAge*3/4), cacheT0.Add(DefaultCacheMaxAge*5/4)
			if e.expires.Before(lo) || e.expires.After(hi) {
				t.Fatalf("expires %s, want between %s and %s", e.expires, lo, hi)
			}
			seen[e.expires] = true
		}
		if len(seen) < 40 {
			t.Errorf("50 answers share only %d expiry times", len(seen))
		}
	})

	t.Run("OKAtNextPublication", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		next := cacheT0.Add(15 * time.Second)
		tc.state.setNext(next)
		tc.sync(ctx, false)
		e := tc.mustPut(t, "/articles", []byte("list"), "article")
		if !e.expires.Equal(next) {
			t.Fatalf("expires %s, want the next publication %s", e.expires, next)
		}
	})

	t.Run("OKPublicationDueChecksBeforeCheckEvery", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		tc.state.setNext(cacheT0.Add(5 * time.Second))
		tc.sync(ctx, true)
		tc.clock.Set(cacheT0.Add(6 * time.Second))
		reads := tc.state.readCount()
		tc.sync(ctx, false)
		if tc.state.readCount() != reads+1 {
			t.Error("a due publication did not make the cache read the state, though CheckEvery has not passed")
		}
	})

	t.Run("OKNotServedToEarlierClock", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		tc.mustPut(t, "/a", []byte("a"), "x") // rendered at 10:00:20
		tc.clock.Set(cacheT0.Add(-time.Second))
		tc.mustHave(t, []string{"/a"})
	})
}

func TestBoundCacheControl(t *testing.T) {
	for _, tt := range []struct {
		cc        string
		remaining time.Duration
		want      string
	}{
		{"public, max-age=60, stale-while-revalidate=30", time.Hour, "public, max-age=60, stale-while-revalidate=30"},
		{"public, max-age=60, stale-while-revalidate=30", 75 * time.Second, "public, max-age=60, stale-while-revalidate=15"},
		{"public, max-age=60, stale-while-revalidate=30", 30 * time.Second, "public, max-age=30"},
		{"public, max-age=60, stale-while-revalidate=30", 30*time.Second + 900*time.Millisecond, "public, max-age=30"},
		{"public, max-age=60, stale-while-revalidate=30, stale-if-error=600", 90 * time.Second, "public, max-age=60, stale-while-revalidate=30, stale-if-error=30"},
		{"public, max-age=3600, s-maxage=7200", 10 * time.Second, "public, max-age=10, s-maxage=10"},
		{"public, stale-if-error=60", 5 * time.Second, "public, max-age=5"},
		{"public, max-age=60", 500 * time.Millisecond, "public, max-age=0"},
		{"public, max-age=60", -time.Second, "public, max-age=0"},
		{"private, no-store", 10 * time.Second, "private, no-store"},
	} {
		t.Run(fmt.Sprintf("%s/%s", tt.cc, tt.remaining), func(t *testing.T) {
			if got := boundCacheControl(tt.cc, tt.remaining); got != tt.want {
				t.Errorf("boundCacheControl = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestResponseCacheRenderedOnce proves that concurrent misses for one key run the
// handlers once and share the answer, and that a panic in a shared rendering is a
// 500 problem for each of them, not a crash.
func TestResponseCacheRenderedOnce(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	const n = 50
	for _, tt := range []struct {
		name   string
		status int
		handle func(c *gin.Context)
	}{
		{"OK", http.StatusOK, func(c *gin.Context) {
			dependsOn(c, "article")
			c.Data(http.StatusOK, "application/json", []byte(`{"data":[]}`))
		}},
		{"ErrPanic", http.StatusInternalServerError, func(c *gin.Context) { panic("broken handler") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := mustNewTestCache(t, 1<<20, time.Hour)
			var joined, renders atomic.Int64
			all := make(chan struct{})
			tc.onJoin = func() {
				if joined.Add(1) == n {
					close(all)
				}
			}
			r := gin.New()
			r.Use(Conditional("public, max-age=60", tc.ResponseCache))
			r.GET("/x", func(c *gin.Context) {
				renders.Add(1)
				<-all // every request has joined this rendering
				tt.handle(c)
			})
			var wg sync.WaitGroup
			codes := make([]int, n)
			bodies := make([]string, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := httptest.NewRecorder()
					r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
					codes[i], bodies[i] = w.Code, w.Body.String()
				}()
			}
			wg.Wait()
			if got := renders.Load(); got != 1 {
				t.Errorf("%d concurrent misses ran the handlers %d times, want once", n, got)
			}
			for i := range n {
				if codes[i] != tt.status || bodies[i] != bodies[0] {
					t.Fatalf("request %d: %d %q, want %d and the same body as the first (%q)", i, codes[i], bodies[i], tt.status, bodies[0])
				}
			}
		})
	}
}

func TestConditionalAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"GZIP", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"*", true},
		{"", false},
		{"identity", false},
		{"br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"deflate, gzip;q=0", false},
	} {
		t.Run(fmt.Sprintf("%q", tt.header), func(t *testing.T) {
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestConditionalGzipBytes(t *testing.T) {
	// The pooled writers must not mix answers: each gzip decompresses to its body.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := textBody(uint64(i), 4000)
			if got := gunzipForTest(t, gzipBytes(body)); !bytes.Equal(got, body) {
				t.Errorf("body %d: gzip does not decompress to the body", i)
			}
		}()
	}
	wg.Wait()
}

func gunzipForTest(tb testing.TB, b []byte) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Errorf("not gzip: %v", err)
		return nil
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Errorf("bad gzip: %v", err)
	}
	return out
}
