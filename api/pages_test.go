package main

// End-to-end tests of the pages for people (/articles/{slug}, /helplines/{slug})
// over HTTP: what they show, their JSON-LD and canonical link, their headers and
// caching, redirects and the not-found page. The browser tests, which check them in
// Chromium with axe-core, are in pages_browser_test.go.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"signpost/handlers"
	"signpost/models/hours"
	"signpost/pages"
	"signpost/widget"
)

// browserAccept is what Chromium sends with a navigation.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// mustPage GETs a page (path may carry headers' name, value pairs after it), checks
// the status and what every page must be, and parses it.
func mustPage(tb testing.TB, app *testApp, path string, status int, headers ...string) (*embedDoc, *http.Response) {
	tb.Helper()
	resp := app.Get(tb, path, headers...)
	MustStatus(tb, resp, status)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		tb.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	doc := mustParseHTML(tb, ReadBody(tb, resp))
	checkPageBasics(tb, doc, resp.Header)
	return doc, resp
}

// checkPageBasics checks what every page must be: English, its Content-Security-
// Policy allowing its one style sheet and its one script (the quick exit's) by hash
// and nothing else, no inline styles, nothing that loads from anywhere (no images,
// style sheets, scripts or frames by URL), no cookies, no Referer, and the quick exit
// first.
func checkPageBasics(tb testing.TB, doc *embedDoc, h http.Header) {
	tb.Helper()
	if h := doc.byTag("html"); len(h) != 1 || func() string { v, _ := attr(h[0], "lang"); return v }() != "en-GB" {
		tb.Errorf("the page must be <html lang=\"en-GB\">")
	}
	if got := h.Get("Content-Security-Policy"); got != pages.CSP {
		tb.Errorf("CSP %q, want %q", got, pages.CSP)
	}
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	var scripts []string
	for _, s := range doc.byTag("script") {
		if typ, _ := attr(s, "type"); typ == "application/ld+json" {
			continue
		}
		if _, ok := attr(s, "src"); ok || s.FirstChild == nil || s.FirstChild.Data != widget.ExitScript {
			tb.Errorf("a <script> that is not the quick exit's")
			continue
		}
		scripts = append(scripts, hash(s.FirstChild.Data))
	}
	if !slices.Equal(scripts, []string{widget.ExitScriptHash}) || !strings.Contains(pages.CSP, "script-src "+widget.ExitScriptHash+";") {
		tb.Errorf("scripts %q: want the quick exit's alone, allowed by its hash", scripts)
	}
	styles := doc.byTag("style")
	if len(styles) != 1 || styles[0].FirstChild == nil || !strings.Contains(pages.CSP, "style-src "+hash(styles[0].FirstChild.Data)+";") {
		tb.Error("want one <style>, allowed by its hash")
	}
	if strings.Contains(pages.CSP, "unsafe-") || !strings.Contains(pages.CSP, "default-src 'none'") || !strings.Contains(pages.CSP, "frame-ancestors 'none'") {
		tb.Errorf("CSP %q", pages.CSP)
	}
	for _, n := range doc.all(func(n *html.Node) bool { _, ok := attr(n, "style"); return ok }) {
		tb.Errorf("inline style attribute on <%s>", n.Data)
	}
	for _, n := range doc.all(func(n *html.Node) bool {
		switch n.Data {
		case "img", "iframe", "object", "embed", "video", "audio", "source", "picture":
			return true
		case "link":
			rel, _ := attr(n, "rel")
			href, _ := attr(n, "href")
			return rel == "stylesheet" || rel == "preload" || rel == "prefetch" || rel == "icon" && href != "data:,"
		}
		return false
	}) {
		tb.Errorf("<%s> would load something: %v", n.Data, n.Attr)
	}
	if c := h.Values("Set-Cookie"); len(c) != 0 {
		tb.Errorf("Set-Cookie %q", c)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		tb.Errorf("Referrer-Policy %q", got)
	}
	exit := doc.byClass("sp-exit")
	links := doc.byTag("a")
	if len(exit) != 1 || len(links) == 0 || links[0] != exit[0] {
		tb.Fatal("the quick exit must be the page's first link")
	}
	if href, _ := attr(exit[0], "href"); href != handlers.DefaultQuickExitURL && !strings.HasSuffix(href, "/weather") {
		tb.Errorf("exit link to %q", href)
	}
	if rel, _ := attr(exit[0], "rel"); rel != "noreferrer" {
		tb.Errorf("exit link rel %q", rel)
	}
}

