package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"signpost/handlers"
)

// exampleEpoch is the clock of the servers that the examples are sent to: no later
// than the day this test was written, so that an example dated "in the past" is in
// the past on any server that runs this code (validation refuses a last_verified_at
// in the future, and a publish_at in the future unless the item is scheduled).
var exampleEpoch = time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)

// TestOpenAPIExamples sends every operation's documented examples (its path and
// query parameters' examples and its request body's example) to a fresh server, as
// a tool that reads the document would, and expects the operation's documented
// success. Every path parameter, required query parameter and request body must have
// an example, and the request must itself conform to the document.
func TestOpenAPIExamples(t *testing.T) {
	doc, err := handlers.OpenAPI3()
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op := item.GetOperation(method)
			t.Run(op.OperationID, func(t *testing.T) {
				req, err := exampleRequest(path, method, op)
				if err != nil {
					t.Fatal(err)
				}
				route, pathParams, err := router.FindRoute(req.clone())
				if err != nil {
					t.Fatalf("%s %s: the example request finds no operation: %v", method, req.target, err)
				}
				in := &openapi3filter.RequestValidationInput{Request: req.clone(), PathParams: pathParams, Route: route,
					Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Fatalf("%s %s: the example does not conform to the document: %v", method, req.target, err)
				}

				searchPathOnPostgres(t, req.target)
				// The examples name the default public URL (the oEmbed example's url),
				// so the server is told it is that one; and a partner's webhook URL,
				// whose host this server must resolve, to a public address.
				dns := startFakeDNS(t)
				dns.set("partner.example.org", "93.184.215.14")
				app := MustStartApp(t, WithClock(newTestClock(exampleEpoch)), WithConfig(func(c *Config) {
					c.PublicURLSet = true
					c.resolver = dns.resolver()
				}))
				headers := []string{}
				if req.body != nil {
					headers = append(headers, "Content-Type", req.contentType)
				}
				scope := exampleScope(path, op)
				var key string
				if scope != "" {
					key = MustCreateKey(t, app, "examples", scope)
					headers = append(headers, auth(key)...)
				}
				if strings.HasPrefix(path, "/api/v1/webhooks/") {
					mustExampleSubscription(t, app, doc, key)
				}
				if path == "/api/v1/changes/stream" {
					// A stream never ends: its documented success is its headers.
					mustStreamExample(t, app, req.target)
					return
				}
				var body *bytes.Reader
				if req.body != nil {
					body = bytes.NewReader(req.body)
				} else {
					body = bytes.NewReader(nil)
				}
				resp := app.Do(t, method, req.target, body, headers...)
				if want := successStatus(op); resp.StatusCode != want {
					t.Fatalf("%s %s with the documented example: status %d, want the documented %d\nrequest: %s\nresponse: %s",
						method, req.target, resp.StatusCode, want, req.body, truncate(ReadBody(t, resp)))
				}
			})
		}
	}
}

// exampleReq is a request made of an operation's examples.
type exampleReq struct {
	method, target string
	body           []byte
	contentType    string
}

func (r *exampleReq) clone() *http.Request {
	req := httptest.NewRequest(r.method, r.target, bytes.NewReader(r.body))
	if r.body != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	return req
}

// exampleRequest builds the request an operation's examples describe: each path
// parameter replaced by its example, each query parameter with an example given, and
// the body of the request body's application/json example.
func exampleRequest(path, method string, op *openapi3.Operation) (*exampleReq, error) {
	target := path
	query := url.Values{}
	for _, p := range op.Parameters {
		v := p.Value
		switch {
		case v.In == openapi3.ParameterInPath && v.Example == nil:
			return nil, fmt.Errorf("path parameter %s has no example", v.Name)
		case v.In == openapi3.ParameterInPath:
			target = strings.ReplaceAll(target, "{"+v.Name+"}", url.PathEscape(fmt.Sprint(v.Example)))
		case v.In == openapi3.ParameterInQuery && v.Example != nil:
			query.Set(v.Name, fmt.Sprint(v.Example))
		case v.In == openapi3.ParameterInQuery && v.Required:
			return nil, fmt.Errorf("required query parameter %s has no example", v.Name)
		}
	}
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req := &exampleReq{method: method, target: target}
	if op.RequestBody != nil {
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Example == nil {
			return nil, fmt.Errorf("the request body has no application/json example")
		}
		b, err := json.Marshal(mt.Example)
		if err != nil {
			return nil, err
		}
		req.body, req.contentType = b, "application/json"
	}
	return req, nil
}

// exampleScope is the key scope an operation needs, "" for none.
func exampleScope(path string, op *openapi3.Operation) string {
	if op.Security == nil || slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }) {
		return ""
	}
	if path == "/api/v1/audit" || strings.HasPrefix(path, "/api/v1/webhooks") {
		return "admin"
	}
	return "editor"
}

// successStatus is the operation's first documented 2xx status.
func successStatus(op *openapi3.Operation) int {
	for _, code := range slices.Sorted(maps.Keys(op.Responses.Map())) {
		if code[0] == '2' {
			var n int
			fmt.Sscan(code, &n)
			return n
		}
	}
	return 0
}

