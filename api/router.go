package main

import (
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
	r.SetTrustedProxies(nil)
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.Use(
		handlers.RequestIDs(),
		handlers.AccessLog(logger, cfg.LogClient),
		handlers.Recovery(),
		handlers.SecurityHeaders(),
		handlers.BodyLimit(cfg.MaxBody),
		handlers.Conditional(cfg.CacheControl),
	)
	r.NoRoute(handlers.NotFound)
	r.NoMethod(handlers.MethodNotAllowed)

	h := handlers.New(store)
	h.Routes(r)
	handlers.DocsRoutes(r)
	return r
}
