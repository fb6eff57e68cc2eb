package main

import (
	"cmp"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"signpost/models/hours"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// The seed's helplines in the order of the list at testEpoch: all open, by name.
var seedHelplines = []string{"crimestoppers", "emergency-999", "police-101", "stop-it-now"}

// page is a list envelope whose items are decoded as T.
type page[T any] struct {
	Data  []T                `json:"data"`
	Meta  handlers.ListMeta  `json:"meta"`
	Links handlers.ListLinks `json:"links"`
}

type item[T any] struct {
	Data T `json:"data"`
}

type slugged struct {
	Slug string `json:"slug"`
}

func slugsOf[T any](items []T, slug func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = slug(it)
	}
	return out
}

func refSlugs(refs []handlers.Ref) []string {
	return slugsOf(refs, func(r handlers.Ref) string { return r.Slug })
}

// getOK sends a GET that must answer 200 and decodes its JSON body into v.
func getOK(t *testing.T, app *testApp, path string, v any) *http.Response {
	t.Helper()
	resp := app.GetJSON(t, path, v)
	MustStatus(t, resp, http.StatusOK)
	return resp
}

// listSlugs GETs a list that must answer 200 and returns the slugs of its items.
func listSlugs(t *testing.T, app *testApp, path string) []string {
	t.Helper()
	var p page[slugged]
	getOK(t, app, path, &p)
	return slugsOf(p.Data, func(s slugged) string { return s.Slug })
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func equalSlices[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestReadSeed checks that every public read endpoint serves the seed content, with
// the facts of shared/seed-content.md.
func TestReadSeed(t *testing.T) {
	app := MustStartApp(t)

	t.Run("Articles", func(t *testing.T) {
		var p page[handlers.Article]
		resp := getOK(t, app, "/api/v1/articles", &p)
		if len(p.Data) != 1 {
			t.Fatalf("%d articles, want the seed's 1", len(p.Data))
		}
		a := p.Data[0]
		equal(t, "slug", a.Slug, cumbriaSlug)
		equal(t, "status", a.Status, "published")
		equal(t, "published_at", *a.PublishedAt, testEpoch)
		equal(t, "publisher", a.Source.Publisher.Slug, "candofm")
		if a.BodyHTML != nil || a.BodyText != nil || a.BodyMarkdown != nil {
			t.Error("a list item carries a body; only the item does")
		}
		equal(t, "meta.limit", p.Meta.Limit, 20)
		if p.Meta.NextCursor != nil || p.Links.Next != nil || resp.Header.Get("Link") != "" {
			t.Errorf("a single page has a next page: %v %v %q", p.Meta.NextCursor, p.Links.Next, resp.Header.Get("Link"))
		}
		equal(t, "links.self", p.Links.Self, "/api/v1/articles")
	})

	t.Run("Article", func(t *testing.T) {
		var it item[handlers.Article]
		resp := getOK(t, app, "/api/v1/articles/"+cumbriaSlug, &it)
		a := it.Data
		if !strings.Contains(a.Title, "Cumbria") || a.Summary == "" {
			t.Errorf("title %q, summary %q", a.Title, a.Summary)
		}
		if a.BodyHTML == nil || !strings.Contains(*a.BodyHTML, "<h2>What the week achieved</h2>") || !strings.Contains(*a.BodyHTML, "<li>6 children safeguarded</li>") {
			t.Errorf("body_html %v", a.BodyHTML)
		}
		if a.BodyText == nil || strings.ContainsAny(*a.BodyText, "<>#") || !strings.Contains(*a.BodyText, "6 children safeguarded") {
			t.Errorf("body_text is not plain text: %v", a.BodyText)
		}
		if a.BodyMarkdown != nil {
			t.Error("the public item carries body_markdown, which is for editors")
		}
		equal(t, "source.publisher", a.Source.Publisher.Slug, "candofm")
		if a.Source.URL != nil || a.Source.PublishedOn != nil {
			t.Errorf("source url %v published_on %v: the report gives neither", a.Source.URL, a.Source.PublishedOn)
		}
		if a.Image != nil {
			t.Errorf("image %+v: the seed has none", a.Image)
		}
		equalSlices(t, "regions", refSlugs(a.Regions), []string{"cumbria"})
		equalSlices(t, "campaigns", refSlugs(a.Campaigns), []string{"tackling-online-child-sexual-exploitation", "stop-it-now-deterrence"})
		equalSlices(t, "helplines", refSlugs(a.Helplines), []string{"crimestoppers", "police-101", "stop-it-now"})
		for _, h := range a.Helplines {
			if h.Name == "" {
				t.Errorf("helpline %s has no name in its short form", h.Slug)
			}
		}
		for _, s := range []string{"cumbria-constabulary", "lucy-faithfull-foundation", "stop-it-now", "cumbria-police-fire-and-crime-commissioner"} {
			if !slices.Contains(refSlugs(a.Organisations), s) {
				t.Errorf("organisations %v lack %s", refSlugs(a.Organisations), s)
			}
		}
		want := map[string]*int64{"children_safeguarded": ptr[int64](6), "warrants_executed": ptr[int64](2), "arrests": ptr[int64](2),
			"devices_seized": nil, "suspects_charged": ptr[int64](1), "suspects_interviewed": ptr[int64](1)}
		if len(a.Outcomes) != len(want) {
			t.Errorf("%d outcomes, want %d", len(a.Outcomes), len(want))
		}
		for _, o := range a.Outcomes {
			w, ok := want[o.Metric]
			if !ok {
				t.Errorf("unexpected outcome %s", o.Metric)
			} else if (w == nil) != (o.Value == nil) || w != nil && *w != *o.Value {
				t.Errorf("outcome %s = %v, want %v", o.Metric, o.Value, w)
			}
		}
		// devices_seized has no count: its value is JSON null, not 0 and not absent.
		var raw struct {
			Data struct {
				Outcomes []map[string]json.RawMessage `json:"outcomes"`
			} `json:"data"`
		}
		json.Unmarshal(ReadBody(t, resp), &raw)
		for _, o := range raw.Data.Outcomes {
			if string(o["metric"]) == `"devices_seized"` && string(o["value"]) != "null" {
				t.Errorf("devices_seized value %s, want null", o["value"])
			}
		}
	})

	t.Run("Helplines", func(t *testing.T) {
		var p page[handlers.Helpline]
		getOK(t, app, "/api/v1/helplines", &p)
		equalSlices(t, "helplines", slugsOf(p.Data, func(h handlers.Helpline) string { return h.Slug }), seedHelplines)
		for _, h := range p.Data {
			if h.OpenNow == nil || !*h.OpenNow {
				t.Errorf("%s: open_now %v at Monday 10:00, want true", h.Slug, h.OpenNow)
			}
		}
	})

	t.Run("Helpline", func(t *testing.T) {
		var it item[handlers.Helpline]
		getOK(t, app, "/api/v1/helplines/stop-it-now", &it)
		h := it.Data
		equal(t, "organisation", h.Organisation.Slug, "lucy-faithfull-foundation")
		equalSlices(t, "coverage", refSlugs(h.Coverage), []string{"united-kingdom", "ireland"})
		if len(h.Contacts) != 4 {
			t.Fatalf("%d contacts, want 4", len(h.Contacts))
		}
		uk := h.Contacts[0]
		equal(t, "contacts[0].type", uk.Type, "phone")
		equal(t, "contacts[0].value", uk.Value, "0808 1000 900")
		equal(t, "contacts[0].e164", *uk.E164, "+448081000900")
		equal(t, "contacts[0].uri", uk.URI, "tel:+448081000900")
		equal(t, "contacts[0].anonymous", uk.Anonymous, true)
		equal(t, "contacts[1].e164", *h.Contacts[1].E164, "+441372847161")
		equalSlices(t, "contact types", slugsOf(h.Contacts, func(c handlers.Contact) string { return c.Type }), []string{"phone", "phone", "webchat", "web"})
		if h.Contacts[2].E164 != nil {
			t.Errorf("the webchat has an E.164 number %v", *h.Contacts[2].E164)
		}
		if h.Contacts[2].OpenNow != nil {
			t.Errorf("the live chat's hours are not published, so open_now must be null, got %v", *h.Contacts[2].OpenNow)
		}
		oh := h.OpeningHours
		if oh == nil {
			t.Fatal("no opening hours")
		}
		equal(t, "timezone", oh.Timezone, "Europe/London")
		if len(oh.Weekly) != 2 {
			t.Fatalf("weekly %+v", oh.Weekly)
		}
		equalSlices(t, "weekly[0].days", oh.Weekly[0].Days, []string{"mon", "tue", "wed", "thu"})
		equal(t, "weekly[0]", oh.Weekly[0].Opens+"-"+oh.Weekly[0].Closes, "09:00-21:00")
		equalSlices(t, "weekly[1].days", oh.Weekly[1].Days, []string{"fri"})
		equal(t, "weekly[1]", oh.Weekly[1].Opens+"-"+oh.Weekly[1].Closes, "09:00-17:00")
		equal(t, "hours_text", h.HoursText, "Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)")
		equal(t, "open_now", *h.OpenNow, true)
		equal(t, "next_change_at", *h.NextChangeAt, time.Date(2027, 2, 1, 21, 0, 0, 0, time.UTC))
		equal(t, "anonymous", h.Anonymous, true)
		equal(t, "confidential", h.Confidential, true)
		if h.LastVerifiedAt != nil {
			t.Errorf("last_verified_at %v: the hours have not been verified", h.LastVerifiedAt)
		}
		equal(t, "verification_due", h.VerificationDue, true) // never verified
		equalSlices(t, "languages", h.Languages, []string{"en", "cy"})
		if !slices.Contains(refSlugs(h.Audiences), "worried-about-own-behaviour") || !slices.Contains(refSlugs(h.Topics), "child-sexual-abuse-prevention") {
			t.Errorf("topics %v audiences %v", refSlugs(h.Topics), refSlugs(h.Audiences))
		}
	})

	t.Run("HelplineOpenAt", func(t *testing.T) {
		tests := []struct {
			name, at string
			open     bool
			next     string
		}{
			{"OpenMondayMorning", "2027-02-01T09:00:00Z", true, "2027-02-01T21:00:00Z"},
			{"ClosedMondayNight", "2027-02-01T21:00:00Z", false, "2027-02-02T09:00:00Z"},
			{"ClosedFridayEvening", "2027-02-05T17:30:00Z", false, "2027-02-08T09:00:00Z"},
			{"ClosedSunday", "2027-02-07T12:00:00Z", false, "2027-02-08T09:00:00Z"},
			// In summer the UK is on BST (UTC+1): 09:00 local is 08:00 UTC.
			{"OpenSummerMorning", "2027-07-05T08:00:00Z", true, "2027-07-05T20:00:00Z"},
			{"ClosedSummerBeforeNine", "2027-07-05T07:59:00Z", false, "2027-07-05T08:00:00Z"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var it item[handlers.Helpline]
				getOK(t, app, "/api/v1/helplines/stop-it-now?at="+url.QueryEscape(tt.at), &it)
				equal(t, "open_now", *it.Data.OpenNow, tt.open)
				equal(t, "next_change_at", it.Data.NextChangeAt.Format(time.RFC3339), tt.next)
				// The phone line has no hours of its own: the helpline's apply.
				equal(t, "contacts[0].open_now", *it.Data.Contacts[0].OpenNow, tt.open)
			})
		}
	})

	t.Run("Campaigns", func(t *testing.T) {
		var p page[handlers.Campaign]
		getOK(t, app, "/api/v1/campaigns", &p)
		equalSlices(t, "campaigns", slugsOf(p.Data, func(c handlers.Campaign) string { return c.Slug }),
			[]string{"tackling-online-child-sexual-exploitation", "stop-it-now-deterrence"})
		for _, c := range p.Data {
			equal(t, c.Slug+" status", c.Status, "unknown")
			equal(t, c.Slug+" scope", c.Scope, "national")
			if c.StartsOn != nil || c.EndsOn != nil {
				t.Errorf("%s: dates %v %v; the sources give none", c.Slug, c.StartsOn, c.EndsOn)
			}
			if c.Articles != nil {
				t.Errorf("%s: a list item carries articles", c.Slug)
			}
		}
	})

	t.Run("Campaign", func(t *testing.T) {
		var it item[handlers.Campaign]
		getOK(t, app, "/api/v1/campaigns/stop-it-now-deterrence", &it)
		c := it.Data
		equal(t, "organiser", c.Organiser.Slug, "lucy-faithfull-foundation")
		equalSlices(t, "partners", refSlugs(c.Partners), []string{"cumbria-constabulary"})
		equalSlices(t, "helplines", refSlugs(c.Helplines), []string{"stop-it-now"})
		equalSlices(t, "regions", refSlugs(c.Regions), []string{"united-kingdom"})
		equalSlices(t, "articles", slugsOf(c.Articles, func(a handlers.ArticleRef) string { return a.Slug }), []string{cumbriaSlug})
		equal(t, "status", c.Status, "unknown")
		// The article mentions the deterrence campaign but reports the regional and
		// national campaign's work: its outcomes are that campaign's, not this one's.
		if len(c.Outcomes) != 0 {
			t.Errorf("outcomes %+v, want none: the week of action was not this campaign's work", c.Outcomes)
		}
		var regional item[handlers.Campaign]
		getOK(t, app, "/api/v1/campaigns/tackling-online-child-sexual-exploitation", &regional)
		var safeguarded *int64
		for _, o := range regional.Data.Outcomes {
			if o.Metric == "children_safeguarded" {
				safeguarded = o.Value
			}
		}
		if safeguarded == nil || *safeguarded != 6 {
			t.Errorf("regional campaign's children_safeguarded %v, want 6 from the article", safeguarded)
		}
	})

	t.Run("Organisations", func(t *testing.T) {
		var p page[handlers.Organisation]
		getOK(t, app, "/api/v1/organisations", &p)
		names := slugsOf(p.Data, func(o handlers.Organisation) string { return o.Name })
		if len(names) != 9 || !slices.IsSorted(names) {
			t.Errorf("organisations %v: want the seed's 9 by name", names)
		}
	})

	t.Run("Organisation", func(t *testing.T) {
		var it item[handlers.Organisation]
		getOK(t, app, "/api/v1/organisations/stop-it-now", &it)
		o := it.Data
		equal(t, "name", o.Name, "Stop It Now!")
		equal(t, "kind", o.Kind, "charity")
		equal(t, "url", *o.URL, "https://stopitnow.org.uk")
		equal(t, "parent", o.Parent.Slug, "lucy-faithfull-foundation")
	})

	t.Run("Regions", func(t *testing.T) {
		var p struct{ Data []handlers.Region }
		getOK(t, app, "/api/v1/regions", &p)
		by := map[string]handlers.Region{}
		index := map[string]int{}
		for i, r := range p.Data {
			by[r.Slug] = r
			index[r.Slug] = i
		}
		equal(t, "regions", len(p.Data), 1+4+39+4+1+1+1)
		equalSlices(t, "united-kingdom children", refSlugs(by["united-kingdom"].Children), []string{"england", "wales", "scotland", "northern-ireland"})
		equal(t, "england children", len(by["england"].Children), 39)
		equal(t, "wales children", len(by["wales"].Children), 4)
		equalSlices(t, "wales children", refSlugs(by["wales"].Children), []string{"dyfed-powys", "gwent", "north-wales", "south-wales"})
		equal(t, "scotland children", len(by["scotland"].Children), 1)
		equal(t, "northern-ireland children", len(by["northern-ireland"].Children), 1)
		for _, c := range by["england"].Children {
			equal(t, c.Slug+" kind", by[c.Slug].Kind, "police_force_area")
			equal(t, c.Slug+" parent", by[c.Slug].Parent.Slug, "england")
		}
		equal(t, "cumbria parent", by["cumbria"].Parent.Slug, "england")
		if by["ireland"].Parent != nil || by["united-kingdom"].Parent != nil {
			t.Error("ireland and united-kingdom must be roots")
		}
		equal(t, "ireland kind", by["ireland"].Kind, "country")
		for _, r := range p.Data {
			if r.Parent != nil && index[r.Parent.Slug] > index[r.Slug] {
				t.Errorf("%s comes before its parent %s", r.Slug, r.Parent.Slug)
			}
		}
	})

	t.Run("Topics", func(t *testing.T) {
		var p struct{ Data []handlers.Topic }
		getOK(t, app, "/api/v1/topics", &p)
		kinds := map[string]int{}
		for _, tp := range p.Data {
			kinds[tp.Kind]++
		}
		equal(t, "topics", kinds["topic"], 5)
		equal(t, "audiences", kinds["audience"], 6)
		equal(t, "total", len(p.Data), 11)
	})

	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run("Health"+path, func(t *testing.T) {
			var h handlers.Health
			resp := getOK(t, app, path, &h)
			equal(t, "status", h.Status, "ok")
			equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), "no-store")
		})
	}

	t.Run("OpenAPI", func(t *testing.T) {
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		getOK(t, app, "/openapi.json", &doc)
		if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Paths["/api/v1/articles"] == nil {
			t.Errorf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
		}
	})

	t.Run("Docs", func(t *testing.T) {
		ui := app.Unchecked()
		resp := ui.Get(t, "/docs")
		MustStatus(t, resp, http.StatusFound)
		equal(t, "Location", resp.Header.Get("Location"), "/docs/index.html")
		resp = ui.Get(t, "/docs/index.html")
		MustStatus(t, resp, http.StatusOK)
		if mt := mediaType(resp.Header); mt != "text/html" {
			t.Errorf("Content-Type %q", mt)
		}
		if b := ReadBody(t, resp); !strings.Contains(string(b), "swagger-ui") {
			t.Error("/docs/index.html is not the Swagger UI")
		}
	})

	// The resource shapes of DESIGN.md are the contract: renaming a field breaks clients.
	t.Run("ContractFieldNames", func(t *testing.T) {
		tests := []struct {
			path   string
			fields []string
		}{
			{"/api/v1/articles/" + cumbriaSlug, []string{"slug", "title", "summary", "body_html", "body_text", "status", "publish_at",
				"published_at", "updated_at", "source", "image", "regions", "topics", "campaigns", "helplines", "outcomes"}},
			{"/api/v1/helplines/stop-it-now", []string{"slug", "name", "organisation", "description", "topics", "audiences", "coverage",
				"contacts", "opening_hours", "hours_text", "open_now", "next_change_at", "emergency", "anonymous", "confidential",
				"last_verified_at", "verification_due", "status"}},
			{"/api/v1/campaigns/stop-it-now-deterrence", []string{"slug", "name", "summary", "organiser", "partners", "scope", "starts_on",
				"ends_on", "status", "hashtags", "regions", "helplines", "outcomes", "articles"}},
			{"/api/v1/organisations/stop-it-now", []string{"slug", "name", "kind", "url", "description"}},
		}
		for _, tt := range tests {
			var it item[map[string]json.RawMessage]
			getOK(t, app, tt.path, &it)
			for _, f := range tt.fields {
				if _, ok := it.Data[f]; !ok {
					t.Errorf("%s: no field %q", tt.path, f)
				}
			}
		}
		var a item[struct {
			Source   map[string]json.RawMessage   `json:"source"`
			Outcomes []map[string]json.RawMessage `json:"outcomes"`
		}]
		getOK(t, app, "/api/v1/articles/"+cumbriaSlug, &a)
		for _, f := range []string{"publisher", "url", "attribution"} {
			if _, ok := a.Data.Source[f]; !ok {
				t.Errorf("article source: no field %q", f)
			}
		}
		for _, f := range []string{"metric", "label", "value"} {
			if _, ok := a.Data.Outcomes[0][f]; !ok {
				t.Errorf("article outcome: no field %q", f)
			}
		}
		var h item[struct {
			Contacts []map[string]json.RawMessage `json:"contacts"`
		}]
		getOK(t, app, "/api/v1/helplines/stop-it-now", &h)
		for _, f := range []string{"type", "value", "display", "e164", "uri", "cost", "anonymous", "opening_hours"} {
			if _, ok := h.Data.Contacts[0][f]; !ok {
				t.Errorf("helpline contact: no field %q", f)
			}
		}
		var r struct{ Data []map[string]json.RawMessage }
		getOK(t, app, "/api/v1/regions", &r)
		for _, f := range []string{"slug", "name", "parent", "children"} {
			if _, ok := r.Data[0][f]; !ok {
				t.Errorf("region: no field %q", f)
			}
		}
		var tp struct{ Data []map[string]json.RawMessage }
		getOK(t, app, "/api/v1/topics", &tp)
		for _, f := range []string{"slug", "name", "kind"} {
			if _, ok := tp.Data[0][f]; !ok {
				t.Errorf("topic: no field %q", f)
			}
		}
	})

	t.Run("Headers", func(t *testing.T) {
		resp := app.Get(t, "/api/v1/articles", "X-Request-ID", "test-request-1")
		equal(t, "X-Request-ID", resp.Header.Get("X-Request-ID"), "test-request-1")
		equal(t, "X-Content-Type-Options", resp.Header.Get("X-Content-Type-Options"), "nosniff")
		equal(t, "Cache-Control", resp.Header.Get("Cache-Control"), app.Config.CacheControl)
		if resp.Header.Get("Set-Cookie") != "" {
			t.Error("a public read sets a cookie")
		}
		p := MustProblem(t, app.Get(t, "/api/v1/articles/nope", "X-Request-ID", "test-request-2"), http.StatusNotFound, "")
		equal(t, "problem request_id", p.RequestID, "test-request-2")
		equal(t, "problem instance", p.Instance, "/api/v1/articles/nope")
	})
}

