package handlers

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"signpost/models"
)

// RateLimitConfig says how many requests a client may make.
type RateLimitConfig struct {
	// PerMinute is how many requests an anonymous client may make a minute; 0
	// disables the limit. A client is an IP address as gin's ClientIP sees it (so
	// the trusted proxies decide it), with IPv6 addresses taken by their /64, since
	// one machine usually holds a whole /64.
	PerMinute int
	// KeyPerMinute is how many requests the holder of a valid API key may make a
	// minute, counted by key name wherever the requests come from; 0 disables it.
	KeyPerMinute int
	// EmbedPerMinute is how many requests a client (as for PerMinute) may make a
	// minute to the widget's page, script and JSON, counted apart from the rest;
	// 0 disables it.
	EmbedPerMinute int
	// MaxClients bounds how many clients (of each kind) are tracked at once, so that
	// many addresses cannot exhaust memory; 0 means DefaultMaxClients.
	MaxClients int
	// Now tells the time; nil means time.Now. Tests pin it.
	Now func() time.Time
}

// DefaultMaxClients is how many clients of each kind the rate limiter tracks at
// most. Each takes a few hundred bytes: some 30 MB per kind when full.
const DefaultMaxClients = 100_000

// rateLimitExempt are the paths that are never limited: probes and scrapes come
// often and from few places, and must not fail because the API is busy.
var rateLimitExempt = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// embedPaths are the widget's: a school or council puts a thousand visitors behind
// one address, and its answers are cached and cheap, so they have a limit of their
// own, and over it the page and the script are still served (see
// serveEmbedOverLimit). Only the JSON gets a 429, and the script then shows the
// lines it carries.
var embedPaths = map[string]bool{"/embed/helplines": true, "/embed/helplines.js": true, "/embed/helplines.json": true}

// neverRefused are the paths whose GET never gets a 429 (see embedPaths).
var neverRefused = map[string]bool{"/embed/helplines": true, "/embed/helplines.js": true}

// RateLimit limits requests per client with a token bucket each: anonymous requests
// by client address, requests with a valid API key by key name, and the widget's
// requests by client address in buckets of their own (see embedPaths). Every limited
// response carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds
// until the bucket is full again) and RateLimit-Policy; a request over the limit gets
// a 429 problem with Retry-After (seconds until the next request is allowed).
//
// It runs before the routes, for every route, unknown ones too, so that no route can
// be left out by mistake. To tell a key's holder from an anonymous client it looks
// the request's key up itself, through the same per-request lookup that
// authenticate uses, so a request costs one key lookup at most. A missing, malformed
// or unknown key counts against the client's address: guessing keys is limited too.
func (h *Handler) RateLimit(cfg RateLimitConfig) gin.HandlerFunc {
	return h.NewRateLimiter(cfg).Middleware()
}

// RateLimiter holds the token buckets of RateLimit, so that the fast path
// (FastPath) takes from the same buckets as the middleware.
type RateLimiter struct {
	h                 *Handler
	now               func() time.Time
	anon, keys, embed *buckets
}

// NewRateLimiter returns the limiter of cfg; see RateLimit.
func (h *Handler) NewRateLimiter(cfg RateLimitConfig) *RateLimiter {
	l := &RateLimiter{h: h, now: cfg.Now, anon: newBuckets(cfg.PerMinute, cfg.MaxClients),
		keys: newBuckets(cfg.KeyPerMinute, cfg.MaxClients), embed: newBuckets(cfg.EmbedPerMinute, cfg.MaxClients)}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// limitDecision is what the limiter decided for one request: which buckets it
// counted against (nil for none) and the quota left.
type limitDecision struct {
	b *buckets
	q quota
}

// decisionKey is the request context's key of a decision the fast path took
// before it handed the request on: the middleware applies it instead of taking
// a second token.
type decisionKey struct{}

// anonymous decides for a request that carries no Authorization header, as the
// middleware would: the widget's buckets on its paths, else the anonymous ones,
// by the client address that clientIP gives.
func (l *RateLimiter) anonymous(path string, clientIP func() string) limitDecision {
	var b *buckets
	switch {
	case rateLimitExempt[path]:
	case embedPaths[path]:
		b = l.embed
	case l.anon == nil && l.keys == nil:
	default:
		b = l.anon
	}
	if b == nil {
		return limitDecision{}
	}
	return limitDecision{b: b, q: b.take(clientID(clientIP()), l.now())}
}

// Middleware limits the requests of gin's path; see RateLimit.
func (l *RateLimiter) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		path := c.Request.URL.Path
		if rateLimitExempt[path] {
			c.Next()
			return
		}
		d, decided := c.Request.Context().Value(decisionKey{}).(limitDecision)
		if !decided {
			switch {
			case embedPaths[path]:
				// The widget's visitors are anonymous: no key is looked up.
				d.b = l.embed
				if d.b != nil {
					d.q = d.b.take(clientID(c.ClientIP()), l.now())
				}
			case l.anon == nil && l.keys == nil:
			default:
				if k := l.h.lookupKey(c).key; k != nil {
					d.b = l.keys
					if d.b != nil {
						d.q = d.b.take(k.Name, l.now())
					}
				} else if d.b = l.anon; d.b != nil {
					d.q = d.b.take(clientID(c.ClientIP()), l.now())
				}
			}
		}
		if d.b == nil {
			c.Next()
			return
		}
		b, q := d.b, d.q
		hd := c.Writer.Header()
		setLimitHeaders(hd, b, q)
		if !q.ok && embedPaths[path] && l.h.serveEmbedOverLimit(c) {
			return
		}
		if !q.ok {
			wait := max(1, seconds(q.retryAfter))
			hd.Set("Retry-After", strconv.Itoa(wait))
			writeProblem(c, models.Errorf(models.ERATELIMITED,
				"The limit is %d requests a minute. Try again in %d seconds.", q.limit, wait))
			return
		}
		c.Next()
	}
}

