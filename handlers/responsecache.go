package handlers

import (
	"container/list"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"
)

// ResponseCache keeps rendered public GET responses in memory, with their gzip form,
// so that a repeated read costs a map lookup instead of queries and rendering.
//
// Each answer records what it was made from, as tags: the types whose lists it shows
// ("article") and the items it shows ("article/<slug>"), related items included. Every
// write records, in its own transaction, the tags of what it touched: the item, its
// type, and every item whose public representation shows it (see store.touch). The
// cache reads those invalidations and drops exactly the answers that share a tag
// with one: a helpline's new name drops the article pages that show it, and an
// article's edit never drops /regions. An instance learns of its own writes before
// it answers them, and of other instances' writes (sharing the database) from their
// notifications as they come (Notify, on PostgreSQL) and by checking at most every
// CheckEvery; when it cannot tell what changed (too far behind, or a write made
// around the store), it drops everything.
//
// An answer that depends on the time expires when it stops being right (an opening
// or closing, the end of a day, the next scheduled publication), not at a shared
// boundary; every other answer expires after MaxAge, spread by ±25%, as a safety
// net, so entries made together do not expire together. Concurrent misses for one
// key are rendered once and shared (singleflight), so a write never makes hundreds
// of requests render the same page. The cache holds at most MaxBytes.
type ResponseCache struct {
	maxBytes   int64
	maxAge     time.Duration
	checkEvery time.Duration
	state      func(ctx context.Context, since int64) (CacheState, error)
	now        func() time.Time // the clock answers are computed with
	mono       func() time.Time // the clock of checks

	version   atomic.Int64 // the content version whose invalidations are applied; -1 unknown
	nextPub   atomic.Int64 // UnixNano of the next scheduled publication; 0 for none
	checkedAt atomic.Int64 // mono UnixNano of the last check
	syncMu    sync.Mutex   // one check at a time

	mu     sync.Mutex
	bytes  int64
	lru    *list.List // of *cacheEntry, most recent first
	items  map[string]*list.Element
	byTag  map[string]map[*cacheEntry]struct{}
	recent []Invalidation // the latest applied, oldest first, for answers still rendering

	flight singleflight.Group

	// OnHit and OnMiss, when set, count the cache's answers (metrics). A request
	// that waited for another's rendering of the same key counts as a hit.
	OnHit, OnMiss func()
	// onJoin, when set (tests), is called once a request missing the cache has
	// joined the rendering of its key.
	onJoin func()
}

// CacheConfig configures a ResponseCache.
type CacheConfig struct {
	MaxBytes int64
	// MaxAge is how long an answer that no clock can change is kept at most; 0
	// means DefaultCacheMaxAge.
	MaxAge time.Duration
	// CheckEvery is how often the invalidations are read from the database; 0
	// means on every request.
	CheckEvery time.Duration
	// State reads the content version, the next time a scheduled item goes live,
	// and the invalidations after version since.
	State func(ctx context.Context, since int64) (CacheState, error)
	// Now is the clock answers are computed with (the store's).
	Now func() time.Time
	// Mono is the clock of checks; nil means time.Now.
	Mono func() time.Time
}

// CacheState is what the store says of its content: see CacheConfig.State.
type CacheState struct {
	Version         int64
	NextPublication time.Time // zero when nothing is scheduled
	// Invalidations are the writes after the version asked about, oldest first.
	Invalidations []Invalidation
	// Complete is false when some of them are unknown: drop everything.
	Complete bool
}

// Invalidation is what one write touched.
type Invalidation struct {
	Version int64
	Tags    []string
}

// DefaultCacheMaxAge is how long an answer that no clock can change is kept.
const DefaultCacheMaxAge = 10 * time.Minute

// Tags of answers; they mirror the store's.
const tagAll = "*"

// recentKept is how many applied invalidations the cache remembers, so that an
// answer rendered before one of them is not stored after it.
const recentKept = 256

// NewResponseCache returns an empty cache.
func NewResponseCache(cfg CacheConfig) *ResponseCache {
	rc := &ResponseCache{maxBytes: cfg.MaxBytes, maxAge: cfg.MaxAge, checkEvery: cfg.CheckEvery, state: cfg.State,
		now: cfg.Now, mono: cfg.Mono, lru: list.New(), items: map[string]*list.Element{},
		byTag: map[string]map[*cacheEntry]struct{}{}}
	if rc.maxAge <= 0 {
		rc.maxAge = DefaultCacheMaxAge
	}
	if rc.mono == nil {
		rc.mono = time.Now
	}
	rc.version.Store(-1)
	return rc
}

