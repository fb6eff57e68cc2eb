package handlers

// Unit tests of ResponseCache: its size bound and LRU order, when entries stop being
// served (another content version, the end of their minute, the next scheduled
// publication, a clock gone back), and how it learns the content version. The end-to-
// end guarantees (never stale after a write, a second instance, open now) are proved
// through the real router in api/caching_test.go.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// cacheT0 is the test clocks' start: Monday 1 February 2027, 10:00:20 UTC, twenty
// seconds into a minute.
var cacheT0 = time.Date(2027, time.February, 1, 10, 0, 20, 0, time.UTC)

// fakeState is the content state a test cache reads: a version and the next
// scheduled publication, and how often they were read.
type fakeState struct {
	mu      sync.Mutex
	version int64
	next    time.Time
	err     error
	reads   int
}

func (s *fakeState) read(context.Context) (int64, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return s.version, s.next, s.err
}

func (s *fakeState) set(version int64, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version, s.next = version, next
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
// version checks' clock both in the test's hands.
type testCache struct {
	*ResponseCache
	state      *fakeState
	clock      *fakeClock // answers
	mono       *fakeClock // version checks
	hits, miss int
}

func mustNewTestCache(tb testing.TB, maxBytes int64, checkEvery time.Duration) *testCache {
	tb.Helper()
	tc := &testCache{state: &fakeState{version: 1}, clock: &fakeClock{t: cacheT0}, mono: &fakeClock{t: cacheT0}}
	tc.ResponseCache = NewResponseCache(CacheConfig{MaxBytes: maxBytes, CheckEvery: checkEvery,
		State: tc.state.read, Now: tc.clock.Now, Mono: tc.mono.Now})
	tc.OnHit, tc.OnMiss = func() { tc.hits++ }, func() { tc.miss++ }
	if v := tc.contentVersion(context.Background()); v != 1 {
		tb.Fatalf("first content version %d, want 1", v)
	}
	return tc
}

// mustPut stores an answer of body for key, rendered now at the current version.
func (tc *testCache) mustPut(tb testing.TB, key string, body []byte) *cacheEntry {
	tb.Helper()
	now := tc.clock.Now()
	e := &cacheEntry{key: key, version: tc.current.Load(), rendered: now, expires: tc.expiry(now),
		rep: representation{status: 200, body: body, compressible: true, etag: `"x"`}}
	tc.put(e)
	return e
}

// lookup gets key at the current version and time.
func (tc *testCache) lookup(key string) (*cacheEntry, bool) {
	return tc.get(key, tc.current.Load(), tc.clock.Now())
}

// mustWithinBound fails unless the accounted bytes are the sum of the live entries'
// sizes and at most MaxBytes.
func (tc *testCache) mustWithinBound(tb testing.TB) {
	tb.Helper()
	tc.mu.Lock()
	defer tc.mu.Unlock()
	var sum int64
	for el := tc.lru.Front(); el != nil; el = el.Next() {
		sum += el.Value.(*cacheEntry).size
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
			tc.mustPut(t, fmt.Sprintf("/api/v1/articles?page=%d", i), textBody(uint64(i), 700+i%300))
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
			tc.mustPut(t, keys[i], textBody(uint64(i), 800))
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
		tc.mustPut(t, "/k8", textBody(8, 800))
		tc.mustPut(t, "/k9", textBody(9, 800))
		tc.mustWithinBound(t)
		for _, k := range []string{"/k2", "/k3"} {
			if _, ok := tc.lookup(k); ok {
				t.Errorf("%s, among the least recently used, was kept", k)
			}
		}
		for _, k := range []string{"/k0", "/k1", "/k4", "/k8", "/k9"} {
			if _, ok := tc.lookup(k); !ok {
				t.Errorf("%s was evicted before the least recently used", k)
			}
		}
	})

	t.Run("OKLargeEntryNotKept", func(t *testing.T) {
		tc := mustNewTestCache(t, 16<<10, 0)
		tc.mustPut(t, "/small", textBody(1, 500))
		tc.mustPut(t, "/large", textBody(2, 16<<10/8))
		if _, ok := tc.lookup("/large"); ok {
			t.Error("an answer larger than MaxBytes/8 was kept")
		}
		if _, ok := tc.lookup("/small"); !ok {
			t.Error("the small answer was pushed out by one that is not kept")
		}
		tc.mustWithinBound(t)
	})

	t.Run("OKGzipMadeLaterCountsAndStaysWithinMaxBytes", func(t *testing.T) {
		// Answers are cached without their gzip form, which is made when a client
		// first asks for it: the bound holds with it too.
		tc := mustNewTestCache(t, 16<<10, 0)
		for i := range 20 {
			tc.mustPut(t, fmt.Sprint("/k", i), textBody(uint64(i), 1500))
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
		// A client gets an entry, the entry is replaced, then the first client's
		// gzip is made: it must not count against the new entry.
		tc := mustNewTestCache(t, 64<<10, 0)
		tc.mustPut(t, "/k", textBody(1, 2000))
		old, ok := tc.lookup("/k")
		if !ok {
			t.Fatal("/k not served")
		}
		tc.mustPut(t, "/k", textBody(2, 2000))
		tc.withGzip(old, "gzip")
		tc.mustWithinBound(t)
	})
}

func TestResponseCacheInvalidation(t *testing.T) {
	t.Run("OKVersionChangeDropsEntries", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		tc.mustPut(t, "/a", []byte("a"))
		tc.mustPut(t, "/b", []byte("b"))
		tc.state.set(2, time.Time{})
		if v := tc.contentVersion(context.Background()); v != 2 {
			t.Fatalf("content version %d, want 2", v)
		}
		for _, k := range []string{"/a", "/b"} {
			if _, ok := tc.lookup(k); ok {
				t.Errorf("%s of version 1 served at version 2", k)
			}
		}
		if n, size := tc.Len(); n != 0 || size != 0 {
			t.Errorf("%d entries of %d bytes left after they were found stale", n, size)
		}
	})

	t.Run("OKExpiredNotServed", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		e := tc.mustPut(t, "/a", []byte("a"))
		if want := cacheT0.Truncate(time.Minute).Add(time.Minute); !e.expires.Equal(want) {
			t.Fatalf("expires %s, want the end of the minute %s", e.expires, want)
		}
		tc.clock.Set(e.expires.Add(-time.Nanosecond))
		if _, ok := tc.lookup("/a"); !ok {
			t.Fatal("not served within its minute")
		}
		tc.clock.Set(e.expires)
		if _, ok := tc.lookup("/a"); ok {
			t.Error("served at the end of its minute")
		}
		if n, _ := tc.Len(); n != 0 {
			t.Errorf("%d entries left after expiry", n)
		}
	})

	t.Run("OKExpiresAtNextPublication", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		next := cacheT0.Add(15 * time.Second) // 10:00:35, before the minute ends
		tc.state.set(1, next)
		tc.contentVersion(context.Background())
		e := tc.mustPut(t, "/a", []byte("a"))
		if !e.expires.Equal(next) {
			t.Fatalf("expires %s, want the next publication %s", e.expires, next)
		}
		tc.clock.Set(next.Add(-time.Second))
		if _, ok := tc.lookup("/a"); !ok {
			t.Fatal("not served before the publication")
		}
		tc.clock.Set(next)
		if _, ok := tc.lookup("/a"); ok {
			t.Error("served once the scheduled item went live")
		}
	})

	t.Run("OKNotServedToEarlierClock", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		tc.mustPut(t, "/a", []byte("a")) // rendered at 10:00:20
		tc.clock.Set(cacheT0.Add(-time.Second))
		if _, ok := tc.lookup("/a"); ok {
			t.Error("an answer rendered at 10:00:20 was served at 10:00:19")
		}
	})

	t.Run("OKScheduledItemLiveDropsEntriesOfSameVersion", func(t *testing.T) {
		// The publication was not known when the entry was rendered (another
		// instance scheduled it): once it is due, the version check finds the next
		// publication changed and drops what was rendered before it.
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		tc.mustPut(t, "/a", []byte("a"))
		tc.state.set(1, cacheT0.Add(5*time.Second))
		tc.refresh(context.Background())
		tc.clock.Set(cacheT0.Add(6 * time.Second))
		tc.state.set(1, time.Time{})
		reads := tc.state.readCount()
		v := tc.contentVersion(context.Background())
		if tc.state.readCount() != reads+1 {
			t.Error("a due publication did not make the cache read the state, though CheckEvery has not passed")
		}
		if _, ok := tc.get("/a", v, tc.clock.Now()); ok {
			t.Error("an answer rendered before the publication was served after it")
		}
	})
}

