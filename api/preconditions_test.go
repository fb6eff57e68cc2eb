package main

// Tests of If-Match on writes: strong comparison of whole entity tags (RFC 9110,
// section 13.1.1), lists and "*", and -require-if-match.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// mustTags returns the item's ETags as its GETs give them: with the editor's key and
// without, plain and gzipped.
func mustTags(t *testing.T, app *editorApp, item string) (editor, editorGzip, public, publicGzip string) {
	t.Helper()
	tag := func(headers ...string) string {
		t.Helper()
		resp := app.Get(t, item, headers...)
		MustStatus(t, resp, http.StatusOK)
		if resp.Header.Get("ETag") == "" {
			t.Fatalf("GET %s %v: no ETag", item, headers)
		}
		return resp.Header.Get("ETag")
	}
	editor = tag(auth(app.Editor)...)
	editorGzip = tag(append(auth(app.Editor), "Accept-Encoding", "gzip")...)
	public = tag()
	publicGzip = tag("Accept-Encoding", "gzip")
	return
}

// TestIfMatchStrong proves that If-Match compares whole tags strongly: a tag with the
// current version and another hash, a weak tag, the version alone or a malformed
// value all get 412 and change nothing; any of the item's current tags matches, in
// any place of a list, and so does "*".
func TestIfMatchStrong(t *testing.T) {
	app := MustStartEditorApp(t)
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Guarded article"))
	item := "/api/v1/articles/" + a["slug"].(string)
	editor, editorGzip, public, publicGzip := mustTags(t, app, item)
	for _, tag := range []string{editorGzip, publicGzip} {
		if !strings.HasSuffix(tag, `-gzip"`) {
			t.Fatalf("gzipped tag %s, want one ending -gzip (is the body under 1 KB?)", tag)
		}
	}
	version, _, _ := strings.Cut(strings.Trim(editor, `"`), ".")
	otherHash := fmt.Sprintf(`"%s.AAAAAAAAAAAAAAAAAAAAAAAA"`, version)

	snapshot := func() string {
		resp := app.Get(t, item, auth(app.Editor)...)
		MustStatus(t, resp, http.StatusOK)
		return string(ReadBody(t, resp)) + "\n" + app.counts(t)
	}
	before := snapshot()
	for _, tc := range []struct{ name, method, ifMatch string }{
		{"ErrSameVersionOtherHashPatch", http.MethodPatch, otherHash},
		{"ErrSameVersionOtherHashPut", http.MethodPut, otherHash},
		{"ErrSameVersionOtherHashDelete", http.MethodDelete, otherHash},
		{"ErrVersionAlone", http.MethodPatch, `"` + version + `"`},
		{"ErrWeakCurrentTag", http.MethodPatch, "W/" + editor},
		{"ErrWeakCurrentTagDelete", http.MethodDelete, "W/" + public},
		{"ErrUnquoted", http.MethodPatch, strings.Trim(editor, `"`)},
		{"ErrListOfStrangers", http.MethodPut, `"a", "b", W/` + editor},
		{"ErrListThenGarbage", http.MethodPatch, `"a", garbage ` + editor},
		{"ErrEmptyTag", http.MethodDelete, `""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			switch tc.method {
			case http.MethodPatch:
				body = obj{"summary": "Lost update"}
			case http.MethodPut:
				body = articleBody("Overwritten")
			}
			resp := app.DoJSON(t, tc.method, item, body, nil, append(auth(app.Editor), "If-Match", tc.ifMatch)...)
			MustProblem(t, resp, http.StatusPreconditionFailed, "")
			if after := snapshot(); after != before {
				t.Errorf("a 412 changed the item or the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	// Each write that succeeds makes new tags: read them again before the next.
	for i, tc := range []struct {
		name    string
		ifMatch func(editor, editorGzip, public, publicGzip string) []string
	}{
		{"OKEditorTag", func(e, _, _, _ string) []string { return []string{e} }},
		{"OKEditorGzipTag", func(_, eg, _, _ string) []string { return []string{eg} }},
		{"OKPublicTag", func(_, _, p, _ string) []string { return []string{p} }},
		{"OKPublicGzipTag", func(_, _, _, pg string) []string { return []string{pg} }},
		{"OKLastOfList", func(e, _, _, _ string) []string { return []string{`"stranger", W/` + e + `, ` + e} }},
		{"OKSecondHeaderLine", func(_, _, p, _ string) []string { return []string{`"stranger"`, p} }},
		{"OKStar", func(_, _, _, _ string) []string { return []string{"*"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, eg, p, pg := mustTags(t, app, item)
			headers := auth(app.Editor)
			for _, v := range tc.ifMatch(e, eg, p, pg) {
				headers = append(headers, "If-Match", v)
			}
			summary := fmt.Sprintf("Edit %d", i)
			resp := app.DoJSON(t, http.MethodPatch, item, obj{"summary": summary}, nil, headers...)
			MustStatus(t, resp, http.StatusOK)
			if _, got := app.Read(t, item, app.Editor); got["summary"] != summary {
				t.Errorf("summary %v, want %q", got["summary"], summary)
			}
		})
	}

	t.Run("OKPutAndDeleteWithCurrentTags", func(t *testing.T) {
		_, _, p, _ := mustTags(t, app, item)
		resp, _ := app.Write(t, http.MethodPut, item, app.Editor, articleBody("Guarded article"), "If-Match", `"x", `+p)
		MustStatus(t, resp, http.StatusOK)
		// The tag of the write's own answer is the editor's GET tag.
		if e, _, _, _ := mustTags(t, app, item); e != resp.Header.Get("ETag") {
			t.Errorf("PUT answered ETag %s, the GET then %s", resp.Header.Get("ETag"), e)
		}
		resp = app.Do(t, http.MethodDelete, item, nil, append(auth(app.Editor), "If-Match", resp.Header.Get("ETag"))...)
		MustStatus(t, resp, http.StatusNoContent)
	})

	t.Run("ErrNotFoundBeatsIfMatch", func(t *testing.T) {
		// The item is gone: 404 whatever If-Match says (RFC 9110, section 13.2.1).
		MustProblem(t, app.Do(t, http.MethodDelete, item, nil, append(auth(app.Editor), "If-Match", "*")...), http.StatusNotFound, "")
		MustProblem(t, app.DoJSON(t, http.MethodPatch, item, obj{"summary": "x"}, nil, append(auth(app.Editor), "If-Match", editor)...),
			http.StatusNotFound, "")
	})

	t.Run("OKDraftHasOnlyEditorTags", func(t *testing.T) {
		body := articleBody("Draft article")
		body["status"] = "draft"
		d := app.MustCreate(t, "/api/v1/articles", app.Editor, body)
		draft := "/api/v1/articles/" + d["slug"].(string)
		resp := app.Get(t, draft, auth(app.Editor)...)
		MustStatus(t, resp, http.StatusOK)
		resp, _ = app.Write(t, http.MethodPatch, draft, app.Editor, obj{"summary": "Drafted"}, "If-Match", resp.Header.Get("ETag"))
		MustStatus(t, resp, http.StatusOK)
	})
}

// TestIfMatchEveryType proves the strong comparison on helplines, campaigns and
// organisations too: a tag with the right version and another hash is refused, the
// current tag is accepted.
func TestIfMatchEveryType(t *testing.T) {
	app := MustStartEditorApp(t)
	for _, w := range []struct {
		base string
		body obj
	}{
		{"/api/v1/helplines", helplineBody("Guarded helpline")},
		{"/api/v1/campaigns", campaignBody("Guarded campaign")},
		{"/api/v1/organisations", organisationBody("Guarded organisation")},
	} {
		t.Run(strings.TrimPrefix(w.base, "/api/v1/"), func(t *testing.T) {
			got := app.MustCreate(t, w.base, app.Editor, w.body)
			item := w.base + "/" + got["slug"].(string)
			editor, _, public, publicGzip := mustTags(t, app, item)
			version, _, _ := strings.Cut(strings.Trim(editor, `"`), ".")
			MustProblem(t, app.DoJSON(t, http.MethodPatch, item, obj{"name": "Lost"}, nil,
				append(auth(app.Editor), "If-Match", `"`+version+`.AAAAAAAAAAAAAAAAAAAAAAAA"`)...), http.StatusPreconditionFailed, "")
			MustProblem(t, app.DoJSON(t, http.MethodPatch, item, obj{"name": "Lost"}, nil,
				append(auth(app.Editor), "If-Match", "W/"+public)...), http.StatusPreconditionFailed, "")
			for i, tag := range []string{editor, public, publicGzip} {
				if i > 0 {
					_, _, p, pg := mustTags(t, app, item)
					tag = map[int]string{1: p, 2: pg}[i]
				}
				resp, _ := app.Write(t, http.MethodPatch, item, app.Editor, obj{"name": fmt.Sprintf("Renamed %d", i)}, "If-Match", tag)
				MustStatus(t, resp, http.StatusOK)
			}
		})
	}
}

