package main

// End-to-end tests of full-text search: /api/v1/search and q on the article, helpline
// and campaign lists. Every response goes through the helpers of app_test.go, so it is
// also checked against the OpenAPI document.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
)

// search GETs /api/v1/search with the query parameters, which must answer 200, and
// returns the hits.
func search(t *testing.T, app *testApp, params url.Values, key string) []handlers.SearchHit {
	t.Helper()
	var headers []string
	if key != "" {
		headers = auth(key)
	}
	var p page[handlers.SearchHit]
	resp := app.GetJSON(t, "/api/v1/search?"+params.Encode(), &p, headers...)
	MustStatus(t, resp, http.StatusOK)
	if p.Meta.NextCursor != nil || p.Links.Next != nil {
		t.Errorf("search has a next page: %+v %+v", p.Meta, p.Links)
	}
	return p.Data
}

func hitSlugs(hits []handlers.SearchHit) []string {
	return slugsOf(hits, func(h handlers.SearchHit) string { return h.Slug })
}

// q returns the query parameters q=s and more, name, value pairs.
func q(s string, more ...string) url.Values {
	v := url.Values{"q": {s}}
	for i := 0; i+1 < len(more); i += 2 {
		v.Set(more[i], more[i+1])
	}
	return v
}

func TestSearch(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartApp(t)

	t.Run("OKSeedArticle", func(t *testing.T) {
		hits := search(t, app, q("safeguarded"), "")
		if len(hits) == 0 {
			t.Fatal("no hits")
		}
		h := hits[0]
		equal(t, "slug", h.Slug, cumbriaSlug)
		equal(t, "type", h.Type, "article")
		equal(t, "url", h.URL, "/api/v1/articles/"+cumbriaSlug)
		if h.PublishedAt == nil || !h.PublishedAt.Equal(testEpoch) || h.Score != 3 || !strings.Contains(h.Snippet, "<mark>safeguarded</mark>") {
			t.Errorf("hit %+v", h)
		}
		// The URL of a hit answers.
		MustStatus(t, app.Get(t, h.URL), http.StatusOK)
	})

	t.Run("OKSeedHelpline", func(t *testing.T) {
		hits := search(t, app, q("Crimestoppers"), "")
		if len(hits) == 0 || hits[0].Slug != "crimestoppers" || hits[0].Type != "helpline" || hits[0].URL != "/api/v1/helplines/crimestoppers" {
			t.Fatalf("hits %+v", hits)
		}
	})

	t.Run("OKTypes", func(t *testing.T) {
		for _, c := range []struct {
			types string
			want  []string
		}{
			{"helpline", []string{"helpline"}},
			{"article,campaign", []string{"article", "campaign"}},
			{"campaign, article", []string{"article", "campaign"}},
		} {
			hits := search(t, app, q("stop OR police OR cumbria OR crimestoppers", "type", c.types), "")
			var types []string
			for _, h := range hits {
				if !slices.Contains(types, h.Type) {
					types = append(types, h.Type)
				}
			}
			slices.Sort(types)
			equalSlices(t, "types of type="+c.types, types, c.want)
		}
	})

	t.Run("OKLimit", func(t *testing.T) {
		var p page[handlers.SearchHit]
		getOK(t, app, "/api/v1/search?q=police&limit=2", &p)
		equal(t, "hits", len(p.Data), 2)
		equal(t, "meta.limit", p.Meta.Limit, 2)
		equal(t, "links.self", p.Links.Self, "/api/v1/search?q=police&limit=2")
	})

	t.Run("OKListFilters", func(t *testing.T) {
		equalSlices(t, "helplines q", listSlugs(t, app, "/api/v1/helplines?q=crimestoppers"), []string{"crimestoppers"})
		equalSlices(t, "helplines q in the list's own order", listSlugs(t, app, "/api/v1/helplines?sort=open_first&q="+url.QueryEscape("police OR crimestoppers OR 999")),
			[]string{"crimestoppers", "emergency-999", "police-101"})
		equalSlices(t, "campaigns q", listSlugs(t, app, "/api/v1/campaigns?q=deterrence"), []string{"stop-it-now-deterrence"})
		equalSlices(t, "articles q", listSlugs(t, app, "/api/v1/articles?q=safeguarded"), []string{cumbriaSlug})
		equalSlices(t, "articles q accents", listSlugs(t, app, "/api/v1/articles?q="+url.QueryEscape("SAFEGUÁRDED")), []string{cumbriaSlug})
	})

	t.Run("ErrParams", func(t *testing.T) {
		for _, c := range []struct{ path, field string }{
			{"/api/v1/search", "q"},
			{"/api/v1/search?q=", "q"},
			{"/api/v1/search?type=article", "q"},
			{"/api/v1/search?q=x&type=organisation", "type"},
			{"/api/v1/search?q=x&type=article,", "type"},
			{"/api/v1/search?q=x&limit=0", "limit"},
			{"/api/v1/search?q=x&limit=101", "limit"},
			{"/api/v1/search?q=x&cursor=abc", "cursor"},
			{"/api/v1/search?q=x&query=y", "query"},
			{"/api/v1/search?q=x&q=y", "q"},
			{"/api/v1/helplines?q=" + url.QueryEscape("x AND"), "q"},
			{"/api/v1/campaigns?q=" + url.QueryEscape(`"x`), "q"},
			{"/api/v1/articles?q=" + url.QueryEscape("NOT x"), "q"},
		} {
			MustProblem(t, app.Get(t, c.path), http.StatusBadRequest, c.field)
		}
	})

	// Whatever a user types, the answer is results or a 400 naming q.
	t.Run("OKOrErrNastyInput", func(t *testing.T) {
		inputs := []string{
			`"`, `""`, "*", "AND", "OR", "NOT", "NOT x", "x NOT", "x AND", "(", ")", "()", "(x", "title:foo", "^", "^x", "-x",
			"'; DROP TABLE articles; --", "NEAR(a b)", "a*", "x\x00y", "\x00", "\xff\xfe", "caf\xe9", "🙂", "\ue000x\ue001",
			strings.Repeat("x", 10*1024), strings.Repeat("a b ", 20), strings.Repeat("(", 200), "%", "%%", "+", "x+y",
			"<script>alert(1)</script>", "\u202ex", "{\"a\":1}",
		}
		for _, in := range inputs {
			for _, path := range []string{"/api/v1/search", "/api/v1/articles", "/api/v1/helplines", "/api/v1/campaigns"} {
				resp := app.Get(t, path+"?q="+url.QueryEscape(in))
				switch resp.StatusCode {
				case http.StatusOK:
				case http.StatusBadRequest:
					MustProblem(t, resp, http.StatusBadRequest, "q")
				default:
					t.Errorf("%s q=%q: status %d\nbody: %s", path, truncate([]byte(in)), resp.StatusCode, truncate(ReadBody(t, resp)))
				}
			}
		}
		// A raw invalid UTF-8 sequence and a raw NUL in the URL.
		for _, raw := range []string{"%ff%fe", "%00", "caf%E9", "%C3%28", "%ED%A0%80"} {
			resp := app.Get(t, "/api/v1/search?q="+raw)
			if resp.StatusCode != http.StatusOK {
				MustProblem(t, resp, http.StatusBadRequest, "q")
			}
		}
	})
}