// jsonLD is the page's one JSON-LD description, decoded.
func jsonLD(tb testing.TB, doc *embedDoc) map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, s := range doc.byTag("script") {
		if typ, _ := attr(s, "type"); typ == "application/ld+json" {
			var v map[string]any
			if s.FirstChild == nil || json.Unmarshal([]byte(s.FirstChild.Data), &v) != nil {
				tb.Fatalf("the JSON-LD is not a JSON object")
			}
			out = append(out, v)
		}
	}
	if len(out) != 1 {
		tb.Fatalf("%d JSON-LD descriptions, want 1", len(out))
	}
	return out[0]
}

// headLink is the href of the <link> with rel (and type, when given).
func headLink(doc *embedDoc, rel, typ string) string {
	for _, l := range doc.byTag("link") {
		r, _ := attr(l, "rel")
		t, _ := attr(l, "type")
		if r == rel && (typ == "" || t == typ) {
			href, _ := attr(l, "href")
			return href
		}
	}
	return ""
}

func ldString(v map[string]any, key string) string {
	s, _ := v[key].(string)
	return s
}

func ldList(v map[string]any, key string) []map[string]any {
	var out []map[string]any
	list, _ := v[key].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func ldStrings(v map[string]any, key string) []string {
	var out []string
	list, _ := v[key].([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// linkTo returns the href of the link whose text is name, or "".
func linkTo(doc *embedDoc, name string) string {
	for _, a := range doc.byTag("a") {
		if text(a) == name {
			href, _ := attr(a, "href")
			return href
		}
	}
	return ""
}

func TestArticlePage(t *testing.T) {
	app := MustStartApp(t)
	path := "/articles/" + feedSeedSlug
	want := feedArticle(t, app, feedSeedSlug)

	t.Run("OK", func(t *testing.T) {
		doc, resp := mustPage(t, app, path, http.StatusOK)
		canonical := app.URL + path
		equal(t, "canonical", headLink(doc, "canonical", ""), canonical)
		equal(t, "alternate", headLink(doc, "alternate", "application/json"), app.URL+"/api/v1/articles/"+feedSeedSlug)
		equal(t, "oEmbed", headLink(doc, "alternate", "application/json+oembed"),
			app.URL+"/oembed?"+url.Values{"format": {"json"}, "url": {canonical}}.Encode())
		equal(t, "title", text(doc.byTag("title")[0]), want.Title+" | Signpost")
		if h1 := doc.byTag("h1"); len(h1) != 1 || text(h1[0]) != want.Title {
			t.Errorf("h1 %q", texts(h1))
		}
		equal(t, "summary", text(doc.byClass("sp-lede")[0]), want.Summary)
		if !strings.Contains(doc.raw, "<h2>What the week achieved</h2>") {
			t.Error("the body's HTML is not on the page")
		}
		body := text(doc.root)
		for _, s := range []string{
			"Children safeguarded: 6", "Warrants executed: 2", "Devices seized: no count given The report says a number of devices were seized",
			"Based on a report by CandoFM News.", "First published by CandoFM", "Regions Cumbria",
			"Topics Indecent images of children, Online child sexual exploitation, Preventing child sexual abuse",
			"Published " + want.PublishedAt.Format("2 January 2006"),
		} {
			if !strings.Contains(body, s) {
				t.Errorf("the page does not say %q", s)
			}
		}
		for _, h := range want.Helplines {
			equal(t, "link to "+h.Name, linkTo(doc, h.Name), app.URL+"/helplines/"+h.Slug)
		}

		ld := jsonLD(t, doc)
		equal(t, "@context", ldString(ld, "@context"), "https://schema.org")
		equal(t, "@type", ldString(ld, "@type"), "NewsArticle")
		equal(t, "headline", ldString(ld, "headline"), want.Title)
		equal(t, "description", ldString(ld, "description"), want.Summary)
		equal(t, "url", ldString(ld, "url"), canonical)
		equal(t, "mainEntityOfPage", ldString(ld, "mainEntityOfPage"), canonical)
		equal(t, "datePublished", ldString(ld, "datePublished"), want.PublishedAt.UTC().Format(time.RFC3339))
		equal(t, "dateModified", ldString(ld, "dateModified"), want.UpdatedAt.UTC().Format(time.RFC3339))
		equal(t, "inLanguage", ldString(ld, "inLanguage"), "en-GB")
		if p, _ := ld["publisher"].(map[string]any); ldString(p, "@type") != "Organization" || ldString(p, "name") != "CandoFM" {
			t.Errorf("publisher %v", ld["publisher"])
		}
		equalSlices(t, "keywords", ldStrings(ld, "keywords"), []string{"Indecent images of children", "Online child sexual exploitation", "Preventing child sexual abuse"})
		if about := ldList(ld, "about"); len(about) != 3 || ldString(about[0], "name") != "Indecent images of children" {
			t.Errorf("about %v", ld["about"])
		}
		if loc := ldList(ld, "contentLocation"); len(loc) != 1 || ldString(loc[0], "name") != "Cumbria" {
			t.Errorf("contentLocation %v", ld["contentLocation"])
		}
		var mentions []string
		for _, m := range ldList(ld, "mentions") {
			mentions = append(mentions, ldString(m, "url"))
		}
		equalSlices(t, "mentions", mentions, []string{app.URL + "/helplines/crimestoppers", app.URL + "/helplines/police-101", app.URL + "/helplines/stop-it-now"})

		if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
			t.Errorf("ETag %q, Last-Modified %q", resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"))
		}
		equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), app.Config.CacheControl)
	})

	t.Run("OKConditional", func(t *testing.T) {
		resp := app.Get(t, path)
		MustStatus(t, app.Get(t, path, "If-None-Match", resp.Header.Get("ETag")), http.StatusNotModified)
		MustStatus(t, app.Get(t, path, "If-Modified-Since", resp.Header.Get("Last-Modified")), http.StatusNotModified)
		head := app.Do(t, http.MethodHead, path, nil)
		MustStatus(t, head, http.StatusOK)
		if len(ReadBody(t, head)) != 0 || head.Header.Get("ETag") != resp.Header.Get("ETag") {
			t.Error("HEAD must be GET without the body")
		}
	})

	t.Run("OKQueryDropped", func(t *testing.T) {
		for _, q := range []string{"?utm_source=newsletter", "?at=2027-01-01T00:00:00Z"} {
			resp := app.Get(t, path+q)
			MustStatus(t, resp, http.StatusMovedPermanently)
			equal(t, "Location", resp.Header.Get("Location"), path)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, accept := range []string{"", "*/*", "application/json", "application/problem+json, text/html;q=0.5"} {
			MustProblem(t, app.Get(t, "/articles/nope", "Accept", accept), http.StatusNotFound, "")
		}
	})

	t.Run("OKNotFoundPage", func(t *testing.T) {
		for _, accept := range []string{browserAccept, "text/html"} {
			doc, resp := mustPage(t, app, "/articles/nope", http.StatusNotFound, "Accept", accept)
			equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), "no-store")
			if resp.Header.Get("ETag") != "" {
				t.Error("a 404 has no ETag")
			}
			if h1 := doc.byTag("h1"); len(h1) != 1 || text(h1[0]) != "Page not found" {
				t.Errorf("h1 %q", texts(h1))
			}
			if !strings.Contains(text(doc.root), "There is no article at this address.") {
				t.Error("the page does not say what is missing")
			}
			// The lines that can help, each with its number as a link.
			equalSlices(t, "lines", cardNames(doc.cards()), []string{"Emergency services (999)", "Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"})
			c := findCard(t, doc.cards(), "Emergency services (999)")
			var hrefs []string
			for _, a := range (&embedDoc{root: c.node}).byTag("a") {
				href, _ := attr(a, "href")
				hrefs = append(hrefs, href)
			}
			equalSlices(t, "999's links", hrefs, []string{app.URL + "/helplines/emergency-999", "tel:999", "tel:18000", "sms:999"})
			equal(t, "link to 999's page", linkTo(doc, "Emergency services (999)"), app.URL+"/helplines/emergency-999")
		}
	})

	key := mustFeedEditorKey(t, app)
	auth := []string{"Authorization", "Bearer " + key}

	t.Run("ErrDraft", func(t *testing.T) {
		slug := mustCreateFeedArticle(t, app, key, feedArticleBody("A draft about Cumbria", "draft"))
		MustProblem(t, app.Get(t, "/articles/"+slug), http.StatusNotFound, "")
		// An editor's key does not widen the page to drafts.
		MustProblem(t, app.Get(t, "/articles/"+slug, auth...), http.StatusNotFound, "")
		mustPage(t, app, "/articles/"+slug, http.StatusNotFound, "Accept", browserAccept)
	})

	t.Run("OKMoved", func(t *testing.T) {
		slug := mustCreateFeedArticle(t, app, key, feedArticleBody("An article that moves", "published"))
		resp := app.DoJSON(t, http.MethodPatch, "/api/v1/articles/"+slug, map[string]any{"slug": "an-article-that-moved"}, nil, auth...)
		MustStatus(t, resp, http.StatusOK)
		resp = app.Get(t, "/articles/"+slug)
		MustStatus(t, resp, http.StatusMovedPermanently)
		equal(t, "Location", resp.Header.Get("Location"), "/articles/an-article-that-moved")
		doc, _ := mustPage(t, app, "/articles/an-article-that-moved", http.StatusOK)
		equal(t, "canonical", headLink(doc, "canonical", ""), app.URL+"/articles/an-article-that-moved")
	})

	t.Run("OKWriteChangesThePage", func(t *testing.T) {
		body := feedArticleBody("Before the change", "published")
		body["helplines"] = []string{"stop-it-now"}
		slug := mustCreateFeedArticle(t, app, key, body)
		first := app.Get(t, "/articles/"+slug)
		MustStatus(t, first, http.StatusOK)
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/articles/"+slug, map[string]any{"title": "After the change"}, nil, auth...), http.StatusOK)
		doc, resp := mustPage(t, app, "/articles/"+slug, http.StatusOK, "If-None-Match", first.Header.Get("ETag"))
		equal(t, "h1", text(doc.byTag("h1")[0]), "After the change")
		if resp.Header.Get("ETag") == first.Header.Get("ETag") {
			t.Error("the ETag did not change")
		}
		// A related helpline's new name shows at once.
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/articles/"+slug, map[string]any{"helplines": []string{"crimestoppers"}}, nil, auth...), http.StatusOK)
		mustPage(t, app, "/articles/"+slug, http.StatusOK)
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/helplines/crimestoppers", map[string]any{"name": "Crimestoppers (renamed)"}, nil, auth...), http.StatusOK)
		doc, _ = mustPage(t, app, "/articles/"+slug, http.StatusOK)
		equal(t, "renamed helpline", linkTo(doc, "Crimestoppers (renamed)"), app.URL+"/helplines/crimestoppers")
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/helplines/crimestoppers", map[string]any{"name": "Crimestoppers"}, nil, auth...), http.StatusOK)
	})

	t.Run("OKHostileContent", func(t *testing.T) {
		body := feedArticleBody(`Title </script><script>alert(1)</script> & "quotes"`, "published")
		body["summary"] = `Summary </SCRIPT ><b>bold</b>`
		body["body_markdown"] = "Text.\n\n![A picture of the station](https://images.example.org/x.png)\n\n<img src=\"https://images.example.org/y.png\" onerror=\"alert(1)\">\n\n<script>alert(2)</script>"
		slug := mustCreateFeedArticle(t, app, key, body)
		doc, _ := mustPage(t, app, "/articles/"+slug, http.StatusOK)
		ld := jsonLD(t, doc)
		equal(t, "headline", ldString(ld, "headline"), `Title </script><script>alert(1)</script> & "quotes"`)
		equal(t, "description", ldString(ld, "description"), `Summary </SCRIPT ><b>bold</b>`)
		if strings.Contains(strings.ToLower(doc.raw), "<script>alert") || strings.Contains(doc.raw, "onerror") {
			t.Error("a script from the content reached the page")
		}
		if len(doc.byTag("img")) != 0 || strings.Contains(doc.raw, "images.example.org") {
			t.Error("a picture in the body would load from another host")
		}
		if !strings.Contains(text(doc.root), "[Picture: A picture of the station]") {
			t.Error("the picture's alt text is gone")
		}
	})
}

// startPagesApp starts the API with its clock at a moment in London.
func startPagesApp(t *testing.T, at time.Time) *testApp {
	t.Helper()
	clock := newTestClock(testEpoch)
	app := MustStartApp(t, WithClock(clock))
	clock.Set(at)
	return app
}

func TestHelplinePage(t *testing.T) {
	app := startPagesApp(t, embedFriday18)
	path := "/helplines/stop-it-now"

	t.Run("OK", func(t *testing.T) {
		doc, resp := mustPage(t, app, path, http.StatusOK)
		canonical := app.URL + path
		equal(t, "canonical", headLink(doc, "canonical", ""), canonical)
		equal(t, "alternate", headLink(doc, "alternate", "application/json"), app.URL+"/api/v1/helplines/stop-it-now")
		equal(t, "h1", text(doc.byTag("h1")[0]), "Stop It Now! helpline")
		equalSlices(t, "badges", texts(doc.byClass("sp-b")), []string{"Closed — opens Monday 9am", "Anonymous", "Confidential"})
		// The limits of those promises come right after the badges.
		badges := doc.byClass("sp-badges")[0]
		next := badges.NextSibling
		for next != nil && next.Type != html.ElementNode {
			next = next.NextSibling
		}
		if next == nil || !hasClass(next, "sp-note") || !strings.HasPrefix(text(next), "Confidentiality: You need not give details that identify you.") {
			t.Error("the confidentiality note must follow the badges")
		}
		links := map[string][2]string{}
		for _, c := range doc.byClass("sp-contacts") {
			for _, a := range (&embedDoc{root: c}).byTag("a") {
				href, _ := attr(a, "href")
				label, _ := attr(a, "aria-label")
				links[text(a)] = [2]string{href, label}
			}
		}
		equal(t, "UK number", links["0808 1000 900"], [2]string{"tel:+448081000900", "Call Stop It Now! helpline on 0808 1000 900"})
		equal(t, "Irish number", links["+44 1372 847 161"][0], "tel:+441372847161")
		equal(t, "chat", links["Live chat on stopitnow.org.uk"][0], "https://stopitnow.org.uk")
		page := text(doc.root)
		for _, s := range []string{
			"Run by Lucy Faithfull Foundation", "Free from the UK", "Your phone provider's charges apply",
			"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)", "Who it is for", "Professionals",
			"Languages English, Welsh", "Covers United Kingdom, Ireland", "Details last checked: not recorded",
		} {
			if !strings.Contains(page, s) {
				t.Errorf("the page does not say %q", s)
			}
		}

		ld := jsonLD(t, doc)
		equal(t, "@type", ldString(ld, "@type"), "Organization")
		equal(t, "name", ldString(ld, "name"), "Stop It Now! helpline")
		equal(t, "url", ldString(ld, "url"), canonical)
		equalSlices(t, "sameAs", ldStrings(ld, "sameAs"), []string{"https://stopitnow.org.uk"})
		equalSlices(t, "areaServed", ldStrings(ld, "areaServed"), []string{"United Kingdom", "Ireland"})
		if p, _ := ld["parentOrganization"].(map[string]any); ldString(p, "name") != "Lucy Faithfull Foundation" {
			t.Errorf("parentOrganization %v", ld["parentOrganization"])
		}
		points := ldList(ld, "contactPoint")
		if len(points) != 4 {
			t.Fatalf("%d contact points, want one for each of the 4 contacts", len(points))
		}
		uk := points[0]
		equal(t, "@type", ldString(uk, "@type"), "ContactPoint")
		equal(t, "telephone", ldString(uk, "telephone"), "+448081000900")
		equal(t, "contactType", ldString(uk, "contactType"), "Helpline (UK)")
		equalSlices(t, "availableLanguage", ldStrings(uk, "availableLanguage"), []string{"en", "cy"})
		equalSlices(t, "contact's areaServed", ldStrings(uk, "areaServed"), []string{"United Kingdom", "Ireland"})
		spec := ldList(uk, "hoursAvailable")
		if len(spec) != 2 {
			t.Fatalf("hoursAvailable %v", uk["hoursAvailable"])
		}
		equal(t, "@type", ldString(spec[0], "@type"), "OpeningHoursSpecification")
		equalSlices(t, "Monday to Thursday", ldStrings(spec[0], "dayOfWeek"),
			[]string{"https://schema.org/Monday", "https://schema.org/Tuesday", "https://schema.org/Wednesday", "https://schema.org/Thursday"})
		equal(t, "opens", ldString(spec[0], "opens"), "09:00")
		equal(t, "closes", ldString(spec[0], "closes"), "21:00")
		equalSlices(t, "Friday", ldStrings(spec[1], "dayOfWeek"), []string{"https://schema.org/Friday"})
		equal(t, "closes Friday", ldString(spec[1], "closes"), "17:00")
		equal(t, "Irish number", ldString(points[1], "telephone"), "+441372847161")
		// The chat's hours are not published: it says none.
		equal(t, "chat", ldString(points[2], "url"), "https://stopitnow.org.uk")
		if _, ok := points[2]["hoursAvailable"]; ok {
			t.Error("the chat's hours are not published, so none may be given")
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
			t.Error("no ETag or Last-Modified")
		}
	})

	t.Run("OKShortNumbersAndAlwaysOpen", func(t *testing.T) {
		doc, _ := mustPage(t, app, "/helplines/emergency-999", http.StatusOK)
		ld := jsonLD(t, doc)
		var phones, options []string
		for _, p := range ldList(ld, "contactPoint") {
			phones = append(phones, ldString(p, "telephone"))
			options = append(options, strings.Join(ldStrings(p, "contactOption"), ","))
		}
		// A short number has no E.164 form: it is given as dialled.
		if len(phones) < 2 || phones[0] != "999" || phones[1] != "18000" || options[1] != "HearingImpairedSupported" {
			t.Errorf("telephones %q, options %q", phones, options)
		}
		h := ldList(ldList(ld, "contactPoint")[0], "hoursAvailable")
		if len(h) != 1 || len(ldStrings(h[0], "dayOfWeek")) != 7 || ldString(h[0], "opens") != "00:00" || ldString(h[0], "closes") != "23:59" {
			t.Errorf("24 hours: %v", h)
		}
		equalSlices(t, "badges", texts(doc.byClass("sp-b")), []string{"Open 24 hours"})
	})

	t.Run("OKOpenStateExpires", func(t *testing.T) {
		// Friday 16:59:30: open, and closing in 30 seconds; no cache may keep the
		// page past 5pm, and at 5pm it says closed.
		app := startPagesApp(t, time.Date(2027, 2, 5, 16, 59, 30, 0, time.UTC))
		doc, resp := mustPage(t, app, path, http.StatusOK)
		equal(t, "badge", texts(doc.byClass("sp-b"))[0], "Open now — closes 5pm")
		equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), "public, max-age=30")
		app.Clock.Set(time.Date(2027, 2, 5, 17, 0, 0, 0, time.UTC))
		doc, _ = mustPage(t, app, path, http.StatusOK)
		equal(t, "badge at 5pm", texts(doc.byClass("sp-b"))[0], "Closed — opens Monday 9am")
	})

	t.Run("OKTimeZone", func(t *testing.T) {
		// A line in New York, seen at 18:00 in London (13:00 in New York): the
		// words are New York's.
		app.MustInsertHelpline(t, HelplineRow{Slug: "new-york-line", Name: "A New York line", Coverage: []string{"united-kingdom"},
			Contacts: []string{"web"}, Hours: hoursIn("America/New_York", "09:00", "14:00")})
		doc, _ := mustPage(t, app, "/helplines/new-york-line", http.StatusOK)
		equal(t, "badge", texts(doc.byClass("sp-b"))[0], "Open now — closes 2pm")
	})

	t.Run("OKMovedAndQuery", func(t *testing.T) {
		app := startPagesApp(t, embedFriday18)
		key := mustFeedEditorKey(t, app)
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/helplines/police-101", map[string]any{"slug": "police-non-emergency"}, nil,
			"Authorization", "Bearer "+key), http.StatusOK)
		resp := app.Get(t, "/helplines/police-101")
		MustStatus(t, resp, http.StatusMovedPermanently)
		equal(t, "Location", resp.Header.Get("Location"), "/helplines/police-non-emergency")
		resp = app.Get(t, "/helplines/police-non-emergency?ref=school")
		MustStatus(t, resp, http.StatusMovedPermanently)
		equal(t, "Location", resp.Header.Get("Location"), "/helplines/police-non-emergency")
		// Organisation names show on the page; a change to one shows at once.
		mustPage(t, app, path, http.StatusOK)
		MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/organisations/lucy-faithfull-foundation", map[string]any{"name": "The Lucy Faithfull Foundation"}, nil,
			"Authorization", "Bearer "+key), http.StatusOK)
		doc, _ := mustPage(t, app, path, http.StatusOK)
		if !strings.Contains(text(doc.root), "Run by The Lucy Faithfull Foundation") {
			t.Error("the operator's new name is not on the page")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		app.MustInsertHelpline(t, HelplineRow{Slug: "a-draft-line", Name: "A draft line", Status: "draft", Coverage: []string{"united-kingdom"}})
		for _, slug := range []string{"nope", "a-draft-line"} {
			MustProblem(t, app.Get(t, "/helplines/"+slug), http.StatusNotFound, "")
			doc, _ := mustPage(t, app, "/helplines/"+slug, http.StatusNotFound, "Accept", browserAccept)
			if !strings.Contains(text(doc.root), "There is no helpline at this address.") {
				t.Error("the page does not say what is missing")
			}
		}
	})
}

