package main

// End-to-end tests of the editorial API: keys and scopes, writes of every content
// type, publication states, slugs, validation, safe article bodies, If-Match, the
// audit log, soft deletion and the limits on request bodies. Every request goes
// through the shared helpers of app_test.go, so every response (201, 204, 401, 403,
// 409, 412, 413, 415, 422 included) is also checked against the OpenAPI document.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"signpost/models/slug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"signpost/models"
)

// editorApp is the application with two keys: an editor's and an admin's.
type editorApp struct {
	*testApp
	Editor string // key of "editor-1", scope editor
	Admin  string // key of "admin-1", scope admin
}

// MustStartEditorApp starts the app (seeded unless told otherwise) and creates an
// editor key and an admin key.
func MustStartEditorApp(tb testing.TB, opts ...TestOption) *editorApp {
	tb.Helper()
	app := MustStartApp(tb, opts...)
	return &editorApp{testApp: app,
		Editor: MustCreateKey(tb, app, "editor-1", models.ScopeEditor),
		Admin:  MustCreateKey(tb, app, "admin-1", models.ScopeAdmin)}
}

// MustCreateKey creates an API key in the app's store and returns it.
func MustCreateKey(tb testing.TB, app *testApp, name, scope string) string {
	tb.Helper()
	key, err := app.Store.CreateKey(context.Background(), name, scope)
	if err != nil {
		tb.Fatalf("create key %q: %v", name, err)
	}
	return key
}

// auth returns the header pair that sends key.
func auth(key string) []string { return []string{"Authorization", "Bearer " + key} }

// obj is a JSON object, as sent and as read.
type obj = map[string]any

// Write sends in as a JSON body with key, and returns the response and, for a 2xx
// with a body, its "data".
func (a *testApp) Write(tb testing.TB, method, path, key string, in any, headers ...string) (*http.Response, obj) {
	tb.Helper()
	if key != "" {
		headers = append(auth(key), headers...)
	}
	resp := a.DoJSON(tb, method, path, in, nil, headers...)
	return resp, dataOf(tb, resp)
}

// Read GETs path, with key unless it is "", and returns the response and, for a 200,
// its "data" (an object for an item, or {"items": [...]} for a list).
func (a *testApp) Read(tb testing.TB, path, key string) (*http.Response, obj) {
	tb.Helper()
	var headers []string
	if key != "" {
		headers = auth(key)
	}
	resp := a.Get(tb, path, headers...)
	return resp, dataOf(tb, resp)
}

func dataOf(tb testing.TB, resp *http.Response) obj {
	tb.Helper()
	if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	var env struct{ Data any }
	if err := json.Unmarshal(ReadBody(tb, resp), &env); err != nil {
		tb.Fatalf("%s %s: body is not JSON: %v", resp.Request.Method, resp.Request.URL.Path, err)
	}
	switch d := env.Data.(type) {
	case map[string]any:
		return d
	case []any:
		return obj{"items": d}
	}
	tb.Fatalf("%s %s: data is %T", resp.Request.Method, resp.Request.URL.Path, env.Data)
	return nil
}

// MustCreate POSTs body to path with key and fails unless the answer is 201.
func (a *testApp) MustCreate(tb testing.TB, path, key string, body obj) obj {
	tb.Helper()
	resp, data := a.Write(tb, http.MethodPost, path, key, body)
	MustStatus(tb, resp, http.StatusCreated)
	return data
}

// slugsOf returns the slugs of the items of a list read with Read.
func slugsOfList(tb testing.TB, list obj) []string {
	tb.Helper()
	var out []string
	for _, it := range list["items"].([]any) {
		out = append(out, it.(map[string]any)["slug"].(string))
	}
	return out
}

// slugsOfRefs returns the slugs of a field holding [{slug, name}].
func slugsOfRefs(v any) []string {
	var out []string
	for _, r := range v.([]any) {
		out = append(out, r.(map[string]any)["slug"].(string))
	}
	return out
}

// problemFields returns the fields named by a problem's errors.
func problemFields(tb testing.TB, resp *http.Response, status int) []string {
	tb.Helper()
	p := MustProblem(tb, resp, status, "")
	var out []string
	for _, e := range p.Errors {
		if e.Message == "" {
			tb.Errorf("field %q has no message", e.Field)
		}
		out = append(out, e.Field)
	}
	return out
}

