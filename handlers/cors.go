package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// CORS headers. Reads may send the conditional and tracing headers from any origin;
// the origins allowed to write may also send a key, a body and If-Match.
const (
	corsReadMethods  = "GET, HEAD"
	corsWriteMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
	corsReadHeaders  = "If-None-Match, If-Modified-Since, X-Request-ID"
	corsWriteHeaders = "Authorization, Content-Type, If-Match, If-None-Match, If-Modified-Since, X-Request-ID"
	corsExposed      = "ETag, Link, Location, RateLimit-Limit, RateLimit-Policy, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-ID"
	// corsMaxAge is how long browsers may keep a preflight's answer: two hours,
	// the most that Chromium honours.
	corsMaxAge = "7200"
)

var (
	anyOrigin = []string{"*"}
	exposed   = []string{corsExposed}
)

// CORS lets any web page read the public API, and only the pages of writeOrigins
// (exact origins such as https://editor.example.org) write to it.
//
// GET and HEAD responses always carry Access-Control-Allow-Origin: *, whether or not
// the request names an origin, so that they never vary by Origin and shared caches
// keep one copy. Writes carry it only for an origin of writeOrigins, with
// Vary: Origin. Preflights (OPTIONS with Access-Control-Request-Method) are answered
// here with 204 on any path, before routing can answer 404 or 405; what they allow is
// said by their headers alone. Credentials are never allowed: the API has no cookies,
// and a key is sent in Authorization, which a page can only send on purpose.
//
// The policy depends on the method (reads from anywhere, writes from a few origins),
// which the common CORS libraries cannot express with one configuration; so it is
// written out here.
func CORS(writeOrigins []string) gin.HandlerFunc {
	allowed := make(map[string]bool, len(writeOrigins))
	for _, o := range writeOrigins {
		allowed[o] = true
	}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		origin := c.GetHeader("Origin")
		writer := origin != "" && allowed[origin]
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			preflight(c, origin, writer, len(allowed) > 0)
			return
		}
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead:
			h["Access-Control-Allow-Origin"] = anyOrigin
			h["Access-Control-Expose-Headers"] = exposed
		default:
			if len(allowed) > 0 {
				h.Add("Vary", "Origin")
			}
			if writer {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", corsExposed)
			}
		}
		c.Next()
	}
}

// preflight answers a CORS preflight: 204, and the methods and headers the origin
// may use, if any.
func preflight(c *gin.Context, origin string, writer, varies bool) {
	h := c.Writer.Header()
	if varies {
		h.Add("Vary", "Origin")
	}
	method := strings.ToUpper(strings.TrimSpace(c.GetHeader("Access-Control-Request-Method")))
	switch {
	case writer:
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", corsWriteMethods)
		h.Set("Access-Control-Allow-Headers", corsWriteHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	case method == http.MethodGet || method == http.MethodHead:
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", corsReadMethods)
		h.Set("Access-Control-Allow-Headers", corsReadHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	c.AbortWithStatus(http.StatusNoContent)
}
