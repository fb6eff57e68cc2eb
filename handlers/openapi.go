package handlers

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"

	"signpost/docs"
)

// This file completes the Swagger 2 document that swag makes from the annotations
// with what the annotations cannot say, so that both served descriptions (Swagger 2
// at /docs/doc.json, OpenAPI 3 at /openapi.json) tell integrators and their tools
// the whole truth:
//
//   - the headers and statuses that middleware adds to every operation: X-Request-ID,
//     the RateLimit-* headers and 429 with Retry-After, and on reads ETag,
//     Cache-Control, If-None-Match and 304 Not Modified;
//   - who may call an operation: a read under /api/ takes an API key but needs none;
//   - nullable references that keep their type, and parameter examples where
//     Swagger 2 allows them (x-example);
//   - merge-patch bodies, in which every field is optional and null removes one.

// Swagger2 returns the Swagger 2 description of the API: swag's document, completed.
func Swagger2() (*openapi2.T, error) {
	var doc openapi2.T
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &doc); err != nil {
		return nil, err
	}
	// swag writes "host": "", which is not a host; with none, the document speaks of
	// the host that serves it, as OpenAPI 3's server "/" does.
	doc.Host = ""
	for _, s := range v2Schemas(&doc) {
		typedNullable(s)
	}
	writeSchemas(&doc)
	for path, item := range doc.Paths {
		for method, op := range item.Operations() {
			paramExamples(op)
			defaultSecurity(path, op)
			if method == http.MethodPatch {
				patchBody(&doc, op)
			}
			commonResponses(path, method, op)
		}
	}
	return &doc, nil
}

// v2Schemas returns every schema of the document that can hold properties: the
// definitions and the schemas of parameters and responses, with their nested ones.
func v2Schemas(doc *openapi2.T) []*openapi2.Schema {
	var out []*openapi2.Schema
	var walk func(r *openapi2.SchemaRef)
	walk = func(r *openapi2.SchemaRef) {
		if r == nil || r.Value == nil || slices.Contains(out, r.Value) {
			return
		}
		out = append(out, r.Value)
		for _, name := range slices.Sorted(maps.Keys(r.Value.Properties)) {
			walk(r.Value.Properties[name])
		}
		walk(r.Value.Items)
		for _, s := range r.Value.AllOf {
			walk(s)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Definitions)) {
		walk(doc.Definitions[name])
	}
	for _, item := range doc.Paths {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				walk(p.Schema)
			}
			if op.Responses != nil {
				for _, r := range op.Responses.Map() {
					walk(r.Schema)
				}
			}
		}
	}
	return out
}

// typedNullable gives a nullable reference its type. swag writes a nullable
// reference as allOf of the reference with x-nullable beside it; OpenAPI tools read
// the nullability only where the schema has a type (nullable needs one in OpenAPI
// 3.0), and every reference here is to an object.
func typedNullable(s *openapi2.Schema) {
	if s.Extensions["x-nullable"] == true && len(s.AllOf) > 0 && s.Type == nil {
		s.Type = &openapi3.Types{openapi3.TypeObject}
	}
}

// writeOptional are the fields that writes may leave out of the types they share
// with reads: a read always carries them, validation gives them a default.
var writeOptional = map[string][]string{
	"handlers.Image":          {"url", "alt", "credit"},
	"handlers.Outcome":        {"value"},
	"handlers.OpeningHours":   {"timezone", "weekly", "exceptions"},
	"handlers.HoursException": {"closed"},
}

// writeSchemas gives the request bodies their own copies of the types of
// writeOptional, named with Input (handlers.Image becomes handlers.ImageInput), in
// which those fields are optional. Only request bodies refer to the *Input schemas,
// so their references are changed in place.
func writeSchemas(doc *openapi2.T) {
	var visit func(r *openapi2.SchemaRef)
	seen := map[*openapi2.Schema]bool{}
	visit = func(r *openapi2.SchemaRef) {
		if r == nil {
			return
		}
		name := strings.TrimPrefix(r.Ref, "#/definitions/")
		if optional, ok := writeOptional[name]; ok {
			in := name + "Input"
			if doc.Definitions[in] == nil {
				b, _ := json.Marshal(doc.Definitions[name].Value)
				var s openapi2.Schema
				json.Unmarshal(b, &s)
				s.Required = slices.DeleteFunc(s.Required, func(f string) bool { return slices.Contains(optional, f) })
				doc.Definitions[in] = &openapi2.SchemaRef{Value: &s}
			}
			r.Ref = "#/definitions/" + in
			name = in
		}
		s := r.Value
		if r.Ref != "" {
			s = doc.Definitions[name].Value
		}
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, p := range slices.Sorted(maps.Keys(s.Properties)) {
			visit(s.Properties[p])
		}
		visit(s.Items)
		for _, a := range s.AllOf {
			visit(a)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Definitions)) {
		if strings.HasSuffix(name, "Input") {
			visit(&openapi2.SchemaRef{Value: doc.Definitions[name].Value})
		}
	}
}