type cacheEntry struct {
	key     string
	version int64 // the content version the answer was rendered at
	tags    []string
	// The answer describes the moments from rendered up to expires. A clock that
	// goes back (a pinned test clock, an NTP step) must not get an answer rendered
	// for a later moment: open_now could be wrong.
	rendered time.Time
	expires  time.Time
	until    time.Time // when the answer stops being right by itself; zero for never
	baseCC   string
	header   http.Header // the headers the handlers set
	rep      representation
	size     int64
	// route is the route template that rendered the answer, for the fast path's
	// access log and metrics: a key's path always takes the same route.
	route string
}

// sync brings the cache up to date with the store's invalidations when the last
// check is older than checkEvery (at once when force is set: after this
// instance's own write), and returns the content version known; -1 (cache nothing)
// when it cannot be read. Only one request at a time checks; the others use the
// version known.
func (rc *ResponseCache) sync(ctx context.Context, force bool) int64 {
	v := rc.version.Load()
	if !force && v >= 0 {
		next := rc.nextPub.Load()
		due := next != 0 && rc.now().UnixNano() >= next // a scheduled item went live
		if !due && rc.checkEvery > 0 && rc.mono().UnixNano()-rc.checkedAt.Load() < int64(rc.checkEvery) {
			return v
		}
		if !rc.syncMu.TryLock() {
			return v
		}
	} else {
		rc.syncMu.Lock()
	}
	defer rc.syncMu.Unlock()
	return rc.refresh(ctx)
}

// refresh reads and applies the invalidations after the version known. The caller
// holds syncMu.
func (rc *ResponseCache) refresh(ctx context.Context) int64 {
	since := rc.version.Load()
	st, err := rc.state(withoutCancel(ctx), max(since, 0))
	if err != nil {
		return -1
	}
	var next int64
	if !st.NextPublication.IsZero() {
		next = st.NextPublication.UnixNano()
	}
	rc.mu.Lock()
	switch {
	case since < 0 || !st.Complete:
		rc.clearLocked()
		rc.rememberLocked(Invalidation{Version: st.Version, Tags: []string{tagAll}})
	case st.Version > since:
		for _, inv := range st.Invalidations {
			rc.invalidateLocked(inv.Tags)
			rc.rememberLocked(inv)
		}
	}
	// The version moves under mu, with the entries dropped: put reads both under
	// it, so an answer rendered before these writes can never slip in between.
	rc.version.Store(st.Version)
	rc.mu.Unlock()
	rc.nextPub.Store(next)
	rc.checkedAt.Store(rc.mono().UnixNano())
	return st.Version
}

// NotifyOutcome is what a notification of a write did to the cache.
type NotifyOutcome string

// The outcomes of Notify.
const (
	NotifyApplied   NotifyOutcome = "applied"   // the next write, applied from its tags
	NotifyRefreshed NotifyOutcome = "refreshed" // the invalidations were read from the database
	NotifyIgnored   NotifyOutcome = "ignored"   // a write the cache had already applied
)

// Notify applies a notification of a write, made on any instance (LISTEN/NOTIFY on
// PostgreSQL): when it is the next version after the one known and carries its
// tags (complete), at once, as refresh applies one it reads; when the cache
// already knows the version, not at all; otherwise (a gap, tags that did not fit,
// an unreadable notification with Version 0) it reads the invalidations from the
// database, as the periodic check does.
func (rc *ResponseCache) Notify(ctx context.Context, inv Invalidation, complete bool) NotifyOutcome {
	rc.syncMu.Lock()
	defer rc.syncMu.Unlock()
	known := rc.version.Load()
	if known >= 0 && inv.Version > 0 && inv.Version <= known {
		return NotifyIgnored
	}
	if known >= 0 && complete && inv.Version == known+1 {
		rc.mu.Lock()
		rc.invalidateLocked(inv.Tags)
		rc.rememberLocked(inv)
		rc.version.Store(inv.Version)
		rc.mu.Unlock()
		// A notification does not say when the next scheduled item goes live,
		// which the write may have changed: the next request reads the state (one
		// query), as it would at the end of the check interval.
		rc.checkedAt.Store(0)
		return NotifyApplied
	}
	rc.resyncLocked(ctx)
	return NotifyRefreshed
}

// Resync reads the invalidations from the database now, whatever the check
// interval: after notifications may have been lost (the listening connection
// broke and was made again).
func (rc *ResponseCache) Resync(ctx context.Context) {
	rc.syncMu.Lock()
	defer rc.syncMu.Unlock()
	rc.resyncLocked(ctx)
}

