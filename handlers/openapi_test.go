package handlers

import (
	"encoding/json"
	"testing"
)

// TestOpenAPI3Stable: the OpenAPI 3 document is the same every time it is made. The
// shared headers are chosen while walking maps, so an order that leaked into the
// result would show here as a difference between two builds.
func TestOpenAPI3Stable(t *testing.T) {
	first := ""
	for i := range 20 {
		doc, err := OpenAPI3()
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = string(b)
		} else if string(b) != first {
			t.Fatalf("build %d of the document differs from the first", i)
		}
	}
}

// TestOpenAPI3HeadersAsAnnotated: every response header of the OpenAPI 3 document,
// shared component or not, says what the annotations (the Swagger 2 document) say
// for that response.
func TestOpenAPI3HeadersAsAnnotated(t *testing.T) {
	v2, err := Swagger2()
	if err != nil {
		t.Fatal(err)
	}
	v3, err := OpenAPI3()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range v2.Paths {
		for method, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for code, resp := range op.Responses.Map() {
				for name, h := range resp.Headers {
					op3 := v3.Paths.Value(path).GetOperation(method)
					if op3 == nil || op3.Responses.Value(code) == nil {
						t.Fatalf("%s %s %s: not in the OpenAPI 3 document", method, path, code)
					}
					h3 := op3.Responses.Value(code).Value.Headers[name]
					if h3 == nil || h3.Value == nil {
						t.Errorf("%s %s %s: header %s missing", method, path, code, name)
						continue
					}
					if h3.Value.Description != h.Description {
						t.Errorf("%s %s %s: header %s says %q, the annotation %q", method, path, code, name, h3.Value.Description, h.Description)
					}
					n++
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no response headers compared")
	}
}