// counts is how many rows the content tables and the audit log have.
func (a *testApp) counts(tb testing.TB) string {
	tb.Helper()
	var parts []string
	for _, t := range []string{"articles", "helplines", "campaigns", "organisations", "audit_log", "changes", "slug_redirects"} {
		parts = append(parts, fmt.Sprintf("%s=%d", t, a.MustQueryInt(tb, "SELECT COUNT(*) FROM "+t)))
	}
	parts = append(parts, fmt.Sprintf("content_version=%d", a.MustQueryInt(tb, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_version'")))
	return strings.Join(parts, " ")
}

func articleBody(title string) obj {
	return obj{
		"title":         title,
		"summary":       "Six children were safeguarded.",
		"body_markdown": "## What happened\n\nOfficers executed *two* warrants.",
		"status":        "published",
		"source":        obj{"publisher": "candofm", "url": "https://example.org/news/1", "attribution": "Based on a CandoFM report."},
		"image":         obj{"url": "https://example.org/p.jpg", "alt": "Officers at a door", "credit": "Cumbria Constabulary"},
		"regions":       []string{"cumbria", "england"},
		"topics":        []string{"reporting-crime"},
		"campaigns":     []string{"stop-it-now-deterrence"},
		"helplines":     []string{"stop-it-now"},
		"organisations": []string{"cumbria-constabulary"},
		"outcomes":      []obj{{"metric": "children_safeguarded", "label": "Children safeguarded", "value": 6}},
	}
}

func helplineBody(name string) obj {
	return obj{
		"name":         name,
		"organisation": "crimestoppers",
		"description":  "Advice and support.",
		"website":      "https://example.org/line",
		"topics":       []string{"reporting-crime"},
		"audiences":    []string{"general-public"},
		"coverage":     []string{"cumbria"},
		"contacts": []obj{
			{"type": "phone", "label": "Helpline", "value": "0808 1000 900", "cost": "Free"},
			{"type": "email", "value": "help@example.org"},
		},
		"opening_hours": obj{"timezone": "Europe/London", "weekly": []obj{{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "opens": "09:00", "closes": "17:00"}}},
		"status":        "published",
	}
}

func campaignBody(name string) obj {
	return obj{
		"name":        name,
		"summary":     "A week of action.",
		"organiser":   "cumbria-constabulary",
		"partners":    []string{"lucy-faithfull-foundation"},
		"scope":       "regional",
		"starts_on":   "2027-01-25",
		"ends_on":     "2027-02-07",
		"hashtags":    []string{"#Cumbria"},
		"regions":     []string{"cumbria"},
		"helplines":   []string{"stop-it-now"},
		"publication": "published",
	}
}

func organisationBody(name string) obj {
	return obj{"name": name, "kind": "charity", "url": "https://example.org", "description": "A charity."}
}

// clone copies a body so that a test can change it.
func clone(o obj) obj {
	b, _ := json.Marshal(o)
	var out obj
	json.Unmarshal(b, &out)
	return out
}

// TestWriteAuth proves that writes need a valid key with the right scope.
func TestWriteAuth(t *testing.T) {
	app := MustStartEditorApp(t)
	revoked := MustCreateKey(t, app.testApp, "leaver", models.ScopeEditor)
	if err := app.Store.RevokeKey(context.Background(), "leaver"); err != nil {
		t.Fatal(err)
	}
	// A key that is well formed but was never issued: a real key with its secret changed.
	forged := app.Editor[:len(app.Editor)-4] + "AAAA"
	before := app.counts(t)

	for _, tc := range []struct {
		name    string
		headers []string
		invalid bool // the header names a token that is not valid (error="invalid_token")
	}{
		{"ErrNoKey", nil, false},
		{"ErrBadKey", auth("not-a-key"), true},
		{"ErrForgedKey", auth(forged), true},
		{"ErrRevokedKey", auth(revoked), true},
		{"ErrEmptyBearer", []string{"Authorization", "Bearer "}, true},
		{"ErrOtherScheme", []string{"Authorization", "Basic " + app.Editor}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range []struct{ method, path string }{
				{http.MethodPost, "/api/v1/articles"},
				{http.MethodPut, "/api/v1/articles/" + cumbriaSlug},
				{http.MethodPatch, "/api/v1/articles/" + cumbriaSlug},
				{http.MethodDelete, "/api/v1/articles/" + cumbriaSlug},
				{http.MethodPost, "/api/v1/helplines"},
				{http.MethodPost, "/api/v1/campaigns"},
				{http.MethodPost, "/api/v1/organisations"},
				{http.MethodGet, "/api/v1/audit"},
			} {
				var body any
				if w.method != http.MethodDelete && w.method != http.MethodGet {
					body = articleBody("Should not be written")
				}
				resp := app.DoJSON(t, w.method, w.path, body, nil, tc.headers...)
				MustProblem(t, resp, http.StatusUnauthorized, "")
				wa := resp.Header.Get("WWW-Authenticate")
				if !strings.HasPrefix(wa, "Bearer ") {
					t.Errorf("%s %s: WWW-Authenticate %q, want a Bearer challenge", w.method, w.path, wa)
				}
				if got := strings.Contains(wa, `error="invalid_token"`); got != tc.invalid {
					t.Errorf("%s %s: WWW-Authenticate %q: invalid_token %v, want %v", w.method, w.path, wa, got, tc.invalid)
				}
			}
			if tc.headers != nil {
				// A bad key is refused on public reads too rather than silently ignored.
				MustProblem(t, app.Get(t, "/api/v1/articles", tc.headers...), http.StatusUnauthorized, "")
			}
		})
	}
	if after := app.counts(t); after != before {
		t.Errorf("refused writes changed the database:\nbefore %s\nafter  %s", before, after)
	}

	t.Run("ErrEditorReadsAudit", func(t *testing.T) {
		MustProblem(t, app.Get(t, "/api/v1/audit", auth(app.Editor)...), http.StatusForbidden, "")
	})
	t.Run("OKAdminReadsAudit", func(t *testing.T) {
		MustStatus(t, app.Get(t, "/api/v1/audit", auth(app.Admin)...), http.StatusOK)
	})
	t.Run("OKEditorWrites", func(t *testing.T) {
		a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Written by an editor"))
		if a["slug"] != "written-by-an-editor" {
			t.Errorf("slug %v", a["slug"])
		}
	})
	t.Run("OKAdminWrites", func(t *testing.T) {
		app.MustCreate(t, "/api/v1/organisations", app.Admin, organisationBody("Written by an admin"))
	})
}

// crudCase is one content type for TestWriteCRUD.
type crudCase struct {
	name, base, title string // title is the field holding the item's name
	body              func(string) obj
	// patch is a merge patch and check verifies its effect on the item read back.
	patch obj
	check func(t *testing.T, before, after obj)
}

// TestWriteCRUD proves POST (201 + Location), GET of that Location, PUT (replace),
// PATCH (JSON merge patch) and DELETE (204) for each content type, with related items
// given by slug.
func TestWriteCRUD(t *testing.T) {
	app := MustStartEditorApp(t)
	cases := []crudCase{
		{
			name: "Article", base: "/api/v1/articles", title: "title", body: articleBody,
			// null removes a field; a nested object merges; an array replaces.
			patch: obj{"summary": nil, "image": nil, "source": obj{"attribution": "Updated attribution."}, "regions": []string{"wales"}},
			check: func(t *testing.T, before, after obj) {
				if after["summary"] != "" {
					t.Errorf("summary %q: null must remove it", after["summary"])
				}
				if after["image"] != nil {
					t.Errorf("image %v: null must remove it", after["image"])
				}
				src := after["source"].(map[string]any)
				if src["attribution"] != "Updated attribution." {
					t.Errorf("source.attribution %v", src["attribution"])
				}
				if src["url"] != "https://example.org/news/1" || src["publisher"].(map[string]any)["slug"] != "candofm" {
					t.Errorf("source %v: the other fields of a nested object must stay", src)
				}
				if got := slugsOfRefs(after["regions"]); !slices.Equal(got, []string{"wales"}) {
					t.Errorf("regions %v: an array must be replaced", got)
				}
				for _, f := range []string{"title", "body_html", "topics", "campaigns", "helplines", "organisations", "outcomes", "status"} {
					if !jsonEqual(before[f], after[f]) {
						t.Errorf("%s changed from %v to %v; the patch did not name it", f, before[f], after[f])
					}
				}
			},
		},
		{
			name: "Helpline", base: "/api/v1/helplines", title: "name", body: helplineBody,
			patch: obj{"website": nil, "contacts": []obj{{"type": "web", "value": "https://example.org/chat"}},
				"opening_hours": obj{"exceptions": []obj{{"date": "2027-12-25", "closed": true}}}},
			check: func(t *testing.T, before, after obj) {
				if after["website"] != nil {
					t.Errorf("website %v: null must remove it", after["website"])
				}
				cs := after["contacts"].([]any)
				if len(cs) != 1 || cs[0].(map[string]any)["value"] != "https://example.org/chat" {
					t.Errorf("contacts %v: an array must be replaced", cs)
				}
				h := after["opening_hours"].(map[string]any)
				bh := before["opening_hours"].(map[string]any)
				if !jsonEqual(h["weekly"], bh["weekly"]) || h["timezone"] != "Europe/London" {
					t.Errorf("opening_hours %v: the other fields of a nested object must stay", h)
				}
				if ex := h["exceptions"].([]any); len(ex) != 1 || ex[0].(map[string]any)["date"] != "2027-12-25" {
					t.Errorf("opening_hours.exceptions %v", ex)
				}
				for _, f := range []string{"name", "description", "organisation", "coverage", "topics", "audiences", "status"} {
					if !jsonEqual(before[f], after[f]) {
						t.Errorf("%s changed from %v to %v; the patch did not name it", f, before[f], after[f])
					}
				}
			},
		},
		{
			name: "Campaign", base: "/api/v1/campaigns", title: "name", body: campaignBody,
			patch: obj{"summary": nil, "hashtags": []string{"#New"}, "partners": []string{"crimestoppers", "candofm"}},
			check: func(t *testing.T, before, after obj) {
				if after["summary"] != "" {
					t.Errorf("summary %q: null must remove it", after["summary"])
				}
				if !jsonEqual(after["hashtags"], []any{"#New"}) {
					t.Errorf("hashtags %v", after["hashtags"])
				}
				if got := slugsOfRefs(after["partners"]); !slices.Equal(got, []string{"candofm", "crimestoppers"}) && !slices.Equal(got, []string{"crimestoppers", "candofm"}) {
					t.Errorf("partners %v", got)
				}
				for _, f := range []string{"name", "organiser", "scope", "starts_on", "ends_on", "regions", "helplines", "publication"} {
					if !jsonEqual(before[f], after[f]) {
						t.Errorf("%s changed from %v to %v; the patch did not name it", f, before[f], after[f])
					}
				}
			},
		},
		{
			name: "Organisation", base: "/api/v1/organisations", title: "name", body: organisationBody,
			patch: obj{"description": nil, "url": "https://new.example.org"},
			check: func(t *testing.T, before, after obj) {
				if after["description"] != "" || after["url"] != "https://new.example.org" {
					t.Errorf("description %q url %v", after["description"], after["url"])
				}
				if after["name"] != before["name"] || after["kind"] != before["kind"] {
					t.Errorf("name or kind changed: %v", after)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "CRUD " + tc.name + " item"
			resp, created := app.Write(t, http.MethodPost, tc.base, app.Editor, tc.body(name))
			MustStatus(t, resp, http.StatusCreated)
			got := created["slug"].(string)
			if want := slug.Make(name); got != want {
				t.Errorf("slug %q, want %q", got, want)
			}
			slug := got
			loc := resp.Header.Get("Location")
			if loc != tc.base+"/"+slug {
				t.Fatalf("Location %q, want %s/%s", loc, tc.base, slug)
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("201 without an ETag")
			}

			t.Run("OKLocation", func(t *testing.T) {
				resp, got := app.Read(t, loc, "")
				MustStatus(t, resp, http.StatusOK)
				if got["slug"] != slug || got[tc.title] != name {
					t.Errorf("GET %s: %v", loc, got)
				}
				if resp.Header.Get("ETag") == "" {
					t.Error("GET without an ETag")
				}
			})

			t.Run("OKRelatedBySlug", func(t *testing.T) {
				_, got := app.Read(t, loc, "")
				switch tc.name {
				case "Article":
					for f, want := range map[string][]string{"helplines": {"stop-it-now"}, "campaigns": {"stop-it-now-deterrence"},
						"organisations": {"cumbria-constabulary"}, "topics": {"reporting-crime"}} {
						if g := slugsOfRefs(got[f]); !slices.Equal(g, want) {
							t.Errorf("%s %v, want %v", f, g, want)
						}
					}
					for _, h := range got["helplines"].([]any) {
						if h.(map[string]any)["name"] != "Stop It Now! helpline" {
							t.Errorf("helplines %v: want the short form with the name", got["helplines"])
						}
					}
				case "Helpline":
					if o := got["organisation"].(map[string]any); o["slug"] != "crimestoppers" || o["name"] != "Crimestoppers" {
						t.Errorf("organisation %v", o)
					}
				case "Campaign":
					if g := slugsOfRefs(got["helplines"]); !slices.Equal(g, []string{"stop-it-now"}) {
						t.Errorf("helplines %v", g)
					}
					if g := slugsOfRefs(got["partners"]); !slices.Equal(g, []string{"lucy-faithfull-foundation"}) {
						t.Errorf("partners %v", g)
					}
				}
			})

			t.Run("OKPut", func(t *testing.T) {
				body := tc.body(name + " replaced")
				body["slug"] = slug
				// Replace means replace: a field left out is emptied.
				delete(body, map[string]string{"Article": "summary", "Helpline": "description", "Campaign": "summary", "Organisation": "description"}[tc.name])
				resp, got := app.Write(t, http.MethodPut, loc, app.Editor, body, "If-Match", resp.Header.Get("ETag"))
				MustStatus(t, resp, http.StatusOK)
				if got[tc.title] != name+" replaced" {
					t.Errorf("%s %v", tc.title, got[tc.title])
				}
				for _, f := range []string{"summary", "description"} {
					if v, ok := got[f]; ok && v != "" {
						t.Errorf("%s %q: PUT without it must empty it", f, v)
					}
				}
				if resp.Header.Get("ETag") == "" {
					t.Error("PUT without an ETag")
				}
				_, read := app.Read(t, loc, app.Editor)
				if read[tc.title] != name+" replaced" {
					t.Errorf("read back: %s %v", tc.title, read[tc.title])
				}
			})

			t.Run("OKPatch", func(t *testing.T) {
				_, before := app.Read(t, loc, app.Editor)
				for _, ct := range []string{"application/merge-patch+json", "application/json"} {
					b, _ := json.Marshal(tc.patch)
					resp := app.Do(t, http.MethodPatch, loc, bytes.NewReader(b), append(auth(app.Editor), "Content-Type", ct)...)
					MustStatus(t, resp, http.StatusOK)
					if resp.Header.Get("ETag") == "" {
						t.Error("PATCH without an ETag")
					}
					tc.check(t, before, dataOf(t, resp))
					_, after := app.Read(t, loc, app.Editor)
					tc.check(t, before, after)
				}
			})

			t.Run("OKDelete", func(t *testing.T) {
				resp := app.Do(t, http.MethodDelete, loc, nil, auth(app.Editor)...)
				MustStatus(t, resp, http.StatusNoContent)
				if b := ReadBody(t, resp); len(b) != 0 {
					t.Errorf("204 with a body: %q", b)
				}
				MustProblem(t, app.Get(t, loc), http.StatusNotFound, "")
				MustProblem(t, app.Get(t, loc, auth(app.Editor)...), http.StatusNotFound, "")
				MustProblem(t, app.Do(t, http.MethodDelete, loc, nil, auth(app.Editor)...), http.StatusNotFound, "")
				MustProblem(t, app.DoJSON(t, http.MethodPatch, loc, obj{}, nil, auth(app.Editor)...), http.StatusNotFound, "")
			})
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestWritePublication proves the publication states: drafts, scheduled items before
// their time and archived items are seen only with a key; a scheduled item goes live
// by itself when the clock reaches publish_at.
func TestWritePublication(t *testing.T) {
	publishAt := testEpoch.Add(90 * time.Minute)
	for _, tc := range []struct {
		name, base string
		body       obj
		state      string // the field holding the publication state
	}{
		{"Article", "/api/v1/articles", articleBody("Scheduled article"), "status"},
		{"Helpline", "/api/v1/helplines", helplineBody("Scheduled helpline"), "status"},
		{"Campaign", "/api/v1/campaigns", campaignBody("Scheduled campaign"), "publication"},
	} {
		t.Run("OKScheduled"+tc.name, func(t *testing.T) {
			app := MustStartEditorApp(t)
			body := clone(tc.body)
			body[tc.state] = "scheduled"
			body["publish_at"] = publishAt.Format(time.RFC3339)
			created := app.MustCreate(t, tc.base, app.Editor, body)
			slug := created["slug"].(string)
			if created[tc.state] != "scheduled" {
				t.Errorf("%s %v", tc.state, created[tc.state])
			}
			item := tc.base + "/" + slug
			list := tc.base + "?limit=100"

			for _, at := range []time.Time{testEpoch, publishAt.Add(-time.Second)} {
				app.Clock.Set(at)
				MustProblem(t, app.Get(t, item), http.StatusNotFound, "")
				if _, l := app.Read(t, list, ""); slices.Contains(slugsOfList(t, l), slug) {
					t.Errorf("at %s the public list shows the scheduled %s", at, slug)
				}
				resp, got := app.Read(t, item, app.Editor)
				MustStatus(t, resp, http.StatusOK)
				if got[tc.state] != "scheduled" {
					t.Errorf("editor read at %s: %s %v", at, tc.state, got[tc.state])
				}
				if _, l := app.Read(t, list, app.Editor); !slices.Contains(slugsOfList(t, l), slug) {
					t.Errorf("the editor's list does not show the scheduled %s", slug)
				}
			}

			// No restart, no job: the clock moving is enough.
			app.Clock.Set(publishAt)
			resp, got := app.Read(t, item, "")
			MustStatus(t, resp, http.StatusOK)
			if got[tc.state] != "published" {
				t.Errorf("public read after publish_at: %s %q, want published", tc.state, got[tc.state])
			}
			pub, err := time.Parse(time.RFC3339, fmt.Sprint(got["published_at"]))
			if err != nil || !pub.Equal(publishAt) {
				t.Errorf("published_at %v, want publish_at %s", got["published_at"], publishAt.Format(time.RFC3339))
			}
			_, l := app.Read(t, list, "")
			if !slices.Contains(slugsOfList(t, l), slug) {
				t.Errorf("the public list does not show %s after publish_at", slug)
			}
			for _, it := range l["items"].([]any) {
				if m := it.(map[string]any); m["slug"] == slug && m[tc.state] != "published" {
					t.Errorf("public list: %s %q, want published", tc.state, m[tc.state])
				}
			}
			if _, got := app.Read(t, item, app.Editor); got[tc.state] != "published" {
				t.Errorf("editor read after publish_at: %s %q, want published", tc.state, got[tc.state])
			}

			// The editor can still change it by sending back what they read.
			_, cur := app.Read(t, item, app.Editor)
			resp, _ = app.Write(t, http.MethodPatch, item, app.Editor, obj{"slug": slug})
			MustStatus(t, resp, http.StatusOK)
			_, after := app.Read(t, item, "")
			if after["published_at"] != cur["published_at"] {
				t.Errorf("published_at moved from %v to %v on an edit", cur["published_at"], after["published_at"])
			}
		})
	}

	t.Run("OKDraftsForEditorsOnly", func(t *testing.T) {
		app := MustStartEditorApp(t)
		for _, state := range []string{"draft", "archived"} {
			body := articleBody("An " + state + " article")
			body["status"] = state
			body["body_markdown"] = "Secret **draft** text"
			a := app.MustCreate(t, "/api/v1/articles", app.Editor, body)
			slug := a["slug"].(string)
			item := "/api/v1/articles/" + slug

			MustProblem(t, app.Get(t, item), http.StatusNotFound, "")
			if _, l := app.Read(t, "/api/v1/articles?limit=100", ""); slices.Contains(slugsOfList(t, l), slug) {
				t.Errorf("the public list shows the %s", state)
			}
			if !onPostgres() { // search on PostgreSQL: branch pgsearch
				if _, l := app.Read(t, "/api/v1/articles?q=secret", ""); slices.Contains(slugsOfList(t, l), slug) {
					t.Errorf("public search finds the %s", state)
				}
			}
			resp, got := app.Read(t, item, app.Editor)
			MustStatus(t, resp, http.StatusOK)
			if got["status"] != state || got["body_markdown"] != "Secret **draft** text" {
				t.Errorf("editor read: status %v body_markdown %v", got["status"], got["body_markdown"])
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("keyed item read: Cache-Control %q, want private, no-store", cc)
			}
			resp, l := app.Read(t, "/api/v1/articles?limit=100", app.Editor)
			if !slices.Contains(slugsOfList(t, l), slug) {
				t.Errorf("the editor's list does not show the %s", state)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("keyed list: Cache-Control %q, want private, no-store", cc)
			}
		}
		// The public never sees body_markdown, and public reads are cacheable.
		resp, got := app.Read(t, "/api/v1/articles/"+cumbriaSlug, "")
		if _, ok := got["body_markdown"]; ok {
			t.Error("the public read shows body_markdown")
		}
		if cc := resp.Header.Get("Cache-Control"); cc != app.Config.CacheControl {
			t.Errorf("public read: Cache-Control %q, want %q", cc, app.Config.CacheControl)
		}
		if _, got := app.Read(t, "/api/v1/articles/"+cumbriaSlug, app.Editor); got["body_markdown"] == nil {
			t.Error("the editor's read has no body_markdown")
		}
	})

	t.Run("ErrScheduleInPast", func(t *testing.T) {
		app := MustStartEditorApp(t)
		body := articleBody("Too late")
		body["status"] = "scheduled"
		body["publish_at"] = testEpoch.Add(-time.Minute).Format(time.RFC3339)
		if f := problemFields(t, app.DoJSON(t, http.MethodPost, "/api/v1/articles", body, nil, auth(app.Editor)...), 422); !slices.Contains(f, "publish_at") {
			t.Errorf("fields %v", f)
		}
		delete(body, "publish_at")
		if f := problemFields(t, app.DoJSON(t, http.MethodPost, "/api/v1/articles", body, nil, auth(app.Editor)...), 422); !slices.Contains(f, "publish_at") {
			t.Errorf("fields %v", f)
		}
	})
}

// TestWriteSlugs proves slugs made from titles, clashes, formats and redirects.
func TestWriteSlugs(t *testing.T) {
	app := MustStartEditorApp(t)
	post := func(t *testing.T, body obj) (*http.Response, obj) {
		return app.Write(t, http.MethodPost, "/api/v1/articles", app.Editor, body)
	}

	t.Run("OKFromTitle", func(t *testing.T) {
		a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Crème brûlée"))
		if a["slug"] != "creme-brulee" {
			t.Errorf("slug %v, want creme-brulee", a["slug"])
		}
		b := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Crème Brûlée!"))
		if b["slug"] != "creme-brulee-2" {
			t.Errorf("clashing auto slug %v, want creme-brulee-2", b["slug"])
		}
	})

	t.Run("ErrExplicitClash", func(t *testing.T) {
		body := articleBody("Another title")
		body["slug"] = "creme-brulee"
		before := app.counts(t)
		resp, _ := post(t, body)
		MustProblem(t, resp, http.StatusConflict, "slug")
		if after := app.counts(t); after != before {
			t.Errorf("a 409 changed the database:\n%s\n%s", before, after)
		}
	})

	t.Run("ErrBadFormat", func(t *testing.T) {
		for _, s := range []string{"Upper-Case", "two--hyphens", "-lead", "trail-", "spa ce", "ünï", "slash/es", strings.Repeat("a", 81)} {
			body := articleBody("Bad slug")
			body["slug"] = s
			resp, _ := post(t, body)
			MustProblem(t, resp, http.StatusUnprocessableEntity, "slug")
		}
	})

	t.Run("OKRenameRedirects", func(t *testing.T) {
		body := articleBody("Renamed story")
		body["slug"] = "story-v1"
		app.MustCreate(t, "/api/v1/articles", app.Editor, body)
		rename := func(t *testing.T, from, to string) {
			t.Helper()
			resp, got := app.Write(t, http.MethodPatch, "/api/v1/articles/"+from, app.Editor, obj{"slug": to})
			MustStatus(t, resp, http.StatusOK)
			if got["slug"] != to {
				t.Fatalf("slug %v, want %s", got["slug"], to)
			}
		}
		mustRedirect := func(t *testing.T, from, to string) {
			t.Helper()
			resp := app.Get(t, "/api/v1/articles/"+from)
			MustStatus(t, resp, http.StatusMovedPermanently)
			if loc := resp.Header.Get("Location"); loc != "/api/v1/articles/"+to {
				t.Errorf("GET %s: Location %q, want /api/v1/articles/%s", from, loc, to)
			}
			// Following it gets the item.
			resp, got := app.Read(t, resp.Header.Get("Location"), "")
			MustStatus(t, resp, http.StatusOK)
			if got["slug"] != to {
				t.Errorf("followed to %v", got["slug"])
			}
		}
		rename(t, "story-v1", "story-v2")
		mustRedirect(t, "story-v1", "story-v2")
		rename(t, "story-v2", "story-v3")
		mustRedirect(t, "story-v1", "story-v3")
		mustRedirect(t, "story-v2", "story-v3")

		// Old slugs stay reserved for the item that had them.
		for _, old := range []string{"story-v1", "story-v2"} {
			b := articleBody("Squatter")
			b["slug"] = old
			resp, _ := post(t, b)
			MustProblem(t, resp, http.StatusConflict, "slug")
			resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/creme-brulee", app.Editor, obj{"slug": old})
			MustProblem(t, resp, http.StatusConflict, "slug")
		}
		// A write names the item by its current slug.
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/story-v1", app.Editor, obj{"title": "x"})
		MustProblem(t, resp, http.StatusNotFound, "")
		// An item can take back its own old slug.
		rename(t, "story-v3", "story-v1")
		mustRedirect(t, "story-v3", "story-v1")
		mustRedirect(t, "story-v2", "story-v1")
		MustStatus(t, app.Get(t, "/api/v1/articles/story-v1"), http.StatusOK)
	})

	t.Run("OKAutoSlugSkipsOldSlugs", func(t *testing.T) {
		a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Story v2"))
		if a["slug"] == "story-v2" {
			t.Errorf("a new item took the old slug story-v2")
		}
	})
}

// TestWriteValidation proves 422 with every field error at once.
func TestWriteValidation(t *testing.T) {
	app := MustStartEditorApp(t)
	before := app.counts(t)
	long := strings.Repeat("x", 201)
	for _, tc := range []struct {
		name, path string
		body       obj
		fields     []string
	}{
		{"ErrArticle", "/api/v1/articles", obj{
			"title": "", "slug": "Bad Slug", "summary": strings.Repeat("s", 1001), "status": "live",
			"source":  obj{"url": "ftp://example.org/x", "publisher": "no-such-publisher", "published_on": "31/01/2027"},
			"image":   obj{"url": "javascript:alert(1)"},
			"regions": []string{"atlantis"}, "topics": []string{"cooking"}, "helplines": []string{"no-such-line"},
			"campaigns": []string{"no-such-campaign"}, "organisations": []string{"nobody"},
			"outcomes": []obj{{"metric": "Bad Metric", "label": ""}},
		}, []string{"title", "slug", "summary", "status", "source.url", "source.publisher", "source.published_on", "image.url", "image.alt",
			"regions[0]", "topics[0]", "helplines[0]", "campaigns[0]", "organisations[0]", "outcomes[0].metric", "outcomes[0].label"}},
		{"ErrHelpline", "/api/v1/helplines", obj{
			"name": long, "website": "not a url", "coverage": []string{"atlantis"}, "organisation": "nobody",
			"audiences": []string{"reporting-crime"}, // a topic, not an audience
			"contacts": []obj{
				{"type": "phone", "value": "0808 100"},
				{"type": "email", "value": "not-an-email"},
				{"type": "web", "value": "javascript:alert(1)"},
				{"type": "pigeon", "value": "the loft"},
			},
			"opening_hours": obj{"timezone": "Mars/Olympus_Mons",
				"weekly":     []obj{{"days": []string{"mon"}, "opens": "09:00", "closes": "17:00"}, {"days": []string{"mon"}, "opens": "16:00", "closes": "18:00"}},
				"exceptions": []obj{{"closed": true}}},
			"languages": []string{"English"},
			"status":    "published",
		}, []string{"name", "website", "coverage[0]", "organisation", "audiences[0]", "contacts[0].value", "contacts[1].value", "contacts[2].value",
			"contacts[3].type", "opening_hours.timezone", "opening_hours.exceptions[0].date", "languages[0]"}},
		{"ErrHelplineOverlap", "/api/v1/helplines", obj{
			"name": "Overlap", "coverage": []string{"cumbria"}, "contacts": []obj{{"type": "phone", "value": "101"}},
			"opening_hours": obj{"timezone": "Europe/London",
				"weekly": []obj{{"days": []string{"mon"}, "opens": "09:00", "closes": "17:00"}, {"days": []string{"mon"}, "opens": "16:00", "closes": "18:00"}}},
			"status": "published",
		}, []string{"opening_hours.weekly[1]"}},
		{"ErrHelplineRequired", "/api/v1/helplines", obj{"status": "published"}, []string{"name", "coverage", "contacts"}},
		{"ErrCampaign", "/api/v1/campaigns", obj{
			"name": "", "scope": "galactic", "starts_on": "2027-02-07", "ends_on": "2027-01-25", "hashtags": []string{"no hash"},
			"helplines": []string{"no-such-line"}, "partners": []string{"nobody"}, "regions": []string{"atlantis"}, "organiser": "nobody",
			"publication": "published",
		}, []string{"name", "scope", "ends_on", "hashtags[0]", "helplines[0]", "partners[0]", "regions[0]", "organiser"}},
		{"ErrCampaignBadDates", "/api/v1/campaigns", obj{"name": "Dates", "scope": "local", "starts_on": "2027-02-30", "ends_on": "tomorrow"},
			[]string{"starts_on", "ends_on"}},
		{"ErrOrganisation", "/api/v1/organisations", obj{"name": " ", "kind": "club", "url": "example.org", "slug": "UPPER", "parent": "nobody"},
			[]string{"name", "kind", "url", "slug", "parent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := app.Write(t, http.MethodPost, tc.path, app.Editor, tc.body)
			got := problemFields(t, resp, http.StatusUnprocessableEntity)
			for _, f := range tc.fields {
				if !slices.Contains(got, f) {
					t.Errorf("field %q is not listed; got %v", f, got)
				}
			}
		})
	}

	t.Run("ErrUnknownField", func(t *testing.T) {
		for _, tc := range []struct {
			body  obj
			field string
		}{
			{obj{"title": "Typo", "sumary": "misspelt"}, "sumary"},
			{obj{"title": "Nested typo", "source": obj{"publisher_name": "x"}}, "publisher_name"},
		} {
			resp, _ := app.Write(t, http.MethodPost, "/api/v1/articles", app.Editor, tc.body)
			if f := problemFields(t, resp, http.StatusUnprocessableEntity); !slices.ContainsFunc(f, func(s string) bool { return strings.Contains(s, tc.field) }) {
				t.Errorf("fields %v, want %s", f, tc.field)
			}
			// The same for a merge patch: unknown fields are not merged in silently.
			resp, _ = app.Write(t, http.MethodPatch, "/api/v1/articles/"+cumbriaSlug, app.Editor, tc.body)
			if f := problemFields(t, resp, http.StatusUnprocessableEntity); !slices.ContainsFunc(f, func(s string) bool { return strings.Contains(s, tc.field) }) {
				t.Errorf("PATCH fields %v, want %s", f, tc.field)
			}
		}
	})

	t.Run("ErrWrongType", func(t *testing.T) {
		for _, tc := range []struct {
			body  string
			field string
		}{
			{`{"title": 5}`, "title"},
			{`{"title": "x", "regions": "cumbria"}`, "regions"},
			{`{"title": "x", "outcomes": [{"metric": "m", "label": "l", "value": "six"}]}`, "value"},
			{`{"title": "x", "publish_at": "next tuesday"}`, ""},
			{`["an", "array"]`, ""},
			{`"a string"`, ""},
		} {
			resp := app.Do(t, http.MethodPost, "/api/v1/articles", strings.NewReader(tc.body), append(auth(app.Editor), "Content-Type", "application/json")...)
			f := problemFields(t, resp, http.StatusUnprocessableEntity)
			if tc.field != "" && !slices.ContainsFunc(f, func(s string) bool { return strings.Contains(s, tc.field) }) {
				t.Errorf("%s: fields %v, want %s", tc.body, f, tc.field)
			}
		}
	})

	t.Run("OKPhoneNumbers", func(t *testing.T) {
		body := helplineBody("Phone numbers")
		var contacts []obj
		for _, v := range []string{"0808 1000 900", "101", "999", "18001 101", "18000"} {
			// 101 is not free to call, so its contacts say what it costs.
			contacts = append(contacts, obj{"type": "phone", "value": v, "cost": "Your phone provider may charge for the call"})
		}
		body["contacts"] = contacts
		h := app.MustCreate(t, "/api/v1/helplines", app.Editor, body)
		cs := h["contacts"].([]any)
		if len(cs) != 5 {
			t.Fatalf("contacts %v", cs)
		}
		first := cs[0].(map[string]any)
		if first["e164"] != "+448081000900" || first["uri"] != "tel:+448081000900" {
			t.Errorf("0808 1000 900: e164 %v uri %v", first["e164"], first["uri"])
		}
		for i, want := range []string{"101", "999", "18001 101", "18000"} {
			c := cs[i+1].(map[string]any)
			if c["value"] != want || !strings.HasPrefix(fmt.Sprint(c["uri"]), "tel:") {
				t.Errorf("short code %s: %v", want, c)
			}
		}
	})

	// Only OKPhoneNumbers wrote: one helpline.
	after := app.counts(t)
	for table, added := range map[string]int{"articles": 0, "helplines": 1, "campaigns": 0, "organisations": 0, "audit_log": 1} {
		if countOf(after, table) != countOf(before, table)+added {
			t.Errorf("rejected writes changed %s:\nbefore %s\nafter  %s", table, before, after)
		}
	}
}

func countOf(counts, table string) int {
	for _, p := range strings.Fields(counts) {
		if name, n, ok := strings.Cut(p, "="); ok && name == table {
			var v int
			fmt.Sscan(n, &v)
			return v
		}
	}
	return -1
}

// xssCorpus is Markdown that tries to get script into body_html.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="x" onerror="alert(1)"`,
	`<svg onload=alert(1)><circle r="10"/></svg>`,
	`<svg><script>alert(1)</script></svg>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background:url(javascript:alert(1))">styled</div>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<object data="evil.swf"></object>`,
	`<embed src="evil.swf">`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>`,
	`<input autofocus onfocus=alert(1)>`,
	`<details open ontoggle=alert(1)>x</details>`,
	`<body onload=alert(1)>`,
	`<base href="javascript:alert(1)//">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<link rel="stylesheet" href="javascript:alert(1)">`,
	`<a href="javascript:alert(1)">raw js link</a>`,
	`<a href="JaVaScRiPt:alert(1)">mixed case</a>`,
	`<a href="&#106;avascript:alert(1)">entity</a>`,
	`<a href="vbscript:msgbox(1)">vb</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>`,
	`[md js](javascript:alert(1))`,
	`[md js spaced](  javascript:alert(1) )`,
	`[md data](data:text/html,<script>alert(1)</script>)`,
	`[md vb](vbscript:msgbox(1))`,
	`![md img](javascript:alert(1))`,
	`[ref link][evil]` + "\n\n" + `[evil]: javascript:alert(1)`,
	`<a href="https://example.org" onclick="alert(1)">click</a>`,
	`<p onmouseover="alert(1)">hover</p>`,
	"<a href=\"java\tscript:alert(1)\">tab</a>",
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<!--><script>alert(1)</script>-->`,
	`<template><script>alert(1)</script></template>`,
}

const safeMarkdown = "## Safe heading\n\n- item one\n- item two\n\n1. first\n2. second\n\n" +
	"A [safe link](https://example.org/safe) with *emphasis* and **strong** words.\n\n> A quoted line\n"

// TestWriteSafeBody proves that an article body from an editor reaches readers with
// nothing executable in its HTML, and with its harmless structure intact.
func TestWriteSafeBody(t *testing.T) {
	app := MustStartEditorApp(t)
	body := articleBody("Safe body")
	body["body_markdown"] = safeMarkdown + "\n\n" + strings.Join(xssCorpus, "\n\n")
	created := app.MustCreate(t, "/api/v1/articles", app.Editor, body)
	_, public := app.Read(t, "/api/v1/articles/"+created["slug"].(string), "")
	for name, got := range map[string]obj{"POST response": created, "public read": public} {
		t.Run("OK"+strings.ReplaceAll(name, " ", ""), func(t *testing.T) {
			s, ok := got["body_html"].(string)
			if !ok || s == "" {
				t.Fatalf("body_html %v", got["body_html"])
			}
			for _, problem := range unsafeHTML(t, s) {
				t.Error(problem)
			}
			have := map[atom.Atom]int{}
			var safeHref bool
			walkHTML(t, s, func(n *html.Node) {
				have[n.DataAtom]++
				if n.DataAtom == atom.A {
					for _, a := range n.Attr {
						if a.Key == "href" && a.Val == "https://example.org/safe" {
							safeHref = true
						}
					}
				}
			})
			for _, want := range []atom.Atom{atom.H2, atom.Ul, atom.Ol, atom.Li, atom.Em, atom.Strong, atom.Blockquote, atom.A} {
				if have[want] == 0 {
					t.Errorf("no <%s> survived: %s", want, truncate([]byte(s)))
				}
			}
			if have[atom.Li] < 4 {
				t.Errorf("%d list items, want 4", have[atom.Li])
			}
			if !safeHref {
				t.Error("the safe link lost its href")
			}
			if !strings.Contains(s, "Safe heading") || !strings.Contains(s, "A quoted line") {
				t.Errorf("text lost: %s", truncate([]byte(s)))
			}
		})
	}
}

// unsafeHTML lists what is executable or styleable in a fragment of HTML.
func unsafeHTML(tb testing.TB, s string) []string {
	tb.Helper()
	forbidden := map[string]bool{"script": true, "iframe": true, "frame": true, "svg": true, "math": true, "style": true,
		"object": true, "embed": true, "form": true, "input": true, "button": true, "base": true, "meta": true, "link": true,
		"template": true, "noscript": true, "body": true, "applet": true}
	var out []string
	walkHTML(tb, s, func(n *html.Node) {
		if forbidden[n.Data] {
			out = append(out, fmt.Sprintf("element <%s> in body_html", n.Data))
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"), key == "style", key == "formaction", key == "srcdoc":
				out = append(out, fmt.Sprintf("attribute %s=%q on <%s>", a.Key, a.Val, n.Data))
			case key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "background" || key == "poster":
				v := strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, strings.ToLower(a.Val))
				for _, scheme := range []string{"javascript:", "data:", "vbscript:"} {
					if strings.HasPrefix(v, scheme) {
						out = append(out, fmt.Sprintf("%s=%q on <%s>", a.Key, a.Val, n.Data))
					}
				}
			}
		}
	})
	return out
}

// walkHTML parses s as a fragment of a <div> and calls f on every element.
func walkHTML(tb testing.TB, s string, f func(*html.Node)) {
	tb.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		tb.Fatalf("parse body_html: %v", err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			f(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// TestUnsafeHTMLCheck proves that the check of TestWriteSafeBody catches what it is
// meant to catch, so that its passing means something.
func TestUnsafeHTMLCheck(t *testing.T) {
	for _, bad := range []string{`<script>x</script>`, `<img src=x onerror=alert(1)>`, `<a href=" JavaScript:x">x</a>`,
		`<svg></svg>`, `<p style="color:red">x</p>`, `<a href="data:text/html,x">x</a>`, `<iframe></iframe>`, `<a href="vbscript:x">x</a>`} {
		if len(unsafeHTML(t, bad)) == 0 {
			t.Errorf("%s passes the check", bad)
		}
	}
	if p := unsafeHTML(t, `<h2>x</h2><a href="https://example.org">x</a><em>y</em>`); len(p) != 0 {
		t.Errorf("safe HTML fails the check: %v", p)
	}
}

// TestWriteIfMatch proves that every item read or written carries an ETag, and that
// a write with a stale If-Match gets 412 and changes nothing.
func TestWriteIfMatch(t *testing.T) {
	app := MustStartEditorApp(t)
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Contested article"))
	item := "/api/v1/articles/" + a["slug"].(string)

	resp, _ := app.Read(t, item, app.Editor)
	stale := resp.Header.Get("ETag")
	if stale == "" {
		t.Fatal("editor read without an ETag")
	}
	pub := app.Get(t, item).Header.Get("ETag")
	if pub == "" {
		t.Fatal("public read without an ETag")
	}
	resp, _ = app.Write(t, http.MethodPatch, item, app.Editor, obj{"summary": "First edit"}, "If-Match", pub)
	MustStatus(t, resp, http.StatusOK)
	fresh := resp.Header.Get("ETag")
	if fresh == "" || fresh == stale {
		t.Fatalf("ETag after the edit %q (before %q)", fresh, stale)
	}

	snapshot := func() string {
		resp := app.Get(t, item, auth(app.Editor)...)
		MustStatus(t, resp, http.StatusOK)
		return string(ReadBody(t, resp)) + "\n" + app.counts(t)
	}
	before := snapshot()
	replacement := articleBody("Overwritten")
	for _, tc := range []struct {
		name, method, ifMatch string
		body                  any
	}{
		{"ErrStalePut", http.MethodPut, stale, replacement},
		{"ErrStalePatch", http.MethodPatch, stale, obj{"summary": "Lost update"}},
		{"ErrStaleDelete", http.MethodDelete, stale, nil},
		{"ErrStaleWeakPatch", http.MethodPatch, "W/" + stale, obj{"summary": "Lost update"}},
		{"ErrForeignTagPut", http.MethodPut, `"not-ours"`, replacement},
		{"ErrForeignTagDelete", http.MethodDelete, `"0.abc"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := app.DoJSON(t, tc.method, item, tc.body, nil, append(auth(app.Editor), "If-Match", tc.ifMatch)...)
			MustProblem(t, resp, http.StatusPreconditionFailed, "")
			if after := snapshot(); after != before {
				t.Errorf("a 412 changed the item or the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	t.Run("OKCurrentTag", func(t *testing.T) {
		resp, got := app.Write(t, http.MethodPut, item, app.Editor, replacement, "If-Match", fresh)
		MustStatus(t, resp, http.StatusOK)
		if got["title"] != "Overwritten" {
			t.Errorf("title %v", got["title"])
		}
		// The tag of the PUT response is good for the next write.
		resp = app.Do(t, http.MethodDelete, "/api/v1/articles/"+got["slug"].(string), nil, append(auth(app.Editor), "If-Match", resp.Header.Get("ETag"))...)
		MustStatus(t, resp, http.StatusNoContent)
	})

	t.Run("OKEveryTypeHasETags", func(t *testing.T) {
		for _, w := range []struct {
			base string
			body obj
		}{
			{"/api/v1/helplines", helplineBody("Tagged helpline")},
			{"/api/v1/campaigns", campaignBody("Tagged campaign")},
			{"/api/v1/organisations", organisationBody("Tagged organisation")},
		} {
			resp, got := app.Write(t, http.MethodPost, w.base, app.Editor, w.body)
			MustStatus(t, resp, http.StatusCreated)
			item := w.base + "/" + got["slug"].(string)
			tag := resp.Header.Get("ETag")
			for _, r := range []*http.Response{app.Get(t, item), app.Get(t, item, auth(app.Editor)...)} {
				MustStatus(t, r, http.StatusOK)
				if r.Header.Get("ETag") == "" {
					t.Errorf("GET %s without an ETag", item)
				}
			}
			resp = app.DoJSON(t, http.MethodPatch, item, obj{"name": "Retagged"}, nil, append(auth(app.Editor), "If-Match", tag)...)
			MustStatus(t, resp, http.StatusOK)
			MustProblem(t, app.DoJSON(t, http.MethodPatch, item, obj{"name": "Stale"}, nil, append(auth(app.Editor), "If-Match", tag)...),
				http.StatusPreconditionFailed, "")
			MustProblem(t, app.Do(t, http.MethodDelete, item, nil, append(auth(app.Editor), "If-Match", tag)...), http.StatusPreconditionFailed, "")
			if _, got := app.Read(t, item, app.Editor); got["name"] != "Retagged" {
				t.Errorf("%s: name %v", item, got["name"])
			}
		}
	})
}

// raceResult is one racer's answer.
type raceResult struct {
	status int
	err    error
	req    *http.Request
	header http.Header
	body   []byte
}

// race sends the requests at the same moment, each from its own goroutine, and
// returns the answers once all are in. The answers are checked against the OpenAPI
// document here, on the test's goroutine.
func (a *testApp) race(tb testing.TB, reqs ...*http.Request) []raceResult {
	tb.Helper()
	out := make([]raceResult, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := raceResult{req: req}
			resp, err := a.Client.Do(req)
			if err != nil {
				r.err = err
			} else {
				r.status, r.header = resp.StatusCode, resp.Header
				r.body, r.err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			out[i] = r
		}()
	}
	close(start)
	wg.Wait()
	for _, r := range out {
		if r.err != nil {
			tb.Fatalf("%s %s: %v", r.req.Method, r.req.URL.Path, r.err)
		}
		if err := checkResponse(r.req, r.status, r.header, r.body); err != nil {
			tb.Errorf("%s %s: response does not conform to the OpenAPI document:\n%v", r.req.Method, r.req.URL.Path, err)
		}
	}
	return out
}

// TestWriteRace proves that two editors who read the same version and write at the
// same moment never overwrite each other: exactly one wins and the other gets 412.
func TestWriteRace(t *testing.T) {
	app := MustStartEditorApp(t)
	second := MustCreateKey(t, app.testApp, "editor-2", models.ScopeEditor)
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Raced article"))
	item := app.URL + "/api/v1/articles/" + a["slug"].(string)
	const rounds = 20
	wins := map[string]int{}
	for round := range rounds {
		resp, _ := app.Read(t, strings.TrimPrefix(item, app.URL), app.Editor)
		tag := resp.Header.Get("ETag")
		var reqs []*http.Request
		for i, key := range []string{app.Editor, second} {
			summary := fmt.Sprintf("round %d by editor %d", round, i+1)
			body, _ := json.Marshal(obj{"summary": summary})
			method := http.MethodPatch
			if round%2 == 1 {
				// Odd rounds race a PATCH against a PUT.
				if i == 1 {
					method = http.MethodPut
					b := articleBody("Raced article")
					b["slug"] = a["slug"]
					b["summary"] = summary
					body, _ = json.Marshal(b)
				}
			}
			req, _ := http.NewRequest(method, item, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("If-Match", tag)
			reqs = append(reqs, req)
		}
		results := app.race(t, reqs...)
		var winner = -1
		for i, r := range results {
			switch r.status {
			case http.StatusOK:
				if winner >= 0 {
					t.Fatalf("round %d: both writes succeeded with the same If-Match", round)
				}
				winner = i
			case http.StatusPreconditionFailed:
			default:
				t.Fatalf("round %d: %s answered %d: %s", round, r.req.Method, r.status, r.body)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: neither write succeeded", round)
		}
		want := fmt.Sprintf("round %d by editor %d", round, winner+1)
		wins[fmt.Sprint("editor ", winner+1)]++
		if _, got := app.Read(t, strings.TrimPrefix(item, app.URL), app.Editor); got["summary"] != want {
			t.Fatalf("round %d: summary %q, want the winner's %q", round, got["summary"], want)
		}
	}
	// Each round is one update in the audit log: the loser wrote nothing.
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'update' AND slug = ?`, a["slug"]); n != rounds {
		t.Errorf("%d updates recorded, want %d", n, rounds)
	}
	t.Logf("wins: %v", wins)
}

// auditEntry is an entry of GET /api/v1/audit.
type auditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	KeyName  string    `json:"key_name"`
	Action   string    `json:"action"`
	ItemType string    `json:"item_type"`
	Slug     string    `json:"slug"`
	Before   obj       `json:"before"`
	After    obj       `json:"after"`
}

// readAudit walks the audit log from path (with its filters) page by page.
func readAudit(tb testing.TB, app *editorApp, path string) []auditEntry {
	tb.Helper()
	var all []auditEntry
	next := path
	for pages := 0; next != ""; pages++ {
		if pages > 1000 {
			tb.Fatal("the audit log does not end")
		}
		var page struct {
			Data []auditEntry
			Meta struct {
				NextCursor *string `json:"next_cursor"`
			}
			Links struct {
				Next *string `json:"next"`
			}
		}
		resp := app.GetJSON(tb, next, &page, auth(app.Admin)...)
		MustStatus(tb, resp, http.StatusOK)
		all = append(all, page.Data...)
		next = ""
		if page.Meta.NextCursor != nil {
			if page.Links.Next == nil || resp.Header.Get("Link") == "" {
				tb.Errorf("a page with next_cursor has no links.next or Link header")
			}
			u, _ := url.Parse(path)
			q := u.Query()
			q.Set("cursor", *page.Meta.NextCursor)
			u.RawQuery = q.Encode()
			next = u.String()
		}
	}
	return all
}

// TestAudit proves that each write is recorded with its key, action, item, time and
// state before and after, and that the log is paged and filtered.
func TestAudit(t *testing.T) {
	app := MustStartEditorApp(t)
	t1, t2, t3 := testEpoch.Add(time.Minute), testEpoch.Add(2*time.Minute), testEpoch.Add(3*time.Minute)

	app.Clock.Set(t1)
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Audited article"))
	slug := a["slug"].(string)
	app.MustCreate(t, "/api/v1/helplines", app.Editor, helplineBody("Audited helpline"))
	app.Clock.Set(t2)
	resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/"+slug, app.Admin, obj{"title": "Audited article, corrected"})
	MustStatus(t, resp, http.StatusOK)
	app.Clock.Set(t3)
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/articles/"+slug, nil, auth(app.Editor)...), http.StatusNoContent)

	t.Run("OKEntries", func(t *testing.T) {
		got := readAudit(t, app, "/api/v1/audit?item_type=article&slug="+slug)
		if len(got) != 3 {
			t.Fatalf("%d entries, want 3: %+v", len(got), got)
		}
		want := []struct {
			at              time.Time
			key, action     string
			beforeT, afterT any
		}{
			{t3, "editor-1", "delete", "Audited article, corrected", nil},
			{t2, "admin-1", "update", "Audited article", "Audited article, corrected"},
			{t1, "editor-1", "create", nil, "Audited article"},
		}
		for i, w := range want {
			e := got[i]
			if !e.At.Equal(w.at) || e.KeyName != w.key || e.Action != w.action || e.ItemType != "article" || e.Slug != slug {
				t.Errorf("entry %d: %s %s %s %s %s, want %s %s %s article %s", i, e.At.Format(time.RFC3339), e.KeyName, e.Action, e.ItemType, e.Slug,
					w.at.Format(time.RFC3339), w.key, w.action, slug)
			}
			title := func(o obj) any {
				if o == nil {
					return nil
				}
				return o["title"]
			}
			if title(e.Before) != w.beforeT || title(e.After) != w.afterT {
				t.Errorf("entry %d (%s): before.title %v after.title %v, want %v and %v", i, e.Action, title(e.Before), title(e.After), w.beforeT, w.afterT)
			}
			if e.Before != nil && e.Before["slug"] != slug {
				t.Errorf("entry %d: before.slug %v", i, e.Before["slug"])
			}
		}
		if got[0].Before["body_markdown"] == nil {
			t.Error("the delete's before state lacks the body; it must be the whole item")
		}
	})

	t.Run("OKPagedWalk", func(t *testing.T) {
		// More writes, so that there are several pages.
		for i := range 5 {
			app.Clock.Add(time.Second)
			app.MustCreate(t, "/api/v1/organisations", app.Editor, organisationBody(fmt.Sprintf("Audit filler %d", i)))
		}
		all := readAudit(t, app, "/api/v1/audit?limit=100")
		paged := readAudit(t, app, "/api/v1/audit?limit=2")
		n := app.MustQueryInt(t, `SELECT COUNT(*) FROM audit_log`)
		if int64(len(all)) != n || len(paged) != len(all) {
			t.Fatalf("unpaged %d, paged %d, rows %d", len(all), len(paged), n)
		}
		for i := range all {
			if all[i].ID != paged[i].ID {
				t.Fatalf("entry %d: paged walk has id %d, one page has %d", i, paged[i].ID, all[i].ID)
			}
			if i > 0 && all[i].ID >= all[i-1].ID {
				t.Errorf("not newest first at %d", i)
			}
		}
	})

	t.Run("OKFilters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			where string
		}{
			{"item_type=helpline", "item_type = 'helpline'"},
			{"item_type=organisation&limit=1", "item_type = 'organisation'"},
			{"slug=audit-filler-3", "slug = 'audit-filler-3'"},
			{"item_type=campaign", "item_type = 'campaign'"},
		} {
			got := readAudit(t, app, "/api/v1/audit?"+tc.query)
			if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM audit_log WHERE `+tc.where); int64(len(got)) != n {
				t.Errorf("%s: %d entries, want %d", tc.query, len(got), n)
			}
			for _, e := range got {
				if strings.Contains(tc.query, "item_type=") && !strings.Contains(tc.query, "item_type="+e.ItemType) ||
					strings.Contains(tc.query, "slug=") && !strings.Contains(tc.query, "slug="+e.Slug) {
					t.Errorf("%s: entry %+v", tc.query, e)
				}
			}
		}
	})

	t.Run("ErrBadParameters", func(t *testing.T) {
		for _, q := range []string{"item_type=region", "limit=0", "limit=101", "cursor=bogus", "slug=Not%20A%20Slug", "who=me"} {
			MustProblem(t, app.Get(t, "/api/v1/audit?"+q, auth(app.Admin)...), http.StatusBadRequest, "")
		}
	})
}

// TestWriteSoftDelete proves that a deleted item vanishes from every public read
// while its row and its history stay.
func TestWriteSoftDelete(t *testing.T) {
	app := MustStartEditorApp(t)
	h := app.MustCreate(t, "/api/v1/helplines", app.Editor, helplineBody("Doomed helpline"))
	hs := h["slug"].(string)
	o := app.MustCreate(t, "/api/v1/organisations", app.Editor, organisationBody("Doomed publisher"))
	os := o["slug"].(string)
	ab := articleBody("Article about a doomed helpline")
	ab["helplines"] = []string{hs, "stop-it-now"}
	ab["source"] = obj{"publisher": os}
	ab["organisations"] = []string{os, "cumbria-constabulary"}
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, ab)
	cb := campaignBody("Campaign with a doomed helpline")
	cb["helplines"] = []string{hs, "stop-it-now"}
	cb["partners"] = []string{os}
	c := app.MustCreate(t, "/api/v1/campaigns", app.Editor, cb)
	article := "/api/v1/articles/" + a["slug"].(string)
	campaign := "/api/v1/campaigns/" + c["slug"].(string)

	if _, got := app.Read(t, article, ""); !slices.Contains(slugsOfRefs(got["helplines"]), hs) {
		t.Fatalf("the article does not show %s before the delete", hs)
	}
	app.Clock.Add(time.Minute)
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/helplines/"+hs, nil, auth(app.Editor)...), http.StatusNoContent)
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/organisations/"+os, nil, auth(app.Editor)...), http.StatusNoContent)

	t.Run("OKGoneFromReads", func(t *testing.T) {
		for _, key := range []string{"", app.Editor} {
			MustProblem(t, app.Get(t, "/api/v1/helplines/"+hs, authIf(key)...), http.StatusNotFound, "")
			MustProblem(t, app.Get(t, "/api/v1/organisations/"+os, authIf(key)...), http.StatusNotFound, "")
			for _, list := range []string{"/api/v1/helplines?limit=100", "/api/v1/organisations?limit=100"} {
				if _, l := app.Read(t, list, key); slices.Contains(slugsOfList(t, l), hs) || slices.Contains(slugsOfList(t, l), os) {
					t.Errorf("%s (key %v) still lists a deleted item", list, key != "")
				}
			}
			_, got := app.Read(t, article, key)
			if slices.Contains(slugsOfRefs(got["helplines"]), hs) || slices.Contains(slugsOfRefs(got["organisations"]), os) {
				t.Errorf("the article still refers to a deleted item: %v %v", got["helplines"], got["organisations"])
			}
			if !slices.Contains(slugsOfRefs(got["helplines"]), "stop-it-now") {
				t.Errorf("the article lost its other helpline: %v", got["helplines"])
			}
			if got["source"].(map[string]any)["publisher"] != nil {
				t.Errorf("the article's publisher is a deleted organisation: %v", got["source"])
			}
			_, got = app.Read(t, campaign, key)
			if slices.Contains(slugsOfRefs(got["helplines"]), hs) || slices.Contains(slugsOfRefs(got["partners"]), os) {
				t.Errorf("the campaign still refers to a deleted item: %v %v", got["helplines"], got["partners"])
			}
			_, l := app.Read(t, "/api/v1/articles?limit=100", key)
			for _, it := range l["items"].([]any) {
				if m := it.(map[string]any); slices.Contains(slugsOfRefs(m["helplines"]), hs) {
					t.Errorf("the article list refers to the deleted helpline")
				}
			}
			MustProblem(t, app.Get(t, "/api/v1/articles?organisation="+os, authIf(key)...), http.StatusBadRequest, "organisation")
		}
	})

	t.Run("OKRecordStays", func(t *testing.T) {
		if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM helplines WHERE slug = ? AND deleted_at IS NOT NULL`, hs); n != 1 {
			t.Errorf("%d deleted rows for %s, want 1", n, hs)
		}
		if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM organisations WHERE slug = ? AND deleted_at IS NOT NULL`, os); n != 1 {
			t.Errorf("%d deleted rows for %s, want 1", n, os)
		}
		if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM contacts x JOIN helplines h ON h.id = x.helpline_id WHERE h.slug = ?`, hs); n != 2 {
			t.Errorf("%d contacts kept, want 2", n)
		}
		entries := readAudit(t, app, "/api/v1/audit?item_type=helpline&slug="+hs)
		if len(entries) != 2 || entries[0].Action != "delete" || entries[0].After != nil || entries[0].Before["name"] != "Doomed helpline" ||
			!entries[0].At.Equal(testEpoch.Add(time.Minute)) {
			t.Errorf("audit of the delete: %+v", entries)
		}
	})
}

func authIf(key string) []string {
	if key == "" {
		return nil
	}
	return auth(key)
}

// TestWriteLimits proves the refusals of bodies that are too large, not JSON,
// malformed or not text, and that none of them writes anything.
func TestWriteLimits(t *testing.T) {
	app := MustStartEditorApp(t)
	if app.Config.MaxBody != 1<<20 {
		t.Fatalf("default MaxBody %d, want 1 MiB", app.Config.MaxBody)
	}
	// A valid article padded with spaces to just over 1 MiB.
	big := func(n int) []byte {
		b, _ := json.Marshal(articleBody("Big"))
		return append(b[:len(b)-1], append(bytes.Repeat([]byte(" "), n-len(b)), '}')...)
	}
	const ctJSON = "application/json"
	cases := []struct {
		name, method, path string
		body               io.Reader
		contentType        string
		status             int
	}{
		{"ErrTooLarge", http.MethodPost, "/api/v1/articles", bytes.NewReader(big(1<<20 + 1)), ctJSON, http.StatusRequestEntityTooLarge},
		// No Content-Length: the limit holds while reading.
		{"ErrTooLargeChunked", http.MethodPost, "/api/v1/articles", io.MultiReader(bytes.NewReader(big(2 << 20))), ctJSON, http.StatusRequestEntityTooLarge},
		{"ErrTooLargePatch", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, bytes.NewReader(big(1<<20 + 1)), ctJSON, http.StatusRequestEntityTooLarge},
		{"ErrTextPlain", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "Plain"}`), "text/plain", http.StatusUnsupportedMediaType},
		{"ErrNoContentType", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "None"}`), "", http.StatusUnsupportedMediaType},
		{"ErrFormPut", http.MethodPut, "/api/v1/articles/" + cumbriaSlug, strings.NewReader(`title=Form`), "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"ErrTextPlainPatch", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, strings.NewReader(`{"title": "Plain"}`), "text/plain", http.StatusUnsupportedMediaType},
		{"ErrMalformed", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "Broken",`), ctJSON, http.StatusBadRequest},
		{"ErrMalformedPatch", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, strings.NewReader(`{"title": `), ctJSON, http.StatusBadRequest},
		{"ErrEmpty", http.MethodPost, "/api/v1/articles", strings.NewReader(``), ctJSON, http.StatusBadRequest},
		{"ErrTwoObjects", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "One"} {"title": "Two"}`), ctJSON, http.StatusBadRequest},
		{"ErrInvalidUTF8", http.MethodPost, "/api/v1/articles", strings.NewReader("{\"title\": \"bad \xff\xfe bytes\"}"), ctJSON, http.StatusUnprocessableEntity},
		{"ErrInvalidUTF8Patch", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, strings.NewReader("{\"title\": \"bad \xc3\x28\"}"), ctJSON, http.StatusUnprocessableEntity},
		{"ErrRawNUL", http.MethodPost, "/api/v1/articles", strings.NewReader("{\"title\": \"nul \x00 byte\"}"), ctJSON, http.StatusUnprocessableEntity},
		{"ErrEscapedNUL", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "nul \u0000 escaped"}`), ctJSON, http.StatusUnprocessableEntity},
		{"ErrEscapedNULInBody", http.MethodPost, "/api/v1/articles", strings.NewReader(`{"title": "ok", "body_markdown": "a\u0000b"}`), ctJSON, http.StatusUnprocessableEntity},
		{"ErrEscapedNULPatch", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, strings.NewReader(`{"summary": "\u0000"}`), ctJSON, http.StatusUnprocessableEntity},
		{"ErrEscapedNULHelpline", http.MethodPost, "/api/v1/helplines", strings.NewReader(`{"name": "x\u0000", "coverage": ["cumbria"], "contacts": [{"type": "phone", "value": "101"}]}`), ctJSON, http.StatusUnprocessableEntity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := app.counts(t)
			snapshot := string(ReadBody(t, app.Get(t, "/api/v1/articles/"+cumbriaSlug, auth(app.Editor)...)))
			headers := auth(app.Editor)
			if tc.contentType != "" {
				headers = append(headers, "Content-Type", tc.contentType)
			}
			resp := app.Do(t, tc.method, tc.path, tc.body, headers...)
			MustProblem(t, resp, tc.status, "")
			if after := app.counts(t); after != before {
				t.Errorf("the refused write changed the database:\nbefore %s\nafter  %s", before, after)
			}
			if after := string(ReadBody(t, app.Get(t, "/api/v1/articles/"+cumbriaSlug, auth(app.Editor)...))); after != snapshot {
				t.Error("the refused write changed the seeded article")
			}
		})
	}

	t.Run("OKSmallerLimit", func(t *testing.T) {
		small := MustStartApp(t, WithConfig(func(c *Config) { c.MaxBody = 512 }))
		key := MustCreateKey(t, small, "editor", models.ScopeEditor)
		MustProblem(t, small.DoJSON(t, http.MethodPost, "/api/v1/articles", articleBody(strings.Repeat("long ", 120)), nil, auth(key)...),
			http.StatusRequestEntityTooLarge, "")
		resp, _ := small.Write(t, http.MethodPost, "/api/v1/organisations", key, organisationBody("Small"))
		MustStatus(t, resp, http.StatusCreated)
	})
}

// TestWriteResponsesChecked proves that the OpenAPI check used by every test here
// really checks write responses: a wrong body or an undocumented status fails.
func TestWriteResponsesChecked(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/v1/articles", nil)
	h := http.Header{"Content-Type": {"application/json"}, "Location": {"/api/v1/articles/x"}, "Etag": {`"1.x"`}, "X-Content-Type-Options": {"nosniff"}}
	if err := checkResponse(req, http.StatusCreated, h, []byte(`{"data": {"slug": 5}}`)); err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("a 201 whose article has a numeric slug: %v, want an error about the slug", err)
	}
	p := http.Header{"Content-Type": {"application/problem+json"}, "X-Content-Type-Options": {"nosniff"}}
	if err := checkResponse(req, http.StatusTeapot, p, []byte(`{"type": "/x", "title": "x", "status": 418, "detail": "x"}`)); err == nil {
		t.Error("an undocumented 418 passes")
	}
	for _, status := range []int{401, 403, 409, 413, 415, 422} {
		body := fmt.Sprintf(`{"type": "/x", "title": "x", "status": %d, "detail": "x"}`, status)
		if err := checkResponse(req, status, p, []byte(body)); err != nil {
			t.Errorf("POST /api/v1/articles %d: %v", status, err)
		}
	}
	del, _ := http.NewRequest(http.MethodDelete, "http://127.0.0.1/api/v1/articles/x", nil)
	for _, status := range []int{401, 403, 404, 412} {
		body := fmt.Sprintf(`{"type": "/x", "title": "x", "status": %d, "detail": "x"}`, status)
		if err := checkResponse(del, status, p, []byte(body)); err != nil {
			t.Errorf("DELETE %d: %v", status, err)
		}
	}
}

// TestAuditShapes proves that the audit log records items in the API's documented
// editor shape: an entry's after is exactly what GET of the item with an editor key
// answers at that moment, field for field, for every content type.
func TestAuditShapes(t *testing.T) {
	app := MustStartEditorApp(t)
	for _, tc := range []struct {
		base string
		body obj
	}{
		{"/api/v1/articles", articleBody("Shaped article")},
		{"/api/v1/helplines", helplineBody("Shaped helpline")},
		{"/api/v1/campaigns", campaignBody("Shaped campaign")},
		{"/api/v1/organisations", organisationBody("Shaped organisation")},
	} {
		t.Run(strings.TrimPrefix(tc.base, "/api/v1/"), func(t *testing.T) {
			created := app.MustCreate(t, tc.base, app.Editor, tc.body)
			slug := created["slug"].(string)
			var item struct{ Data obj }
			MustStatus(t, app.GetJSON(t, tc.base+"/"+slug, &item, auth(app.Editor)...), http.StatusOK)
			entries := readAudit(t, app, "/api/v1/audit?limit=1&slug="+slug)
			if len(entries) != 1 || entries[0].Action != "create" {
				t.Fatalf("audit entries %+v, want one create", entries)
			}
			got, _ := json.Marshal(entries[0].After)
			want, _ := json.Marshal(item.Data)
			if string(got) != string(want) {
				t.Errorf("audit after:\n%s\nGET with an editor key:\n%s", got, want)
			}
		})
	}
}
