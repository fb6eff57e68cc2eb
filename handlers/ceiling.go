package handlers

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
)

// CeilingRoute registers /bench/ceiling, for benchmarks only (off unless configured):
// it answers a fixed body of the requested size through the same middleware as the
// API, so that a load test can compare each endpoint with what the stack can do at
// most for a response of that size.
func CeilingRoute(r *gin.Engine) {
	var mu sync.Mutex
	bodies := map[int][]byte{}
	r.Match(getHead, "/bench/ceiling", func(c *gin.Context) {
		n, err := strconv.Atoi(c.Query("bytes"))
		if err != nil || n < 2 || n > 1<<20 {
			c.Status(http.StatusBadRequest)
			return
		}
		mu.Lock()
		b, ok := bodies[n]
		if !ok {
			b = ceilingBody(n)
			bodies[n] = b
		}
		mu.Unlock()
		c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	})
}

// WithBareCeiling answers /bench/bare?bytes=N with a bare gin engine (no
// middleware at all) that writes a fixed JSON body of N bytes, and every other path
// with next: the ceiling of this stack for a response of that size, which the load
// test compares each endpoint with. For benchmarks only (off unless configured).
func WithBareCeiling(next http.Handler) http.Handler {
	bare := gin.New()
	var mu sync.Mutex
	bodies := map[int][]byte{}
	bare.GET("/bench/bare", func(c *gin.Context) {
		n, err := strconv.Atoi(c.Query("bytes"))
		if err != nil || n < 2 || n > 1<<20 {
			c.Status(http.StatusBadRequest)
			return
		}
		mu.Lock()
		b, ok := bodies[n]
		if !ok {
			b = ceilingBody(n)
			bodies[n] = b
		}
		mu.Unlock()
		c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bench/bare" {
			bare.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ceilingBody is a JSON string of n bytes whose text is varied like real content.
func ceilingBody(n int) []byte {
	const text = "Signpost ceiling body: safeguarding news, helplines and campaigns, in a fixed size. "
	b := make([]byte, n)
	b[0] = '"'
	for i := 1; i < n-1; i++ {
		b[i] = text[(i*7+i/len(text))%len(text)]
	}
	b[n-1] = '"'
	return b
}
