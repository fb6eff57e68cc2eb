package main

// End-to-end tests of the article feeds (/feeds/articles.rss, .atom, .json). Every
// feed is read by gofeed, a feed parser that shares no code with gorilla/feeds, so
// the tests see what a feed reader sees. Responses also pass the OpenAPI check of
// app_test.go: the JSON Feed against its schema, RSS and Atom (described as strings)
// for status, headers and media type.

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/mmcdole/gofeed"

	"signpost/handlers"
	"signpost/models"
)

func init() {
	// kin-openapi has no XML decoder; the document describes the RSS and Atom bodies as
	// strings, so they are read as text. application/feed+json falls back to JSON.
	openapi3filter.RegisterBodyDecoder("application/rss+xml", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/atom+xml", openapi3filter.PlainBodyDecoder)
}

// feedFormat is one of the three feeds and what gofeed must make of it.
type feedFormat struct {
	name, path  string
	contentType string // exactly, with its charset
	typ         string // gofeed's FeedType
	version     string // gofeed's FeedVersion
}

var feedFormats = []feedFormat{
	{"RSS", "/feeds/articles.rss", "application/rss+xml; charset=utf-8", "rss", "2.0"},
	{"Atom", "/feeds/articles.atom", "application/atom+xml; charset=utf-8", "atom", "1.0"},
	{"JSONFeed", "/feeds/articles.json", "application/feed+json; charset=utf-8", "json", "https://jsonfeed.org/version/1.1"},
}

const feedSeedSlug = "cumbria-week-of-action-online-child-sexual-abuse"

// MustParseFeed GETs a feed (path may carry a query), checks that it is a 200 of the
// format's media type, and parses it with gofeed.
func MustParseFeed(tb testing.TB, app *testApp, f feedFormat, query string, headers ...string) (*gofeed.Feed, *http.Response) {
	tb.Helper()
	path := f.path
	if query != "" {
		path += "?" + query
	}
	resp := app.Get(tb, path, headers...)
	MustStatus(tb, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != f.contentType {
		tb.Fatalf("GET %s: Content-Type %q, want %q", path, ct, f.contentType)
	}
	body := ReadBody(tb, resp)
	feed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		tb.Fatalf("GET %s: gofeed cannot parse the feed: %v\n%s", path, err, truncate(body))
	}
	if feed.FeedType != f.typ || feed.FeedVersion != f.version {
		tb.Fatalf("GET %s: gofeed sees %s %s, want %s %s", path, feed.FeedType, feed.FeedVersion, f.typ, f.version)
	}
	return feed, resp
}

// feedItem returns the item that links to the page of the article with slug, or nil.
func feedItem(app *testApp, feed *gofeed.Feed, slug string) *gofeed.Item {
	link := app.Config.PublicURL + "/articles/" + slug
	for _, it := range feed.Items {
		if it.Link == link {
			return it
		}
	}
	return nil
}

// feedLinks are the links of a feed's items, in order.
func feedLinks(feed *gofeed.Feed) []string {
	out := make([]string, len(feed.Items))
	for i, it := range feed.Items {
		out[i] = it.Link
	}
	return out
}

// feedArticle is the public JSON of one article, the reference the feeds must match.
func feedArticle(tb testing.TB, app *testApp, slug string) handlers.Article {
	tb.Helper()
	var got struct{ Data handlers.Article }
	MustStatus(tb, app.GetJSON(tb, "/api/v1/articles/"+slug, &got), http.StatusOK)
	return got.Data
}

// mustFeedEditorKey creates an editor key in the app's store.
func mustFeedEditorKey(tb testing.TB, app *testApp) string {
	tb.Helper()
	key, err := app.Store.CreateKey(context.Background(), "feed-editor", models.ScopeEditor)
	if err != nil {
		tb.Fatalf("create key: %v", err)
	}
	return key
}

// mustCreateFeedArticle POSTs an article as the editor and returns its slug.
func mustCreateFeedArticle(tb testing.TB, app *testApp, key string, body map[string]any) string {
	tb.Helper()
	var out struct{ Data handlers.Article }
	resp := app.DoJSON(tb, http.MethodPost, "/api/v1/articles", body, &out, "Authorization", "Bearer "+key)
	MustStatus(tb, resp, http.StatusCreated)
	return out.Data.Slug
}

func feedArticleBody(title, status string) map[string]any {
	return map[string]any{
		"title":         title,
		"summary":       "A summary of " + title + ".",
		"body_markdown": "## What happened\n\nOfficers executed *two* warrants.",
		"status":        status,
		"source":        map[string]any{"publisher": "candofm", "url": "https://example.org/news/1", "attribution": "Based on a CandoFM report."},
		"regions":       []string{"cumbria"},
		"topics":        []string{"reporting-crime"},
	}
}

// TestFeedOK checks each feed of the seed content as a feed reader sees it.
func TestFeedOK(t *testing.T) {
	app := MustStartApp(t)
	want := feedArticle(t, app, feedSeedSlug)
	var guids []string
	for _, f := range feedFormats {
		t.Run(f.name, func(t *testing.T) {
			feed, resp := MustParseFeed(t, app, f, "")
			if feed.Title == "" || len(feed.Items) == 0 {
				t.Fatalf("feed title %q, %d items", feed.Title, len(feed.Items))
			}
			it := feedItem(app, feed, feedSeedSlug)
			if it == nil {
				t.Fatalf("no item links to the seed article; links %q", feedLinks(feed))
			}
			equal(t, "title", it.Title, want.Title)
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(want.PublishedAt.Truncate(time.Second)) {
				t.Errorf("published %v, want %v", it.PublishedParsed, want.PublishedAt)
			}
			// RSS 2.0 has no time of an item's last change.
			if f.typ != "rss" && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(want.UpdatedAt.Truncate(time.Second))) {
				t.Errorf("updated %v (%q), want %v", it.UpdatedParsed, it.Updated, want.UpdatedAt)
			}
			equal(t, "content", it.Content, *want.BodyHTML)
			if !strings.Contains(it.Content, "<h2>What the week achieved</h2>") {
				t.Errorf("content is not the body's HTML: %s", it.Content)
			}
			summary := it.Description
			if f.typ == "rss" {
				summary = html.UnescapeString(summary) // an RSS description is HTML
			}
			equal(t, "summary", summary, want.Summary)
			if !strings.HasPrefix(it.GUID, "tag:localhost,") {
				t.Errorf("guid %q, want a tag: URI", it.GUID)
			}
			guids = append(guids, it.GUID)

			if resp.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), app.Config.CacheControl)
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary %q", resp.Header.Get("Vary"))
			}
			equal(t, "Referrer-Policy", resp.Header.Get("Referrer-Policy"), "no-referrer")
			equal(t, "X-Content-Type-Options", resp.Header.Get("X-Content-Type-Options"), "nosniff")
		})
	}
	if len(guids) == len(feedFormats) && (guids[0] != guids[1] || guids[1] != guids[2]) {
		t.Errorf("the formats disagree on the article's id: %q", guids)
	}

	t.Run("JSONFeedFields", func(t *testing.T) {
		resp := app.Get(t, "/feeds/articles.json?region=cumbria")
		MustStatus(t, resp, http.StatusOK)
		var feed handlers.JSONFeed
		if err := json.Unmarshal(ReadBody(t, resp), &feed); err != nil {
			t.Fatal(err)
		}
		equal(t, "version", feed.Version, "https://jsonfeed.org/version/1.1")
		equal(t, "feed_url", feed.FeedURL, app.Config.PublicURL+"/feeds/articles.json?region=cumbria")
		equal(t, "home_page_url", feed.HomePageURL, app.Config.PublicURL+"/api/v1/articles?region=cumbria")
		equal(t, "language", feed.Language, "en-GB")
		if len(feed.Items) != 1 {
			t.Fatalf("%d items, want the seed article", len(feed.Items))
		}
		it := feed.Items[0]
		equal(t, "content_text", it.ContentText, *want.BodyText)
		equal(t, "language", it.Language, "en-GB")
		if len(it.Authors) != 1 || it.Authors[0].Name != want.Source.Publisher.Name {
			t.Errorf("authors %+v, want the publisher %q", it.Authors, want.Source.Publisher.Name)
		}
		for _, tag := range []string{"Cumbria", "Indecent images of children"} {
			if !slices.Contains(it.Tags, tag) {
				t.Errorf("tags %q lack %q", it.Tags, tag)
			}
		}
	})

	t.Run("AtomSelfLink", func(t *testing.T) {
		feed, _ := MustParseFeed(t, app, feedFormats[1], "topic=indecent-images-of-children")
		equal(t, "feed link", feed.FeedLink, app.Config.PublicURL+"/feeds/articles.atom?topic=indecent-images-of-children")
	})
}

