package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"signpost/handlers"
)

const cumbriaSlug = "cumbria-week-of-action-online-child-sexual-abuse"

// TestOpenAPIDocument checks the document that /openapi.json serves and that every
// response of the suite is checked against.
func TestOpenAPIDocument(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		doc, err := handlers.OpenAPI3()
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("the OpenAPI 3 document is not valid: %v", err)
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
			t.Errorf("servers %v, want one with URL /", doc.Servers)
		}
		if _, err := spec(); err != nil {
			t.Fatalf("the response checker cannot use the document: %v", err)
		}
	})

	t.Run("OKErrorsAreProblems", func(t *testing.T) {
		doc, err := handlers.OpenAPI3()
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				success := false
				for code := range op.Responses.Map() {
					success = success || code[0] == '2'
				}
				if !success {
					t.Errorf("%s %s documents no success", method, path)
				}
				for code, ref := range op.Responses.Map() {
					if code[0] < '4' || ref.Value == nil {
						continue
					}
					var types []string
					for mt := range ref.Value.Content {
						// A page's 404 is also an HTML page for a browser.
						if mt == "text/html" && code == "404" && slices.Contains(handlers.HTMLErrorOperations, op.OperationID) {
							continue
						}
						types = append(types, mt)
					}
					if len(types) != 1 || types[0] != handlers.ProblemContentType {
						t.Errorf("%s %s %s: media types %v, want only %s", method, path, code, types, handlers.ProblemContentType)
					}
					if s := ref.Value.Content.Get(handlers.ProblemContentType); s == nil || !isProblem(s.Schema) {
						t.Errorf("%s %s %s: the schema is not the Problem", method, path, code)
					}
				}
				// Every API read rejects unknown parameters, so each documents 400.
				if method == http.MethodGet && strings.HasPrefix(path, "/api/") && op.Responses.Status(http.StatusBadRequest) == nil {
					t.Errorf("%s %s documents no 400", method, path)
				}
			}
		}
	})

	t.Run("OKServed", func(t *testing.T) {
		app := MustStartApp(t)
		resp := app.Get(t, "/openapi.json")
		MustStatus(t, resp, http.StatusOK)
		if ct := mediaType(resp.Header); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		served, err := openapi3.NewLoader().LoadFromData(ReadBody(t, resp))
		if err != nil {
			t.Fatalf("the served document does not load: %v", err)
		}
		if err := served.Validate(context.Background()); err != nil {
			t.Fatalf("the served document is not valid: %v", err)
		}
		doc, _ := handlers.OpenAPI3()
		want, _ := json.Marshal(doc)
		got, _ := json.Marshal(served)
		if string(got) != string(want) {
			t.Error("the served document differs from handlers.OpenAPI3()")
		}
	})
}