// TestReadFilters checks each filter of the lists, table-driven, against the seed and
// a few more items that make every filter discriminate.
func TestReadFilters(t *testing.T) {
	app := MustStartApp(t)
	// An older article in Kent, published by Crimestoppers, in no campaign.
	app.MustInsertArticle(t, ArticleRow{Slug: "kent-appeal", Title: "Kent appeal", BodyText: "Police in Kent ask for information.",
		PublishedAt: ptr(testEpoch.Add(-48 * time.Hour)), Publisher: "crimestoppers",
		Regions: []string{"kent"}, Topics: []string{"reporting-crime"}})
	// Campaigns with dates, relative to testEpoch (1 February 2027).
	app.MustInsertCampaign(t, CampaignRow{Slug: "last-year", Name: "Last year's campaign", StartsOn: "2026-01-01", EndsOn: "2026-01-31",
		Scope: "local", Regions: []string{"kent"}, Organiser: "crimestoppers"})
	app.MustInsertCampaign(t, CampaignRow{Slug: "this-month", Name: "This month's campaign", StartsOn: "2027-01-15", EndsOn: "2027-02-15",
		Scope: "regional", Regions: []string{"wales"}, Partners: []string{"crimestoppers"}})
	app.MustInsertCampaign(t, CampaignRow{Slug: "open-ended", Name: "Open-ended campaign", StartsOn: "2027-01-01", Scope: "local", Regions: []string{"ireland"}})
	app.MustInsertCampaign(t, CampaignRow{Slug: "next-month", Name: "Next month's campaign", StartsOn: "2027-03-01", EndsOn: "2027-03-07", Scope: "regional"})
	app.MustInsertCampaign(t, CampaignRow{Slug: "ends-today", Name: "Ends today", StartsOn: "2027-01-25", EndsOn: "2027-02-01", Scope: "local"})
	app.MustInsertCampaign(t, CampaignRow{Slug: "starts-today", Name: "Starts today", StartsOn: "2027-02-01", Scope: "local"})

	const tackling, deterrence = "tackling-online-child-sexual-exploitation", "stop-it-now-deterrence"
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"ArticlesAll", "/api/v1/articles", []string{cumbriaSlug, "kent-appeal"}},
		{"ArticlesByCampaign", "/api/v1/articles?campaign=" + deterrence, []string{cumbriaSlug}},
		{"ArticlesByOtherCampaign", "/api/v1/articles?campaign=" + tackling, []string{cumbriaSlug}},
		{"ArticlesByCampaignNone", "/api/v1/articles?campaign=last-year", []string{}},
		{"ArticlesByRegion", "/api/v1/articles?region=cumbria", []string{cumbriaSlug}},
		{"ArticlesByRegionAbove", "/api/v1/articles?region=england", []string{cumbriaSlug, "kent-appeal"}},
		{"ArticlesByRegionRoot", "/api/v1/articles?region=united-kingdom", []string{cumbriaSlug, "kent-appeal"}},
		{"ArticlesByRegionOther", "/api/v1/articles?region=kent", []string{"kent-appeal"}},
		{"ArticlesByRegionNone", "/api/v1/articles?region=wales", []string{}},
		{"ArticlesByRegionOutsideUK", "/api/v1/articles?region=ireland", []string{}},
		{"ArticlesByTopic", "/api/v1/articles?topic=indecent-images-of-children", []string{cumbriaSlug}},
		{"ArticlesByOtherTopic", "/api/v1/articles?topic=reporting-crime", []string{"kent-appeal"}},
		{"ArticlesByPublisher", "/api/v1/articles?organisation=candofm", []string{cumbriaSlug}},
		{"ArticlesByOrganisationAbout", "/api/v1/articles?organisation=stop-it-now", []string{cumbriaSlug}},
		{"ArticlesByOrganisationAboutOther", "/api/v1/articles?organisation=cumbria-police-fire-and-crime-commissioner", []string{cumbriaSlug}},
		{"ArticlesByOtherPublisher", "/api/v1/articles?organisation=crimestoppers", []string{"kent-appeal"}},
		{"ArticlesByOrganisationNone", "/api/v1/articles?organisation=uk-emergency-services", []string{}},
		{"ArticlesPublishedAfterDate", "/api/v1/articles?published_after=2027-02-01", []string{cumbriaSlug}},
		{"ArticlesPublishedAfterInclusive", "/api/v1/articles?published_after=2027-02-01T10:00:00Z", []string{cumbriaSlug}},
		{"ArticlesPublishedAfterOffset", "/api/v1/articles?published_after=" + url.QueryEscape("2027-02-01T11:00:00+01:00"), []string{cumbriaSlug}},
		{"ArticlesPublishedAfterNone", "/api/v1/articles?published_after=2027-02-01T10:00:01Z", []string{}},
		{"ArticlesPublishedBeforeExclusive", "/api/v1/articles?published_before=2027-02-01T10:00:00Z", []string{"kent-appeal"}},
		{"ArticlesPublishedBeforeDate", "/api/v1/articles?published_before=2027-01-30", []string{}},
		{"ArticlesPublishedBetween", "/api/v1/articles?published_after=2027-01-30&published_before=2027-01-31", []string{"kent-appeal"}},
		{"ArticlesCombined", "/api/v1/articles?region=england&topic=reporting-crime", []string{"kent-appeal"}},
		{"ArticlesCombinedNone", "/api/v1/articles?region=cumbria&organisation=crimestoppers", []string{}},
		{"ArticlesSearch", "/api/v1/articles?q=intensification", []string{cumbriaSlug}},
		{"ArticlesSearchOther", "/api/v1/articles?q=kent", []string{"kent-appeal"}},

		{"HelplinesAll", "/api/v1/helplines", seedHelplines},
		{"HelplinesByRegionBelowCoverage", "/api/v1/helplines?region=cumbria", seedHelplines},
		{"HelplinesByNation", "/api/v1/helplines?region=wales", seedHelplines},
		{"HelplinesByRegionOutsideUK", "/api/v1/helplines?region=ireland", []string{"stop-it-now"}},
		{"HelplinesByTopic", "/api/v1/helplines?topic=reporting-crime", []string{"crimestoppers", "emergency-999", "police-101"}},
		{"HelplinesByOtherTopic", "/api/v1/helplines?topic=child-sexual-abuse-prevention", []string{"stop-it-now"}},
		{"HelplinesByAudience", "/api/v1/helplines?audience=professionals", []string{"stop-it-now"}},
		{"HelplinesByOtherAudience", "/api/v1/helplines?audience=general-public", []string{"crimestoppers", "emergency-999", "police-101"}},
		{"HelplinesByTextphone", "/api/v1/helplines?channel=textphone", []string{"emergency-999", "police-101"}},
		{"HelplinesBySMS", "/api/v1/helplines?channel=sms", []string{"emergency-999"}},
		{"HelplinesByWebchat", "/api/v1/helplines?channel=webchat", []string{"stop-it-now"}},
		{"HelplinesByPhone", "/api/v1/helplines?channel=phone", seedHelplines},
		{"HelplinesByEmailNone", "/api/v1/helplines?channel=email", []string{}},
		{"HelplinesOpenNow", "/api/v1/helplines?open_now=true", seedHelplines},
		{"HelplinesOpenNowFalse", "/api/v1/helplines?open_now=false", seedHelplines},
		{"HelplinesOpenAtNight", "/api/v1/helplines?open_now=true&at=2027-02-01T22:00:00Z", []string{"crimestoppers", "emergency-999", "police-101"}},
		{"HelplinesCombined", "/api/v1/helplines?region=ireland&channel=textphone", []string{}},

		{"CampaignsAll", "/api/v1/campaigns", []string{"ends-today", "last-year", "next-month", "open-ended", tackling, "starts-today", deterrence, "this-month"}},
		{"CampaignsUnknown", "/api/v1/campaigns?status=unknown", []string{tackling, deterrence}},
		{"CampaignsActive", "/api/v1/campaigns?status=active", []string{"ends-today", "open-ended", "starts-today", "this-month"}},
		{"CampaignsEnded", "/api/v1/campaigns?status=ended", []string{"last-year"}},
		{"CampaignsUpcoming", "/api/v1/campaigns?status=upcoming", []string{"next-month"}},
		{"CampaignsNational", "/api/v1/campaigns?scope=national", []string{tackling, deterrence}},
		{"CampaignsRegional", "/api/v1/campaigns?scope=regional", []string{"next-month", "this-month"}},
		{"CampaignsLocal", "/api/v1/campaigns?scope=local", []string{"ends-today", "last-year", "open-ended", "starts-today"}},
		{"CampaignsByRegion", "/api/v1/campaigns?region=cumbria", []string{tackling, deterrence}},
		{"CampaignsByRegionBelow", "/api/v1/campaigns?region=england", []string{"last-year", tackling, deterrence}},
		{"CampaignsByNation", "/api/v1/campaigns?region=wales", []string{tackling, deterrence, "this-month"}},
		{"CampaignsByRegionOutsideUK", "/api/v1/campaigns?region=ireland", []string{"open-ended"}},
		{"CampaignsByOrganiser", "/api/v1/campaigns?organisation=lucy-faithfull-foundation", []string{deterrence}},
		{"CampaignsByPartner", "/api/v1/campaigns?organisation=cumbria-constabulary", []string{deterrence}},
		{"CampaignsByOrganiserOrPartner", "/api/v1/campaigns?organisation=crimestoppers", []string{"last-year", "this-month"}},
		{"CampaignsByOrganisationNone", "/api/v1/campaigns?organisation=candofm", []string{}},
		{"CampaignsCombined", "/api/v1/campaigns?status=active&scope=regional", []string{"this-month"}},

		{"OrganisationsPolice", "/api/v1/organisations?kind=police", []string{"cumbria-constabulary", "cumbria-cyber-and-digital-crime-unit", "uk-police-forces"}},
		{"OrganisationsCharity", "/api/v1/organisations?kind=charity", []string{"crimestoppers", "lucy-faithfull-foundation", "stop-it-now"}},
		{"OrganisationsGovernment", "/api/v1/organisations?kind=government", []string{"cumbria-police-fire-and-crime-commissioner"}},
		{"OrganisationsMedia", "/api/v1/organisations?kind=media", []string{"candofm"}},
		{"OrganisationsOther", "/api/v1/organisations?kind=other", []string{"uk-emergency-services"}},

		{"Topics", "/api/v1/topics?kind=topic", []string{"emergencies", "indecent-images-of-children", "online-child-sexual-exploitation",
			"child-sexual-abuse-prevention", "reporting-crime"}},
		{"Audiences", "/api/v1/topics?kind=audience", []string{"adult-survivors", "general-public", "worried-about-a-young-persons-behaviour",
			"worried-about-another-adult", "worried-about-own-behaviour", "professionals"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			searchPathOnPostgres(t, tt.path)
			equalSlices(t, tt.path, listSlugs(t, app, tt.path), tt.want)
		})
	}

	t.Run("CampaignStatusMatchesFilter", func(t *testing.T) {
		for _, status := range []string{"unknown", "active", "ended", "upcoming"} {
			var p page[handlers.Campaign]
			getOK(t, app, "/api/v1/campaigns?status="+status, &p)
			for _, c := range p.Data {
				equal(t, c.Slug+" status", c.Status, status)
			}
		}
	})
}

