package main

// Browser tests of the pages for people (/articles/{slug}, /helplines/{slug}) in
// headless Chromium: zero axe-core violations at 320 and 1024 CSS pixels, no
// sideways scrolling, no cookies or storage, no request to any host but the API's
// and no console errors, the page whole with JavaScript off, and the quick exit,
// which replaces the page in the history where JavaScript runs and is a plain link
// where it does not, and never tells the neutral site where the visitor was. They
// use the harness of embed_browser_test.go and skip or fail as those tests do.

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// openPage loads one of the API's own pages in the tab, at width CSS pixels.
func (b *browserTab) openPage(path string, width int64) {
	b.t.Helper()
	b.viewport(width, 1)
	run(b, "navigate to "+path, chromedp.Navigate(b.e.app.URL+path))
}

func TestPagesBrowser(t *testing.T) {
	e := startEmbedEnv(t)
	article := "/articles/" + feedSeedSlug
	pagePaths := []string{article, "/helplines/stop-it-now", "/helplines/emergency-999"}

	for _, path := range pagePaths {
		for _, width := range []int64{1024, 320} {
			t.Run("OK"+path+"/"+itoa(width), func(t *testing.T) {
				b := e.newTab(t)
				b.openPage(path, width)
				main, frame := b.worlds()
				if frame != nil {
					t.Fatal("the page has a frame")
				}
				checkAxe(t, main, path+" at "+itoa(width)+"px")
				checkReflow(t, main, path+" at "+itoa(width)+"px")
				checkPrivate(t, b, main)
				b.screenshot("page" + strings.ReplaceAll(path, "/", "-") + "-" + itoa(width) + ".png")
				b.checkClean()
				if got := b.apiRequests(); !slices.Equal(got, []string{path}) {
					t.Errorf("requests %q, want the page alone", got)
				}
				// The quick exit is the first stop for the keyboard.
				run(b, "press Tab", chromedp.KeyEvent(kb.Tab))
				if f := eval[*focused](main, focusJS, false); f == nil || f.Text != "Exit this page" || f.Style == "none" || f.Contrast < 3 {
					t.Errorf("the first Tab stop is %+v, want the exit link with a visible focus", f)
				}
			})
		}
	}

	t.Run("OKZoom", func(t *testing.T) {
		b := e.newTab(t)
		for _, path := range pagePaths {
			b.openPage(path, 1024)
			main, _ := b.worlds()
			checkZoom(t, b, main, path)
		}
		b.checkClean()
	})

	t.Run("OKKeyboard", func(t *testing.T) {
		b := e.newTab(t)
		b.openPage("/helplines/stop-it-now", 1024)
		main, _ := b.worlds()
		checkKeyboard(t, b, main, "document")
		b.checkClean()
	})

	t.Run("OKNotFoundPage", func(t *testing.T) {
		b := e.newTab(t)
		b.openPage("/helplines/nope", 320)
		main, _ := b.worlds()
		if h1 := eval[string](main, `document.querySelector("h1").textContent`, false); h1 != "Page not found" {
			t.Errorf("h1 %q", h1)
		}
		checkAxe(t, main, "the not-found page")
		checkReflow(t, main, "the not-found page at 320px")
		checkPrivate(t, b, main)
		b.checkClean("HTTP 404: "+e.app.URL+"/helplines/nope", "status of 404 (Not Found) "+e.app.URL+"/helplines/nope")
	})

	// With JavaScript off the page is all there, and the exit still leaves: as a
	// plain link, which adds a history entry, and without a Referer.
	t.Run("OKNoJavaScript", func(t *testing.T) {
		b := e.newTab(t)
		call(b, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		b.openPage("/helplines/stop-it-now", 320)
		badge := run(b, "read the badge", chromedp.Text(chromedp.CSS(".sp-b")))
		phone := run(b, "read the first contact", chromedp.AttributeValue(chromedp.CSS(".sp-contacts a"), "href")).Value
		exitHref := run(b, "read the exit link", chromedp.AttributeValue(chromedp.CSS(".sp-exit"), "href")).Value
		equal(t, "badge", badge, "Closed — opens Monday 9am")
		equal(t, "first contact", phone, "tel:+448081000900")
		equal(t, "exit", exitHref, e.neutral.URL+"/weather")
		before := run(b, "read the history", chromedp.NavigationEntries())
		e.takeReferers()
		run(b, "click the exit", chromedp.Click(chromedp.CSS(".sp-exit")))
		b.waitLocation(e.neutral.URL + "/weather")
		e.checkNoReferer(t)
		after := run(b, "read the history", chromedp.NavigationEntries())
		if len(after.Entries) != len(before.Entries)+1 {
			t.Errorf("history went from %d to %d entries; a plain link adds one", len(before.Entries), len(after.Entries))
		}
		b.checkClean()
	})

	// Where JavaScript runs, the exit replaces the page, so that Back goes to the
	// page before it; by mouse, Enter or Space.
	for _, how := range []string{"click", "Enter", "Space"} {
		t.Run("OKQuickExit/"+how, func(t *testing.T) {
			b := e.newTab(t)
			b.viewport(1024, 1)
			run(b, "navigate to the page before", chromedp.Navigate(e.partner.URL+"/before"))
			b.openPage(article, 1024)
			main, _ := b.worlds()
			before := run(b, "read the history", chromedp.NavigationEntries())
			e.takeReferers()
			switch how {
			case "click":
				run(b, "click the exit", chromedp.Click(chromedp.CSS(".sp-exit")))
			default:
				run(b, "press Tab", chromedp.KeyEvent(kb.Tab))
				key := kb.Enter
				if how == "Space" {
					key = " "
				}
				run(b, "press "+how, chromedp.KeyEvent(key))
			}
			b.waitLocation(e.neutral.URL + "/weather")
			e.checkNoReferer(t)
			after := run(b, "read the history", chromedp.NavigationEntries())
			if len(after.Entries) != len(before.Entries) {
				t.Errorf("history went from %d to %d entries; the exit must replace the page", len(before.Entries), len(after.Entries))
			}
			for _, en := range after.Entries {
				if strings.HasPrefix(en.URL, e.app.URL) {
					t.Errorf("the page is still in the history: %s", en.URL)
				}
			}
			main, _ = b.worlds()
			eval[chromedp.Void](main, `history.back();0`, true)
			b.waitLocation(e.partner.URL + "/before")
			b.checkClean()
		})
	}

	// The cards' "More about" links, in both widgets, open the line's page.
	t.Run("OKMoreLinks", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/iframe?region=cumbria", 1024)
		_, frame := b.worlds()
		fromFrame := eval[[]string](*frame, `Array.prototype.map.call(document.querySelectorAll(".sp-more a"),function(a){return a.href+" "+a.target+" "+a.rel})`, false)
		b.open("/script?region=cumbria", 1024)
		main, _ := b.worlds()
		fromScript := eval[[]string](main, `Array.prototype.map.call(`+shadowRoot+`.querySelectorAll(".sp-more a"),function(a){return a.href+" "+a.target+" "+a.rel})`, false)
		want := []string{}
		for _, slug := range []string{"crimestoppers", "police-101", "stop-it-now"} {
			want = append(want, e.app.URL+"/helplines/"+slug+" _blank noopener noreferrer")
		}
		equalSlices(t, "iframe's links", fromFrame, want)
		equalSlices(t, "script's links", fromScript, want)
		b.checkClean()
	})

	// Over the widget's limit, the script's baked lines link to the pages too.
	t.Run("OKMoreLinksFallback", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/script?region=atlantis", 1024)
		main, _ := b.worlds()
		got := eval[[]string](main, `Array.prototype.map.call(`+shadowRoot+`.querySelectorAll(".sp-more a"),function(a){return a.href})`, false)
		equalSlices(t, "fallback links", got, []string{e.app.URL + "/helplines/crimestoppers", e.app.URL + "/helplines/police-101", e.app.URL + "/helplines/stop-it-now"})
		b.checkClean("/embed/helplines.json", `Signpost helplines: Invalid parameter "region"`)
	})
}