// TestOpenAPIChecker proves that the response check bites: responses that break the
// document in one way each must fail it, while the real response they are made from
// passes.
func TestOpenAPIChecker(t *testing.T) {
	app := MustStartApp(t)

	// Real responses to mutate.
	real := func(path string) (*http.Request, http.Header, map[string]any) {
		t.Helper()
		resp := app.Get(t, path)
		MustStatus(t, resp, http.StatusOK)
		var body map[string]any
		if err := json.Unmarshal(ReadBody(t, resp), &body); err != nil {
			t.Fatal(err)
		}
		return resp.Request, resp.Header, body
	}
	listReq, listHeader, list := real("/api/v1/articles")
	helplineReq, helplineHeader, helpline := real("/api/v1/helplines/stop-it-now")
	notFound := app.Get(t, "/api/v1/articles/nope")
	MustStatus(t, notFound, http.StatusNotFound)
	var problem map[string]any
	if err := json.Unmarshal(ReadBody(t, notFound), &problem); err != nil {
		t.Fatal(err)
	}

	mutate := func(v map[string]any, f func(m map[string]any)) []byte {
		b, _ := json.Marshal(v)
		var c map[string]any
		json.Unmarshal(b, &c)
		f(c)
		out, _ := json.Marshal(c)
		return out
	}
	item := func(m map[string]any) map[string]any { return m["data"].(map[string]any) }
	firstOf := func(m map[string]any, key string) map[string]any { return m[key].([]any)[0].(map[string]any) }
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	get := func(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }
	problemHeader := http.Header{"Content-Type": {handlers.ProblemContentType}, "X-Content-Type-Options": {"nosniff"}}

	tests := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   []byte
		ok     bool
	}{
		{"OKList", listReq, 200, listHeader, mutate(list, func(map[string]any) {}), true},
		{"OKItem", helplineReq, 200, helplineHeader, mutate(helpline, func(map[string]any) {}), true},
		{"OKProblem", notFound.Request, 404, notFound.Header, mutate(problem, func(map[string]any) {}), true},
		{"OKNotModified", listReq, 304, with(listHeader, "ETag", `"x"`), nil, true},

		{"ErrDataNotArray", listReq, 200, listHeader, mutate(list, func(m map[string]any) { m["data"] = "articles" }), false},
		{"ErrSlugNotString", listReq, 200, listHeader, mutate(list, func(m map[string]any) { firstOf(m, "data")["slug"] = 42 }), false},
		{"ErrSlugNull", listReq, 200, listHeader, mutate(list, func(m map[string]any) { firstOf(m, "data")["slug"] = nil }), false},
		{"ErrRegionsNull", listReq, 200, listHeader, mutate(list, func(m map[string]any) { firstOf(m, "data")["regions"] = nil }), false},
		{"ErrOutcomeValueString", listReq, 200, listHeader, mutate(list, func(m map[string]any) {
			firstOf(firstOf(m, "data"), "outcomes")["value"] = "six"
		}), false},
		{"ErrLimitString", listReq, 200, listHeader, mutate(list, func(m map[string]any) { m["meta"].(map[string]any)["limit"] = "20" }), false},
		{"ErrContactTypeNotInEnum", helplineReq, 200, helplineHeader, mutate(helpline, func(m map[string]any) {
			firstOf(item(m), "contacts")["type"] = "pigeon"
		}), false},
		{"ErrOpenNowString", helplineReq, 200, helplineHeader, mutate(helpline, func(m map[string]any) { item(m)["open_now"] = "yes" }), false},
		{"ErrStatusNotInEnum", helplineReq, 200, helplineHeader, mutate(helpline, func(m map[string]any) { item(m)["status"] = "live" }), false},
		{"ErrUndocumentedStatus", listReq, http.StatusTeapot, problemHeader, []byte(`{"type":"/problems/teapot","title":"Teapot","status":418,"detail":"I am a teapot."}`), false},
		{"ErrUndocumentedSuccess", listReq, http.StatusCreated, listHeader, mutate(list, func(map[string]any) {}), false},
		{"ErrWrongMediaType", listReq, 200, with(listHeader, "Content-Type", "text/html; charset=utf-8"), []byte("<html></html>"), false},
		{"ErrProblemAsJSON", notFound.Request, 404, with(notFound.Header, "Content-Type", "application/json"), mutate(problem, func(map[string]any) {}), false},
		{"ErrProblemAsHTML", get("/api/v1/articles"), 500, with(problemHeader, "Content-Type", "text/html"), []byte("<h1>Internal Server Error</h1>"), false},
		// A page's 404 may be an HTML page (for a browser); no other error may.
		{"OKPageNotFoundHTML", get("/articles/nope"), 404, with(problemHeader, "Content-Type", "text/html; charset=utf-8"), []byte("<!doctype html><title>Page not found</title>"), true},
		{"OKPageNotFoundProblem", get("/helplines/nope"), 404, notFound.Header, mutate(problem, func(map[string]any) {}), true},
		{"ErrPageErrorAsHTML", get("/articles/nope"), 500, with(problemHeader, "Content-Type", "text/html; charset=utf-8"), []byte("<h1>Internal Server Error</h1>"), false},
		{"ErrItemNotFoundAsHTML", notFound.Request, 404, with(notFound.Header, "Content-Type", "text/html; charset=utf-8"), []byte("<!doctype html><title>Page not found</title>"), false},
		{"ErrProblemStatusMismatch", notFound.Request, 404, notFound.Header, mutate(problem, func(m map[string]any) { m["status"] = 400 }), false},
		{"ErrProblemTitleNotString", notFound.Request, 404, notFound.Header, mutate(problem, func(m map[string]any) { m["title"] = false }), false},
		{"ErrUnknownRouteAnswered", get("/api/v1/nope"), 200, listHeader, mutate(list, func(map[string]any) {}), false},
		{"ErrUnknownRouteNotProblem", get("/api/v1/nope"), 404, with(problemHeader, "Content-Type", "text/plain"), []byte("404 page not found"), false},
		{"ErrWrongMethodNot405", httptest.NewRequest(http.MethodPost, "/api/v1/articles", nil), 404, problemHeader,
			[]byte(`{"type":"/problems/not-found","title":"Not found","status":404,"detail":"x"}`), false},
		{"ErrNotModifiedWithBody", listReq, 304, listHeader, []byte(`{}`), false},
		{"ErrNotModifiedWithoutETag", listReq, 304, with(listHeader, "ETag", ""), nil, false},
		{"ErrNoSniffMissing", listReq, 200, with(listHeader, "X-Content-Type-Options", ""), mutate(list, func(map[string]any) {}), false},

		// What the document promises beyond types: required fields, formats, and
		// every status and header that integrators act on.
		{"ErrRequiredSlugMissing", listReq, 200, listHeader, mutate(list, func(m map[string]any) { delete(firstOf(m, "data"), "slug") }), false},
		{"ErrRequiredNextCursorMissing", listReq, 200, listHeader, mutate(list, func(m map[string]any) { delete(m["meta"].(map[string]any), "next_cursor") }), false},
		{"OKSparseFields", get("/api/v1/articles?fields=slug"), 200, listHeader, mutate(list, func(m map[string]any) {
			for _, a := range m["data"].([]any) {
				for k := range a.(map[string]any) {
					if k != "slug" {
						delete(a.(map[string]any), k)
					}
				}
			}
		}), true},
		{"ErrSparseWithoutFields", listReq, 200, listHeader, mutate(list, func(m map[string]any) { delete(firstOf(m, "data"), "title") }), false},
		{"ErrDateTimeFormat", listReq, 200, listHeader, mutate(list, func(m map[string]any) { firstOf(m, "data")["updated_at"] = "yesterday" }), false},
		{"ErrURIFormat", helplineReq, 200, helplineHeader, mutate(helpline, func(m map[string]any) { item(m)["website"] = "stopitnow.org.uk" }), false},
		{"ErrURIReferenceFormat", listReq, 200, listHeader, mutate(list, func(m map[string]any) { m["links"].(map[string]any)["self"] = "" }), false},
		{"ErrLimitOverMaximum", listReq, 200, listHeader, mutate(list, func(m map[string]any) { m["meta"].(map[string]any)["limit"] = 101 }), false},
		{"ErrUndocumentedHeader", listReq, 200, with(listHeader, "Location", "/api/v1/articles/x"), mutate(list, func(map[string]any) {}), false},
		{"ErrUndocumentedNotModified", httptest.NewRequest(http.MethodPost, "/api/v1/articles", nil), 304, with(listHeader, "ETag", `"x"`), nil, false},
		{"ErrUndocumentedRedirect", listReq, 301, with(listHeader, "Location", "/api/v1/articles"), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkResponse(tt.req, tt.status, tt.header, tt.body)
			if tt.ok && err != nil {
				t.Fatalf("a conforming response fails the check: %v", err)
			}
			if !tt.ok && err == nil {
				t.Fatalf("a response that breaks the document passes the check:\n%d %v\n%s", tt.status, tt.header, tt.body)
			}
		})
	}
}

