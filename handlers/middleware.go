package handlers

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

const requestIDKey = "signpost.request_id"

// RequestID returns the request's ID, set by the RequestIDs middleware.
func RequestID(c *gin.Context) string {
	return c.GetString(requestIDKey)
}

// RequestIDs accepts a well-formed X-Request-ID from the client or makes one, and
// echoes it on the response.
func RequestIDs() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := requestID(c.Request.Header)
		c.Set(requestIDKey, id)
		c.Writer.Header()["X-Request-Id"] = []string{id}
		c.Next()
	}
}

// requestID is the client's X-Request-ID when it is well-formed, else a new one.
func requestID(h http.Header) string {
	var id string
	if v := h["X-Request-Id"]; len(v) > 0 {
		id = v[0]
	}
	if validRequestID(id) {
		return id
	}
	// An ID names a request in the logs; it need not be unguessable, so the
	// runtime's fast generator will do.
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Recovery turns a panic into a logged 500 problem, never a stack trace for the client.
func Recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				WriteError(c, fmt.Errorf("panic: %v", v))
			}
		}()
		c.Next()
	}
}

// AccessLog logs one structured line a request: method, route template, status,
// duration and request ID. Client addresses and query strings are left out unless
// the operator opts in with logClient, since people looking up a helpline must not
// be tracked; even then the values of credential-like parameters (key=, token=, …)
// are redacted.
func AccessLog(logger *slog.Logger, logClient bool) gin.HandlerFunc {
	l := newAccessLog(logger, logClient)
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		ctx := c.Request.Context()
		if !l.enabled(ctx) {
			return
		}
		l.write(ctx, c.Request, c.FullPath(), c.Writer.Status(), start, RequestID(c), c.ClientIP)
	}
}

// accessLog writes the lines of AccessLog, for gin's path and for the fast path.
type accessLog struct {
	h         slog.Handler
	logClient bool
}

func newAccessLog(logger *slog.Logger, logClient bool) accessLog {
	return accessLog{h: logger.Handler(), logClient: logClient}
}

func (l accessLog) enabled(ctx context.Context) bool { return l.h.Enabled(ctx, slog.LevelInfo) }

// write logs the line of a request answered with status on route (a route
// template; "" for none) that started at start. clientIP is called only when the
// operator opted in to logging client addresses.
func (l accessLog) write(ctx context.Context, r *http.Request, route string, status int, start time.Time, id string, clientIP func() string) {
	if route == "" {
		route = "(unmatched)"
	}
	end := time.Now()
	// The record goes straight to the handler, without the caller's program
	// counter that Logger.LogAttrs looks up for every line: the log has no
	// source field, and that walk of the stack was a tenth of the line's cost.
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", end.Sub(start)),
		slog.String("request_id", id),
	)
	if l.logClient {
		rec.AddAttrs(slog.String("client_ip", clientIP()), slog.String("query", RedactSecrets(r.URL.RawQuery)))
	}
	_ = l.h.Handle(ctx, rec)
}

var (
	nosniff     = []string{"nosniff"}
	noReferrer  = []string{"no-referrer"}
	cspNone     = []string{"default-src 'none'; frame-ancestors 'none'"}
	crossOrigin = []string{"cross-origin"}
)

// SecurityHeaders sets the headers every response carries. HTML routes set their own
// Content-Security-Policy.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		// The same values on every response: shared, and set without canonicalising
		// the names again (they are canonical already).
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = noReferrer
		h["Content-Security-Policy"] = cspNone
		h["Cross-Origin-Resource-Policy"] = crossOrigin
		c.Next()
	}
}

// BodyLimit refuses request bodies larger than n bytes with 413.
func BodyLimit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			writeProblem(c, models.Errorf(models.ETOOLARGE, "The request body is larger than %d bytes.", n))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// MaxHeaderBytes is the most a request's line and headers may take: more gets a 431
// problem from HeaderLimit. The server lets net/http read far more than this
// (http.Server.MaxHeaderBytes), so that the answer comes from here, as problem+json,
// unless a request is far over the limit.
const MaxHeaderBytes = 64 << 10

// eHeadersTooLarge is the error of a request whose line and headers are over
// MaxHeaderBytes: 431. It is HTTP's own, so it lives here beside its status.
const eHeadersTooLarge = "headers_too_large"

// HeaderLimit refuses a request whose line and headers take more than n bytes with
// a 431 problem.
func HeaderLimit(n int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if headerBytes(c.Request) > n {
			writeProblem(c, models.Errorf(eHeadersTooLarge, "The request line and headers take more than %d bytes.", n))
			return
		}
		c.Next()
	}
}

// headerBytes is what the request line and headers took on the wire, as near as
// the parsed request tells: net/http keeps Host apart and drops the line ends.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 // "GET /path HTTP/1.1\r\n"
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "Name: value\r\n"
		}
	}
	return n + 2
}
