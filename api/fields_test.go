package main

// End-to-end tests of sparse fieldsets: the fields parameter of the article,
// helpline, campaign and organisation lists keeps only the named fields of each item,
// in the order given, across pages; a bad fields value is a 400 naming fields.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// objectKeys returns the keys of a JSON object in the order they appear.
func objectKeys(tb testing.TB, raw json.RawMessage) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("not a JSON object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatalf("object %s: %v", raw, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			tb.Fatalf("object %s: %v", raw, err)
		}
	}
	return keys
}

// objectValues decodes a JSON object's fields.
func objectValues(tb testing.TB, raw json.RawMessage) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("not a JSON object: %s", raw)
	}
	return m
}

// MustWalkList reads every page of a list from path, following links.next, and
// returns the items as raw JSON. Every page's Link header must match links.next, and
// links.next must keep the fields parameter of path.
func MustWalkList(tb testing.TB, app *testApp, path string) []json.RawMessage {
	tb.Helper()
	first, err := url.Parse(path)
	if err != nil {
		tb.Fatal(err)
	}
	fields, sparse := first.Query()["fields"]
	var items []json.RawMessage
	for pages := 0; path != ""; pages++ {
		if pages > 200 {
			tb.Fatalf("%s: no end after 200 pages", first)
		}
		var p page[json.RawMessage]
		resp := app.GetJSON(tb, path, &p)
		MustStatus(tb, resp, http.StatusOK)
		items = append(items, p.Data...)
		path = ""
		if p.Links.Next == nil {
			if link := resp.Header.Get("Link"); link != "" {
				tb.Fatalf("%s: last page has Link %q", first, link)
			}
			continue
		}
		path = *p.Links.Next
		if link := resp.Header.Get("Link"); link != "<"+path+`>; rel="next"` {
			tb.Fatalf("%s: Link %q, links.next %q", first, link, path)
		}
		next, err := url.Parse(path)
		if err != nil {
			tb.Fatalf("links.next %q: %v", path, err)
		}
		if got, ok := next.Query()["fields"]; ok != sparse || !slices.Equal(got, fields) {
			tb.Fatalf("links.next %q: fields %q, want %q as on %s", path, got, fields, first)
		}
	}
	return items
}

// fieldsLists are the lists that take fields, each with a fieldset to ask for.
var fieldsLists = []struct {
	name, base string
	fields     []string
}{
	{"Articles", "/api/v1/articles", []string{"slug", "title", "published_at"}},
	{"Helplines", "/api/v1/helplines", []string{"slug", "name", "open_now", "contacts"}},
	{"Campaigns", "/api/v1/campaigns", []string{"slug", "name", "status", "organiser"}},
	{"Organisations", "/api/v1/organisations", []string{"slug", "name", "kind", "parent"}},
}

func fieldsQuery(fields ...string) string {
	return "fields=" + url.QueryEscape(strings.Join(fields, ","))
}