// TestReadBadInput checks that every invalid request gets a problem+json naming what
// is wrong, and never an HTML page or a page of everything.
func TestReadBadInput(t *testing.T) {
	app := MustStartApp(t)
	for i := range 3 {
		app.MustInsertArticle(t, ArticleRow{Slug: fmt.Sprintf("extra-%d", i), Title: "Extra", PublishedAt: ptr(testEpoch.Add(-time.Duration(i+1) * time.Hour))})
	}
	cursorOf := func(path string) string {
		var p page[slugged]
		getOK(t, app, path, &p)
		if p.Meta.NextCursor == nil {
			t.Fatalf("%s has no next page", path)
		}
		return *p.Meta.NextCursor
	}
	articleCursor := cursorOf("/api/v1/articles?limit=1")
	helplineCursor := cursorOf("/api/v1/helplines?limit=1")
	campaignCursor := cursorOf("/api/v1/campaigns?limit=1")
	organisationCursor := cursorOf("/api/v1/organisations?limit=1")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"l":"articles","k":"2027-02-01T10:00:00Z","i":1}12345678`))
	// A cursor that decodes but whose key is not a time of the articles list.
	edited := []byte(articleCursor)
	edited[3] ^= 1

	tests := []struct {
		name, path, field string
	}{
		{"ErrLimitZero", "/api/v1/articles?limit=0", "limit"},
		{"ErrLimitTooBig", "/api/v1/articles?limit=1000", "limit"},
		{"ErrLimitJustTooBig", "/api/v1/helplines?limit=101", "limit"},
		{"ErrLimitNegative", "/api/v1/campaigns?limit=-1", "limit"},
		{"ErrLimitNotNumber", "/api/v1/articles?limit=abc", "limit"},
		{"ErrLimitFraction", "/api/v1/organisations?limit=1.5", "limit"},
		{"ErrPublishedAfter", "/api/v1/articles?published_after=notadate", "published_after"},
		{"ErrPublishedBefore", "/api/v1/articles?published_before=2027-13-01", "published_before"},
		{"ErrPublishedAfterNoZone", "/api/v1/articles?published_after=2027-02-01T10:00:00", "published_after"},
		{"ErrBadCursor", "/api/v1/articles?cursor=" + forged, "cursor"},
		{"ErrBadCursorRandom", "/api/v1/articles?cursor=c2lnbnBvc3Q", "cursor"},
		{"ErrBadCursorNotBase64", "/api/v1/articles?cursor=" + url.QueryEscape("not a cursor!"), "cursor"},
		{"ErrBadCursorTruncated", "/api/v1/articles?cursor=" + articleCursor[:len(articleCursor)-4], "cursor"},
		{"ErrBadCursorEdited", "/api/v1/articles?cursor=" + string(edited), "cursor"},
		{"ErrBadCursorPadded", "/api/v1/articles?cursor=" + url.QueryEscape(articleCursor+"=="), "cursor"},
		{"ErrCursorOfHelplinesOnArticles", "/api/v1/articles?cursor=" + helplineCursor, "cursor"},
		{"ErrCursorOfArticlesOnHelplines", "/api/v1/helplines?cursor=" + articleCursor, "cursor"},
		{"ErrCursorOfOrganisationsOnCampaigns", "/api/v1/campaigns?cursor=" + organisationCursor, "cursor"},
		{"ErrCursorOfCampaignsOnOrganisations", "/api/v1/organisations?cursor=" + campaignCursor, "cursor"},
		{"ErrUnknownRegion", "/api/v1/articles?region=atlantis", "region"},
		{"ErrUnknownTopic", "/api/v1/articles?topic=nope", "topic"},
		{"ErrUnknownCampaign", "/api/v1/articles?campaign=nope", "campaign"},
		{"ErrUnknownOrganisation", "/api/v1/articles?organisation=nope", "organisation"},
		{"ErrRegionNotSlug", "/api/v1/articles?region=Cumbria", "region"},
		{"ErrBadSearch", "/api/v1/articles?q=" + url.QueryEscape(`"unterminated`), "q"},
		{"ErrBadSearchOperator", "/api/v1/articles?q=AND", "q"},
		{"ErrHelplineUnknownRegion", "/api/v1/helplines?region=atlantis", "region"},
		{"ErrHelplineUnknownTopic", "/api/v1/helplines?topic=nope", "topic"},
		{"ErrHelplineAudienceAsTopic", "/api/v1/helplines?topic=professionals", "topic"},
		{"ErrHelplineTopicAsAudience", "/api/v1/helplines?audience=reporting-crime", "audience"},
		{"ErrHelplineUnknownChannel", "/api/v1/helplines?channel=pigeon", "channel"},
		{"ErrHelplineOpenNow", "/api/v1/helplines?open_now=maybe", "open_now"},
		{"ErrHelplineAt", "/api/v1/helplines?at=yesterday", "at"},
		{"ErrHelplineItemAt", "/api/v1/helplines/stop-it-now?at=2027-02-01", "at"},
		{"ErrCampaignStatus", "/api/v1/campaigns?status=maybe", "status"},
		{"ErrCampaignScope", "/api/v1/campaigns?scope=galactic", "scope"},
		{"ErrCampaignRegion", "/api/v1/campaigns?region=atlantis", "region"},
		{"ErrCampaignOrganisation", "/api/v1/campaigns?organisation=nope", "organisation"},
		{"ErrOrganisationKind", "/api/v1/organisations?kind=alien", "kind"},
		{"ErrTopicKind", "/api/v1/topics?kind=both", "kind"},
		{"ErrUnknownParameter", "/api/v1/articles?colour=red", "colour"},
		{"ErrUnknownParameterTypo", "/api/v1/articles?regoin=cumbria", "regoin"},
		{"ErrUnknownParameterHelplines", "/api/v1/helplines?colour=red", "colour"},
		{"ErrUnknownParameterCampaigns", "/api/v1/campaigns?colour=red", "colour"},
		{"ErrUnknownParameterOrganisations", "/api/v1/organisations?colour=red", "colour"},
		{"ErrUnknownParameterRegions", "/api/v1/regions?colour=red", "colour"},
		{"ErrUnknownParameterTopics", "/api/v1/topics?colour=red", "colour"},
		{"ErrUnknownParameterArticle", "/api/v1/articles/" + cumbriaSlug + "?colour=red", "colour"},
		{"ErrUnknownParameterHelpline", "/api/v1/helplines/stop-it-now?colour=red", "colour"},
		{"ErrUnknownParameterCampaign", "/api/v1/campaigns/stop-it-now-deterrence?colour=red", "colour"},
		{"ErrUnknownParameterOrganisation", "/api/v1/organisations/stop-it-now?colour=red", "colour"},
		{"ErrRepeatedParameter", "/api/v1/articles?region=cumbria&region=kent", "region"},
		{"ErrRepeatedLimit", "/api/v1/helplines?limit=1&limit=2", "limit"},
		{"ErrEmptyParameter", "/api/v1/articles?region=", "region"},
		{"ErrEmptyParameterNoEquals", "/api/v1/articles?topic", "topic"},
		{"ErrEmptyCursor", "/api/v1/articles?cursor=", "cursor"},
		{"ErrEmptyLimit", "/api/v1/campaigns?limit=", "limit"},
		{"ErrMalformedQuery", "/api/v1/articles?region=%zz", "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustProblem(t, app.Get(t, tt.path), http.StatusBadRequest, tt.field)
			if !strings.Contains(p.Detail, tt.field) {
				t.Errorf("detail %q does not name %q", p.Detail, tt.field)
			}
		})
	}

	notFound := []struct{ name, path string }{
		{"ErrNotFoundArticle", "/api/v1/articles/nope"},
		{"ErrNotFoundHelpline", "/api/v1/helplines/nope"},
		{"ErrNotFoundCampaign", "/api/v1/campaigns/nope"},
		{"ErrNotFoundOrganisation", "/api/v1/organisations/nope"},
		{"ErrNotFoundNotSlug", "/api/v1/articles/NOT%20a%20slug"},
		{"ErrNotFoundRoute", "/api/v1/nope"},
		{"ErrNotFoundRouteRoot", "/nope"},
		{"ErrNotFoundTrailingSlash", "/api/v1/articles/"},
		{"ErrNotFoundOtherVersion", "/api/v2/articles"},
		{"ErrNotFoundNested", "/api/v1/articles/" + cumbriaSlug + "/comments"},
	}
	for _, tt := range notFound {
		t.Run(tt.name, func(t *testing.T) {
			resp := app.Get(t, tt.path)
			MustProblem(t, resp, http.StatusNotFound, "")
			if resp.Header.Get("ETag") != "" {
				t.Error("a 404 has an ETag")
			}
			// A conditional request does not turn an error into a 304.
			MustProblem(t, app.Get(t, tt.path, "If-None-Match", "*"), http.StatusNotFound, "")
		})
	}

	notAllowed := []struct{ name, method, path, allow string }{
		{"ErrMethodPostRegions", http.MethodPost, "/api/v1/regions", "GET"},
		{"ErrMethodDeleteTopics", http.MethodDelete, "/api/v1/topics", "GET"},
		{"ErrMethodPutHealthz", http.MethodPut, "/healthz", "GET"},
		{"ErrMethodPostOpenAPI", http.MethodPost, "/openapi.json", "GET"},
	}
	for _, tt := range notAllowed {
		t.Run(tt.name, func(t *testing.T) {
			resp := app.Do(t, tt.method, tt.path, strings.NewReader(`{}`), "Content-Type", "application/json")
			MustProblem(t, resp, http.StatusMethodNotAllowed, "")
			if !strings.Contains(resp.Header.Get("Allow"), tt.allow) {
				t.Errorf("Allow %q, want it to list %s", resp.Header.Get("Allow"), tt.allow)
			}
		})
	}
}

