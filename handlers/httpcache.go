package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/gin-gonic/gin"
)

// HTTP caching, in one place: strong entity tags computed from the bytes sent, 304
// for If-None-Match and If-Modified-Since, Cache-Control bounded by the moment an
// answer stops being right, gzip for the clients that ask, and the in-memory
// response cache (responsecache.go) in front of the handlers.

// Conditional buffers each response so that its entity tag is computed from the
// bytes actually sent. Successful GET and HEAD responses get a strong ETag,
// Cache-Control and Vary, are compressed with gzip when the client accepts it and
// the body is worth it, and If-None-Match (or, failing that, If-Modified-Since) is
// answered with 304. Writes get the ETag of the item they return. When a handler
// names the item's version, the tag starts with it, so that If-Match can be checked
// against the stored version.
//
// A handler whose answer depends on the time says until when it holds (validUntil):
// Cache-Control then lets no cache keep it, stale or not, past that moment.
//
// With a cache (nil for none), public reads are answered from memory while nothing
// they were made from has changed; see ResponseCache.
func Conditional(cacheControl string, cache *ResponseCache) gin.HandlerFunc {
	return func(c *gin.Context) {
		if streaming(c) {
			c.Next() // a stream is sent as it happens: never buffered, cached or compressed
			return
		}
		if cache != nil && !isRead(c.Request) {
			a := render(c, cacheControl, false)
			if a.rep.status < http.StatusBadRequest {
				// This instance's own write: learn what it changed before the editor
				// can read again, so no stale answer is ever served to them.
				cache.sync(c.Request.Context(), true)
			}
			a.rep.serve(c, c.Writer, a.header, "")
			return
		}
		key, useCache := "", false
		if cache != nil {
			key, useCache = cacheKey(c.Request)
			if base := c.GetString(baseURLKey); useCache && base != "" {
				key = base + " " + key // links in the answer name it (see BaseURL)
			}
		}
		if !useCache {
			a := render(c, cacheControl, false)
			a.rep.serve(c, c.Writer, a.header, a.cacheControl(c))
			return
		}
		version := cache.sync(c.Request.Context(), false)
		if version < 0 {
			a := render(c, cacheControl, false)
			a.rep.serve(c, c.Writer, a.header, a.cacheControl(c))
			return
		}
		if !noCache(c.Request) && cache.serveCached(c, key) {
			return
		}
		a, shared := cache.renderOnce(c, key, version, cacheControl)
		if shared {
			c.Abort() // the handlers ran for another request with the same key
		}
		a.rep.serve(c, c.Writer, a.header, a.cacheControl(c))
	}
}

// answer is a rendered response: its representation, the headers the handler set,
// and what it was made from.
type answer struct {
	rep    representation
	header http.Header // the headers the handlers set
	meta   answerMeta
	// baseCC is the Cache-Control before it is bounded by meta.until.
	baseCC string
}

// cacheControl returns the Cache-Control to send now: the handler's or the default,
// bounded by the moment the answer stops being right.
func (a *answer) cacheControl(c *gin.Context) string {
	if a.baseCC == "" || a.meta.until.IsZero() {
		return a.baseCC
	}
	return boundCacheControl(a.baseCC, a.meta.until.Sub(a.meta.now(c)))
}

// render runs the handlers into a buffer and returns what they answered. With
// shared, the answer keeps the headers the handlers set, for the cache and for the
// requests that share it; without, they are already in the request's own.
func render(c *gin.Context, cacheControl string, shared bool) *answer {
	orig := c.Writer
	var before http.Header
	if shared {
		before = orig.Header().Clone()
	}
	bw := &bufferedWriter{ResponseWriter: orig}
	c.Writer = bw
	defer func() { c.Writer = orig }()
	c.Next()
	c.Writer = orig

	a := &answer{rep: representation{status: bw.Status(), body: bw.bytes()}}
	if m, ok := c.Get(answerMetaKey); ok {
		a.meta = *m.(*answerMeta)
	}
	h := orig.Header()
	if a.rep.status == http.StatusOK || a.rep.status == http.StatusCreated {
		a.rep.etag = entityTag(c, a.rep.body)
		if t, ok := c.Get(lastModifiedKey); ok {
			a.rep.lastModified = t.(time.Time)
		}
		if isRead(c.Request) && a.rep.status == http.StatusOK {
			a.baseCC = h.Get("Cache-Control")
			if a.baseCC == "" {
				a.baseCC = cacheControl
			}
			// Compress for the clients that ask; a cached answer is compressed
			// when the first of them comes (see ResponseCache.withGzip).
			a.rep.compressible = compressible(h.Get("Content-Type")) && len(a.rep.body) >= gzipMinSize
			if a.rep.compressible && acceptsGzip(c.GetHeader("Accept-Encoding")) {
				a.rep.gzip = gzipBytes(a.rep.body)
			}
		}
	}
	if shared {
		a.header = changedHeaders(before, h)
	}
	return a
}