// TestFeedFilters checks that the feeds take the article list's filters.
func TestFeedFilters(t *testing.T) {
	app := MustStartApp(t)
	app.Clock.Add(time.Hour)
	app.MustInsertArticle(t, ArticleRow{Slug: "kent-news", Title: "Kent news", Summary: "In Kent.", BodyText: "Kent.",
		Regions: []string{"kent"}, Topics: []string{"reporting-crime"}})
	app.Clock.Add(time.Hour)
	app.MustInsertArticle(t, ArticleRow{Slug: "uk-news", Title: "UK news", Summary: "UK-wide.", BodyText: "Everywhere.",
		Regions: []string{"united-kingdom"}})
	base := app.Config.PublicURL + "/articles/"
	cases := []struct {
		name, query string
		want        []string
	}{
		{"OKAll", "", []string{"uk-news", "kent-news", feedSeedSlug}},
		{"OKRegionCumbria", "region=cumbria", []string{feedSeedSlug}},
		{"OKRegionKent", "region=kent", []string{"kent-news"}},
		{"OKRegionKentNoSeed", "region=kent&topic=indecent-images-of-children", nil},
		{"OKTopic", "topic=indecent-images-of-children", []string{feedSeedSlug}},
		{"OKCampaign", "campaign=stop-it-now-deterrence", []string{feedSeedSlug}},
		{"OKOrganisation", "organisation=candofm", []string{feedSeedSlug}},
		{"OKPublishedAfter", "published_after=" + url.QueryEscape(testEpoch.Add(90*time.Minute).Format(time.RFC3339)), []string{"uk-news"}},
		{"OKPublishedBefore", "published_before=" + url.QueryEscape(testEpoch.Add(time.Minute).Format(time.RFC3339)), []string{feedSeedSlug}},
		{"OKSearch", "q=intensification", []string{feedSeedSlug}},
		{"OKLimit", "limit=2", []string{"uk-news", "kent-news"}},
	}
	for _, f := range feedFormats {
		for _, tc := range cases {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				searchPathOnPostgres(t, "?"+tc.query)
				feed, _ := MustParseFeed(t, app, f, tc.query)
				want := make([]string, len(tc.want))
				for i, s := range tc.want {
					want[i] = base + s
				}
				if got := feedLinks(feed); !slices.Equal(got, want) {
					t.Errorf("items %q, want %q", got, want)
				}
			})
		}
	}

	t.Run("OKDefaultLimit", func(t *testing.T) {
		app := MustStartApp(t) // side writes before the first read, so no cache has seen the old content
		for i := range 27 {
			app.MustInsertArticle(t, ArticleRow{Slug: "many-" + string(rune('a'+i)), Title: "Many", Summary: "Many.", BodyText: "Many."})
		}
		for _, f := range feedFormats {
			feed, _ := MustParseFeed(t, app, f, "")
			equal(t, f.name+" items", len(feed.Items), models.DefaultLimit)
			feed, _ = MustParseFeed(t, app, f, "limit=100")
			equal(t, f.name+" items with limit=100", len(feed.Items), 28)
		}
	})
}