// setLimitHeaders sets the RateLimit headers of a request counted against b.
func setLimitHeaders(hd http.Header, b *buckets, q quota) {
	hd["Ratelimit-Limit"] = b.limitValue
	hd["Ratelimit-Remaining"] = []string{strconv.Itoa(q.remaining)}
	hd["Ratelimit-Reset"] = []string{strconv.Itoa(seconds(q.reset))}
	hd["Ratelimit-Policy"] = b.policyValue
}

// clientID is the rate limiter's name for a client address: the address itself, or
// the /64 network of an IPv6 address.
func clientID(ip string) string {
	if strings.IndexByte(ip, ':') < 0 {
		return ip // IPv4, as gin gives it: already in its one written form
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// buckets are the token buckets of one kind of client, most recently used first.
// A bucket left alone for idle (the time it takes to fill up from empty) is full
// again, so forgetting it changes nothing: each take first drops those from the end
// of the list, so cleaning up needs no goroutine. When the list is full anyway, the
// least recently used bucket goes, which at worst gives that client a fresh bucket.
type buckets struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	idle  time.Duration
	max   int
	lru   *list.List // of *bucket
	byID  map[string]*list.Element
	// The RateLimit-Limit and RateLimit-Policy values, the same on every response.
	limitValue, policyValue []string
}

type bucket struct {
	id   string
	lim  *rate.Limiter
	used time.Time
}

// quota is the state of a client's bucket after a request.
type quota struct {
	ok         bool          // the request is allowed
	limit      int           // requests a minute
	remaining  int           // requests that could be made at once now
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // when refused: until the next request is allowed
}

// newBuckets returns buckets of perMinute requests a minute (with bursts of as
// many), or nil when perMinute is 0.
func newBuckets(perMinute, maxClients int) *buckets {
	if perMinute <= 0 {
		return nil
	}
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	limit := rate.Limit(float64(perMinute) / 60)
	return &buckets{
		limit:       limit,
		burst:       perMinute,
		idle:        time.Minute,
		max:         maxClients,
		lru:         list.New(),
		byID:        make(map[string]*list.Element),
		limitValue:  []string{strconv.Itoa(perMinute)},
		policyValue: []string{strconv.Itoa(perMinute) + ";w=60"},
	}
}

// take takes a token from id's bucket at now, if there is one.
func (b *buckets) take(id string, now time.Time) quota {
	b.mu.Lock()
	defer b.mu.Unlock()
	for e := b.lru.Back(); e != nil && now.Sub(e.Value.(*bucket).used) >= b.idle; e = b.lru.Back() {
		b.remove(e)
	}
	e, ok := b.byID[id]
	if ok {
		b.lru.MoveToFront(e)
	} else {
		for b.lru.Len() >= b.max {
			b.remove(b.lru.Back())
		}
		e = b.lru.PushFront(&bucket{id: id, lim: rate.NewLimiter(b.limit, b.burst)})
		b.byID[id] = e
	}
	bk := e.Value.(*bucket)
	bk.used = now
	q := quota{ok: bk.lim.AllowN(now, 1), limit: b.burst}
	tokens := bk.lim.TokensAt(now)
	q.remaining = max(0, int(math.Floor(tokens)))
	q.reset = b.duration(float64(b.burst) - tokens)
	if !q.ok {
		q.retryAfter = b.duration(1 - tokens)
	}
	return q
}

func (b *buckets) remove(e *list.Element) {
	b.lru.Remove(e)
	delete(b.byID, e.Value.(*bucket).id)
}

// duration is how long the bucket takes to gain n tokens.
func (b *buckets) duration(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n / float64(b.limit) * float64(time.Second))
}

// len returns how many clients are tracked.
func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lru.Len()
}

// rateLimitResponses documents the 429 of every rate-limited operation: Swagger 2,
// and so swag, has no responses shared by all operations.
func rateLimitResponses(doc *openapi3.T) {
	const ref = "#/components/schemas/handlers.Problem"
	problem := doc.Components.Schemas["handlers.Problem"]
	if problem == nil {
		return
	}
	for path, item := range doc.Paths.Map() {
		if rateLimitExempt[path] || neverRefused[path] {
			continue
		}
		for _, op := range item.Operations() {
			if op.Responses == nil || op.Responses.Status(http.StatusTooManyRequests) != nil {
				continue
			}
			resp := openapi3.NewResponse().
				WithDescription("too many requests from this client; see Retry-After").
				WithContent(openapi3.Content{ProblemContentType: openapi3.NewMediaType().
					WithSchemaRef(openapi3.NewSchemaRef(ref, problem.Value))})
			resp.Headers = openapi3.Headers{"Retry-After": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: "seconds to wait before trying again",
				Schema:      openapi3.NewIntegerSchema().NewRef(),
			}}}}
			op.Responses.Set(strconv.Itoa(http.StatusTooManyRequests), &openapi3.ResponseRef{Value: resp})
		}
	}
}
