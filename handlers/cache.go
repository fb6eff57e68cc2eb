package handlers

import (
	"container/list"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// ResponseCache keeps rendered public GET responses in memory, with their gzip form,
// so that a repeated read costs a map lookup instead of queries and rendering.
//
// Every entry is tagged with the content version it was rendered at. Every write
// bumps the version in its own transaction, so an entry is dropped exactly when
// content changes: this instance learns of its own writes before it answers them,
// and of other instances' writes (sharing the database) by checking the version at
// most every CheckEvery. Entries also expire at the end of the minute they were
// rendered in, since some answers depend on the time (open now, a campaign's
// status) and opening hours change on the minute. The cache holds at most MaxBytes.
type ResponseCache struct {
	maxBytes   int64
	checkEvery time.Duration
	state      func(ctx context.Context) (int64, time.Time, error)
	now        func() time.Time // the clock answers are computed with
	mono       func() time.Time // the clock of version checks

	current   atomic.Int64
	nextPub   atomic.Int64 // UnixNano of the next scheduled publication; 0 for none
	checkedAt atomic.Int64 // mono UnixNano of the last version check
	checking  atomic.Bool
	reads     atomic.Int64 // version reads started
	stored    int64        // the latest read whose result was kept; guarded by mu

	mu    sync.Mutex
	bytes int64
	lru   *list.List // of *cacheEntry, most recent first
	items map[string]*list.Element

	// OnHit and OnMiss, when set, count the cache's answers (metrics).
	OnHit, OnMiss func()
}

// CacheConfig configures a ResponseCache.
type CacheConfig struct {
	MaxBytes int64
	// CheckEvery is how often the content version is read from the database; 0
	// means on every request.
	CheckEvery time.Duration
	// State reads the content version and the next time a scheduled item goes live.
	State func(ctx context.Context) (version int64, nextPublication time.Time, err error)
	// Now is the clock answers are computed with (the store's).
	Now func() time.Time
	// Mono is the clock of version checks; nil means time.Now.
	Mono func() time.Time
}

// NewResponseCache returns an empty cache.
func NewResponseCache(cfg CacheConfig) *ResponseCache {
	c := &ResponseCache{maxBytes: cfg.MaxBytes, checkEvery: cfg.CheckEvery, state: cfg.State,
		now: cfg.Now, mono: cfg.Mono, lru: list.New(), items: map[string]*list.Element{}}
	if c.mono == nil {
		c.mono = time.Now
	}
	c.current.Store(-1)
	return c
}

type cacheEntry struct {
	key     string
	version int64
	// The answer describes the moments from rendered up to expires. A clock that
	// goes back (a pinned test clock, an NTP step) must not get an answer rendered
	// for a later moment: open_now could be wrong.
	rendered time.Time
	expires  time.Time
	header   http.Header // the headers the handler set
	rep      representation
	size     int64
}

// contentVersion returns the content version, reading it from the database when the
// last check is older than checkEvery. Only one request at a time reads it; the
// others use the version known.
func (rc *ResponseCache) contentVersion(ctx context.Context) int64 {
	v := rc.current.Load()
	last := rc.checkedAt.Load()
	next := rc.nextPub.Load()
	due := next != 0 && rc.now().UnixNano() >= next // a scheduled item went live
	if v >= 0 && !due && rc.checkEvery > 0 && rc.mono().UnixNano()-last < int64(rc.checkEvery) {
		return v
	}
	if v >= 0 && !rc.checking.CompareAndSwap(false, true) {
		return v
	}
	defer rc.checking.Store(false)
	return rc.refresh(ctx)
}

// refresh reads the content version now; -1 (cache nothing) when it cannot.
//
// Reads can finish out of order: a request's read from a snapshot taken before a
// write commits may end after the writer's own refresh. Only the latest started read
// is kept, so the version learnt after a write is never replaced by an older one.
func (rc *ResponseCache) refresh(ctx context.Context) int64 {
	read := rc.reads.Add(1)
	v, next, err := rc.state(ctx)
	if err != nil {
		return -1
	}
	var n int64
	if !next.IsZero() {
		n = next.UnixNano()
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if read < rc.stored {
		return v // a later read has been kept; v only tags this request's answer
	}
	rc.stored = read
	if old := rc.current.Load(); old == v && rc.nextPub.Load() != n {
		// The version is the same but a scheduled item has gone live (or a new one
		// is due): entries rendered before it may list too little. Drop them all.
		rc.lru.Init()
		rc.items = map[string]*list.Element{}
		rc.bytes = 0
	}
	rc.nextPub.Store(n)
	rc.current.Store(v)
	rc.checkedAt.Store(rc.mono().UnixNano())
	return v
}

func (rc *ResponseCache) get(key string, version int64, now time.Time) (*cacheEntry, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	el, ok := rc.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.version != version || !now.Before(e.expires) || now.Before(e.rendered) {
		rc.removeLocked(el)
		return nil, false
	}
	rc.lru.MoveToFront(el)
	return e, true
}

func (rc *ResponseCache) put(e *cacheEntry) {
	e.size = int64(len(e.key) + len(e.rep.body) + len(e.rep.gzip) + 256)
	for k, vs := range e.header {
		e.size += int64(len(k))
		for _, v := range vs {
			e.size += int64(len(v))
		}
	}
	if e.size > rc.maxBytes/8 {
		return // one answer may not crowd out the rest
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.items[e.key]; ok {
		rc.removeLocked(el)
	}
	rc.items[e.key] = rc.lru.PushFront(e)
	rc.bytes += e.size
	rc.evictLocked()
}

// evictLocked drops the least recently used entries until the cache is within
// maxBytes.
func (rc *ResponseCache) evictLocked() {
	for rc.bytes > rc.maxBytes && rc.lru.Len() > 0 {
		rc.removeLocked(rc.lru.Back())
	}
}

func (rc *ResponseCache) removeLocked(el *list.Element) {
	e := rc.lru.Remove(el).(*cacheEntry)
	delete(rc.items, e.key)
	rc.bytes -= e.size
}

// Len returns the number of entries and their size in bytes.
func (rc *ResponseCache) Len() (entries int, bytes int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.items), rc.bytes
}

// cacheKey is the normalised request: path and sorted query. Requests with a key
// (editors may see drafts) and the operational routes are not cached.
func cacheKey(r *http.Request) (string, bool) {
	if !isRead(r) || r.Header.Get("Authorization") != "" {
		return "", false
	}
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return "", false
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false
	}
	return r.URL.Path + "?" + q.Encode(), true
}

// cacheable reports whether a rendered response may be kept and shared.
func cacheable(status int, h http.Header) bool {
	cc := strings.ToLower(h.Get("Cache-Control"))
	return status == http.StatusOK && !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store")
}

// expiry is when an answer rendered at t stops describing the present: the end of
// its minute, or the next scheduled publication if that comes first.
func (rc *ResponseCache) expiry(t time.Time) time.Time {
	end := t.Truncate(time.Minute).Add(time.Minute)
	if n := rc.nextPub.Load(); n != 0 {
		if next := time.Unix(0, n); next.After(t) && next.Before(end) {
			return next
		}
	}
	return end
}

// changedHeaders returns the headers of after that differ from before: those the
// handler set.
func changedHeaders(before, after http.Header) http.Header {
	out := http.Header{}
	for k, vs := range after {
		if old, ok := before[k]; !ok || !equalValues(old, vs) {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

func equalValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// serveCached answers from the cache when it can.
func (rc *ResponseCache) serveCached(c *gin.Context, key string, version int64) bool {
	e, ok := rc.get(key, version, rc.now())
	if !ok {
		if rc.OnMiss != nil {
			rc.OnMiss()
		}
		return false
	}
	if rc.OnHit != nil {
		rc.OnHit()
	}
	h := c.Writer.Header()
	for k, vs := range e.header {
		h[k] = vs
	}
	c.Set(cacheHitKey, true)
	rep := rc.withGzip(e, c.GetHeader("Accept-Encoding"))
	rep.serve(c, c.Writer)
	c.Abort()
	return true
}

const cacheHitKey = "signpost.cache_hit"

// withGzip returns the entry's representation, compressing it once, the first time
// a client that accepts gzip asks for it.
func (rc *ResponseCache) withGzip(e *cacheEntry, acceptEncoding string) representation {
	rc.mu.Lock()
	rep := e.rep
	rc.mu.Unlock()
	if !rep.compressible || rep.gzip != nil || !acceptsGzip(acceptEncoding) {
		return rep
	}
	rep.gzip = gzipBytes(rep.body)
	rc.mu.Lock()
	if e.rep.gzip == nil {
		e.rep.gzip = rep.gzip
		e.size += int64(len(rep.gzip))
		// Count it only if e is still the entry of its key: one that was dropped
		// or replaced meanwhile no longer counts.
		if el, ok := rc.items[e.key]; ok && el.Value == e {
			rc.bytes += int64(len(rep.gzip))
			rc.evictLocked()
		}
	}
	rc.mu.Unlock()
	return rep
}