// resyncLocked is refresh, made again by the next request when it fails. The
// caller holds syncMu.
func (rc *ResponseCache) resyncLocked(ctx context.Context) {
	if rc.refresh(ctx) < 0 {
		rc.checkedAt.Store(0)
	}
}

func (rc *ResponseCache) rememberLocked(inv Invalidation) {
	if len(rc.recent) == recentKept {
		copy(rc.recent, rc.recent[1:])
		rc.recent = rc.recent[:recentKept-1]
	}
	rc.recent = append(rc.recent, inv)
}

// invalidateLocked drops the entries that share a tag with tags.
func (rc *ResponseCache) invalidateLocked(tags []string) {
	for _, t := range tags {
		if t == tagAll {
			rc.clearLocked()
			return
		}
		for e := range rc.byTag[t] {
			rc.removeEntryLocked(e)
		}
	}
	// Answers that could not say what they were made from depend on everything.
	if len(tags) > 0 {
		for e := range rc.byTag[tagAll] {
			rc.removeEntryLocked(e)
		}
	}
}

// changedSince reports whether an invalidation after version touched any of tags,
// or whether the cache no longer remembers all of them.
func (rc *ResponseCache) changedSinceLocked(version int64, tags []string) bool {
	if version >= rc.version.Load() {
		return false
	}
	if len(rc.recent) == 0 || rc.recent[0].Version > version+1 {
		return true
	}
	for _, inv := range rc.recent {
		if inv.Version <= version {
			continue
		}
		for _, t := range inv.Tags {
			if t == tagAll {
				return true
			}
			for _, mine := range tags {
				if mine == tagAll || mine == t || mine == anyItemOf(t) {
					return true
				}
			}
		}
	}
	return false
}

// anyItemOf returns the "type/*" tag of an item tag, or "" for other tags.
func anyItemOf(tag string) string {
	i := strings.IndexByte(tag, '/')
	if i <= 0 || tag[i+1:] == "*" {
		return ""
	}
	switch tag[:i] { // the tags of the content types, without allocating
	case "article":
		return "article/*"
	case "helpline":
		return "helpline/*"
	case "campaign":
		return "campaign/*"
	case "organisation":
		return "organisation/*"
	}
	return tag[:i] + "/*"
}

func (rc *ResponseCache) clearLocked() {
	rc.lru.Init()
	rc.items = map[string]*list.Element{}
	rc.byTag = map[string]map[*cacheEntry]struct{}{}
	rc.bytes = 0
}

func (rc *ResponseCache) get(key string, now time.Time) (*cacheEntry, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	el, ok := rc.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) || now.Before(e.rendered) {
		rc.removeEntryLocked(e)
		return nil, false
	}
	rc.lru.MoveToFront(el)
	return e, true
}