func TestResponseCacheVersion(t *testing.T) {
	ctx := context.Background()

	t.Run("OKReadAtMostEveryCheckEvery", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 200*time.Millisecond)
		reads := tc.state.readCount()
		tc.state.set(2, time.Time{}) // another instance writes
		tc.mono.Set(cacheT0.Add(199 * time.Millisecond))
		if v := tc.contentVersion(ctx); v != 1 || tc.state.readCount() != reads {
			t.Errorf("within CheckEvery: version %d after %d reads, want 1 without reading", v, tc.state.readCount()-reads)
		}
		tc.mono.Set(cacheT0.Add(200 * time.Millisecond))
		if v := tc.contentVersion(ctx); v != 2 {
			t.Errorf("after CheckEvery: version %d, want 2", v)
		}
	})

	t.Run("OKCheckEveryZeroReadsEachTime", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, 0)
		for v := int64(2); v < 5; v++ {
			tc.state.set(v, time.Time{})
			if got := tc.contentVersion(ctx); got != v {
				t.Errorf("version %d, want %d", got, v)
			}
		}
	})

	t.Run("OKStateErrorCachesNothing", func(t *testing.T) {
		tc := &testCache{state: &fakeState{err: errors.New("database is locked")}, clock: &fakeClock{t: cacheT0}}
		tc.ResponseCache = NewResponseCache(CacheConfig{MaxBytes: 1 << 20, State: tc.state.read, Now: tc.clock.Now})
		if v := tc.contentVersion(ctx); v != -1 {
			t.Errorf("version %d when the state cannot be read, want -1", v)
		}
	})

	t.Run("OKOwnWriteNotUndoneByOlderRead", func(t *testing.T) {
		// A request reads version 1 from a snapshot taken before a write commits;
		// the writer then learns version 2; the slow request finishes last. The
		// cache must keep version 2, or it serves answers of version 1 to the
		// editor who just wrote, until the next check.
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		tc.mustPut(t, "/list", []byte("before the write"))
		started, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		tc.ResponseCache.state = func(context.Context) (int64, time.Time, error) {
			first := false
			once.Do(func() { first = true })
			if first {
				close(started)
				<-release // the slow reader's snapshot is of version 1
				return 1, time.Time{}, nil
			}
			return 2, time.Time{}, nil
		}
		done := make(chan int64)
		go func() { done <- tc.refresh(ctx) }() // the slow reader
		<-started
		if v := tc.refresh(ctx); v != 2 { // the write's own refresh
			t.Fatalf("the writer's refresh read %d, want 2", v)
		}
		close(release)
		<-done
		if v := tc.contentVersion(ctx); v != 2 {
			t.Errorf("content version %d after the write, want 2", v)
		}
		if e, ok := tc.get("/list", tc.contentVersion(ctx), tc.clock.Now()); ok {
			t.Errorf("served %q, rendered before the write", e.rep.body)
		}
	})
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
