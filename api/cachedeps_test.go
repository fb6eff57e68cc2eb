package main

// End-to-end tests of what a write drops from the response cache: one test for each
// kind of dependency an answer records (the item itself, its type's lists, a related
// item whose name it shows, an item a list's filter names, an item of another type
// it does not show), and Cache-Control bounded by the next change of an answer that
// depends on the clock. Hits and misses are read from /metrics.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// cachedPaths are public answers of every kind, warmed before each write.
var cachedPaths = []string{
	"/api/v1/articles",
	"/api/v1/articles/" + cumbriaSlug,
	"/api/v1/articles?campaign=stop-it-now-deterrence",
	"/api/v1/regions",
	"/api/v1/topics",
	"/api/v1/helplines",
	"/api/v1/helplines/stop-it-now",
	"/api/v1/helplines/emergency-999",
	"/api/v1/campaigns/stop-it-now-deterrence",
	"/api/v1/campaigns/tackling-online-child-sexual-exploitation",
	"/api/v1/organisations",
	"/api/v1/organisations/crimestoppers",
}

// hit reports whether a GET of path is answered from the response cache.
func (a *testApp) hit(tb testing.TB, path string) bool {
	tb.Helper()
	before := a.cacheCountsNow(tb)
	MustStatus(tb, a.Get(tb, path), http.StatusOK)
	h, m := a.cacheCounts(tb)
	switch {
	case h-before[0] == 1 && m == before[1]:
		return true
	case m-before[1] == 1 && h == before[0]:
		return false
	}
	tb.Fatalf("GET %s: %v hits and %v misses", path, h-before[0], m-before[1])
	return false
}

func TestCacheDependencies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		write   func(t *testing.T, app *editorApp)
		dropped []string
	}{
		{
			// An article's edit drops its page, the lists that show it and the
			// campaigns that list it among their latest articles; never /regions,
			// the helplines or the organisations.
			name: "OKItemAndWhatShowsIt",
			write: func(t *testing.T, app *editorApp) {
				patchOK(t, app, "/api/v1/articles/"+cumbriaSlug, obj{"title": "A corrected title"})
			},
			dropped: []string{"/api/v1/articles", "/api/v1/articles/" + cumbriaSlug, "/api/v1/articles?campaign=stop-it-now-deterrence",
				"/api/v1/campaigns/stop-it-now-deterrence", "/api/v1/campaigns/tackling-online-child-sexual-exploitation"},
		},
		{
			// A helpline's new name drops the article pages and lists that show it
			// and the campaigns that name it.
			name: "OKRelatedItemShownByName",
			write: func(t *testing.T, app *editorApp) {
				patchOK(t, app, "/api/v1/helplines/stop-it-now", obj{"name": "Stop It Now! (renamed)"})
			},
			dropped: []string{"/api/v1/articles", "/api/v1/articles/" + cumbriaSlug, "/api/v1/articles?campaign=stop-it-now-deterrence",
				"/api/v1/helplines", "/api/v1/helplines/stop-it-now",
				"/api/v1/campaigns/stop-it-now-deterrence", "/api/v1/campaigns/tackling-online-child-sexual-exploitation"},
		},
		{
			// A helpline no article shows: the articles stay.
			name: "OKUnrelatedItemKeepsOthers",
			write: func(t *testing.T, app *editorApp) {
				patchOK(t, app, "/api/v1/helplines/emergency-999", obj{"description": "Call when a life is at risk."})
			},
			dropped: []string{"/api/v1/helplines", "/api/v1/helplines/emergency-999",
				"/api/v1/campaigns/tackling-online-child-sexual-exploitation"},
		},
		{
			// An organisation's name is shown by the helpline it runs.
			name: "OKOrganisationShownByItsHelpline",
			write: func(t *testing.T, app *editorApp) {
				patchOK(t, app, "/api/v1/organisations/crimestoppers", obj{"name": "Crimestoppers (the charity)"})
			},
			dropped: []string{"/api/v1/organisations", "/api/v1/organisations/crimestoppers", "/api/v1/helplines"},
		},
		{
			// A new item drops its type's lists only.
			name: "OKNewItemDropsItsTypesLists",
			write: func(t *testing.T, app *editorApp) {
				app.MustCreate(t, "/api/v1/organisations", app.Editor, organisationBody("A new partner"))
			},
			dropped: []string{"/api/v1/organisations"},
		},
		{
			// A campaign's new slug drops the list that filters by its old one, its
			// page (now a redirect) and the articles that show it.
			name: "OKItemNamedByAFilter",
			write: func(t *testing.T, app *editorApp) {
				patchOK(t, app, "/api/v1/campaigns/stop-it-now-deterrence", obj{"slug": "stop-it-now-deterrence-campaign"})
			},
			dropped: []string{"/api/v1/articles", "/api/v1/articles/" + cumbriaSlug, "/api/v1/articles?campaign=stop-it-now-deterrence",
				"/api/v1/campaigns/stop-it-now-deterrence"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := MustStartEditorApp(t)
			for _, p := range cachedPaths {
				app.Get(t, p)
				if !app.hit(t, p) {
					t.Fatalf("%s is not cached", p)
				}
			}
			tc.write(t, app)
			for _, p := range cachedPaths {
				if p == "/api/v1/campaigns/stop-it-now-deterrence" && tc.name == "OKItemNamedByAFilter" {
					MustStatus(t, app.Get(t, p), http.StatusMovedPermanently)
					continue
				}
				if p == "/api/v1/articles?campaign=stop-it-now-deterrence" && tc.name == "OKItemNamedByAFilter" {
					MustProblem(t, app.Get(t, p), http.StatusBadRequest, "campaign")
					continue
				}
				dropped := slices.Contains(tc.dropped, p)
				if hit := app.hit(t, p); hit == dropped {
					t.Errorf("%s: served from the cache %v after the write, want %v", p, hit, !dropped)
				}
			}
		})
	}
}

