package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"signpost/handlers"
)

// responseTypes are the types the API answers with, whose schemas must say exactly
// which fields every answer carries.
var responseTypes = []any{
	handlers.Article{}, handlers.ArticleList{}, handlers.ArticleItem{}, handlers.ArticleRef{}, handlers.Source{},
	handlers.Image{}, handlers.Outcome{}, handlers.Ref{}, handlers.ListMeta{}, handlers.ListLinks{},
	handlers.Helpline{}, handlers.HelplineList{}, handlers.HelplineItem{}, handlers.Contact{}, handlers.OpeningHours{},
	handlers.WeeklyInterval{}, handlers.HoursException{}, handlers.EssentialsBundle{}, handlers.EssentialLine{},
	handlers.EssentialContact{}, handlers.Campaign{}, handlers.CampaignList{}, handlers.CampaignItem{},
	handlers.Organisation{}, handlers.OrganisationList{}, handlers.OrganisationItem{}, handlers.Region{},
	handlers.RegionList{}, handlers.Topic{}, handlers.TopicList{}, handlers.SearchHit{}, handlers.SearchList{},
	handlers.Change{}, handlers.ChangeList{}, handlers.ChangesMeta{}, handlers.AuditEntry{}, handlers.AuditList{},
	handlers.EmbedListItem{}, handlers.EmbedList{}, handlers.EmbedLine{}, handlers.EmbedStatus{},
	handlers.EmbedContact{}, handlers.OEmbed{}, handlers.JSONFeed{}, handlers.JSONFeedItem{},
	handlers.JSONFeedAuthor{}, handlers.Health{}, handlers.Problem{}, handlers.FieldProblem{},
}

