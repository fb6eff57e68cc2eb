package main

// Tests of the widget's rate limit: its own count, apart from the API's, and what a
// client over it gets: the page and the script still, with the emergency and
// national lines, never an error where 999 should be. The browser test of the same
// is TestEmbedBrowserOverLimit.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/widget"
)

// fallbackNumbers are the links every fallback must hold: 999 and the national
// lines' numbers.
var fallbackNumbers = []string{"tel:999", "tel:101", "tel:+44800555111", "tel:+448081000900"}

// mustFallbackPage checks that doc is the page of the emergency and national lines,
// without opening states (the time of the visit is not known when it is made).
func mustFallbackPage(tb testing.TB, doc *embedDoc) {
	tb.Helper()
	msg := doc.byClass("sp-msg")
	if len(msg) != 1 || text(msg[0]) != "Helplines could not be loaded just now." {
		tb.Errorf("message %q", texts(msg))
	}
	var hrefs []string
	for _, a := range doc.byTag("a") {
		href, _ := attr(a, "href")
		hrefs = append(hrefs, href)
	}
	for _, n := range fallbackNumbers {
		if !slices.Contains(hrefs, n) {
			tb.Errorf("the fallback has no link to %s: %q", n, hrefs)
		}
	}
	if got, want := cardNames(doc.cards()), []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}; !slices.Equal(got, want) {
		tb.Errorf("cards %q, want %q", got, want)
	}
	for _, c := range doc.cards() {
		if len(c.badges) > 0 && (strings.HasPrefix(c.badges[0], "Open") || strings.HasPrefix(c.badges[0], "Closed")) {
			tb.Errorf("%s: the fallback cannot know whether a line is open: %q", c.name, c.badges)
		}
	}
}

