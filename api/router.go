package main

import (
	"database/sql"
	"log/slog"
	"signpost/models/store"

	"github.com/gin-gonic/gin"

	"signpost/handlers"
	"signpost/webhook"
)

var _ handlers.Store = (*store.Store)(nil)

// NewRouter builds the HTTP handler: middleware first, then every route.
func NewRouter(store *store.Store, cfg Config, logger *slog.Logger) *gin.Engine {
	r, _ := newApp(store, cfg, logger, nil)
	return r
}

// newApp builds the HTTP handler and the webhook worker, which share the metrics.
// Closing stop ends the open change streams.
func newApp(store *store.Store, cfg Config, logger *slog.Logger, stop <-chan struct{}) (*gin.Engine, *webhook.Worker) {
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
	h := handlers.New(store, handlers.Options{PublicURL: cfg.PublicURL,
		EmbedFrameAncestors: cfg.EmbedFrameAncestors, QuickExitURL: cfg.QuickExitURL,
		CheckTarget: policy.CheckURL, SecretGrace: cfg.WebhooksSecretGrace,
		StreamHeartbeat: cfg.StreamHeartbeat, StreamPerClient: cfg.StreamPerClient, Stop: stop})
	worker := newWorker(store, cfg, policy, logger, metrics)
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
		h.RateLimit(handlers.RateLimitConfig{PerMinute: cfg.RateLimit, KeyPerMinute: cfg.RateLimitKey, Now: store.Now}),
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
	return r, worker
}