func patchOK(t *testing.T, app *editorApp, path string, body obj) {
	t.Helper()
	resp, _ := app.Write(t, http.MethodPatch, path, app.Editor, body)
	MustStatus(t, resp, http.StatusOK)
}

// TestCacheControlBoundedByNextChange proves that an answer showing whether a line
// is open lets no cache keep it, fresh or stale, past the line's next opening or
// closing: 30 s before Stop It Now! closes, max-age and every stale allowance end
// within 30 s, as rendered and as served from the response cache later; the
// server's own entry expires at the closing instant.
func TestCacheControlBoundedByNextChange(t *testing.T) {
	// Friday 5 February 2027: Stop It Now! closes at 17:00 London time (GMT).
	closing := time.Date(2027, time.February, 5, 17, 0, 0, 0, time.UTC)
	for _, path := range []string{"/api/v1/helplines/stop-it-now", "/api/v1/helplines", "/api/v1/helplines?region=cumbria",
		"/embed/helplines", "/embed/helplines.json"} {
		t.Run(path, func(t *testing.T) {
			app := MustStartApp(t, WithClock(newTestClock(closing.Add(-30*time.Second))))
			for _, step := range []struct {
				at   time.Time
				left int
			}{{closing.Add(-30 * time.Second), 30}, {closing.Add(-12 * time.Second), 12}} {
				app.Clock.Set(step.at)
				resp := app.Get(t, path)
				MustStatus(t, resp, http.StatusOK)
				cc := resp.Header.Get("Cache-Control")
				maxAge, swr, _ := cacheControlMaxAge(cc)
				sie := directive(cc, "stale-if-error")
				if maxAge < 0 || maxAge > step.left || maxAge+max(swr, 0) > step.left || maxAge+max(sie, 0) > step.left {
					t.Errorf("at %s: Cache-Control %q lets a cache keep it past the closing %d s later", step.at.Format(time.TimeOnly), cc, step.left)
				}
			}
			// Served from the cache 12 s before: the second read above was a hit.
			if !app.hit(t, path) {
				t.Error("the answer was not cached before the closing")
			}
			app.Clock.Set(closing)
			if app.hit(t, path) {
				t.Error("the cached answer was served at the closing instant")
			}
		})
	}

	t.Run("OKDefaultWhenNothingChangesSoon", func(t *testing.T) {
		// Monday 10:00: the next change of any seeded line is hours away.
		app := MustStartApp(t)
		cc := app.Get(t, "/api/v1/helplines/stop-it-now").Header.Get("Cache-Control")
		if want := app.Config.CacheControl; cc != want {
			t.Errorf("Cache-Control %q, want the configured %q", cc, want)
		}
	})
}

// directive returns the value of a numeric Cache-Control directive, -1 when absent.
func directive(cc, name string) int {
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		var v int
		if n, err := fmt.Sscanf(d, name+"=%d", &v); err == nil && n == 1 {
			return v
		}
	}
	return -1
}
