package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
		id := c.GetHeader("X-Request-ID")
		if !validRequestID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
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
// be tracked.
func AccessLog(logger *slog.Logger, logClient bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(unmatched)"
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", RequestID(c)),
		}
		if logClient {
			attrs = append(attrs, slog.String("client_ip", c.ClientIP()), slog.String("query", c.Request.URL.RawQuery))
		}
		logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// SecurityHeaders sets the headers every response carries. HTML routes set their own
// Content-Security-Policy.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
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

// bufferedWriter holds a response until the handler is done, so that its entity tag
// can be computed from the bytes actually sent.
type bufferedWriter struct {
	gin.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *bufferedWriter) WriteHeader(code int) { w.status = code }
func (w *bufferedWriter) WriteHeaderNow()      {}
func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}
func (w *bufferedWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
func (w *bufferedWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
func (w *bufferedWriter) Written() bool { return w.status != 0 }
func (w *bufferedWriter) Size() int     { return w.buf.Len() }

// Conditional buffers each response so that its entity tag is computed from the
// bytes actually sent. Successful GET and HEAD responses get a strong ETag,
// Cache-Control and Vary, are compressed with gzip when the client accepts it and
// the body is worth it, and If-None-Match (or, failing that, If-Modified-Since) is
// answered with 304. Writes get the ETag of the item they return. When a handler
// names the item's version, the tag starts with it, so that If-Match can be checked
// against the stored version.
//
// With a cache (nil for none), public reads are answered from memory when the
// content has not changed since they were rendered; see ResponseCache.
func Conditional(cacheControl string, cache *ResponseCache) gin.HandlerFunc {
	return func(c *gin.Context) {
		if streaming(c) {
			c.Next()
			return
		}
		key, useCache := "", false
		var version int64
		var before http.Header
		if cache != nil {
			if key, useCache = cacheKey(c.Request); useCache {
				if version = cache.contentVersion(c.Request.Context()); version < 0 {
					useCache = false
				} else if !noCache(c.Request) && cache.serveCached(c, key, version) {
					return
				}
				before = c.Writer.Header().Clone()
			}
		}
		renderedAt := time.Time{}
		if useCache {
			renderedAt = cache.now()
		}

		orig := c.Writer
		bw := &bufferedWriter{ResponseWriter: orig}
		c.Writer = bw
		c.Next()
		c.Writer = orig

		rep := representation{status: bw.Status(), body: bw.buf.Bytes()}
		h := orig.Header()
		if rep.status == http.StatusOK || rep.status == http.StatusCreated {
			rep.etag = entityTag(c, rep.body)
			if t, ok := c.Get(lastModifiedKey); ok {
				rep.lastModified = t.(time.Time)
			}
			if isRead(c.Request) && rep.status == http.StatusOK {
				if h.Get("Cache-Control") == "" {
					h.Set("Cache-Control", cacheControl)
				}
				// Compress for the clients that ask; a cached answer is compressed
				// when the first of them comes (see ResponseCache.serveCached).
				rep.compressible = compressible(h.Get("Content-Type")) && len(rep.body) >= gzipMinSize
				if rep.compressible && acceptsGzip(c.GetHeader("Accept-Encoding")) {
					rep.gzip = gzipBytes(rep.body)
				}
			}
		}
		switch {
		case useCache && cacheable(rep.status, h):
			cache.put(&cacheEntry{key: key, version: version, rendered: renderedAt, expires: cache.expiry(renderedAt),
				header: changedHeaders(before, h), rep: rep})
		case cache != nil && !isRead(c.Request) && rep.status < http.StatusBadRequest:
			// This instance's own write: learn the new content version before the
			// editor can read again, so no stale answer is ever served to them.
			cache.refresh(c.Request.Context())
		}
		rep.serve(c, orig)
	}
}

// noCache reports whether the client asked for a fresh answer (Cache-Control:
// no-cache): it is rendered again, and the cache keeps the new one.
func noCache(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-cache")
}

func isRead(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// representation is a response ready to send: its body, and the same body
// compressed with gzip when that is worth it, each with its own strong ETag.
type representation struct {
	status       int
	body         []byte
	compressible bool // worth compressing: gzip is made when a client asks
	gzip         []byte
	etag         string // of body; the gzip form's tag adds "-gzip"
	lastModified time.Time
}

// gzipMinSize is the smallest body worth compressing.
const gzipMinSize = 1024

// serve writes the representation: the encoding the client accepts, its ETag, and
// 304 when the client's copy is current. A 304 names the tag of the same encoding,
// so a client never keeps the wrong bytes.
func (rep *representation) serve(c *gin.Context, w gin.ResponseWriter) {
	h := w.Header()
	body, etag := rep.body, rep.etag
	if rep.compressible {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			body, etag = rep.gzip, gzipTag(rep.etag)
			h.Set("Content-Encoding", "gzip")
		}
	} else if isRead(c.Request) && rep.status == http.StatusOK {
		h.Add("Vary", "Accept-Encoding")
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	if !rep.lastModified.IsZero() {
		h.Set("Last-Modified", rep.lastModified.UTC().Format(http.TimeFormat))
	}
	if isRead(c.Request) && rep.status == http.StatusOK && notModified(c.Request, etag, rep.lastModified) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		w.WriteHeaderNow()
		return
	}
	if rep.status != http.StatusNoContent && rep.status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rep.status)
	w.WriteHeaderNow()
	if c.Request.Method != http.MethodHead && len(body) > 0 {
		w.Write(body)
	}
}

// notModified applies RFC 9110's order: If-None-Match when present, else
// If-Modified-Since.
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etag != "" && etagMatch(inm, etag)
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || lastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !lastModified.Truncate(time.Second).After(t)
}

func gzipTag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gzip"`
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (q > 0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	return strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "json") || strings.HasSuffix(mt, "xml") ||
		mt == "application/javascript"
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 3)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	w.Write(b)
	w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}

const lastModifiedKey = "signpost.last_modified"

// setLastModified tells the Conditional middleware when the item last changed.
func setLastModified(c *gin.Context, t time.Time) {
	c.Set(lastModifiedKey, t)
}

// entityTag is a strong tag of the body: "<version>.<hash>" for an item whose
// handler named its version, else "<hash>".
func entityTag(c *gin.Context, body []byte) string {
	sum := sha256.Sum256(body)
	hash := base64.RawURLEncoding.EncodeToString(sum[:18])
	if v, ok := c.Get(versionKey); ok {
		return fmt.Sprintf(`"%d.%s"`, v.(int64), hash)
	}
	return `"` + hash + `"`
}

// etagMatch implements If-None-Match's weak comparison: "*", or any listed tag whose
// opaque part equals ours, with or without W/.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