// TestReadNeverWrites proves that reads leave the database untouched: no connection
// commits anything (PRAGMA data_version, seen from another connection, is unchanged)
// and the database and WAL files keep their bytes.
func TestReadNeverWrites(t *testing.T) {
	sqliteOnly(t, "PRAGMA data_version and the bytes of the database and WAL files")
	app := MustStartApp(t)
	files := func() map[string][32]byte {
		out := map[string][32]byte{}
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(app.DBPath + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out[suffix] = sha256.Sum256(b)
		}
		return out
	}
	dataVersion := app.MustQueryInt(t, `PRAGMA data_version`)
	contentVersion := app.MustQueryInt(t, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'`)
	before := files()

	paths := []string{
		"/api/v1/articles", "/api/v1/articles?region=england&topic=indecent-images-of-children&limit=1",
		"/api/v1/articles?q=safeguarded", "/api/v1/articles/" + cumbriaSlug, "/api/v1/articles/nope",
		"/api/v1/helplines", "/api/v1/helplines?open_now=true&channel=phone", "/api/v1/helplines?limit=1",
		"/api/v1/helplines/stop-it-now", "/api/v1/helplines/stop-it-now?at=2027-02-06T12:00:00Z",
		"/api/v1/campaigns", "/api/v1/campaigns?status=active", "/api/v1/campaigns/stop-it-now-deterrence",
		"/api/v1/organisations", "/api/v1/organisations?kind=police&limit=1", "/api/v1/organisations/stop-it-now",
		"/api/v1/regions", "/api/v1/topics?kind=audience", "/healthz", "/readyz", "/openapi.json",
		"/api/v1/articles?limit=0", "/api/v1/articles?cursor=forged", "/api/v1/nope",
	}
	for range 3 {
		for _, p := range paths {
			app.Get(t, p)
		}
	}
	app.Get(t, "/api/v1/articles", "If-None-Match", "*")
	app.Do(t, http.MethodPost, "/api/v1/regions", strings.NewReader(`{"slug":"atlantis"}`), "Content-Type", "application/json")

	equal(t, "PRAGMA data_version", app.MustQueryInt(t, `PRAGMA data_version`), dataVersion)
	equal(t, "content_version", app.MustQueryInt(t, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'`), contentVersion)
	if after := files(); after[""] != before[""] || after["-wal"] != before["-wal"] {
		t.Error("reads changed the database or WAL file")
	}

	// The check itself sees a write by another connection.
	other, err := sql.Open("sqlite3", sideDSN(app.DBPath))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'content_version'`); err != nil {
		t.Fatal(err)
	}
	if app.MustQueryInt(t, `PRAGMA data_version`) == dataVersion {
		t.Fatal("PRAGMA data_version did not see a write: the check above proves nothing")
	}
}

// walk follows a list from first to its end twice, once by links.next and once by the
// Link header, checks that both give the same pages and that the envelope is
// consistent, and returns the slugs in order.
func walk(t *testing.T, app *testApp, first string, limit int, between func(page int)) []string {
	t.Helper()
	linkRE := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)
	var byBody, byHeader []string
	for _, viaHeader := range []bool{false, true} {
		var got []string
		next := first
		for n := 0; next != ""; n++ {
			if n > 100 {
				t.Fatalf("%s: more than 100 pages", first)
			}
			if between != nil {
				between(n)
			}
			var p page[slugged]
			resp := getOK(t, app, next, &p)
			equal(t, "meta.limit", p.Meta.Limit, limit)
			equal(t, "links.self", p.Links.Self, next)
			link := resp.Header.Get("Link")
			switch {
			case p.Links.Next == nil:
				if p.Meta.NextCursor != nil || link != "" {
					t.Fatalf("%s: no links.next, but next_cursor %v and Link %q", next, p.Meta.NextCursor, link)
				}
			default:
				m := linkRE.FindStringSubmatch(link)
				if m == nil || m[1] != *p.Links.Next {
					t.Fatalf("%s: Link %q does not point at links.next %q", next, link, *p.Links.Next)
				}
				u, err := url.Parse(*p.Links.Next)
				if err != nil || p.Meta.NextCursor == nil || u.Query().Get("cursor") != *p.Meta.NextCursor {
					t.Fatalf("%s: links.next %q does not carry next_cursor %v", next, *p.Links.Next, p.Meta.NextCursor)
				}
				// The next page keeps the filters and the limit of this one.
				cur, _ := url.Parse(next)
				q := cur.Query()
				q.Set("cursor", *p.Meta.NextCursor)
				if u.Path != cur.Path || u.Query().Encode() != q.Encode() {
					t.Fatalf("%s: links.next %q does not keep the query", next, *p.Links.Next)
				}
				if len(p.Data) != limit {
					t.Fatalf("%s: a page before the last has %d items, want %d", next, len(p.Data), limit)
				}
			}
			got = append(got, slugsOf(p.Data, func(s slugged) string { return s.Slug })...)
			next = ""
			if viaHeader && link != "" {
				next = linkRE.FindStringSubmatch(link)[1]
			} else if !viaHeader && p.Links.Next != nil {
				next = *p.Links.Next
			}
		}
		if viaHeader {
			byHeader = got
		} else {
			byBody = got
		}
	}
	equalSlices(t, "pages by Link header", byHeader, byBody)
	seen := map[string]bool{}
	for _, s := range byBody {
		if seen[s] {
			t.Errorf("%s: %s is on more than one page", first, s)
		}
		seen[s] = true
	}
	return byBody
}

type ordered struct {
	slug string
	key  string // the sort key as the list sorts it
	id   int64
}

// TestReadPagination walks every list page by page and checks that no item is lost
// or repeated and that the order is the documented one, ties included.
func TestReadPagination(t *testing.T) {
	const limit = 7

	t.Run("Articles", func(t *testing.T) {
		app := MustStartApp(t)
		seedID := app.MustQueryInt(t, `SELECT id FROM articles WHERE slug = ?`, cumbriaSlug)
		want := []ordered{{cumbriaSlug, testEpoch.Format(time.RFC3339Nano), seedID}}
		for i := range 30 {
			// Groups of four share a publication time; two share the seed's; some
			// have sub-second times.
			at := testEpoch.Add(-time.Duration(i/4) * time.Hour)
			if i%7 == 3 {
				at = at.Add(-1500 * time.Millisecond)
			}
			slug := fmt.Sprintf("article-%02d", i)
			id := app.MustInsertArticle(t, ArticleRow{Slug: slug, Title: "Article " + slug, PublishedAt: &at, Regions: []string{[]string{"kent", "cumbria"}[i%2]}})
			want = append(want, ordered{slug, at.Format(time.RFC3339Nano), id})
		}
		// Never listed: a draft, a scheduled article not yet due, an archived one.
		app.MustInsertArticle(t, ArticleRow{Slug: "draft", Title: "Draft", Status: models.StatusDraft})
		app.MustInsertArticle(t, ArticleRow{Slug: "scheduled", Title: "Scheduled", Status: models.StatusScheduled, PublishAt: ptr(testEpoch.Add(time.Minute))})
		app.MustInsertArticle(t, ArticleRow{Slug: "archived", Title: "Archived", Status: models.StatusArchived, PublishedAt: ptr(testEpoch.Add(-time.Hour))})
		slices.SortFunc(want, func(a, b ordered) int {
			at, _ := time.Parse(time.RFC3339Nano, a.key)
			bt, _ := time.Parse(time.RFC3339Nano, b.key)
			return cmp.Or(bt.Compare(at), cmp.Compare(b.id, a.id)) // newest first, then higher id
		})
		got := walk(t, app, fmt.Sprintf("/api/v1/articles?limit=%d", limit), limit, nil)
		equalSlices(t, "articles", got, slugsOfOrdered(want))

		t.Run("Filtered", func(t *testing.T) {
			var inCumbria []string
			for _, o := range want {
				if o.slug == cumbriaSlug || o.slug[len(o.slug)-1]%2 == 1 {
					inCumbria = append(inCumbria, o.slug)
				}
			}
			got := walk(t, app, fmt.Sprintf("/api/v1/articles?region=cumbria&limit=%d", limit), limit, nil)
			equalSlices(t, "articles in Cumbria", got, inCumbria)
		})
		t.Run("DefaultLimit", func(t *testing.T) {
			got := walk(t, app, "/api/v1/articles", models.DefaultLimit, nil)
			equalSlices(t, "articles", got, slugsOfOrdered(want))
		})
		t.Run("MaxLimit", func(t *testing.T) {
			equalSlices(t, "articles", listSlugs(t, app, "/api/v1/articles?limit=100"), slugsOfOrdered(want))
		})
	})

	t.Run("Helplines", func(t *testing.T) {
		app := MustStartApp(t) // the clock stays at Monday 10:00, when the seed's lines are open
		open, closed := hours.AlwaysOpen(), hours.Schedule{Timezone: "Europe/London",
			Weekly: []hours.Interval{{Days: []string{"sat"}, Opens: "09:00", Closes: "10:00"}}}
		var openLines, closedLines []ordered
		for _, s := range seedHelplines {
			var it item[handlers.Helpline]
			getOK(t, app, "/api/v1/helplines/"+s, &it)
			openLines = append(openLines, ordered{s, it.Data.Name, app.MustQueryInt(t, `SELECT id FROM helplines WHERE slug = ?`, s)})
		}
		names := []string{"Alpha line", "Zulu line", "Crimestoppers", "Same name", "Same name", "Same name", "Mike line", "Bravo line", "Same name", "Yankee line", "Alpha line", "Echo line"}
		for i, name := range names {
			slug := fmt.Sprintf("line-%02d", i)
			h := HelplineRow{Slug: slug, Name: name, Coverage: []string{"united-kingdom"}, Contacts: []string{"web"}}
			switch i % 3 {
			case 0:
				h.Hours = open
			case 1:
				h.Hours = closed
			} // case 2: unknown hours, never open now
			id := app.MustInsertHelpline(t, h)
			if i%3 == 0 {
				openLines = append(openLines, ordered{slug, name, id})
			} else {
				closedLines = append(closedLines, ordered{slug, name, id})
			}
		}
		app.MustInsertHelpline(t, HelplineRow{Slug: "draft-line", Name: "Aardvark draft", Status: models.StatusDraft, Hours: open})
		byName := func(a, b ordered) int { return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.id, b.id)) }
		slices.SortFunc(openLines, byName)
		slices.SortFunc(closedLines, byName)
		want := slugsOfOrdered(append(openLines, closedLines...))

		got := walk(t, app, fmt.Sprintf("/api/v1/helplines?limit=%d", limit), limit, nil)
		equalSlices(t, "helplines", got, want)

		t.Run("ClockMovesBetweenPages", func(t *testing.T) {
			// The order is fixed when the first page is served: a line that closes
			// while a client pages on neither vanishes nor shows twice.
			defer app.Clock.Set(testEpoch)
			got := walk(t, app, fmt.Sprintf("/api/v1/helplines?limit=%d", limit), limit, func(page int) {
				app.Clock.Set(testEpoch.Add(time.Duration(page) * 11 * time.Hour)) // page 1 at 21:00: Stop It Now! is closed
			})
			equalSlices(t, "helplines", got, want)
		})
		t.Run("OpenNow", func(t *testing.T) {
			got := walk(t, app, "/api/v1/helplines?open_now=true&limit=3", 3, nil)
			equalSlices(t, "open helplines", got, slugsOfOrdered(openLines))
		})
	})

	t.Run("Campaigns", func(t *testing.T) {
		app := MustStartApp(t)
		var want []ordered
		for _, s := range []string{"tackling-online-child-sexual-exploitation", "stop-it-now-deterrence"} {
			var it item[handlers.Campaign]
			getOK(t, app, "/api/v1/campaigns/"+s, &it)
			want = append(want, ordered{s, it.Data.Name, app.MustQueryInt(t, `SELECT id FROM campaigns WHERE slug = ?`, s)})
		}
		for i, name := range []string{"Same", "Alpha", "Same", "Zulu", "Regional", "Same", "alpha", "Stop", "Same", "Beta", "Omega", "Same"} {
			slug := fmt.Sprintf("campaign-%02d", i)
			want = append(want, ordered{slug, name, app.MustInsertCampaign(t, CampaignRow{Slug: slug, Name: name})})
		}
		app.MustInsertCampaign(t, CampaignRow{Slug: "draft-campaign", Name: "Aardvark", Status: models.StatusDraft})
		slices.SortFunc(want, func(a, b ordered) int { return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.id, b.id)) })
		got := walk(t, app, fmt.Sprintf("/api/v1/campaigns?limit=%d", limit), limit, nil)
		equalSlices(t, "campaigns", got, slugsOfOrdered(want))
	})

	t.Run("Organisations", func(t *testing.T) {
		app := MustStartApp(t)
		var orgs page[handlers.Organisation]
		getOK(t, app, "/api/v1/organisations?limit=100", &orgs)
		var want []ordered
		for _, o := range orgs.Data {
			want = append(want, ordered{o.Slug, o.Name, app.MustQueryInt(t, `SELECT id FROM organisations WHERE slug = ?`, o.Slug)})
		}
		for i, name := range []string{"Same", "Crimestoppers", "Same", "Zeta", "Same", "Alpha", "Same", "Same", "Lucy", "Stop It Now!"} {
			slug := fmt.Sprintf("organisation-%02d", i)
			want = append(want, ordered{slug, name, app.MustInsertOrganisation(t, slug, name, "other")})
		}
		slices.SortFunc(want, func(a, b ordered) int { return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.id, b.id)) })
		got := walk(t, app, fmt.Sprintf("/api/v1/organisations?limit=%d", limit), limit, nil)
		equalSlices(t, "organisations", got, slugsOfOrdered(want))

		var others []string
		for _, o := range want {
			if strings.HasPrefix(o.slug, "organisation-") || o.slug == "uk-emergency-services" {
				others = append(others, o.slug)
			}
		}
		got = walk(t, app, "/api/v1/organisations?kind=other&limit=4", 4, nil)
		equalSlices(t, "organisations of kind other", got, others)
	})
}

func slugsOfOrdered(os []ordered) []string {
	return slugsOf(os, func(o ordered) string { return o.slug })
}

// TestReadETag checks conditional GETs: every 200 has a strong ETag, and If-None-Match
// with it (strong, weak, in a list, or *) answers 304 with no body.
func TestReadETag(t *testing.T) {
	app := MustStartApp(t)
	paths := []string{
		"/api/v1/articles", "/api/v1/articles?region=cumbria", "/api/v1/articles/" + cumbriaSlug,
		"/api/v1/helplines", "/api/v1/helplines/stop-it-now", "/api/v1/campaigns", "/api/v1/campaigns/stop-it-now-deterrence",
		"/api/v1/organisations", "/api/v1/organisations/stop-it-now", "/api/v1/regions", "/api/v1/topics",
		"/healthz", "/readyz", "/openapi.json",
	}
	strong := regexp.MustCompile(`^"[\x21\x23-\x7e]+"$`)
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			resp := app.Get(t, path)
			MustStatus(t, resp, http.StatusOK)
			etag := resp.Header.Get("ETag")
			if !strong.MatchString(etag) {
				t.Fatalf("ETag %q is not a strong entity tag", etag)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary %q", resp.Header.Get("Vary"))
			}
			if again := app.Get(t, path).Header.Get("ETag"); again != etag {
				t.Errorf("the ETag changed between two reads of unchanged content: %s, %s", etag, again)
			}
			matches := []struct{ name, inm string }{
				{"OK", etag},
				{"OKWeak", "W/" + etag},
				{"OKStar", "*"},
				{"OKList", `"other", ` + etag + `, "more"`},
				{"OKListNoSpaces", `W/"other",` + etag},
			}
			for _, m := range matches {
				resp := app.Get(t, path, "If-None-Match", m.inm)
				if resp.StatusCode != http.StatusNotModified {
					t.Errorf("%s: If-None-Match %s: status %d, want 304", m.name, m.inm, resp.StatusCode)
					continue
				}
				if b := ReadBody(t, resp); len(b) != 0 {
					t.Errorf("%s: a 304 with a body of %d bytes", m.name, len(b))
				}
				equal(t, m.name+" ETag", resp.Header.Get("ETag"), etag)
				if resp.Header.Get("Content-Type") != "" {
					t.Errorf("%s: a 304 with Content-Type %q", m.name, resp.Header.Get("Content-Type"))
				}
			}
			for _, inm := range []string{`"other"`, `W/"other"`, strings.Trim(etag, `"`)} {
				resp := app.Get(t, path, "If-None-Match", inm)
				MustStatus(t, resp, http.StatusOK)
				equal(t, "ETag", resp.Header.Get("ETag"), etag)
			}
		})
	}

	t.Run("OKChangesWithContent", func(t *testing.T) {
		before := app.Get(t, "/api/v1/articles").Header.Get("ETag")
		app.MustInsertArticle(t, ArticleRow{Slug: "new", Title: "New", PublishedAt: ptr(testEpoch.Add(-time.Hour))})
		resp := app.Get(t, "/api/v1/articles", "If-None-Match", before)
		MustStatus(t, resp, http.StatusOK)
		if resp.Header.Get("ETag") == before {
			t.Error("the list's ETag did not change when an article was added")
		}
	})
}