// TestOpenAPIRoutes checks that the document and the router list the same routes: an
// endpoint the document does not describe cannot be validated, and one it describes
// that does not exist misleads integrators.
func TestOpenAPIRoutes(t *testing.T) {
	app := MustStartApp(t)
	doc, err := handlers.OpenAPI3()
	if err != nil {
		t.Fatal(err)
	}
	// Routes that are not API: the documentation UI.
	notAPI := []string{"GET /docs", "GET /docs/{any}"}

	var served, heads []string
	for _, r := range app.Router.Routes() {
		if r.Method == http.MethodHead {
			// HEAD is GET without the body: implied by each GET, not documented.
			heads = append(heads, r.Path)
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		served = append(served, r.Method+" "+strings.Join(parts, "/"))
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	for _, r := range served {
		if !slices.Contains(documented, r) && !slices.Contains(notAPI, r) {
			t.Errorf("%s is served but not in the OpenAPI document", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is in the OpenAPI document but not served", r)
		}
	}
	for _, r := range app.Router.Routes() {
		if r.Method == http.MethodGet && !slices.Contains(heads, r.Path) {
			t.Errorf("GET %s is served but HEAD is not", r.Path)
		}
	}
	for _, r := range notAPI {
		if !slices.Contains(served, r) {
			t.Errorf("%s is no longer served: update notAPI", r)
		}
	}
}

// isProblem reports whether a response schema is the Problem, or the Problem with
// extension members (RFC 9457, section 3.2): allOf the Problem and an object of them.
func isProblem(s *openapi3.SchemaRef) bool {
	const problem = "#/components/schemas/handlers.Problem"
	if s == nil {
		return false
	}
	if s.Ref == problem {
		return true
	}
	return s.Value != nil && len(s.Value.AllOf) == 2 && s.Value.AllOf[0].Ref == problem
}
