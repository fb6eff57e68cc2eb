package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// Health is the body of /healthz.
type Health struct {
	Status string `json:"status" example:"ok"`
}

// Ready is the body of /readyz when reads and writes work.
type Ready struct {
	Status string      `json:"status" example:"ok"`
	Checks ReadyChecks `json:"checks"`
}

// ReadyChecks says whether reads and writes work. writes is ok or the cause of the
// failing writes, the code of a failed write's problem type: storage_full,
// storage_read_only, storage_locked or storage_error.
type ReadyChecks struct {
	Reads              string     `json:"reads" enums:"ok,failing" example:"ok"`
	Writes             string     `json:"writes" enums:"ok,storage_full,storage_read_only,storage_locked,storage_error" example:"storage_read_only"`
	WritesFailingSince *time.Time `json:"writes_failing_since" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
}

// notReady is /readyz's 503: a problem with the checks as an extension member.
type notReady struct {
	Problem
	Checks ReadyChecks `json:"checks"`
}

// writeCauses words the causes of failing writes for /readyz.
var writeCauses = map[string]string{
	models.EFULL:     "the database is full",
	models.EREADONLY: "the database is read-only",
	models.ELOCKED:   "the database is locked by another process",
	models.ESTORAGE:  "the database file cannot be written (input/output error)",
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
//	@Summary		Readiness: the database answers reads and takes writes
//	@ID				getReadiness
//	@Description	503 when reads fail, or when writes fail (the database is full, read-only, locked or failing) while reads are still served; writes says which. The server checks failing writes every second and turns ready by itself once they work.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	Ready
//	@Failure		503	{object}	Problem{checks=ReadyChecks}	"reads or writes fail; checks says which"
//	@Router			/readyz [get]
func (h *Handler) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := ReadyChecks{Reads: "ok", Writes: "ok"}
	if err := h.store.Ping(ctx); err != nil {
		checks.Reads = "failing"
	}
	wh := h.store.WriteHealth()
	if !wh.OK() {
		since := wh.Since.UTC()
		checks.Writes, checks.WritesFailingSince = wh.Cause, &since
	}
	if checks.Reads == "ok" && wh.OK() {
		c.JSON(http.StatusOK, Ready{Status: "ok", Checks: checks})
		return
	}
	p := notReady{Checks: checks, Problem: Problem{Type: "/problems/unavailable", Title: "Not ready", Status: http.StatusServiceUnavailable,
		Detail: "The database is not reachable.", Instance: c.Request.URL.Path, RequestID: RequestID(c)}}
	switch {
	case checks.Reads == "ok":
		p.Type, p.Title = "/problems/writes-failing", "Writes failing"
		p.Detail = "Writes are failing: " + writeCauses[wh.Cause] + ". Reads are being served."
	case !wh.OK():
		p.Detail = "The database is not reachable, and writes are failing: " + writeCauses[wh.Cause] + "."
	}
	c.Header("Content-Type", ProblemContentType)
	c.AbortWithStatusJSON(http.StatusServiceUnavailable, p)
}
