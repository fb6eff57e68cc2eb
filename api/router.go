package main

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"signpost/models/store"

	"github.com/gin-gonic/gin"

	"signpost/handlers"
	"signpost/webhook"
)

var _ handlers.Store = (*store.Store)(nil)

// NewRouter builds gin's router: middleware first, then every route. The server
// serves it behind the fast path (see app.handler).
func NewRouter(store *store.Store, cfg Config, logger *slog.Logger) *gin.Engine {
	return newApp(store, cfg, logger, nil).router
}

// app is what newApp builds.
type app struct {
	// handler serves the requests: the response cache's hits before gin's
	// routing (handlers.FastPath), every other request with router.
	handler http.Handler
	router  *gin.Engine
	// worker delivers the webhooks; it shares the metrics, which a listener of
	// their own serves when cfg.MetricsAddr is set.
	worker  *webhook.Worker
	metrics *handlers.Metrics
	// cache is the response cache (nil for none), which hears other instances'
	// writes when cfg listens.
	cache *handlers.ResponseCache
}

// newApp builds the HTTP handler and the webhook worker. Closing stop ends the
// open change streams.
func newApp(store *store.Store, cfg Config, logger *slog.Logger, stop <-chan struct{}) app {
	logger = handlers.RedactLogs(logger)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// The client's address is the connection's, unless it comes from a trusted proxy:
	// then the right-most X-Forwarded-For address that is not a trusted proxy, so a
	// forged X-Forwarded-For cannot pass for another client. X-Real-IP is not read:
	// a proxy that does not set it would pass a client's own on.
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil { // LoadConfig checks them
		logger.Error("trusted proxies ignored", "err", err)
		r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	reader, writer := store.Pools()
	metrics := handlers.NewMetrics(map[string]*sql.DB{"reader": reader, "writer": writer})
	policy := cfg.webhookPolicy()
	h := handlers.New(store, handlers.Options{PublicURL: cfg.PublicURL, PublicURLFromRequest: !cfg.PublicURLSet,
		TrustedProxies: cfg.TrustedProxies, ContentCheck: min(cfg.CacheCheck, maxCacheCheck), // the widget's fallback hears no notifications
		EmbedFrameAncestors: cfg.EmbedFrameAncestors, QuickExitURL: cfg.QuickExitURL, RequireIfMatch: cfg.RequireIfMatch,
		CheckTarget: policy.CheckURL, SecretGrace: cfg.WebhooksSecretGrace,
		StreamHeartbeat: cfg.StreamHeartbeat, StreamPerClient: cfg.StreamPerClient, Stop: stop})
	worker := newWorker(store, cfg, policy, logger, metrics)
	var cache *handlers.ResponseCache
	if cfg.CacheBytes > 0 {
		cache = handlers.NewResponseCache(handlers.CacheConfig{
			MaxBytes: cfg.CacheBytes, CheckEvery: cfg.CacheCheck, State: cacheState(store), Now: store.Now,
		})
		cache.OnHit, cache.OnMiss = metrics.CacheHits.Inc, metrics.CacheMisses.Inc
	}
	limiter := h.NewRateLimiter(handlers.RateLimitConfig{PerMinute: cfg.RateLimit, KeyPerMinute: cfg.RateLimitKey,
		EmbedPerMinute: cfg.RateLimitEmbed, Now: store.Now})
	r.Use(
		handlers.RequestIDs(),
		metrics.Observe(),
		handlers.AccessLog(logger, cfg.LogClient),
		handlers.Recovery(),
		handlers.SecurityHeaders(),
		handlers.CORS(cfg.CORSOrigins), // before the routes: preflights never get 404 or 405
		handlers.HeaderLimit(handlers.MaxHeaderBytes),
		handlers.ReadOnlyPaths(),
		limiter.Middleware(),
		h.BaseURL(), // before the response cache, whose keys it goes into
		handlers.BodyLimit(cfg.MaxBody),
		handlers.Conditional(cfg.CacheControl, cache),
	)
	r.NoRoute(handlers.NotFound)
	r.NoMethod(handlers.MethodNotAllowed)

	h.Routes(r)
	if cfg.MetricsAddr == "" {
		metrics.Routes(r)
	}
	handlers.DocsRoutes(r)
	if cfg.BenchCeiling {
		handlers.CeilingRoute(r)
	}
	a := app{handler: r, router: r, worker: worker, metrics: metrics, cache: cache}
	if !cfg.noFastPath {
		a.handler = h.FastPath(r, handlers.FastPathConfig{Cache: cache, Limiter: limiter, Metrics: metrics,
			Logger: logger, LogClient: cfg.LogClient, OnServe: cfg.onFastPath})
	}
	return a
}

// newMetricsRouter serves /metrics alone, for the listener of -metrics-addr, with
// the same problems and security headers as the API. Its requests are not counted.
func newMetricsRouter(metrics *handlers.Metrics) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.Use(handlers.RequestIDs(), handlers.Recovery(), handlers.SecurityHeaders())
	r.NoRoute(handlers.NotFound)
	r.NoMethod(handlers.MethodNotAllowed)
	metrics.Routes(r)
	return r
}

// cacheState reads what the response cache needs from the store: the content
// version, the next scheduled publication and the invalidations since a version.
func cacheState(s *store.Store) func(ctx context.Context, since int64) (handlers.CacheState, error) {
	return func(ctx context.Context, since int64) (handlers.CacheState, error) {
		v, next, list, complete, err := s.Invalidations(ctx, since)
		if err != nil {
			return handlers.CacheState{}, err
		}
		st := handlers.CacheState{Version: v, NextPublication: next, Complete: complete,
			Invalidations: make([]handlers.Invalidation, len(list))}
		for i, inv := range list {
			st.Invalidations[i] = handlers.Invalidation{Version: inv.Version, Tags: inv.Tags}
		}
		return st, nil
	}
}