// TestFeedUnpublished checks that drafts, archived and future scheduled articles
// never appear in a feed, not even for a request that carries an editor's key, and
// that a scheduled article appears once its time has come.
func TestFeedUnpublished(t *testing.T) {
	app := MustStartApp(t)
	key := mustFeedEditorKey(t, app)
	published := mustCreateFeedArticle(t, app, key, feedArticleBody("A published article", "published"))
	draft := mustCreateFeedArticle(t, app, key, feedArticleBody("A draft article", "draft"))
	archived := mustCreateFeedArticle(t, app, key, feedArticleBody("An archived article", "archived"))
	body := feedArticleBody("A scheduled article", "scheduled")
	at := testEpoch.Add(2 * time.Hour)
	body["publish_at"] = at.Format(time.RFC3339)
	scheduled := mustCreateFeedArticle(t, app, key, body)

	for _, f := range feedFormats {
		t.Run(f.name, func(t *testing.T) {
			app.Clock.Set(testEpoch)
			for _, headers := range [][]string{nil, {"Authorization", "Bearer " + key}} {
				feed, _ := MustParseFeed(t, app, f, "limit=100", headers...)
				if feedItem(app, feed, published) == nil {
					t.Errorf("the published article is missing: %q", feedLinks(feed))
				}
				for _, slug := range []string{draft, archived, scheduled} {
					if feedItem(app, feed, slug) != nil {
						t.Errorf("%s is in the feed (key sent: %v)", slug, headers != nil)
					}
				}
			}
			app.Clock.Set(at.Add(time.Minute))
			feed, _ := MustParseFeed(t, app, f, "limit=100")
			it := feedItem(app, feed, scheduled)
			if it == nil {
				t.Fatalf("the scheduled article is missing after its time: %q", feedLinks(feed))
			}
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(at) {
				t.Errorf("published %v, want %v", it.PublishedParsed, at)
			}
			if feed.Items[0] != it {
				t.Errorf("the newest article is not first: %q", feedLinks(feed))
			}
		})
	}
}