// noCache reports whether the client asked for a fresh answer (Cache-Control:
// no-cache): it is rendered again, and the cache keeps the new one.
func noCache(r *http.Request) bool {
	cc := r.Header.Get("Cache-Control")
	return cc != "" && strings.Contains(strings.ToLower(cc), "no-cache")
}

func isRead(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// answerMeta is what a handler says about its answer, for caches: the tags of what
// it was made from (see ResponseCache), and the moment it stops being right by
// itself (zero when only a write can change it).
type answerMeta struct {
	tags  []string
	until time.Time
	clock func() time.Time
	// again is when this server renders the answer again though it is still right
	// for other caches (zero: until, or never).
	again time.Time
}

func (m answerMeta) now(c *gin.Context) time.Time {
	if m.clock != nil {
		return m.clock()
	}
	return time.Now()
}

const answerMetaKey = "signpost.answer"

func metaOf(c *gin.Context) *answerMeta {
	if m, ok := c.Get(answerMetaKey); ok {
		return m.(*answerMeta)
	}
	m := &answerMeta{}
	c.Set(answerMetaKey, m)
	return m
}

// dependsOn records tags of what the answer is made from: a type whose lists it
// shows ("article"), items it shows ("article/<slug>"), or TagAll.
func dependsOn(c *gin.Context, tags ...string) {
	m := metaOf(c)
	m.tags = append(m.tags, tags...)
}

// validUntil records that the answer, computed at the store clock's now, stops
// being right at t (an opening or closing, a day's end) unless t is zero.
func validUntil(c *gin.Context, t time.Time, now func() time.Time) {
	if t.IsZero() {
		return
	}
	m := metaOf(c)
	m.clock = now
	if m.until.IsZero() || t.Before(m.until) {
		m.until = t
	}
}

// renderAgainAt makes the response cache drop the answer at t without bounding what
// other caches may do: for a detail that only says when the answer was made.
func renderAgainAt(c *gin.Context, t time.Time) {
	m := metaOf(c)
	if m.again.IsZero() || t.Before(m.again) {
		m.again = t
	}
}

// expiresAt is when this server stops serving the answer from its cache by
// itself: the earlier of until and again.
func (m answerMeta) expiresAt() time.Time {
	switch {
	case m.again.IsZero():
		return m.until
	case m.until.IsZero() || m.again.Before(m.until):
		return m.again
	}
	return m.until
}

// boundCacheControl returns cc with max-age, s-maxage, stale-while-revalidate and
// stale-if-error cut so that no cache may use the answer, fresh or stale, after
// remaining: max-age plus either stale allowance ends by then. An answer with less
// than a second left may be stored but must be revalidated (max-age=0).
func boundCacheControl(cc string, remaining time.Duration) string {
	if strings.Contains(strings.ToLower(cc), "no-store") {
		return cc // kept by no cache at all
	}
	r := int64(remaining / time.Second)
	if r < 0 {
		r = 0
	}
	parts := strings.Split(cc, ",")
	var maxAge int64 = -1
	for _, p := range parts {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(name, "max-age") {
			maxAge, _ = strconv.ParseInt(val, 10, 64)
		}
	}
	if maxAge < 0 || maxAge > r {
		maxAge = r
	}
	out := make([]string, 0, len(parts)+1)
	sawMaxAge := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		name, val, hasVal := strings.Cut(p, "=")
		switch strings.ToLower(name) {
		case "max-age":
			out = append(out, "max-age="+strconv.FormatInt(maxAge, 10))
			sawMaxAge = true
		case "s-maxage":
			n, _ := strconv.ParseInt(val, 10, 64)
			out = append(out, "s-maxage="+strconv.FormatInt(min(n, r), 10))
		case "stale-while-revalidate", "stale-if-error":
			n, _ := strconv.ParseInt(val, 10, 64)
			if n = min(n, r-maxAge); n > 0 && hasVal {
				out = append(out, strings.ToLower(name)+"="+strconv.FormatInt(n, 10))
			}
		case "":
		default:
			out = append(out, p)
		}
	}
	if !sawMaxAge {
		out = append(out, "max-age="+strconv.FormatInt(maxAge, 10))
	}
	return strings.Join(out, ", ")
}

// bufferedWriter holds a response until the handler is done, so that its entity tag
// can be computed from the bytes actually sent.
type bufferedWriter struct {
	gin.ResponseWriter
	buf    bytes.Buffer
	status int
	// body is a whole body handed over by writeOwnedBody, kept without a copy.
	body []byte
}

