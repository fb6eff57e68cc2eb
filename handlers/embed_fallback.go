package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/widget"
)

// fallbackMessage is what both widgets say above the lines they carry when they
// cannot show the ones asked for.
const fallbackMessage = "Helplines could not be loaded just now."

// fallbackMaxAge is how long a rendering of the fallback is used before it is made
// again even though no write was seen: which lines are published, and whether they
// are due for checking, also change with the time.
const fallbackMaxAge = time.Minute

// embedFallback keeps the widget's baked fallback rendered in memory: the script,
// whose data carries the emergency and national lines, and the iframe page that
// shows those lines alone, in both themes, with and without the quick exit. The
// script handler renders it afresh on every response cache miss; a client over the
// widget's rate limit gets the last rendering, so that a visitor never sees an error
// where 999 should be, at the cost of a map lookup.
type embedFallback struct {
	h *Handler
	// checkEvery is how often, at most, a request over the limit reads the content
	// version to find out whether the rendering is stale; only one does at a time.
	checkEvery time.Duration
	mu         sync.Mutex // serialises storing a new rendering
	first      sync.Mutex // held while the first rendering is made
	cur        atomic.Pointer[fallbackSet]
	checkedAt  atomic.Int64 // time.Now().UnixNano() of the last version read
	checking   atomic.Bool
}

// fallbackSet is one rendering of the fallback.
type fallbackSet struct {
	version  int64     // content version read before the lines were
	rendered time.Time // by the store's clock
	script   representation
	pages    [4]representation // by fallbackPage
}

func fallbackPage(dark, quickExit bool) int {
	i := 0
	if dark {
		i += 2
	}
	if quickExit {
		i++
	}
	return i
}

// fresh renders the fallback now and keeps it, unless a rendering of a later
// content version was kept meanwhile.
func (f *embedFallback) fresh(ctx context.Context) (*fallbackSet, error) {
	v, _, err := f.h.store.ContentState(ctx)
	if err != nil {
		return nil, err
	}
	set, err := f.render(ctx, v)
	if err != nil {
		return nil, err
	}
	f.checkedAt.Store(time.Now().UnixNano())
	f.mu.Lock()
	if cur := f.cur.Load(); cur == nil || cur.version <= set.version {
		f.cur.Store(set)
	}
	f.mu.Unlock()
	return set, nil
}

// recent returns a rendering without waiting on the database when it can: the
// last one, unless the content has changed since or it is older than
// fallbackMaxAge. Only one request at a time reads the version or renders again,
// and the version is read at most every checkEvery, so that a flood of requests
// costs no queries; the others get the last rendering. When the database cannot be
// read, the last rendering is still better than none.
func (f *embedFallback) recent(ctx context.Context) (*fallbackSet, error) {
	cur := f.cur.Load()
	if cur == nil {
		if !f.first.TryLock() {
			return nil, errors.New("embed fallback: the first rendering is under way")
		}
		defer f.first.Unlock()
		if cur = f.cur.Load(); cur != nil {
			return cur, nil
		}
		return f.fresh(ctx)
	}
	age := f.h.store.Now().Sub(cur.rendered)
	old := age < 0 || age >= fallbackMaxAge
	if !old && time.Now().UnixNano()-f.checkedAt.Load() < int64(f.checkEvery) {
		return cur, nil
	}
	if !f.checking.CompareAndSwap(false, true) {
		return cur, nil
	}
	defer f.checking.Store(false)
	if !old {
		v, _, err := f.h.store.ContentState(ctx)
		if err != nil {
			return cur, nil
		}
		f.checkedAt.Store(time.Now().UnixNano())
		if v == cur.version {
			return cur, nil
		}
	}
	if set, err := f.fresh(ctx); err == nil {
		return set, nil
	}
	return cur, nil
}

// render makes the script and the pages from the emergency and national lines as
// they are now. Their opening state is left out: the time of the visit is not
// known when they are made.
func (f *embedFallback) render(ctx context.Context, version int64) (*fallbackSet, error) {
	h := f.h
	lines, err := h.store.Essentials(ctx)
	if err != nil {
		return nil, err
	}
	now := h.store.Now()
	list := EmbedList{Emergency: []EmbedLine{}, Helplines: []EmbedLine{}, National: []EmbedLine{}}
	baked := struct {
		Emergency []fallbackLine `json:"emergency"`
		National  []fallbackLine `json:"national"`
	}{[]fallbackLine{}, []fallbackLine{}}
	for i := range lines {
		// One rendering serves every base URL (see Options.PublicURLFromRequest), so
		// its links to the lines' pages are relative: from /embed/helplines and
		// /embed/helplines.js, ../helplines/{slug} is the page.
		l := embedLine(&lines[i], now, "..")
		l.Status = nil
		if lines[i].Emergency {
			list.Emergency = append(list.Emergency, l)
			baked.Emergency = append(baked.Emergency, newFallbackLine(l, true))
		} else {
			list.National = append(list.National, l)
			baked.National = append(baked.National, newFallbackLine(l, false))
		}
	}
	data, err := json.Marshal(struct {
		CSS      string `json:"css"`
		Exit     string `json:"exit"`
		Fallback any    `json:"fallback"`
	}{widget.CSS, h.quickExitURL(), baked})
	if err != nil {
		return nil, err
	}
	js, err := widget.Script(data)
	if err != nil {
		return nil, err
	}
	set := &fallbackSet{version: version, rendered: now, script: fallbackRepresentation(js)}
	for _, dark := range []bool{false, true} {
		for _, quickExit := range []bool{false, true} {
			p := widget.Page{Dark: dark, Message: fallbackMessage, List: list}
			if quickExit {
				p.QuickExitURL = h.quickExitURL()
			}
			var buf bytes.Buffer
			if err := widget.WritePage(&buf, p); err != nil {
				return nil, fmt.Errorf("embed fallback page: %w", err)
			}
			set.pages[fallbackPage(dark, quickExit)] = fallbackRepresentation(buf.Bytes())
		}
	}
	return set, nil
}

func fallbackRepresentation(body []byte) representation {
	return representation{status: http.StatusOK, body: body, compressible: true, gzip: gzipBytes(body), etag: bodyTag(body)}
}

// serveEmbedOverLimit answers a request for the widget's page or script from a
// client over the widget's rate limit, and reports whether it did: the page with the
// emergency and national lines (not kept by caches, since it stands in for the
// page asked for), or the script, which is the same whoever asks. Other requests,
// and these when nothing has been rendered and the database cannot be read, get
// the 429.
func (h *Handler) serveEmbedOverLimit(c *gin.Context) bool {
	path := c.Request.URL.Path
	if !isRead(c.Request) || !neverRefused[path] {
		return false
	}
	set, err := h.fallback.recent(c.Request.Context())
	if err != nil {
		return false
	}
	hd := c.Writer.Header()
	rep := set.script
	var cc string
	if path == "/embed/helplines" {
		// The page's own parameters are read leniently: the fallback shows the
		// same lines whatever the filters, and must keep the theme and, above all,
		// the quick exit that the partner asked for.
		v, _ := url.ParseQuery(c.Request.URL.RawQuery)
		quickExit := v.Has("quick_exit") && v.Get("quick_exit") != "false" && v.Get("quick_exit") != "0"
		rep = set.pages[fallbackPage(v.Get("theme") == "dark", quickExit)]
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Security-Policy", h.embedCSP(quickExit))
		cc = "no-store"
	} else {
		hd.Set("Content-Type", "text/javascript; charset=utf-8")
		cc = embedScriptCacheControl
	}
	rep.serve(c, c.Writer, nil, cc)
	c.Abort()
	return true
}