// TestFeedBadInput checks that the feeds refuse what the article list refuses.
func TestFeedBadInput(t *testing.T) {
	app := MustStartApp(t)
	cases := []struct{ name, query, field string }{
		{"ErrLimitZero", "limit=0", "limit"},
		{"ErrLimitTooBig", "limit=101", "limit"},
		{"ErrLimitNotNumber", "limit=ten", "limit"},
		{"ErrUnknownRegion", "region=atlantis", "region"},
		{"ErrBadSlug", "topic=Not%20A%20Slug", "topic"},
		{"ErrUnknownParameter", "regoin=cumbria", "regoin"},
		{"ErrCursor", "cursor=abc", "cursor"},
		{"ErrRepeated", "region=cumbria&region=kent", "region"},
		{"ErrEmpty", "region=", "region"},
		{"ErrBadDate", "published_after=yesterday", "published_after"},
		{"ErrBadSearch", "q=%22unbalanced", "q"},
	}
	for _, f := range feedFormats {
		for _, tc := range cases {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				MustProblem(t, app.Get(t, f.path+"?"+tc.query), http.StatusBadRequest, tc.field)
			})
		}
	}
}

// TestFeedETag checks conditional GETs of the feeds, and that a write changes them.
func TestFeedETag(t *testing.T) {
	app := MustStartApp(t)
	key := mustFeedEditorKey(t, app)
	etags := map[string]string{}
	for _, f := range feedFormats {
		t.Run(f.name, func(t *testing.T) {
			_, resp := MustParseFeed(t, app, f, "region=cumbria")
			etag := resp.Header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) {
				t.Fatalf("ETag %q is not a strong tag", etag)
			}
			_, again := MustParseFeed(t, app, f, "region=cumbria")
			equal(t, "ETag of an unchanged feed", again.Header.Get("ETag"), etag)
			nm := app.Get(t, f.path+"?region=cumbria", "If-None-Match", etag)
			MustStatus(t, nm, http.StatusNotModified)
			if b := ReadBody(t, nm); len(b) != 0 {
				t.Errorf("a 304 with %d bytes", len(b))
			}
			MustStatus(t, app.Get(t, f.path+"?region=cumbria", "If-None-Match", `"other"`), http.StatusOK)
			etags[f.name] = etag
		})
	}
	mustCreateFeedArticle(t, app, key, feedArticleBody("News from Cumbria", "published"))
	for _, f := range feedFormats {
		t.Run(f.name+"/OKChanged", func(t *testing.T) {
			resp := app.Get(t, f.path+"?region=cumbria", "If-None-Match", etags[f.name])
			MustStatus(t, resp, http.StatusOK)
			if resp.Header.Get("ETag") == etags[f.name] {
				t.Error("the ETag did not change with the feed")
			}
		})
	}
}

