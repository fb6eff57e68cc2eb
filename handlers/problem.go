package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// Problem is an RFC 9457 problem detail, the body of every error response.
type Problem struct {
	Type      string         `json:"type" format:"uri-reference" example:"/problems/not-found"`
	Title     string         `json:"title" example:"Not found"`
	Status    int            `json:"status" minimum:"400" maximum:"599" example:"404"`
	Detail    string         `json:"detail" example:"No article with slug \"nope\"."`
	Instance  string         `json:"instance,omitempty" format:"uri-reference" example:"/api/v1/articles/nope"`
	RequestID string         `json:"request_id,omitempty" example:"7f3c9a0e2b1d4c58"`
	Errors    []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem names one invalid field or parameter.
type FieldProblem struct {
	Field   string `json:"field" example:"limit"`
	Message string `json:"message" example:"must be between 1 and 100"`
}

// ProblemContentType is the media type of error responses.
const ProblemContentType = "application/problem+json"

// StatusClientClosedRequest is what the access log and metrics record for a request
// whose client went away before its answer was ready (the client sees nothing).
const StatusClientClosedRequest = 499

var problemKinds = map[string]struct {
	status int
	slug   string
	title  string
}{
	models.EBADPARAM:     {http.StatusBadRequest, "bad-parameter", "Invalid parameter"},
	models.EBADREQUEST:   {http.StatusBadRequest, "bad-request", "Malformed request"},
	models.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized", "Authentication required"},
	models.EFORBIDDEN:    {http.StatusForbidden, "forbidden", "Not allowed"},
	models.ENOTFOUND:     {http.StatusNotFound, "not-found", "Not found"},
	models.ECONFLICT:     {http.StatusConflict, "conflict", "Conflict"},
	models.EPRECONDITION: {http.StatusPreconditionFailed, "precondition-failed", "Precondition failed"},
	ePrecondRequired:     {http.StatusPreconditionRequired, "precondition-required", "Precondition required"},
	eHeadersTooLarge:     {http.StatusRequestHeaderFieldsTooLarge, "headers-too-large", "Request headers too large"},
	models.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "too-large", "Request body too large"},
	models.EUNSUPPORTED:  {http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
	models.EINVALID:      {http.StatusUnprocessableEntity, "invalid", "Invalid content"},
	models.ERATELIMITED:  {http.StatusTooManyRequests, "rate-limited", "Too many requests"},
	models.EINTERNAL:     {http.StatusInternalServerError, "internal", "Internal error"},
	models.EFULL:         {http.StatusInsufficientStorage, "storage-full", "Database full"},
	models.EREADONLY:     {http.StatusServiceUnavailable, "storage-read-only", "Database read-only"},
	models.ELOCKED:       {http.StatusServiceUnavailable, "storage-locked", "Database locked"},
	models.ESTORAGE:      {http.StatusServiceUnavailable, "storage-error", "Database error"},
}

// retryAfter is the Retry-After, in seconds, of the answers that a retry can fix
// without anyone's help: a lock held elsewhere is soon let go; a read-only or failing
// disk needs an operator, so clients wait longer.
var retryAfter = map[string]string{
	models.ELOCKED:   "5",
	models.EREADONLY: "30",
	models.ESTORAGE:  "30",
}

// ProblemStatus returns the HTTP status for an error code.
func ProblemStatus(code string) int {
	if k, ok := problemKinds[code]; ok {
		return k.status
	}
	return http.StatusInternalServerError
}

// WriteError turns any error into the response: a redirect for a moved slug, else a
// problem+json. Unknown errors become a 500 "Internal error" that is logged with the
// request ID; their text never reaches the client.
func WriteError(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The client went away before its answer was ready (only a search's ranking
		// stops for that): nothing went wrong here, and there is no one to answer.
		c.AbortWithStatus(StatusClientClosedRequest)
		return
	}
	var e *models.Error
	if !errors.As(err, &e) {
		slog.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", RequestID(c),
			"method", c.Request.Method, "route", c.FullPath())
		e = &models.Error{Code: models.EINTERNAL, Message: "Something went wrong on our side. Please try again later."}
	}
	if e.Code == models.EMOVED {
		redirectMoved(c, e.Location)
		return
	}
	writeProblem(c, e)
}

func writeProblem(c *gin.Context, e *models.Error) {
	k, ok := problemKinds[e.Code]
	if !ok {
		k = problemKinds[models.EINTERNAL]
	}
	p := Problem{
		Type: "/problems/" + k.slug, Title: k.title, Status: k.status, Detail: e.Message,
		Instance: c.Request.URL.Path, RequestID: RequestID(c),
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Message: f.Message})
	}
	if ra, ok := retryAfter[e.Code]; ok {
		c.Header("Retry-After", ra)
	}
	c.Header("Content-Type", ProblemContentType)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(k.status, p)
}

// redirectMoved answers 301 to the same path with the last segment (the old slug)
// replaced by the new slug; the query string is kept.
func redirectMoved(c *gin.Context, slug string) {
	u := *c.Request.URL
	p := u.Path
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			p = p[:i+1] + url.PathEscape(slug)
			break
		}
	}
	target := p
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Redirect(http.StatusMovedPermanently, target)
	c.Abort()
}

// NotFound answers requests for unknown routes.
func NotFound(c *gin.Context) {
	writeProblem(c, models.Errorf(models.ENOTFOUND, "There is nothing at %s.", c.Request.URL.Path))
}

// readOnlyPaths are the paths beside an item route (/helplines/{slug}) that answer
// reads alone: gin's Allow would name the item route's methods too.
var readOnlyPaths = map[string]bool{"/api/v1/helplines/essentials": true, "/api/v1/helplines/due": true}

// ReadOnlyPaths answers 405 to anything but a read of the paths that answer reads
// alone, before routing sends a PUT, PATCH or DELETE of them to /helplines/{slug}
// (which would look for a helpline called "essentials").
func ReadOnlyPaths() gin.HandlerFunc {
	return func(c *gin.Context) {
		if readOnlyPaths[c.Request.URL.Path] && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			MethodNotAllowed(c)
			return
		}
		c.Next()
	}
}

// MethodNotAllowed answers a known route called with the wrong method.
func MethodNotAllowed(c *gin.Context) {
	if readOnlyPaths[c.Request.URL.Path] {
		c.Header("Allow", "GET, HEAD")
	}
	c.Header("Content-Type", ProblemContentType)
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, Problem{
		Type: "/problems/method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
		Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path + ".", Instance: c.Request.URL.Path, RequestID: RequestID(c),
	})
}