// TestOpenAPIInputBounds proves that the string lengths in the write schemas are the
// ones validation enforces: each create's example with one field one character over
// its maxLength (or under its minLength) is a 422 naming that field, and with the
// field at its maxLength it is created.
func TestOpenAPIInputBounds(t *testing.T) {
	doc, err := handlers.OpenAPI3()
	if err != nil {
		t.Fatal(err)
	}
	// Fields whose value at full length means something else too: a slug of an item
	// that must exist, or a phone number and the display that must show it.
	atMaxSkip := []string{"source.publisher", "organisation", "organiser", "parent", "contacts[0].value", "contacts[0].display"}
	for _, path := range []string{"/api/v1/articles", "/api/v1/helplines", "/api/v1/campaigns", "/api/v1/organisations"} {
		op := doc.Paths.Value(path).Post
		mt := op.RequestBody.Value.Content.Get("application/json")
		t.Run(op.OperationID, func(t *testing.T) {
			app := MustStartApp(t, WithClock(newTestClock(exampleEpoch)))
			key := MustCreateKey(t, app, "bounds", "editor")
			n := 0
			send := func(field string, value string) (*http.Response, handlers.Problem) {
				t.Helper()
				var body map[string]any
				b, _ := json.Marshal(mt.Example)
				json.Unmarshal(b, &body)
				n++
				body["slug"] = fmt.Sprintf("bounds-%d", n)
				setField(body, field, value)
				resp := app.DoJSON(t, http.MethodPost, path, body, nil, auth(key)...)
				var p handlers.Problem
				json.Unmarshal(ReadBody(t, resp), &p)
				return resp, p
			}
			tested := 0
			for _, b := range stringBounds("", mt.Schema.Value) {
				tested++
				if b.max > 0 {
					resp, p := send(b.field, b.value(b.max+1))
					if resp.StatusCode != http.StatusUnprocessableEntity || !slices.ContainsFunc(p.Errors, func(f handlers.FieldProblem) bool { return f.Field == b.field }) {
						t.Errorf("%s at %d characters, over its maxLength %d: status %d, errors %v; want a 422 naming it", b.field, b.max+1, b.max, resp.StatusCode, p.Errors)
					}
					if !slices.Contains(atMaxSkip, b.field) {
						if resp, p := send(b.field, b.value(b.max)); resp.StatusCode != http.StatusCreated {
							t.Errorf("%s at its maxLength %d: status %d, errors %v; want 201", b.field, b.max, resp.StatusCode, p.Errors)
						}
					}
				}
				if b.min > 0 {
					resp, p := send(b.field, b.value(b.min-1))
					if resp.StatusCode != http.StatusUnprocessableEntity || !slices.ContainsFunc(p.Errors, func(f handlers.FieldProblem) bool { return f.Field == b.field }) {
						t.Errorf("%s under its minLength %d: status %d, errors %v; want a 422 naming it", b.field, b.min, resp.StatusCode, p.Errors)
					}
				}
			}
			if tested == 0 {
				t.Fatal("the body's schema has no string bounds")
			}
		})
	}
}

// stringBound is a string field of a write body with its length limits.
type stringBound struct {
	field    string // as validation names it, e.g. source.url or contacts[0].label
	min, max int
	uri      bool
}

// value is a valid value of n characters (an absolute URL for a uri field).
func (b stringBound) value(n int) string {
	if b.uri && n > 20 {
		return "https://example.org/" + strings.Repeat("a", n-20)
	}
	return strings.Repeat("a", n)
}

// stringBounds lists the bounded string fields of an object schema, following
// objects and the first item of arrays of objects.
func stringBounds(prefix string, s *openapi3.Schema) []stringBound {
	var out []stringBound
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name].Value
		if len(p.AllOf) == 1 {
			p = p.AllOf[0].Value
		}
		field := prefix + name
		switch {
		case p.Type.Is(openapi3.TypeString) && (p.MaxLength != nil || p.MinLength > 0):
			b := stringBound{field: field, min: int(p.MinLength), uri: p.Format == "uri"}
			if p.MaxLength != nil {
				b.max = int(*p.MaxLength)
			}
			out = append(out, b)
		case p.Type.Is(openapi3.TypeObject):
			out = append(out, stringBounds(field+".", p)...)
		case p.Type.Is(openapi3.TypeArray) && p.Items.Value.Type.Is(openapi3.TypeObject):
			out = append(out, stringBounds(field+"[0].", p.Items.Value)...)
		}
	}
	return out
}

// setField sets a field named as stringBound.field in a decoded JSON body.
func setField(body map[string]any, field, value string) {
	m := body
	parts := strings.Split(field, ".")
	for _, part := range parts[:len(parts)-1] {
		if name, ok := strings.CutSuffix(part, "[0]"); ok {
			m = m[name].([]any)[0].(map[string]any)
		} else {
			m = m[part].(map[string]any)
		}
	}
	m[parts[len(parts)-1]] = value
}

// mustExampleSubscription makes what the webhook examples of one subscription name:
// subscription 1, made from the create example, and its delivery 1, settled (a
// pending one is not redelivered).
func mustExampleSubscription(t *testing.T, app *testApp, doc *openapi3.T, adminKey string) {
	t.Helper()
	create := doc.Paths.Value("/api/v1/webhooks").Post
	b, err := json.Marshal(create.RequestBody.Value.Content.Get("application/json").Example)
	if err != nil {
		t.Fatal(err)
	}
	resp := app.Do(t, http.MethodPost, "/api/v1/webhooks", bytes.NewReader(b), "Content-Type", "application/json", "Authorization", "Bearer "+adminKey)
	MustStatus(t, resp, http.StatusCreated)
	MustStatus(t, app.Do(t, http.MethodPost, "/api/v1/webhooks/1/test", nil, "Authorization", "Bearer "+adminKey), http.StatusAccepted)
	app.MustExec(t, `UPDATE webhook_deliveries SET state = 'delivered' WHERE id = 1`)
}

// mustStreamExample opens the stream and checks its documented success: 200 and
// text/event-stream.
func mustStreamExample(t *testing.T, app *testApp, target string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+target, nil)
	resp, err := app.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET %s: %d %s, want 200 text/event-stream", target, resp.StatusCode, ct)
	}
}
