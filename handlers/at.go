package handlers

import "github.com/gin-gonic/gin"

// atCacheControl is the Cache-Control of a successful answer to a read with at.
const atCacheControl = "private, max-age=60"

// privateAt marks the answer to a read with at (open_now for another moment) as
// private, so that no shared cache keeps it. Such an answer is right for its URL
// only, and a shared cache that ignores or strips the query string (a common CDN
// setting) would file it under the URL without at and serve it as the answer for
// now: a closed line shown as open. The client's own cache keys on the whole URL.
// A handler's own Cache-Control (an editor's private, no-store; an error's
// no-store) wins.
func privateAt(c *gin.Context) {
	if _, ok := c.Request.URL.Query()["at"]; ok && c.Writer.Header().Get("Cache-Control") == "" {
		c.Header("Cache-Control", atCacheControl)
	}
	c.Next()
}