// TestPagesOEmbed checks oEmbed for the pages: a link with the title and who
// publishes or runs the item.
func TestPagesOEmbed(t *testing.T) {
	app := MustStartApp(t)
	get := func(page string) *http.Response {
		return app.Get(t, "/oembed?"+url.Values{"url": {page}}.Encode())
	}
	for page, want := range map[string]handlers.OEmbed{
		app.URL + "/articles/" + feedSeedSlug:             {Title: "Cumbria Police week of action on online child abuse images: six children safeguarded", AuthorName: "CandoFM"},
		app.URL + "/helplines/stop-it-now":                {Title: "Stop It Now! helpline", AuthorName: "Lucy Faithfull Foundation"},
		app.URL + "/helplines/crimestoppers?utm_source=x": {Title: "Crimestoppers", AuthorName: "Crimestoppers"},
	} {
		var got handlers.OEmbed
		resp := get(page)
		MustStatus(t, resp, http.StatusOK)
		if err := json.Unmarshal(ReadBody(t, resp), &got); err != nil {
			t.Fatal(err)
		}
		want.Type, want.Version, want.ProviderName, want.ProviderURL, want.CacheAge = "link", "1.0", "Signpost", app.URL, 3600
		equal(t, page, got, want)
	}
	for _, page := range []string{app.URL + "/articles/nope", app.URL + "/helplines/nope", app.URL + "/helplines/", app.URL + "/helplines/a/b",
		"https://elsewhere.example.org/helplines/stop-it-now"} {
		MustProblem(t, get(page), http.StatusNotFound, "")
	}
}

// hoursIn is hours open every day from opens to closes in a time zone.
func hoursIn(zone, opens, closes string) hours.Schedule {
	return hours.Schedule{Timezone: zone, Weekly: []hours.Interval{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Opens: opens, Closes: closes}}}
}
