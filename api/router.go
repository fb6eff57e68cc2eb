package main

import (
	"database/sql"
	"log/slog"

	"github.com/gin-gonic/gin"

	"signpost/handlers"
	"signpost/models"
)

var _ handlers.Store = (*models.Store)(nil)

// NewRouter builds the HTTP handler: middleware first, then every route.
func NewRouter(store *models.Store, cfg Config, logger *slog.Logger) *gin.Engine {
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
	h := handlers.New(store, handlers.Options{PublicURL: cfg.PublicURL, PublicURLFromRequest: !cfg.PublicURLSet,
		TrustedProxies: cfg.TrustedProxies, ContentCheck: cfg.CacheCheck,
		EmbedFrameAncestors: cfg.EmbedFrameAncestors, QuickExitURL: cfg.QuickExitURL})
	var cache *handlers.ResponseCache
	if cfg.CacheBytes > 0 {
		cache = handlers.NewResponseCache(handlers.CacheConfig{
			MaxBytes: cfg.CacheBytes, CheckEvery: cfg.CacheCheck, State: store.CacheState, Now: store.Now,
		})
		cache.OnHit, cache.OnMiss = metrics.CacheHits.Inc, metrics.CacheMisses.Inc
	}
	r.Use(
		handlers.RequestIDs(),
		metrics.Observe(),
		handlers.AccessLog(logger, cfg.LogClient),
		handlers.Recovery(),
		handlers.SecurityHeaders(),
		handlers.CORS(cfg.CORSOrigins), // before the routes: preflights never get 404 or 405
		h.RateLimit(handlers.RateLimitConfig{PerMinute: cfg.RateLimit, KeyPerMinute: cfg.RateLimitKey,
			EmbedPerMinute: cfg.RateLimitEmbed, Now: store.Now}),
		h.BaseURL(), // before the response cache, whose keys it goes into
		handlers.BodyLimit(cfg.MaxBody),
		handlers.Conditional(cfg.CacheControl, cache),
	)
	r.NoRoute(handlers.NotFound)
	r.NoMethod(handlers.MethodNotAllowed)

	h.Routes(r)
	metrics.Routes(r)
	handlers.DocsRoutes(r)
	if cfg.BenchCeiling {
		handlers.CeilingRoute(r)
	}
	return r
}