// paramExamples moves the examples that swag writes on parameters (example(…) in
// an annotation) to x-example: Swagger 2 has no example on a parameter, and
// x-example is what its tools read. OpenAPI 3 has one again; see OpenAPI3.
func paramExamples(op *openapi2.Operation) {
	for _, p := range op.Parameters {
		if x, ok := p.Extensions["example"]; ok {
			delete(p.Extensions, "example")
			p.Extensions["x-example"] = x
		}
	}
}

// defaultSecurity says who may call an operation that names no security of its own:
// a read under /api/ takes an editor's key (which widens it to drafts) but needs
// none; the rest (feeds, embeds, probes) take no key.
func defaultSecurity(path string, op *openapi2.Operation) {
	if op.Security != nil {
		return
	}
	security := openapi2.SecurityRequirements{}
	if strings.HasPrefix(path, "/api/") {
		security = openapi2.SecurityRequirements{{}, {"ApiKey": {}}}
	}
	op.Security = &security
}

// patchBody gives a merge-patch operation its own body schema: the resource's input
// schema with no field required and every field nullable, since a merge patch
// (RFC 7396) sends only what changes and null removes a field. The schema is named
// after the input, e.g. handlers.ArticleInput becomes handlers.ArticlePatch.
func patchBody(doc *openapi2.T, op *openapi2.Operation) {
	for _, p := range op.Parameters {
		if p.In != "body" || p.Schema == nil || !strings.HasSuffix(p.Schema.Ref, "Input") {
			continue
		}
		inName := strings.TrimPrefix(p.Schema.Ref, "#/definitions/")
		name := strings.TrimSuffix(inName, "Input") + "Patch"
		if doc.Definitions[name] == nil && doc.Definitions[inName] != nil {
			doc.Definitions[name] = &openapi2.SchemaRef{Value: patchSchema(doc.Definitions[inName].Value)}
		}
		p.Schema = &openapi2.SchemaRef{Ref: "#/definitions/" + name}
	}
}

func patchSchema(in *openapi2.Schema) *openapi2.Schema {
	b, _ := json.Marshal(in)
	var s openapi2.Schema
	json.Unmarshal(b, &s)
	s.Required = nil
	s.Description = "A JSON merge patch (RFC 7396): the fields to change; null removes one."
	for name, p := range s.Properties {
		if p.Ref != "" {
			p = &openapi2.SchemaRef{Value: &openapi2.Schema{AllOf: openapi2.SchemaRefs{p}, Type: &openapi3.Types{openapi3.TypeObject}}}
			s.Properties[name] = p
		}
		if p.Value.Extensions == nil {
			p.Value.Extensions = map[string]any{}
		}
		p.Value.Extensions["x-nullable"] = true
	}
	return &s
}

// The headers that middleware adds to responses; see RequestIDs, RateLimit and
// Conditional.
var (
	requestIDHeader  = header("string", "the request's ID: the client's X-Request-ID when it is well-formed, else a new one; it names the request in the server's logs")
	rateLimitHeaders = map[string]*openapi2.Header{
		"RateLimit-Limit":     header("integer", "how many requests the client may make in a burst (see RateLimit-Policy)"),
		"RateLimit-Remaining": header("integer", "how many requests the client may still make now"),
		"RateLimit-Reset":     header("integer", "seconds until the client's allowance is full again"),
		"RateLimit-Policy":    header("string", `the limit and its window in seconds, e.g. "600;w=60"`),
	}
	retryAfterHeader   = header("integer", "seconds to wait before trying again")
	etagHeader         = header("string", "strong entity tag of the body sent; send it in If-None-Match to revalidate")
	cacheControlHeader = header("string", "how long the answer may be kept: public, max-age=60, stale-while-revalidate=300 unless configured or said otherwise; private, no-store for a request with an API key")
	noStoreHeader      = header("string", "no-store: an error is never kept")
	movedCacheHeader   = header("string", "public, max-age=3600: a moved slug stays moved")
)

