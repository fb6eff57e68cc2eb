package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// FastPathConfig is what the fast path shares with gin's path, so that both
// count, limit and log a request the same way.
type FastPathConfig struct {
	// Cache is the response cache of the Conditional middleware; nil means no
	// fast path.
	Cache *ResponseCache
	// Limiter is the rate limiter of gin's path; nil for none.
	Limiter *RateLimiter
	// Metrics are gin's path's metrics; nil for none.
	Metrics *Metrics
	// Logger and LogClient are the access log's (see AccessLog).
	Logger    *slog.Logger
	LogClient bool
	// OnServe, when set, is called for each request that the fast path answers
	// itself (tests count them).
	OnServe func()
}

// FastPath serves the response cache's hits before gin's routing, and hands
// every other request to next (the router of NewRouter) unchanged.
//
// A hit is answered exactly as gin's path answers it: the same request ID, the
// security and CORS headers, the rate limit (the same buckets; a client over its
// limit is handed to gin for its 429), the stored answer with its ETag, 304,
// Cache-Control bounded by when it stops being right, Vary and the gzip form, the
// same metrics with the route template that rendered it, and the same access log
// line. A request that any of gin's middleware could answer otherwise (a body, a
// key, Cache-Control: no-cache, headers over the limit, another method) is never
// taken: it goes to next before anything is counted.
func (h *Handler) FastPath(next *gin.Engine, cfg FastPathConfig) http.Handler {
	if cfg.Cache == nil {
		return next
	}
	f := &fastPath{h: h, next: next, cache: cfg.Cache, limiter: cfg.Limiter, metrics: cfg.Metrics,
		log: newAccessLog(cfg.Logger, cfg.LogClient), onServe: cfg.OnServe}
	// gin's own ClientIP (trusted proxies, X-Forwarded-For) needs a gin context of
	// the router; one is kept for each request that needs the address, rather than
	// a copy of gin's rules that could drift from them.
	f.contexts.New = func() any { return gin.CreateTestContextOnly(nil, next) }
	return f
}

type fastPath struct {
	h        *Handler
	next     *gin.Engine
	cache    *ResponseCache
	limiter  *RateLimiter
	metrics  *Metrics
	log      accessLog
	contexts sync.Pool // of *gin.Context, for ClientIP
	onServe  func()
}

func (f *fastPath) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !fastPathCandidate(r) {
		f.next.ServeHTTP(w, r)
		return
	}
	key, ok := cacheKey(r)
	if !ok {
		f.next.ServeHTTP(w, r)
		return
	}
	if f.h.opts.PublicURLFromRequest {
		if base := f.h.requestBaseURL(r); base != "" {
			key = base + " " + key // as Conditional keys it
		}
	}
	ip := ""
	clientIP := func() string {
		if ip == "" {
			ip = f.clientIP(r)
		}
		return ip
	}
	// The limit comes first, as in gin's path: a client over it costs no lookup.
	var d limitDecision
	if f.limiter != nil {
		d = f.limiter.anonymous(r.URL.Path, clientIP)
	}
	if d.b != nil && !d.q.ok {
		f.handOff(w, r, d)
		return
	}
	if f.cache.sync(r.Context(), false) < 0 {
		f.handOff(w, r, d)
		return
	}
	now := f.cache.now()
	e, ok := f.cache.get(key, now)
	if !ok {
		f.handOff(w, r, d) // gin's path counts the miss and renders
		return
	}

	id := requestID(r.Header)
	hd := w.Header()
	hd["X-Request-Id"] = []string{id}
	hd["X-Content-Type-Options"] = nosniff
	hd["Referrer-Policy"] = noReferrer
	hd["Content-Security-Policy"] = cspNone
	hd["Cross-Origin-Resource-Policy"] = crossOrigin
	hd["Access-Control-Allow-Origin"] = anyOrigin
	hd["Access-Control-Expose-Headers"] = exposed
	if d.b != nil {
		setLimitHeaders(hd, d.b, d.q)
	}
	if f.onServe != nil {
		f.onServe()
	}
	status := f.cache.writeHit(e, now, r, w)
	if ctx := r.Context(); f.log.enabled(ctx) {
		f.log.write(ctx, r, e.route, status, start, id, clientIP)
	}
	if f.metrics != nil {
		f.metrics.observe(r.Method, e.route, status, start)
	}
}

// fastPathCandidate reports whether gin's middleware would hand r to the response
// cache untouched: a read without a key, a body or Cache-Control: no-cache, whose
// headers are within MaxHeaderBytes, of a path the rate limiter does not exempt
// (those are never cached).
func fastPathCandidate(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.ContentLength == 0 && len(r.TransferEncoding) == 0 &&
		r.Header.Get("Authorization") == "" && !noCache(r) &&
		!rateLimitExempt[r.URL.Path] && headerBytes(r) <= MaxHeaderBytes
}

// handOff passes r to gin's path with the limiter's decision, if it took one, so
// that the request is counted once.
func (f *fastPath) handOff(w http.ResponseWriter, r *http.Request, d limitDecision) {
	if d.b != nil {
		r = r.WithContext(context.WithValue(r.Context(), decisionKey{}, d))
	}
	f.next.ServeHTTP(w, r)
}

// clientIP is the client's address as gin's ClientIP gives it.
func (f *fastPath) clientIP(r *http.Request) string {
	c := f.contexts.Get().(*gin.Context)
	c.Request = r
	ip := c.ClientIP()
	c.Request = nil
	f.contexts.Put(c)
	return ip
}

// writeHit writes a cached answer, for gin's path and the fast path alike, and
// returns the status sent: Cache-Control bounded by when the answer stops being
// right, the encoding the client accepts, and 304 when its copy is current.
func (rc *ResponseCache) writeHit(e *cacheEntry, now time.Time, r *http.Request, w http.ResponseWriter) int {
	if rc.OnHit != nil {
		rc.OnHit()
	}
	cc := e.baseCC
	if !e.until.IsZero() {
		cc = boundCacheControl(cc, e.until.Sub(now))
	}
	rep := rc.withGzip(e, r.Header.Get("Accept-Encoding"))
	return rep.write(r, w, e.header, cc)
}