func TestSearchRanking(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartEditorApp(t)
	body := articleBody("News from the coast")
	body["body_markdown"] = "A zebrafish was seen near the harbour."
	inBody := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)
	title := articleBody("Zebrafish rescue")
	inTitle := app.MustCreate(t, "/api/v1/articles", app.Editor, title)["slug"].(string)
	equalSlices(t, "q=zebrafish", hitSlugs(search(t, app.testApp, q("zebrafish"), "")), []string{inTitle, inBody})
	equalSlices(t, "q=zebra*", hitSlugs(search(t, app.testApp, q("zebra*"), "")), []string{inTitle, inBody})
	equalSlices(t, `q="zebrafish was seen"`, hitSlugs(search(t, app.testApp, q(`"zebrafish was seen"`), "")), []string{inBody})
	equalSlices(t, "q=zebrafish NOT rescue", hitSlugs(search(t, app.testApp, q("zebrafish NOT rescue"), "")), []string{inBody})
	equalSlices(t, "q=rescue OR harbour", hitSlugs(search(t, app.testApp, q("rescue OR harbour", "type", "article"), "")), []string{inTitle, inBody})
}

func TestSearchSnippetEscaped(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartEditorApp(t)
	body := articleBody("Ocelot <script>alert(1)</script> & friends")
	body["summary"] = "Cats <b>and</b> the ocelot & co."
	slug := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)
	hits := search(t, app.testApp, q("ocelot"), "")
	if len(hits) != 1 || hits[0].Slug != slug {
		t.Fatalf("hits %+v", hits)
	}
	equal(t, "title", hits[0].Title, "Ocelot <script>alert(1)</script> & friends")
	equal(t, "snippet", hits[0].Snippet, "Cats &lt;b&gt;and&lt;/b&gt; the <mark>ocelot</mark> &amp; co.")
}