func header(typ, description string) *openapi2.Header {
	return &openapi2.Header{Parameter: openapi2.Parameter{Type: &openapi3.Types{typ}, Description: description}}
}

// commonResponses documents what every operation's answers carry besides what its
// handler says: X-Request-ID; unless the path is exempt from rate limiting, the
// RateLimit-* headers and a 429; and on reads, the HTTP caching of Conditional.
func commonResponses(path, method string, op *openapi2.Operation) {
	if op.Responses == nil {
		return
	}
	limited := !rateLimitExempt[path]
	if op.Responses.Value("431") == nil {
		op.Responses.Set("431", &openapi2.Response{
			Description: "the request line and headers are over the size limit (HeaderLimit)",
			Schema:      &openapi2.SchemaRef{Ref: "#/definitions/handlers.Problem"},
		})
	}
	if method != http.MethodGet && method != http.MethodHead && strings.HasPrefix(path, "/api/v1/") {
		// A write that the database cannot take says why (see models' storage codes).
		if op.Responses.Value("503") == nil {
			op.Responses.Set("503", &openapi2.Response{
				Description: "the database cannot take writes just now (read-only, locked or failing); see Retry-After",
				Schema:      &openapi2.SchemaRef{Ref: "#/definitions/handlers.Problem"},
				Headers:     map[string]*openapi2.Header{"Retry-After": retryAfterHeader},
			})
		}
		if op.Responses.Value("507") == nil {
			op.Responses.Set("507", &openapi2.Response{
				Description: "the database or its disk is full: nothing was written",
				Schema:      &openapi2.SchemaRef{Ref: "#/definitions/handlers.Problem"},
			})
		}
	}
	if limited && !(method == http.MethodGet && neverRefused[path]) && op.Responses.Value("429") == nil {
		op.Responses.Set("429", &openapi2.Response{
			Description: "too many requests from this client; see Retry-After",
			Schema:      &openapi2.SchemaRef{Ref: "#/definitions/handlers.Problem"},
			Headers:     map[string]*openapi2.Header{"Retry-After": retryAfterHeader},
		})
	}
	if method == http.MethodGet {
		conditional(op)
	}
	for code, resp := range op.Responses.Map() {
		if resp.Headers == nil {
			resp.Headers = map[string]*openapi2.Header{}
		}
		resp.Headers["X-Request-ID"] = requestIDHeader
		switch {
		case code[0] >= '4':
			resp.Headers["Cache-Control"] = noStoreHeader
		case code == "301":
			resp.Headers["Cache-Control"] = movedCacheHeader
		}
		if limited {
			maps.Copy(resp.Headers, rateLimitHeaders)
		}
	}
}

// conditional documents a read's HTTP caching: its 200 carries an ETag and
// Cache-Control, If-None-Match (and, where the 200 has Last-Modified,
// If-Modified-Since) is answered with 304 and no body.
func conditional(op *openapi2.Operation) {
	ok := op.Responses.Value("200")
	if ok == nil {
		return
	}
	if ok.Headers == nil {
		ok.Headers = map[string]*openapi2.Header{}
	}
	if ok.Headers["ETag"] == nil {
		ok.Headers["ETag"] = etagHeader
	}
	if ok.Headers["Cache-Control"] == nil {
		ok.Headers["Cache-Control"] = cacheControlHeader
	}
	notModified := &openapi2.Response{
		Description: "Not Modified: the copy named by If-None-Match (or If-Modified-Since) is current; no body",
		Headers:     map[string]*openapi2.Header{"ETag": ok.Headers["ETag"], "Cache-Control": ok.Headers["Cache-Control"]},
	}
	op.Parameters = append(op.Parameters, &openapi2.Parameter{In: "header", Name: "If-None-Match", Type: &openapi3.Types{"string"},
		Description: `the ETag of the copy the client has (or a list of them, or *): an unchanged answer is 304 with no body`})
	if lm := ok.Headers["Last-Modified"]; lm != nil {
		notModified.Headers["Last-Modified"] = lm
		op.Parameters = append(op.Parameters, &openapi2.Parameter{In: "header", Name: "If-Modified-Since", Type: &openapi3.Types{"string"},
			Description: "an HTTP date: when there is no If-None-Match, an item not changed since is 304 with no body"})
	}
	op.Responses.Set("304", notModified)
}