// TestReadPublication checks that drafts, future scheduled, archived and deleted
// content is never shown, and that a scheduled item goes live by itself when its time
// comes.
func TestReadPublication(t *testing.T) {
	app := MustStartApp(t)
	due := testEpoch.Add(time.Hour)
	app.MustInsertArticle(t, ArticleRow{Slug: "draft-article", Title: "Draft", Status: models.StatusDraft,
		Regions: []string{"cumbria"}, Campaigns: []string{"stop-it-now-deterrence"}})
	app.MustInsertArticle(t, ArticleRow{Slug: "scheduled-article", Title: "Scheduled", Status: models.StatusScheduled, PublishAt: &due,
		Regions: []string{"cumbria"}, Campaigns: []string{"stop-it-now-deterrence"}})
	app.MustInsertArticle(t, ArticleRow{Slug: "archived-article", Title: "Archived", Status: models.StatusArchived, PublishedAt: ptr(testEpoch.Add(-time.Hour))})
	deleted := app.MustInsertArticle(t, ArticleRow{Slug: "deleted-article", Title: "Deleted", PublishedAt: ptr(testEpoch.Add(-time.Hour))})
	app.MustExec(t, `UPDATE articles SET deleted_at = ? WHERE id = ?`, testEpoch, deleted)
	app.MustInsertHelpline(t, HelplineRow{Slug: "draft-line", Name: "Draft line", Status: models.StatusDraft, Coverage: []string{"united-kingdom"}})
	app.MustInsertHelpline(t, HelplineRow{Slug: "scheduled-line", Name: "Scheduled line", Status: models.StatusScheduled, PublishAt: &due,
		Coverage: []string{"united-kingdom"}, Hours: hours.AlwaysOpen()})
	app.MustInsertCampaign(t, CampaignRow{Slug: "draft-campaign", Name: "Draft campaign", Status: models.StatusDraft})
	app.MustInsertCampaign(t, CampaignRow{Slug: "scheduled-campaign", Name: "Scheduled campaign", Status: models.StatusScheduled, PublishAt: &due})

	hidden := func(t *testing.T, list, slug string) {
		t.Helper()
		if slices.Contains(listSlugs(t, app, list), slug) {
			t.Errorf("%s lists %s", list, slug)
		}
		MustProblem(t, app.Get(t, strings.Split(list, "?")[0]+"/"+slug), http.StatusNotFound, "")
	}
	shown := func(t *testing.T, list, slug string) {
		t.Helper()
		if !slices.Contains(listSlugs(t, app, list), slug) {
			t.Errorf("%s does not list %s", list, slug)
		}
		MustStatus(t, app.Get(t, strings.Split(list, "?")[0]+"/"+slug), http.StatusOK)
	}
	campaignArticles := func(t *testing.T) []string {
		var it item[handlers.Campaign]
		getOK(t, app, "/api/v1/campaigns/stop-it-now-deterrence", &it)
		return slugsOf(it.Data.Articles, func(a handlers.ArticleRef) string { return a.Slug })
	}

	t.Run("ErrNotFoundBeforeTime", func(t *testing.T) {
		for _, s := range []string{"draft-article", "scheduled-article", "archived-article", "deleted-article"} {
			hidden(t, "/api/v1/articles", s)
			hidden(t, "/api/v1/articles?region=cumbria", s)
		}
		for _, s := range []string{"draft-line", "scheduled-line"} {
			hidden(t, "/api/v1/helplines", s)
		}
		for _, s := range []string{"draft-campaign", "scheduled-campaign"} {
			hidden(t, "/api/v1/campaigns", s)
		}
		equalSlices(t, "campaign articles", campaignArticles(t), []string{cumbriaSlug})
	})

	t.Run("ErrNotFoundJustBefore", func(t *testing.T) {
		app.Clock.Set(due.Add(-time.Nanosecond))
		hidden(t, "/api/v1/articles", "scheduled-article")
	})

	t.Run("OKWhenDue", func(t *testing.T) {
		app.Clock.Set(due) // no restart: the same server, a later time
		shown(t, "/api/v1/articles", "scheduled-article")
		equalSlices(t, "articles", listSlugs(t, app, "/api/v1/articles?region=cumbria"), []string{"scheduled-article", cumbriaSlug})
		shown(t, "/api/v1/helplines", "scheduled-line")
		shown(t, "/api/v1/campaigns", "scheduled-campaign")
		equalSlices(t, "campaign articles", campaignArticles(t), []string{"scheduled-article", cumbriaSlug})
		var it item[handlers.Article]
		getOK(t, app, "/api/v1/articles/scheduled-article", &it)
		equal(t, "published_at", *it.Data.PublishedAt, due)
		for _, s := range []string{"draft-article", "archived-article", "deleted-article"} {
			hidden(t, "/api/v1/articles", s)
		}
		hidden(t, "/api/v1/helplines", "draft-line")
		hidden(t, "/api/v1/campaigns", "draft-campaign")
	})
}