// TestSearchInStep proves that search follows every write made through the API.
func TestSearchInStep(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartEditorApp(t)
	find := func(query, key string) []string {
		t.Helper()
		return hitSlugs(search(t, app.testApp, q(query), key))
	}
	expect := func(what string, got []string, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		equalSlices(t, what, got, want)
	}

	t.Run("Article", func(t *testing.T) {
		slug := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Pangolin patrol"))["slug"].(string)
		expect("created", find("pangolin", ""), slug)
		expect("list q", listSlugs(t, app.testApp, "/api/v1/articles?q=pangolin"), slug)

		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/"+slug, app.Editor, obj{"title": "Armadillo patrol"})
		MustStatus(t, resp, http.StatusOK)
		expect("old title", find("pangolin", ""))
		expect("new title", find("armadillo", ""), slug)

		resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/"+slug, app.Editor, obj{"slug": "armadillo-patrol"})
		MustStatus(t, resp, http.StatusOK)
		hits := search(t, app.testApp, q("armadillo"), "")
		if len(hits) != 1 || hits[0].Slug != "armadillo-patrol" || hits[0].URL != "/api/v1/articles/armadillo-patrol" {
			t.Errorf("after a slug change: %+v", hits)
		}

		resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/armadillo-patrol", app.Editor, obj{"status": "draft"})
		MustStatus(t, resp, http.StatusOK)
		expect("unpublished, public", find("armadillo", ""))
		expect("unpublished, public list", listSlugs(t, app.testApp, "/api/v1/articles?q=armadillo"))
		hits = search(t, app.testApp, q("armadillo"), app.Editor)
		if len(hits) != 1 || hits[0].Slug != "armadillo-patrol" {
			t.Errorf("unpublished, editor: %+v", hits)
		}

		MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/articles/armadillo-patrol", nil, auth(app.Editor)...), http.StatusNoContent)
		expect("deleted, public", find("armadillo", ""))
		expect("deleted, editor", find("armadillo", app.Editor))
	})

	t.Run("Helpline", func(t *testing.T) {
		body := helplineBody("Okapi line")
		body["description"] = "Support for carers of tapirs."
		slug := app.MustCreate(t, "/api/v1/helplines", app.Editor, body)["slug"].(string)
		expect("created", find("tapirs", ""), slug)
		expect("list q", listSlugs(t, app.testApp, "/api/v1/helplines?q=tapirs"), slug)
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/helplines/"+slug, app.Editor, obj{"description": "Support for carers."})
		MustStatus(t, resp, http.StatusOK)
		expect("old description", find("tapirs", ""))
		expect("name", find("okapi", ""), slug)
		MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/helplines/"+slug, nil, auth(app.Editor)...), http.StatusNoContent)
		expect("deleted", find("okapi", app.Editor))
	})

	t.Run("Campaign", func(t *testing.T) {
		body := campaignBody("Gecko week")
		body["hashtags"] = []string{"#GeckoWeek"}
		slug := app.MustCreate(t, "/api/v1/campaigns", app.Editor, body)["slug"].(string)
		expect("hashtag", find("#GeckoWeek", ""), slug)
		expect("list q", listSlugs(t, app.testApp, "/api/v1/campaigns?q=geckoweek"), slug)
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/campaigns/"+slug, app.Editor, obj{"publication": "draft"})
		MustStatus(t, resp, http.StatusOK)
		expect("unpublished, public", find("geckoweek", ""))
		expect("unpublished, editor", find("geckoweek", app.Editor), slug)
		MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/campaigns/"+slug, nil, auth(app.Editor)...), http.StatusNoContent)
		expect("deleted", find("geckoweek", app.Editor))
	})

	t.Run("OrganisationRename", func(t *testing.T) {
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/organisations/crimestoppers", app.Editor, obj{"name": "Margay Trust"})
		MustStatus(t, resp, http.StatusOK)
		hits := hitSlugs(search(t, app.testApp, q("margay", "type", "helpline"), ""))
		expect("helplines by the organisation's new name", hits, "crimestoppers")
	})
}