// TestFeedEscaping checks that text which XML must escape, emoji and right-to-left
// text come through each feed intact, and that the body is the sanitised HTML.
func TestFeedEscaping(t *testing.T) {
	app := MustStartApp(t)
	key := mustFeedEditorKey(t, app)
	title := `Fish & chips <b>not bold</b> "quoted" 'single' ]]> 🛟👩🏽‍⚕️ مرحبا بالعالم ‏שלום עולם`
	summary := `A < B & C > D; ]]> <script>alert(1)</script> 🧒 — تحذير`
	body := feedArticleBody(title, "published")
	body["summary"] = summary
	body["body_markdown"] = "Fish & chips < 3 > 2 🛟\n\n**مرحبا بالعالم** and ]]> in text\n\n" +
		"<script>alert('x')</script>\n\n<img src=\"https://example.org/x.png\" onerror=\"alert(1)\">\n\n[a link](javascript:alert(1))"
	slug := mustCreateFeedArticle(t, app, key, body)
	want := feedArticle(t, app, slug)
	if want.Title != title || want.Summary != summary {
		t.Fatalf("the API changed the text: %q, %q", want.Title, want.Summary)
	}
	for _, f := range feedFormats {
		t.Run(f.name, func(t *testing.T) {
			feed, _ := MustParseFeed(t, app, f, "")
			it := feedItem(app, feed, slug)
			if it == nil {
				t.Fatalf("no item for %s: %q", slug, feedLinks(feed))
			}
			equal(t, "title", it.Title, title)
			got := it.Description
			if f.typ == "rss" {
				got = html.UnescapeString(got)
			}
			equal(t, "summary", got, summary)
			equal(t, "content", it.Content, *want.BodyHTML)
			for _, bad := range []string{"<script", "onerror", "javascript:"} {
				if strings.Contains(strings.ToLower(it.Content), bad) {
					t.Errorf("content has %q: %s", bad, it.Content)
				}
			}
			for _, good := range []string{"Fish &amp; chips &lt; 3 &gt; 2 🛟", "<strong>مرحبا بالعالم</strong>"} {
				if !strings.Contains(it.Content, good) {
					t.Errorf("content lacks %q: %s", good, it.Content)
				}
			}
		})
	}

	t.Run("OKControlCharacters", func(t *testing.T) {
		// XML 1.0 has no place for most control characters; they are dropped rather
		// than making the whole feed unreadable.
		app := MustStartApp(t)
		app.MustInsertArticle(t, ArticleRow{Slug: "control", Title: "Bell\a and tab\t", Summary: "Form\ffeed",
			BodyText: "Vertical\vtab ]]> end"})
		for _, f := range feedFormats {
			feed, _ := MustParseFeed(t, app, f, "")
			it := feedItem(app, feed, "control")
			if it == nil {
				t.Fatalf("%s: no item for the article: %q", f.name, feedLinks(feed))
			}
			if !strings.Contains(it.Content, "end") || !strings.Contains(it.Content, "tab") {
				t.Errorf("%s: content %q", f.name, it.Content)
			}
		}
	})
}

// TestFeedPublicURL checks that the items link to the configured public URL.
func TestFeedPublicURL(t *testing.T) {
	app := MustStartApp(t, WithConfig(func(c *Config) { c.PublicURL = "https://signpost.example.org/base" }))
	for _, f := range feedFormats {
		feed, _ := MustParseFeed(t, app, f, "")
		link := "https://signpost.example.org/base/articles/" + feedSeedSlug
		if !slices.Contains(feedLinks(feed), link) {
			t.Errorf("%s: links %q lack %q", f.name, feedLinks(feed), link)
		}
		if it := feed.Items[0]; !strings.HasPrefix(it.GUID, "tag:signpost.example.org,") {
			t.Errorf("%s: guid %q", f.name, it.GUID)
		}
	}
}

func TestConfigPublicURL(t *testing.T) {
	load := func(v string) (Config, error) {
		c, _, err := LoadConfig("signpost-test", nil, func(name string) string {
			if name == "SIGNPOST_PUBLIC_URL" {
				return v
			}
			return ""
		})
		return c, err
	}
	for in, want := range map[string]string{
		"":                                  "http://localhost:8080",
		"https://signpost.example.org/":     "https://signpost.example.org",
		"https://signpost.example.org/base": "https://signpost.example.org/base",
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080",
	} {
		c, err := load(in)
		if err != nil || c.PublicURL != want {
			t.Errorf("OK %q: PublicURL %q, err %v; want %q", in, c.PublicURL, err, want)
		}
	}
	for _, in := range []string{"signpost.example.org", "/base", "ftp://example.org", "https://", "https://:8080",
		"https://example.org/?a=1", "https://example.org/?", "https://example.org/#top", "https://user:pw@example.org", "mailto:x@example.org"} {
		if _, err := load(in); err == nil || !strings.Contains(err.Error(), "SIGNPOST_PUBLIC_URL") {
			t.Errorf("Err %q: got %v, want an error naming SIGNPOST_PUBLIC_URL", in, err)
		}
	}
}

