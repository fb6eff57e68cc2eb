package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status" example:"ok"`
}

// healthz godoc
//
//	@Summary	Liveness
//	@ID			getHealth
//	@Description	Answers 200 while the process serves requests; it does not touch the database.
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Router		/healthz [get]
func (h *Handler) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, Health{Status: "ok"})
}

// readyz godoc
//
//	@Summary	Readiness: the database answers
//	@ID			getReadiness
//	@Description	Answers 200 when the database answers a query, else 503, so that a load balancer sends traffic elsewhere.
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Failure	503	{object}	Problem	"the database is not reachable"
//	@Router		/readyz [get]
func (h *Handler) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		c.Header("Content-Type", ProblemContentType)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, Problem{
			Type: "/problems/unavailable", Title: "Not ready", Status: http.StatusServiceUnavailable,
			Detail: "The database is not reachable.", Instance: c.Request.URL.Path, RequestID: RequestID(c)})
		return
	}
	c.JSON(http.StatusOK, Health{Status: "ok"})
}