// A search whose client has gone is not run, and is recorded as 499, not as an
// internal error of ours.
func TestSearchClientGone(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/search?q=police", nil)
	req.Header.Set("Cache-Control", "no-cache")
	w := httptest.NewRecorder()
	app.Router.ServeHTTP(w, req)
	if w.Code != handlers.StatusClientClosedRequest || w.Body.Len() != 0 {
		t.Fatalf("search for a client that has gone: %d %q, want %d and no body", w.Code, w.Body, handlers.StatusClientClosedRequest)
	}
	resp := app.Unchecked().Do(t, http.MethodGet, "/metrics", nil)
	metrics := string(ReadBody(t, resp))
	if !strings.Contains(metrics, `signpost_http_requests_total{code="499",method="GET",route="/api/v1/search"} 1`) {
		t.Error("the metrics do not record the search as 499")
	}
	if strings.Contains(metrics, `code="500"`) {
		t.Error("the metrics record an internal error")
	}
}

// TestSearchOwnWords checks that people find the right line in their own words: the
// helplines' editor-kept keywords rank them first in /api/v1/search and in q on the
// helpline list, whether or not the line is open, and are never shown to the public.
func TestSearchOwnWords(t *testing.T) {
	searchOnPostgres(t)
	clock := newTestClock(testEpoch)
	app := MustStartApp(t, WithClock(clock))
	tests := []struct{ query, want string }{
		{"paedophile", "stop-it-now"},
		{"am I a paedophile", "stop-it-now"},
		{"worried about my sexual thoughts about children", "stop-it-now"},
		{"report abuse anonymously", "crimestoppers"},
	}
	// Monday 10:00, every line open; Saturday noon, Stop It Now! closed and the
	// others open, so that the list's open-first order would show a wrong first line.
	for _, when := range []struct {
		name string
		at   time.Time
	}{{"Open", hlMonOpen}, {"StopItNowClosed", hlSatClosed}} {
		clock.Set(when.at)
		for _, tt := range tests {
			t.Run(when.name+"/"+tt.query, func(t *testing.T) {
				hits := search(t, app, q(tt.query), "")
				if len(hits) == 0 || hits[0].Type != "helpline" || hits[0].Slug != tt.want {
					t.Fatalf("search %q: hits %v, want helpline %s first", tt.query, hitSlugs(hits), tt.want)
				}
				for _, h := range hits {
					if strings.Contains(strings.ToLower(h.Snippet), "paedophile") || strings.Contains(h.Snippet, "anonymously") && h.Type == "helpline" {
						t.Errorf("snippet of %s shows a keyword: %q", h.Slug, h.Snippet)
					}
				}
				l := hlList(t, app, "/api/v1/helplines?q="+url.QueryEscape(tt.query))
				if len(l.Data) == 0 || l.Data[0].Slug != tt.want {
					t.Errorf("helplines?q=%q: %v, want %s first", tt.query, hlSlugs(l.Data), tt.want)
				}
			})
		}
	}
	clock.Set(testEpoch)

	t.Run("OKNotShownToThePublic", func(t *testing.T) {
		for _, path := range []string{"/api/v1/helplines/stop-it-now", "/api/v1/helplines", "/api/v1/helplines?fields=slug,keywords",
			"/api/v1/helplines/essentials", "/embed/helplines", "/embed/helplines.json", "/embed/helplines.js",
			"/api/v1/search?q=paedophile", "/api/v1/changes"} {
			body := ReadBody(t, app.Get(t, path))
			if strings.HasPrefix(path, "/api/") {
				// Only the data: the links repeat the query asked.
				var env struct{ Data json.RawMessage }
				if err := json.Unmarshal(body, &env); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				body = env.Data
			}
			if strings.Contains(string(body), "keywords") || strings.Contains(strings.ToLower(string(body)), "paedophile") {
				t.Errorf("%s shows keywords: %.300s", path, body)
			}
		}
	})

	t.Run("OKShownToEditors", func(t *testing.T) {
		editor := hlEditor(t, app)
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now", editor...)
		if h.Keywords == nil || !slices.Contains(*h.Keywords, "am I a paedophile") {
			t.Fatalf("editor's read: keywords %v", h.Keywords)
		}
		// A merge patch keeps them; a new keyword is found at once.
		MustStatus(t, hlPatch(t, app, editor, "stop-it-now", map[string]any{"keywords": append(*h.Keywords, "zyzzyva thoughts")}), http.StatusOK)
		hits := search(t, app, q("zyzzyva"), "")
		equalSlices(t, "hits for a new keyword", hitSlugs(hits), []string{"stop-it-now"})
		MustStatus(t, hlPatch(t, app, editor, "stop-it-now", map[string]any{"name": "Stop It Now! helpline"}), http.StatusOK)
		if got := hlGet(t, app, "/api/v1/helplines/stop-it-now", editor...); len(*got.Keywords) != len(*h.Keywords)+1 {
			t.Errorf("keywords after a patch of the name: %v", *got.Keywords)
		}
	})

	t.Run("ErrInvalidKeywords", func(t *testing.T) {
		editor := hlEditor(t, app)
		for _, tt := range []struct {
			keywords []string
			field    string
		}{
			{[]string{"ok", ""}, "keywords[1]"},
			{[]string{strings.Repeat("x", 101)}, "keywords[0]"},
			{[]string{"paedophile", "Paedophile"}, "keywords[1]"},
			{[]string{"tab\there"}, "keywords[0]"},
			{slices.Repeat([]string{"a"}, 51), "keywords"},
		} {
			MustProblem(t, hlPatch(t, app, editor, "stop-it-now", map[string]any{"keywords": tt.keywords}), http.StatusUnprocessableEntity, tt.field)
		}
	})
}