// put stores e unless a write since e.version touched what it was made from.
func (rc *ResponseCache) put(e *cacheEntry) {
	e.size = int64(len(e.key) + len(e.rep.body) + len(e.rep.gzip) + 256)
	for k, vs := range e.header {
		e.size += int64(len(k))
		for _, v := range vs {
			e.size += int64(len(v))
		}
	}
	for _, t := range e.tags {
		e.size += int64(len(t) + 48)
	}
	if e.size > rc.maxBytes/8 {
		return // one answer may not crowd out the rest
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.changedSinceLocked(e.version, e.tags) {
		return
	}
	if el, ok := rc.items[e.key]; ok {
		rc.removeEntryLocked(el.Value.(*cacheEntry))
	}
	rc.items[e.key] = rc.lru.PushFront(e)
	for _, t := range e.tags {
		rc.indexLocked(t, e)
		if any := anyItemOf(t); any != "" {
			rc.indexLocked(any, e)
		}
	}
	rc.bytes += e.size
	rc.evictLocked()
}

func (rc *ResponseCache) indexLocked(tag string, e *cacheEntry) {
	set := rc.byTag[tag]
	if set == nil {
		set = map[*cacheEntry]struct{}{}
		rc.byTag[tag] = set
	}
	set[e] = struct{}{}
}

// evictLocked drops the least recently used entries until the cache is within
// maxBytes.
func (rc *ResponseCache) evictLocked() {
	for rc.bytes > rc.maxBytes && rc.lru.Len() > 0 {
		rc.removeEntryLocked(rc.lru.Back().Value.(*cacheEntry))
	}
}

func (rc *ResponseCache) removeEntryLocked(e *cacheEntry) {
	el, ok := rc.items[e.key]
	if !ok || el.Value != e {
		return
	}
	rc.lru.Remove(el)
	delete(rc.items, e.key)
	for _, t := range e.tags {
		rc.unindexLocked(t, e)
		if any := anyItemOf(t); any != "" {
			rc.unindexLocked(any, e)
		}
	}
	rc.bytes -= e.size
}

func (rc *ResponseCache) unindexLocked(tag string, e *cacheEntry) {
	if set := rc.byTag[tag]; set != nil {
		delete(set, e)
		if len(set) == 0 {
			delete(rc.byTag, tag)
		}
	}
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
	if r.URL.RawQuery == "" {
		return r.URL.Path, true
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false
	}
	return r.URL.Path + "?" + q.Encode(), true
}

// cacheable reports whether a rendered response may be kept and shared.
func cacheable(status int, cacheControl string) bool {
	cc := strings.ToLower(cacheControl)
	return status == http.StatusOK && !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store")
}

// expiry is when an answer rendered at t stops being served: when it stops being
// right by itself (until), at the next scheduled publication, or after maxAge
// spread by ±25%, whichever comes first.
func (rc *ResponseCache) expiry(t, until time.Time) time.Time {
	spread := time.Duration(float64(rc.maxAge) * (0.75 + 0.5*rand.Float64()))
	end := t.Add(spread)
	if !until.IsZero() && until.Before(end) {
		end = until
	}
	if n := rc.nextPub.Load(); n != 0 {
		if next := time.Unix(0, n); next.After(t) && next.Before(end) {
			end = next
		}
	}
	return end
}

// serveCached answers from the cache when it can.
func (rc *ResponseCache) serveCached(c *gin.Context, key string) bool {
	now := rc.now()
	e, ok := rc.get(key, now)
	if !ok {
		if rc.OnMiss != nil {
			rc.OnMiss()
		}
		return false
	}
	c.Set(cacheHitKey, true)
	rc.writeHit(e, now, c.Request, c.Writer)
	c.Abort()
	return true
}

const cacheHitKey = "signpost.cache_hit"

// renderOnce renders a missing answer once for all the requests that want it at
// this content version: the first runs the handlers (and stores a cacheable
// answer), the others wait for it and share it (shared true). A rendering whose
// client went away is not shared: the others render their own.
func (rc *ResponseCache) renderOnce(c *gin.Context, key string, version int64, cacheControl string) (*answer, bool) {
	ch := rc.flight.DoChan(key+"\x00"+strconv.FormatInt(version, 10), func() (any, error) {
		renderedAt := rc.now()
		a := renderRecovered(c, cacheControl)
		if cacheable(a.rep.status, a.baseCC) {
			tags := a.meta.tags
			if len(tags) == 0 {
				tags = []string{tagAll}
			}
			rc.put(&cacheEntry{key: key, version: version, tags: tags, rendered: renderedAt,
				expires: rc.expiry(renderedAt, a.meta.expiresAt()), until: a.meta.until, baseCC: a.baseCC,
				header: a.header, rep: a.rep, route: c.FullPath()})
		}
		return flight{a, c}, nil
	})
	// The request is now counted in the flight: it renders, or it waits for the one
	// that does.
	if rc.onJoin != nil {
		rc.onJoin()
	}
	f := (<-ch).Val.(flight)
	if f.owner == c {
		return f.answer, false
	}
	if f.answer.rep.status == StatusClientClosedRequest {
		return render(c, cacheControl, false), false
	}
	if rc.OnHit != nil {
		rc.OnHit()
	}
	return f.answer, true
}

// renderRecovered is render for a shared rendering, which runs on a goroutine of
// its own, out of Recovery's reach: a panic becomes the 500 problem that Recovery
// would have written, and a client that went away the 499 that is never shared.
func renderRecovered(c *gin.Context, cacheControl string) (a *answer) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			a = &answer{rep: representation{status: StatusClientClosedRequest}}
			return
		}
		orig := c.Writer
		bw := &bufferedWriter{ResponseWriter: orig}
		c.Writer = bw
		WriteError(c, fmt.Errorf("panic: %v", v))
		c.Writer = orig
		a = &answer{rep: representation{status: bw.Status(), body: bw.bytes()}, header: orig.Header().Clone()}
	}()
	return render(c, cacheControl, true)
}

// flight is a shared rendering: the answer and the request whose handlers made it.
type flight struct {
	answer *answer
	owner  *gin.Context
}

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