// TestRequireIfMatch proves that writes of existing items without If-Match are
// allowed by default, and get 428 with -require-if-match, which leaves creates and
// writes with If-Match alone.
func TestRequireIfMatch(t *testing.T) {
	t.Run("OKAllowedByDefault", func(t *testing.T) {
		app := MustStartEditorApp(t)
		a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Unguarded"))
		item := "/api/v1/articles/" + a["slug"].(string)
		resp, _ := app.Write(t, http.MethodPatch, item, app.Editor, obj{"summary": "Changed"})
		MustStatus(t, resp, http.StatusOK)
		resp, _ = app.Write(t, http.MethodPut, item, app.Editor, articleBody("Unguarded"))
		MustStatus(t, resp, http.StatusOK)
		MustStatus(t, app.Do(t, http.MethodDelete, item, nil, auth(app.Editor)...), http.StatusNoContent)
	})

	app := MustStartEditorApp(t, WithConfig(func(c *Config) { c.RequireIfMatch = true }))
	a := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Guarded"))
	item := "/api/v1/articles/" + a["slug"].(string)
	before := app.counts(t)
	for _, tc := range []struct {
		method string
		body   any
	}{
		{http.MethodPut, articleBody("Overwritten")},
		{http.MethodPatch, obj{"summary": "Unseen"}},
		{http.MethodDelete, nil},
	} {
		t.Run("Err"+tc.method+"WithoutIfMatch", func(t *testing.T) {
			p := MustProblem(t, app.DoJSON(t, tc.method, item, tc.body, nil, auth(app.Editor)...), http.StatusPreconditionRequired, "")
			if !strings.Contains(p.Detail, "If-Match") {
				t.Errorf("detail %q does not say what is missing", p.Detail)
			}
			if after := app.counts(t); after != before {
				t.Errorf("a 428 changed the database: before %s, after %s", before, after)
			}
		})
	}
	t.Run("OKMissingItemIs404", func(t *testing.T) {
		MustProblem(t, app.DoJSON(t, http.MethodPut, "/api/v1/articles/no-such-article", articleBody("X"), nil, auth(app.Editor)...),
			http.StatusNotFound, "")
	})
	t.Run("OKCreateNeedsNoIfMatch", func(t *testing.T) {
		app.MustCreate(t, "/api/v1/organisations", app.Editor, organisationBody("New organisation"))
	})
	t.Run("OKWithIfMatch", func(t *testing.T) {
		resp := app.Get(t, item, auth(app.Editor)...)
		resp, _ = app.Write(t, http.MethodPatch, item, app.Editor, obj{"summary": "Seen"}, "If-Match", resp.Header.Get("ETag"))
		MustStatus(t, resp, http.StatusOK)
		MustStatus(t, app.Do(t, http.MethodDelete, item, nil, append(auth(app.Editor), "If-Match", "*")...), http.StatusNoContent)
	})
}