// TestFields proves sparse fieldsets on every list.
func TestFields(t *testing.T) {
	app := MustStartEditorApp(t)
	for i := range 4 {
		app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody(fmt.Sprintf("Fields article %d", i)))
	}
	app.MustCreate(t, "/api/v1/campaigns", app.Editor, campaignBody("Fields campaign"))

	t.Run("OKExactKeysInOrder", func(t *testing.T) {
		for _, l := range fieldsLists {
			t.Run(l.name, func(t *testing.T) {
				full := MustWalkList(t, app.testApp, l.base+"?limit=100")
				sparse := MustWalkList(t, app.testApp, l.base+"?limit=100&"+fieldsQuery(l.fields...))
				if len(full) < 2 || len(sparse) != len(full) {
					t.Fatalf("%d sparse items, %d full; want the same, at least 2", len(sparse), len(full))
				}
				for i := range sparse {
					if keys := objectKeys(t, sparse[i]); !slices.Equal(keys, l.fields) {
						t.Fatalf("item %d: keys %q, want %q", i, keys, l.fields)
					}
					s, f := objectValues(t, sparse[i]), objectValues(t, full[i])
					for _, name := range l.fields {
						if !reflect.DeepEqual(s[name], f[name]) {
							t.Errorf("item %d (%v): %s is %v, the full list says %v", i, f["slug"], name, s[name], f[name])
						}
					}
				}
			})
		}
	})

	t.Run("OKOrderAsGiven", func(t *testing.T) {
		want := []string{"published_at", "title", "slug"}
		for _, it := range MustWalkList(t, app.testApp, "/api/v1/articles?"+fieldsQuery(want...)) {
			if keys := objectKeys(t, it); !slices.Equal(keys, want) {
				t.Fatalf("keys %q, want %q", keys, want)
			}
		}
	})

	t.Run("OKPaginated", func(t *testing.T) {
		for _, l := range fieldsLists {
			t.Run(l.name, func(t *testing.T) {
				var want []string
				for _, it := range MustWalkList(t, app.testApp, l.base+"?limit=100") {
					want = append(want, objectValues(t, it)["slug"].(string))
				}
				// MustWalkList checks that every links.next keeps fields.
				var got []string
				for _, it := range MustWalkList(t, app.testApp, l.base+"?limit=2&"+fieldsQuery(l.fields...)) {
					if keys := objectKeys(t, it); !slices.Equal(keys, l.fields) {
						t.Fatalf("keys %q, want %q", keys, l.fields)
					}
					got = append(got, objectValues(t, it)["slug"].(string))
				}
				if len(want) <= 2 || !slices.Equal(got, want) {
					t.Fatalf("pages of 2 with fields: %q; want the full list's %q (more than one page)", got, want)
				}
			})
		}
	})

	t.Run("OKDuplicatesOnce", func(t *testing.T) {
		for _, it := range MustWalkList(t, app.testApp, "/api/v1/articles?"+fieldsQuery("slug", "title", "slug", "title", "slug")) {
			if keys := objectKeys(t, it); !slices.Equal(keys, []string{"slug", "title"}) {
				t.Fatalf("keys %q, want [slug title]", keys)
			}
		}
	})

	t.Run("OKSpacesTrimmed", func(t *testing.T) {
		for _, it := range MustWalkList(t, app.testApp, "/api/v1/organisations?fields="+url.QueryEscape("slug, name")) {
			if keys := objectKeys(t, it); !slices.Equal(keys, []string{"slug", "name"}) {
				t.Fatalf("keys %q, want [slug name]", keys)
			}
		}
	})

	t.Run("OKNullFieldKept", func(t *testing.T) {
		// A field that is null is there, as null, like in the full item.
		want := []string{"slug", "url", "parent"}
		seen := map[string]map[string]any{}
		for _, it := range MustWalkList(t, app.testApp, "/api/v1/organisations?"+fieldsQuery(want...)) {
			if keys := objectKeys(t, it); !slices.Equal(keys, want) {
				t.Fatalf("keys %q, want %q", keys, want)
			}
			v := objectValues(t, it)
			seen[v["slug"].(string)] = v
		}
		if c := seen["candofm"]; c == nil || c["url"] != nil || c["parent"] != nil {
			t.Errorf("candofm: %v; want url and parent null", c)
		}
		if c := seen["cumbria-cyber-and-digital-crime-unit"]; c == nil || c["parent"] == nil {
			t.Errorf("cumbria-cyber-and-digital-crime-unit: %v; want a parent", c)
		}
		for _, it := range MustWalkList(t, app.testApp, "/api/v1/articles?"+fieldsQuery("slug", "publish_at")) {
			v := objectValues(t, it)
			if keys := objectKeys(t, it); !slices.Equal(keys, []string{"slug", "publish_at"}) || v["publish_at"] != nil {
				t.Fatalf("%s: keys %q publish_at %v; want publish_at present and null on a published article", it, keys, v["publish_at"])
			}
		}
	})

	t.Run("OKOmittedFieldLeftOut", func(t *testing.T) {
		// Lists carry no article bodies and no campaign articles: those fields are
		// omitted from list items, so asking for them gives nothing, not an error.
		for _, tc := range []struct{ path, keep string }{
			{"/api/v1/articles?" + fieldsQuery("slug", "body_html"), "slug"},
			{"/api/v1/campaigns?" + fieldsQuery("articles", "slug"), "slug"},
		} {
			items := MustWalkList(t, app.testApp, tc.path)
			if len(items) == 0 {
				t.Fatalf("%s: no items", tc.path)
			}
			for _, it := range items {
				if keys := objectKeys(t, it); !slices.Equal(keys, []string{tc.keep}) {
					t.Fatalf("%s: keys %q, want [%s]", tc.path, keys, tc.keep)
				}
			}
		}
	})

	t.Run("ErrUnknownField", func(t *testing.T) {
		for _, l := range fieldsLists {
			for _, bad := range []string{"nope", "Slug", "data", "slug.name"} {
				path := l.base + "?" + fieldsQuery("slug", bad)
				p := MustProblem(t, app.Get(t, path), http.StatusBadRequest, "fields")
				if !strings.Contains(p.Errors[0].Message, fmt.Sprintf("%q", bad)) {
					t.Errorf("%s: message %q does not name %q", path, p.Errors[0].Message, bad)
				}
			}
		}
		// A field of another list is unknown here.
		MustProblem(t, app.Get(t, "/api/v1/articles?"+fieldsQuery("name")), http.StatusBadRequest, "fields")
		MustProblem(t, app.Get(t, "/api/v1/organisations?"+fieldsQuery("title")), http.StatusBadRequest, "fields")
	})

	t.Run("ErrEmpty", func(t *testing.T) {
		for _, l := range fieldsLists {
			for _, q := range []string{"fields=", "fields=,", "fields=slug,,name", "fields=%20", "fields=slug,"} {
				MustProblem(t, app.Get(t, l.base+"?"+q), http.StatusBadRequest, "fields")
			}
		}
	})

	t.Run("ErrGivenTwice", func(t *testing.T) {
		MustProblem(t, app.Get(t, "/api/v1/articles?fields=slug&fields=title"), http.StatusBadRequest, "fields")
	})
}