func (w *bufferedWriter) WriteHeader(code int) { w.status = code }
func (w *bufferedWriter) WriteHeaderNow()      {}
func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body != nil {
		w.buf.Write(w.body)
		w.body = nil
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
func (w *bufferedWriter) Size() int     { return len(w.bytes()) }

// bytes returns the body written.
func (w *bufferedWriter) bytes() []byte {
	if w.body != nil {
		return w.body
	}
	return w.buf.Bytes()
}

// writeOwnedBody answers 200 with the JSON body b, which the caller hands over
// and never changes again: buffered by Conditional, it is kept as it is rather
// than copied once more.
func writeOwnedBody(c *gin.Context, b []byte) {
	bw, ok := c.Writer.(*bufferedWriter)
	if !ok || bw.status != 0 || len(b) == 0 {
		c.Data(http.StatusOK, jsonContentType, b)
		return
	}
	if h := bw.Header(); len(h["Content-Type"]) == 0 {
		h["Content-Type"] = jsonContentTypes
	}
	bw.status = http.StatusOK
	bw.body = b
}

const jsonContentType = "application/json; charset=utf-8"

var jsonContentTypes = []string{jsonContentType}

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

// Header values that never change, in the canonical form net/http sends.
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	contentGzip        = []string{"gzip"}
)

// serve writes the representation with the handlers' headers and cacheControl: the
// encoding the client accepts, its ETag, and 304 when the client's copy is current.
// A 304 names the tag of the same encoding, so a client never keeps the wrong bytes.
func (rep *representation) serve(c *gin.Context, w gin.ResponseWriter, header http.Header, cacheControl string) {
	rep.write(c.Request, w, header, cacheControl)
}

// write is serve for any ResponseWriter: gin's, or the connection's on the fast
// path. It returns the status sent.
func (rep *representation) write(r *http.Request, w http.ResponseWriter, header http.Header, cacheControl string) int {
	h := w.Header()
	for k, vs := range header {
		h[k] = vs
	}
	body, etag := rep.body, rep.etag
	read := isRead(r) && rep.status == http.StatusOK
	if cacheControl != "" && read {
		h["Cache-Control"] = []string{cacheControl}
	}
	if read {
		if vary := h["Vary"]; len(vary) > 0 {
			// A new slice: the one in h may be shared with a cached answer.
			h["Vary"] = append(append(make([]string, 0, len(vary)+1), vary...), varyAcceptEncoding...)
		} else {
			h["Vary"] = varyAcceptEncoding
		}
	}
	if rep.compressible && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		gz := rep.gzip
		if gz == nil {
			gz = gzipBytes(rep.body)
		}
		body, etag = gz, gzipTag(rep.etag)
		h["Content-Encoding"] = contentGzip
	}
	if etag != "" {
		h["Etag"] = []string{etag}
	}
	if !rep.lastModified.IsZero() {
		h["Last-Modified"] = []string{rep.lastModified.UTC().Format(http.TimeFormat)}
	}
	if read && notModified(r, etag, rep.lastModified) {
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		writeHeaderNow(w)
		return http.StatusNotModified
	}
	if rep.status != http.StatusNoContent && rep.status != http.StatusNotModified {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(rep.status)
	writeHeaderNow(w)
	if r.Method != http.MethodHead && len(body) > 0 {
		w.Write(body)
	}
	return rep.status
}

// writeHeaderNow sends the status that gin's writer only records until asked.
func writeHeaderNow(w http.ResponseWriter) {
	if gw, ok := w.(interface{ WriteHeaderNow() }); ok {
		gw.WriteHeaderNow()
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
	if header == "" {
		return false
	}
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
// handler named its version, else "<hash>". If-Match compares whole tags, so the
// version alone never matches (see currentTags).
func entityTag(c *gin.Context, body []byte) string {
	if v, ok := c.Get(versionKey); ok {
		return versionTag(v.(int64), body)
	}
	return bodyTag(body)
}

// bodyTag is the strong tag of a body that names no version: "<hash>".
func bodyTag(body []byte) string {
	b := make([]byte, 0, 2+bodyHashLen)
	b = append(b, '"')
	b = appendBodyHash(b, body)
	return string(append(b, '"'))
}

// versionTag is the strong tag of an item's body at a version.
func versionTag(version int64, body []byte) string {
	b := make([]byte, 0, 24+bodyHashLen)
	b = append(b, '"')
	b = strconv.AppendInt(b, version, 10)
	b = append(b, '.')
	b = appendBodyHash(b, body)
	return string(append(b, '"'))
}

// bodyHashLen is the most appendBodyHash appends.
const bodyHashLen = 11 + 1 + 13

// appendBodyHash appends the body's 64-bit xxHash and its length: a tag names one
// representation of one URL, so it needs to tell apart the bodies a URL answers
// over time, not to resist forgery, and xxHash costs a tenth of SHA-256 (which
// took a tenth of an uncached list's time). Two bodies of one URL with the same
// tag would have to have the same length and the same hash.
func appendBodyHash(dst, body []byte) []byte {
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], xxhash.Sum64(body))
	dst = base64.RawURLEncoding.AppendEncode(dst, sum[:])
	dst = append(dst, '-')
	return strconv.AppendUint(dst, uint64(len(body)), 36)
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

// changedHeaders returns the headers of after that differ from before: those the
// handlers set.
func changedHeaders(before, after http.Header) http.Header {
	out := http.Header{}
	for k, vs := range after {
		if old, ok := before[k]; !ok || !equalValues(old, vs) {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

func equalValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withoutCancel is the context a shared rendering runs with: the first of the
// requests waiting for it may go away without failing the others.
func withoutCancel(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