// parameterExamples gives OpenAPI 3's parameters back the examples that Swagger 2
// carries as x-example.
func parameterExamples(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value == nil {
					continue
				}
				if x, ok := p.Value.Extensions["x-example"]; ok {
					delete(p.Value.Extensions, "x-example")
					p.Value.Example = x
				}
			}
		}
	}
}

// requestExamples gives every request body one example, made of its schema's
// property examples the way documentation tools compose them, so that a tool sends
// exactly the body that api/openapi_examples_test.go proves the API accepts.
func requestExamples(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if mt.Example == nil && mt.Schema != nil {
					mt.Example, _ = SchemaExample(mt.Schema)
				}
			}
		}
	}
}

// SchemaExample composes an example of a schema from the examples of its parts: a
// schema's own example, else an object of its properties' examples, else an array
// of its items' example. It reports false when no part has an example.
func SchemaExample(s *openapi3.SchemaRef) (any, bool) {
	if s == nil || s.Value == nil {
		return nil, false
	}
	v := s.Value
	switch {
	case v.Example != nil:
		return v.Example, true
	case len(v.AllOf) == 1:
		return SchemaExample(v.AllOf[0])
	case v.Type.Is(openapi3.TypeObject):
		m := map[string]any{}
		for name, p := range v.Properties {
			if x, ok := SchemaExample(p); ok && (p.Value == nil || !p.Value.ReadOnly) {
				m[name] = x
			}
		}
		return m, len(m) > 0
	case v.Type.Is(openapi3.TypeArray):
		if x, ok := SchemaExample(v.Items); ok {
			return []any{x}, true
		}
	}
	return nil, false
}

// sharedHeaders makes the headers that middleware adds to every answer, and the
// If-None-Match of every read, components of the OpenAPI 3 document that the
// operations refer to: Swagger 2 has no shared headers, so the converted document
// repeats them in every response.
func sharedHeaders(doc *openapi3.T) {
	names := append(slices.Sorted(maps.Keys(rateLimitHeaders)), "Retry-After", "X-Request-ID")
	if doc.Components.Headers == nil {
		doc.Components.Headers = openapi3.Headers{}
	}
	if doc.Components.Parameters == nil {
		doc.Components.Parameters = openapi3.ParametersMap{}
	}
	// The paths and methods are walked in order, and a header becomes a reference
	// only when it says what the shared one says: the document is then the same on
	// every run, and a response that describes a header its own way keeps it.
	same := func(a, b any) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) == string(y)
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op := ops[method]
			for _, p := range op.Parameters {
				if p.Ref == "" && p.Value != nil && p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "If-None-Match" {
					if doc.Components.Parameters["If-None-Match"] == nil {
						doc.Components.Parameters["If-None-Match"] = &openapi3.ParameterRef{Value: p.Value}
					} else if !same(doc.Components.Parameters["If-None-Match"].Value, p.Value) {
						continue
					}
					*p = openapi3.ParameterRef{Ref: "#/components/parameters/If-None-Match", Value: doc.Components.Parameters["If-None-Match"].Value}
				}
			}
			for _, code := range slices.Sorted(maps.Keys(op.Responses.Map())) {
				resp := op.Responses.Value(code)
				if resp == nil || resp.Value == nil {
					continue
				}
				for _, name := range names {
					h := resp.Value.Headers[name]
					if h == nil || h.Ref != "" {
						continue
					}
					if doc.Components.Headers[name] == nil {
						doc.Components.Headers[name] = &openapi3.HeaderRef{Value: h.Value}
					} else if !same(doc.Components.Headers[name].Value, h.Value) {
						continue
					}
					resp.Value.Headers[name] = &openapi3.HeaderRef{Ref: "#/components/headers/" + name, Value: doc.Components.Headers[name].Value}
				}
			}
		}
	}
}