// TestReadSlugRedirect checks that an old slug answers 301 to the item's current URL.
func TestReadSlugRedirect(t *testing.T) {
	app := MustStartApp(t)
	idOf := func(table, slug string) int64 {
		return app.MustQueryInt(t, `SELECT id FROM `+table+` WHERE slug = ?`, slug)
	}
	redirect := func(itemType, old string, id int64) {
		app.MustExec(t, `INSERT INTO slug_redirects (item_type, slug, item_id) VALUES (?, ?, ?)`, itemType, old, id)
	}
	redirect("article", "old-cumbria", idOf("articles", cumbriaSlug))
	redirect("helpline", "stop-it-now-old", idOf("helplines", "stop-it-now"))
	redirect("campaign", "deterrence", idOf("campaigns", "stop-it-now-deterrence"))
	redirect("organisation", "lff", idOf("organisations", "lucy-faithfull-foundation"))
	draft := app.MustInsertArticle(t, ArticleRow{Slug: "draft", Title: "Draft", Status: models.StatusDraft})
	redirect("article", "old-draft", draft)

	tests := []struct{ name, path, location string }{
		{"OKArticle", "/api/v1/articles/old-cumbria", "/api/v1/articles/" + cumbriaSlug},
		{"OKHelpline", "/api/v1/helplines/stop-it-now-old", "/api/v1/helplines/stop-it-now"},
		{"OKHelplineKeepsQuery", "/api/v1/helplines/stop-it-now-old?at=2027-02-06T12:00:00Z", "/api/v1/helplines/stop-it-now?at=2027-02-06T12:00:00Z"},
		{"OKCampaign", "/api/v1/campaigns/deterrence", "/api/v1/campaigns/stop-it-now-deterrence"},
		{"OKOrganisation", "/api/v1/organisations/lff", "/api/v1/organisations/lucy-faithfull-foundation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := app.Get(t, tt.path)
			MustStatus(t, resp, http.StatusMovedPermanently)
			equal(t, "Location", resp.Header.Get("Location"), tt.location)
			MustStatus(t, app.Get(t, tt.location), http.StatusOK)
		})
	}
	t.Run("ErrNotFoundDraftTarget", func(t *testing.T) {
		MustProblem(t, app.Get(t, "/api/v1/articles/old-draft"), http.StatusNotFound, "")
	})
	t.Run("ErrNotFoundOtherType", func(t *testing.T) {
		// An old slug of an article does not redirect on another list.
		MustProblem(t, app.Get(t, "/api/v1/helplines/old-cumbria"), http.StatusNotFound, "")
	})
}