func TestEmbedRateLimit(t *testing.T) {
	t.Run("OKThousandBehindOneAddress", func(t *testing.T) {
		// With the default limits, a thousand visitors behind one address in a
		// minute all get the real page (the API's limit is 600).
		app := MustStartApp(t)
		for i := range 1000 {
			rec := app.serveFrom(t, http.MethodGet, "/embed/helplines?region=cumbria", "198.51.100.7:1234")
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Open now — closes 9pm") {
				t.Fatalf("request %d: status %d, or not the real page", i+1, rec.Code)
			}
		}
		if rec := app.serveFrom(t, http.MethodGet, "/api/v1/topics", "198.51.100.7:1234"); rec.Code != http.StatusOK || rec.Header().Get("RateLimit-Remaining") != "599" {
			t.Errorf("the widget's requests counted against the API's limit: %d, remaining %q", rec.Code, rec.Header().Get("RateLimit-Remaining"))
		}
	})

	t.Run("OKOwnCount", func(t *testing.T) {
		app := MustStartApp(t, WithConfig(func(c *Config) { c.RateLimit, c.RateLimitEmbed = 3, 5 }))
		mustExhaust(t, 3, func() (int, http.Header) {
			resp := app.Get(t, "/api/v1/topics")
			return resp.StatusCode, resp.Header
		})
		// The API's limit is spent; the widget's is whole.
		doc, resp := mustEmbedPage(t, app, "?region=cumbria")
		mustRateLimit(t, resp.Header, 5, 4, 12)
		if len(doc.byClass("sp-msg")) != 0 || len(findCard(t, doc.cards(), "Stop It Now! helpline").badges) != 3 {
			t.Error("with the widget's limit whole, the page must be the real one")
		}
	})

	t.Run("OKOverLimit", func(t *testing.T) {
		app := MustStartApp(t, WithConfig(func(c *Config) { c.RateLimit, c.RateLimitEmbed = 50, 5 }))
		script := app.Get(t, "/embed/helplines.js")
		MustStatus(t, script, http.StatusOK)
		mustExhaust(t, 4, func() (int, http.Header) {
			resp := app.Get(t, "/embed/helplines.json?region=cumbria")
			return resp.StatusCode, resp.Header
		})

		// The JSON says so (the script then shows the lines it carries).
		resp := app.Get(t, "/embed/helplines.json?region=cumbria")
		MustProblem(t, resp, http.StatusTooManyRequests, "")
		if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("Retry-After %q, Access-Control-Allow-Origin %q", resp.Header.Get("Retry-After"), resp.Header.Get("Access-Control-Allow-Origin"))
		}

		// The page is still a framable 200, with the emergency and national lines,
		// and is not kept by caches.
		doc, resp := mustEmbedPage(t, app, "?region=cumbria&audience=professionals")
		mustFallbackPage(t, doc)
		h := resp.Header
		wantCSP := "default-src 'none'; script-src " + widget.FrameScriptHash + "; style-src " + widget.StyleHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
		if got := h.Get("Content-Security-Policy"); got != wantCSP {
			t.Errorf("Content-Security-Policy\n got %q\nwant %q", got, wantCSP)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Frame-Options") != "" || h.Get("RateLimit-Remaining") != "0" {
			t.Errorf("Cache-Control %q, X-Frame-Options %q, RateLimit-Remaining %q", h.Get("Cache-Control"), h.Get("X-Frame-Options"), h.Get("RateLimit-Remaining"))
		}
		// It keeps the theme and, above all, the quick exit; its other parameters
		// are not even read.
		doc, resp = mustEmbedPage(t, app, "?theme=dark&quick_exit=1&region=atlantis")
		mustFallbackPage(t, doc)
		if b := doc.byTag("body"); !hasClass(b[0], "sp-dark") || len(doc.byClass("sp-exit")) != 1 {
			t.Error("the fallback lost the dark theme or the quick exit")
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, widget.ExitScriptHash) {
			t.Errorf("CSP %q lacks the exit script's hash", csp)
		}
		// Over and over, the answer comes from memory.
		for range 50 {
			mustFallbackPage(t, mustParseHTML(t, ReadBody(t, app.Get(t, "/embed/helplines"))))
		}

		// The script is served as ever: the same bytes.
		again := app.Get(t, "/embed/helplines.js")
		MustStatus(t, again, http.StatusOK)
		if string(ReadBody(t, again)) != string(ReadBody(t, script)) || again.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Error("over the limit, the script differs from the one served before")
		}
		MustStatus(t, app.Get(t, "/embed/helplines.js", "If-None-Match", again.Header.Get("ETag")), http.StatusNotModified)

		// The fallback follows the data.
		app.MustExec(t, `UPDATE contacts SET display = '0808 100 0901' WHERE display = '0808 1000 900'`)
		if !strings.Contains(string(ReadBody(t, app.Get(t, "/embed/helplines"))), "0808 100 0901") {
			t.Error("the fallback page did not follow the data")
		}
		if !strings.Contains(string(ReadBody(t, app.Get(t, "/embed/helplines.js"))), "0808 100 0901") {
			t.Error("the script did not follow the data")
		}

		// A minute on, the bucket is full again, and the page is the real one.
		app.Clock.Add(time.Minute)
		doc, _ = mustEmbedPage(t, app, "?region=cumbria")
		if len(doc.byClass("sp-msg")) != 0 {
			t.Error("still the fallback after a minute")
		}
	})

	t.Run("OKDocument", func(t *testing.T) {
		// The page and the script are never refused; the JSON may be.
		doc, err := handlers.OpenAPI3()
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]bool{"/embed/helplines": false, "/embed/helplines.js": false, "/embed/helplines.json": true, "/oembed": true} {
			if got := doc.Paths.Find(path).Get.Responses.Status(http.StatusTooManyRequests) != nil; got != want {
				t.Errorf("%s: a 429 in the document: %v, want %v", path, got, want)
			}
		}
	})

	t.Run("OKDisabled", func(t *testing.T) {
		app := MustStartApp(t, WithConfig(func(c *Config) { c.RateLimit, c.RateLimitEmbed = 2, 0 }))
		for range 10 {
			resp := app.Get(t, "/embed/helplines.json")
			MustStatus(t, resp, http.StatusOK)
			if v := resp.Header.Get("RateLimit-Limit"); v != "" {
				t.Fatalf("RateLimit-Limit %q with the widget's limit off", v)
			}
		}
	})
}

func TestConfigRateLimitEmbed(t *testing.T) {
	cfg, _, err := LoadConfig("test", nil, env())
	if err != nil || cfg.RateLimitEmbed != 6000 {
		t.Errorf("default %d, err %v; want 6000", cfg.RateLimitEmbed, err)
	}
	if cfg, _, err := LoadConfig("test", []string{"-rate-limit-embed", "0"}, env()); err != nil || cfg.RateLimitEmbed != 0 {
		t.Errorf("-rate-limit-embed 0: %d, err %v", cfg.RateLimitEmbed, err)
	}
	for _, v := range []string{"-1", "lots", "2000000"} {
		if _, _, err := LoadConfig("test", nil, env("SIGNPOST_RATE_LIMIT_EMBED", v)); err == nil || !strings.Contains(err.Error(), "SIGNPOST_RATE_LIMIT_EMBED") {
			t.Errorf("SIGNPOST_RATE_LIMIT_EMBED=%q: error %v", v, err)
		}
	}
}