// TestFeedPages checks what the feeds say of each article besides its content: a
// link to its page, its publisher as author, its topics as categories, the feed's
// own address, and Last-Modified.
func TestFeedPages(t *testing.T) {
	app := MustStartApp(t)
	want := feedArticle(t, app, feedSeedSlug)
	page := app.Config.PublicURL + "/articles/" + feedSeedSlug
	topics := []string{"Indecent images of children", "Online child sexual exploitation", "Preventing child sexual abuse"}
	for _, f := range feedFormats {
		t.Run(f.name, func(t *testing.T) {
			feed, resp := MustParseFeed(t, app, f, "region=cumbria")
			it := feedItem(app, feed, feedSeedSlug)
			if it == nil {
				t.Fatalf("no item links to the article's page %s: %q", page, feedLinks(feed))
			}
			if len(it.Authors) != 1 || it.Authors[0].Name != want.Source.Publisher.Name {
				t.Errorf("authors %+v, want the publisher %q", it.Authors, want.Source.Publisher.Name)
			}
			if f.typ != "json" {
				// JSON Feed has tags (topics and regions; see TestFeedOK), not categories.
				equalSlices(t, "categories", it.Categories, topics)
			}
			equal(t, "feed link", feed.FeedLink, app.Config.PublicURL+f.path+"?region=cumbria")
			if f.typ == "atom" {
				equalSlices(t, "entry links", it.Links, []string{page, app.Config.PublicURL + "/api/v1/articles/" + feedSeedSlug})
			}

			_, changed, err := app.Store.ContentState(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			lm := want.UpdatedAt
			if want.PublishedAt.After(lm) {
				lm = *want.PublishedAt
			}
			if changed.After(lm) {
				lm = changed
			}
			equal(t, "Last-Modified", resp.Header.Get("Last-Modified"), lm.UTC().Format(http.TimeFormat))
			MustStatus(t, app.Get(t, f.path+"?region=cumbria", "If-Modified-Since", resp.Header.Get("Last-Modified")), http.StatusNotModified)
		})
	}

	t.Run("RSSRaw", func(t *testing.T) {
		resp := app.Get(t, "/feeds/articles.rss")
		body := string(ReadBody(t, resp))
		for _, s := range []string{
			`xmlns:atom="http://www.w3.org/2005/Atom"`, `xmlns:dc="http://purl.org/dc/elements/1.1/"`,
			`<atom:link href="` + app.Config.PublicURL + `/feeds/articles.rss" rel="self" type="application/rss+xml"></atom:link>`,
			`<dc:creator>CandoFM</dc:creator>`,
			`<category domain="` + app.Config.PublicURL + `/api/v1/topics">Indecent images of children</category>`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("the RSS feed lacks %s", s)
			}
		}
		if strings.Count(body, "<category") != 3 {
			t.Errorf("%d categories, want the article's 3 topics", strings.Count(body, "<category"))
		}
	})

	t.Run("AtomRaw", func(t *testing.T) {
		body := string(ReadBody(t, app.Get(t, "/feeds/articles.atom")))
		if !strings.Contains(body, `<category term="Indecent images of children" scheme="`+app.Config.PublicURL+`/api/v1/topics" label="Indecent images of children"></category>`) {
			t.Error("Atom categories need a term")
		}
		if !strings.Contains(body, `<link href="`+page+`" rel="alternate" type="text/html"></link>`) {
			t.Error("the entry's alternate link is not the page")
		}
	})
}

// TestFeedLastModifiedRetraction checks that a feed's Last-Modified never goes back
// when its newest article leaves it, so that a reader who asks If-Modified-Since
// learns of the retraction.
func TestFeedLastModifiedRetraction(t *testing.T) {
	clock := newTestClock(testEpoch)
	app := MustStartApp(t, WithClock(clock))
	key := mustFeedEditorKey(t, app)
	clock.Set(testEpoch.Add(time.Hour))
	slug := mustCreateFeedArticle(t, app, key, feedArticleBody("News to retract", "published"))
	for _, f := range feedFormats {
		_, resp := MustParseFeed(t, app, f, "")
		equal(t, f.name+" Last-Modified", resp.Header.Get("Last-Modified"), testEpoch.Add(time.Hour).Format(http.TimeFormat))
	}
	before := testEpoch.Add(time.Hour).Format(http.TimeFormat)
	clock.Set(testEpoch.Add(2 * time.Hour))
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/articles/"+slug, nil, "Authorization", "Bearer "+key), http.StatusNoContent)
	for _, f := range feedFormats {
		resp := app.Get(t, f.path, "If-Modified-Since", before)
		MustStatus(t, resp, http.StatusOK)
		equal(t, f.name+" Last-Modified after the retraction", resp.Header.Get("Last-Modified"), testEpoch.Add(2*time.Hour).Format(http.TimeFormat))
	}
}