// TestOpenAPIDescription checks what integrators' tools read from the description:
// operation IDs, required fields, nullability, formats, bounds, and the statuses and
// headers of every operation.
func TestOpenAPIDescription(t *testing.T) {
	doc, err := handlers.OpenAPI3()
	if err != nil {
		t.Fatal(err)
	}
	schema := func(t *testing.T, name string) *openapi3.Schema {
		t.Helper()
		s := doc.Components.Schemas["handlers."+name]
		if s == nil || s.Value == nil {
			t.Fatalf("no schema handlers.%s", name)
		}
		return s.Value
	}
	type operation struct {
		path, method string
		op           *openapi3.Operation
	}
	var ops []operation
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			ops = append(ops, operation{path, method, item.GetOperation(method)})
		}
	}

	t.Run("OKOperationIDs", func(t *testing.T) {
		seen := map[string]string{}
		id := regexp.MustCompile(`^[a-z][A-Za-z0-9]+$`)
		for _, o := range ops {
			switch {
			case !id.MatchString(o.op.OperationID):
				t.Errorf("%s %s: operationId %q is not a lower camel-case name", o.method, o.path, o.op.OperationID)
			case seen[o.op.OperationID] != "":
				t.Errorf("%s %s: operationId %q is also %s's", o.method, o.path, o.op.OperationID, seen[o.op.OperationID])
			}
			seen[o.op.OperationID] = o.method + " " + o.path
		}
		for id, want := range map[string]string{"listArticles": "GET /api/v1/articles", "getHelpline": "GET /api/v1/helplines/{slug}",
			"patchArticle": "PATCH /api/v1/articles/{slug}", "getOpenAPI": "GET /openapi.json"} {
			if seen[id] != want {
				t.Errorf("operationId %s is %q, want %q", id, seen[id], want)
			}
		}
	})

	// A response's schema requires exactly the fields that encoding/json always
	// writes (those without omitempty), and a field that can be null (a pointer) is
	// nullable, keeping its type.
	t.Run("OKRequiredAndNullable", func(t *testing.T) {
		for _, v := range responseTypes {
			typ := reflect.TypeOf(v)
			s := schema(t, typ.Name())
			checkStruct(t, typ.Name(), typ, s)
		}
	})

	// What a write must give: exactly what validation refuses to go without.
	t.Run("OKInputRequired", func(t *testing.T) {
		for name, want := range map[string][]string{
			"ArticleInput": {"title"}, "HelplineInput": {"contacts", "coverage", "name"}, "ContactInput": {"type", "value"},
			"CampaignInput": {"name", "scope"}, "OrganisationInput": {"kind", "name"}, "SourceInput": nil,
			"ImageInput": nil, "OutcomeInput": {"label", "metric"}, "OpeningHoursInput": nil, "HoursExceptionInput": {"date"},
			"ArticlePatch": nil, "HelplinePatch": nil, "CampaignPatch": nil, "OrganisationPatch": nil,
		} {
			if got := schema(t, name).Required; !slices.Equal(got, want) {
				t.Errorf("%s requires %v, want %v", name, got, want)
			}
		}
		for name, prop := range schema(t, "ArticlePatch").Properties {
			if !prop.Value.Nullable {
				t.Errorf("ArticlePatch.%s is not nullable: a merge patch removes a field with null", name)
			}
		}
	})

	t.Run("OKNullableHaveTypes", func(t *testing.T) {
		for name, s := range doc.Components.Schemas {
			for prop, p := range s.Value.Properties {
				if p.Value.Nullable && (p.Value.Type == nil || len(*p.Value.Type) == 0) {
					t.Errorf("%s.%s is nullable without a type: tools ignore such nullability", name, prop)
				}
			}
		}
	})

	t.Run("OKLimits", func(t *testing.T) {
		for _, o := range ops {
			p := o.op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "limit")
			if p == nil {
				continue
			}
			s := p.Schema.Value
			max := 100.0
			if strings.HasPrefix(o.path, "/embed/") {
				max = 20
			}
			if s.Min == nil || *s.Min != 1 || s.Max == nil || *s.Max != max {
				t.Errorf("%s %s: limit is %v to %v, want 1 to %v", o.method, o.path, s.Min, s.Max, max)
			}
		}
	})

	t.Run("OKStatusesAndHeaders", func(t *testing.T) {
		for _, o := range ops {
			name := o.method + " " + o.path
			limited := o.path != "/healthz" && o.path != "/readyz" && o.path != "/metrics"
			for code, r := range o.op.Responses.Map() {
				for _, h := range []string{"X-Request-ID", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"} {
					if (limited || h == "X-Request-ID") && r.Value.Headers[h] == nil {
						t.Errorf("%s %s documents no %s", name, code, h)
					}
				}
			}
			// The widget's page and script are served over the limit (see
			// TestEmbedRateLimit).
			neverRefused := o.method == http.MethodGet && (o.path == "/embed/helplines" || o.path == "/embed/helplines.js")
			if limited && !neverRefused {
				if r := o.op.Responses.Status(http.StatusTooManyRequests); r == nil || r.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s documents no 429 with Retry-After", name)
				}
			}
			if o.method == http.MethodGet {
				ok, nm := o.op.Responses.Status(http.StatusOK), o.op.Responses.Status(http.StatusNotModified)
				switch {
				case ok == nil || ok.Value.Headers["ETag"] == nil || ok.Value.Headers["Cache-Control"] == nil:
					t.Errorf("%s: its 200 documents no ETag and Cache-Control", name)
				case nm == nil || nm.Value.Headers["ETag"] == nil:
					t.Errorf("%s documents no 304 with an ETag", name)
				case o.op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "If-None-Match") == nil:
					t.Errorf("%s documents no If-None-Match", name)
				case ok.Value.Headers["Last-Modified"] != nil && o.op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "If-Modified-Since") == nil:
					t.Errorf("%s sends Last-Modified but documents no If-Modified-Since", name)
				}
			}
			if !strings.HasPrefix(o.path, "/api/") {
				continue
			}
			// Every /api operation reads a key: a bad one is a 401 even where none
			// is needed, and a key without the scope a 403 where one is.
			if o.op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s documents no 401", name)
			}
			if exampleScope(o.path, o.op) != "" && o.op.Responses.Status(http.StatusForbidden) == nil {
				t.Errorf("%s needs a key but documents no 403", name)
			}
			if o.op.RequestBody != nil {
				for _, code := range []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity} {
					if o.op.Responses.Status(code) == nil {
						t.Errorf("%s takes a body but documents no %d", name, code)
					}
				}
			}
			if o.op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "If-Match") != nil && o.op.Responses.Status(http.StatusPreconditionFailed) == nil {
				t.Errorf("%s takes If-Match but documents no 412", name)
			}
		}
	})

	// Swagger 2 has no nullable: x-nullable is what its tools read, beside a type.
	t.Run("OKSwagger2", func(t *testing.T) {
		v2, err := handlers.Swagger2()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v2)
		var raw map[string]any
		json.Unmarshal(b, &raw)
		if _, ok := raw["host"]; ok {
			t.Errorf("host %q: an empty host is not one; leave it out", raw["host"])
		}
		for name, def := range v2.Definitions {
			for prop, p := range def.Value.Properties {
				if p.Value != nil && p.Value.Extensions["x-nullable"] == true && p.Value.Type == nil {
					t.Errorf("%s.%s is x-nullable without a type", name, prop)
				}
			}
		}
		for path, item := range v2.Paths {
			for method, op := range item.Operations() {
				if op.OperationID == "" {
					t.Errorf("%s %s has no operationId", method, path)
				}
				for _, p := range op.Parameters {
					if _, ok := p.Extensions["example"]; ok {
						t.Errorf("%s %s: parameter %s has example, which Swagger 2 has not; use x-example", method, path, p.Name)
					}
				}
			}
		}

		app := MustStartApp(t)
		resp := app.Unchecked().Get(t, "/docs/doc.json")
		MustStatus(t, resp, http.StatusOK)
		if string(ReadBody(t, resp)) != string(b) {
			t.Error("/docs/doc.json differs from handlers.Swagger2()")
		}
	})
}

// checkStruct checks the schema s of the Go type typ: its required fields and, for
// each field, nullability and the date-time format of times; nested anonymous
// structs are checked too.
func checkStruct(t *testing.T, name string, typ reflect.Type, s *openapi3.Schema) {
	t.Helper()
	var want []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		omitempty := slices.Contains(strings.Split(opts, ","), "omitempty")
		if !omitempty {
			want = append(want, tag)
		}
		p := s.Properties[tag]
		if p == nil || p.Value == nil {
			t.Errorf("%s: field %s is not in the schema", name, tag)
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
			if !omitempty && !p.Value.Nullable { // with omitempty, nil is left out
				t.Errorf("%s.%s can be null but is not nullable", name, tag)
			}
		}
		if ft == reflect.TypeFor[time.Time]() && p.Value.Format != "date-time" {
			t.Errorf("%s.%s is a time, with format %q, want date-time", name, tag, p.Value.Format)
		}
		if ft.Kind() == reflect.Struct && ft.Name() == "" {
			checkStruct(t, fmt.Sprintf("%s.%s", name, tag), ft, p.Value)
		}
	}
	slices.Sort(want)
	got := slices.Clone(s.Required)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s requires %v, want %v (every field without omitempty)", name, got, want)
	}
}