// walkSlugs follows a list from path by links.next and returns the slugs of every
// item, in order.
func walkSlugs(t *testing.T, app *testApp, path string, headers ...string) []string {
	t.Helper()
	var out []string
	for n := 0; path != ""; n++ {
		if n > 50 {
			t.Fatal("more than 50 pages")
		}
		var p page[slugged]
		MustStatus(t, app.GetJSON(t, path, &p, headers...), http.StatusOK)
		out = append(out, slugsOf(p.Data, func(s slugged) string { return s.Slug })...)
		path = ""
		if p.Links.Next != nil {
			path = *p.Links.Next
		}
	}
	return out
}

// TestSearchListSort checks the order of the lists with q: best match first by
// default (and with sort=relevance), each list's own order with its own sort value,
// and pages that follow the order asked for.
func TestSearchListSort(t *testing.T) {
	searchOnPostgres(t)
	app := MustStartEditorApp(t)
	body := articleBody("News from the coast")
	body["summary"], body["body_markdown"] = "Sightings.", "An okapi was seen near the harbour."
	inBody := app.MustCreate(t, "/api/v1/articles", app.Editor, body)["slug"].(string)
	app.Clock.Add(-time.Hour) // older, so that newest first is not the relevance order
	title := articleBody("Okapi rescue")
	title["summary"] = "Sightings."
	inTitle := app.MustCreate(t, "/api/v1/articles", app.Editor, title)["slug"].(string)
	app.Clock.Add(time.Hour)

	t.Run("OKArticles", func(t *testing.T) {
		relevance := []string{inTitle, inBody}
		for _, path := range []string{"/api/v1/articles?q=okapi", "/api/v1/articles?q=okapi&sort=relevance",
			"/api/v1/articles?q=okapi&fields=slug,title", "/api/v1/articles?q=okapi&limit=1"} {
			equalSlices(t, path, walkSlugs(t, app.testApp, path), relevance)
		}
		equalSlices(t, "editor", walkSlugs(t, app.testApp, "/api/v1/articles?q=okapi&limit=1", auth(app.Editor)...), relevance)
		newest := []string{inBody, inTitle}
		equalSlices(t, "sort=newest", walkSlugs(t, app.testApp, "/api/v1/articles?q=okapi&sort=newest&limit=1"), newest)
		// Without q the list is newest first, as ever, and sort=newest says so.
		all := listSlugs(t, app.testApp, "/api/v1/articles?limit=2")
		equalSlices(t, "no q, sort=newest", listSlugs(t, app.testApp, "/api/v1/articles?limit=2&sort=newest"), all)
	})

	t.Run("OKHelplines", func(t *testing.T) {
		// "children" is in Stop It Now!'s keywords, in Crimestoppers' topics only.
		equalSlices(t, "relevance", walkSlugs(t, app.testApp, "/api/v1/helplines?q=children&limit=1"), []string{"stop-it-now", "crimestoppers"})
		equalSlices(t, "open_first", walkSlugs(t, app.testApp, "/api/v1/helplines?q=children&sort=open_first&limit=1"), []string{"crimestoppers", "stop-it-now"})
	})

	t.Run("OKCampaigns", func(t *testing.T) {
		named := app.MustCreate(t, "/api/v1/campaigns", app.Editor, campaignBody("Okapi week"))["slug"].(string)
		cb := campaignBody("A coastal week")
		cb["summary"] = "For the okapi."
		summarised := app.MustCreate(t, "/api/v1/campaigns", app.Editor, cb)["slug"].(string)
		equalSlices(t, "relevance", walkSlugs(t, app.testApp, "/api/v1/campaigns?q=okapi&limit=1"), []string{named, summarised})
		equalSlices(t, "name", walkSlugs(t, app.testApp, "/api/v1/campaigns?q=okapi&sort=name&limit=1"), []string{summarised, named})
	})

	t.Run("OKScore", func(t *testing.T) {
		hits := search(t, app.testApp, q("okapi", "type", "article"), "")
		if len(hits) != 2 || hits[0].Slug != inTitle || hits[0].Score != 3 || hits[1].Score != 1 {
			t.Errorf("hits %+v: want the title match with score 3, then the body match with 1", hits)
		}
	})

	t.Run("ErrParams", func(t *testing.T) {
		var p page[slugged]
		getOK(t, app.testApp, "/api/v1/articles?q=okapi&limit=1", &p)
		if p.Meta.NextCursor == nil {
			t.Fatal("no next page")
		}
		relevanceCursor := *p.Meta.NextCursor
		getOK(t, app.testApp, "/api/v1/articles?q=okapi&sort=newest&limit=1", &p)
		newestCursor := *p.Meta.NextCursor
		for _, c := range []struct{ path, field string }{
			{"/api/v1/articles?sort=relevance", "sort"},
			{"/api/v1/articles?q=okapi&sort=name", "sort"},
			{"/api/v1/articles?q=okapi&sort=", "sort"},
			{"/api/v1/helplines?sort=relevance", "sort"},
			{"/api/v1/helplines?q=children&sort=newest", "sort"},
			{"/api/v1/campaigns?sort=relevance", "sort"},
			{"/api/v1/campaigns?q=okapi&sort=open_first", "sort"},
			{"/api/v1/articles?q=okapi&cursor=" + newestCursor, "cursor"},
			{"/api/v1/articles?q=okapi&sort=newest&cursor=" + relevanceCursor, "cursor"},
		} {
			MustProblem(t, app.Get(t, c.path), http.StatusBadRequest, c.field)
		}
	})
}
