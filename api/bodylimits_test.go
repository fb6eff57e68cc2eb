package main

// Tests of the work a write body can cause: the bodies of the hostile-input report,
// through the real router, are refused with a 422 naming the field and the limit,
// change nothing, and cost the server a bounded number of allocated bytes (counted by
// the Go runtime, not timed).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
)

// allocated returns the bytes the process has allocated on the heap so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// hostileBodies are the worst bodies of the report, each with the field its 422
// names and a piece of the message that gives the limit.
func hostileBodies() []struct {
	name, method, path, contentType string
	body                            []byte
	field, limit                    string
} {
	deep := `{"title": ` + strings.Repeat(`{"a":`, 9_999) + `1` + strings.Repeat(`}`, 9_999) + `}`
	var keys strings.Builder
	keys.WriteString("{")
	for i := range 40_000 {
		if i > 0 {
			keys.WriteString(",")
		}
		fmt.Fprintf(&keys, `"k%d":null`, i)
	}
	keys.WriteString("}")
	article := func(md string) []byte {
		a := articleBody("Hostile body")
		a["body_markdown"] = md
		b, _ := json.Marshal(a)
		return b
	}
	table := "|" + strings.Repeat(" a |", 2000) + "\n|" + strings.Repeat("---|", 2000) + "\n" + strings.Repeat("|\n", 19_000)
	const patch, ctJSON = "application/merge-patch+json", "application/json"
	return []struct {
		name, method, path, contentType string
		body                            []byte
		field, limit                    string
	}{
		{"ErrPatchNested10000Deep", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, patch, []byte(deep), "body", "20 levels"},
		{"ErrPatch40000UnknownKeys", http.MethodPatch, "/api/v1/articles/" + cumbriaSlug, patch, []byte(keys.String()), "body", "2000 keys"},
		{"ErrMarkdownQuotes100000", http.MethodPost, "/api/v1/articles", ctJSON, article(strings.Repeat("> ", 100_000)), "body_markdown", "16 levels"},
		{"ErrMarkdownTable", http.MethodPut, "/api/v1/articles/" + cumbriaSlug, ctJSON, article(table), "body_markdown", "524288 bytes"},
	}
}

// TestWriteBoundedWork proves the bounds on the work of a write body, one body at a
// time and four at once.
func TestWriteBoundedWork(t *testing.T) {
	app := MustStartEditorApp(t)
	// Before the bounds, the first of these bodies alone allocated about 400 MB.
	const perRequest, fourAtOnce = 16 << 20, 48 << 20
	for _, tc := range hostileBodies() {
		t.Run(tc.name, func(t *testing.T) {
			before := app.counts(t)
			// The response is checked against the OpenAPI document after the count:
			// the check's own allocations are the test's, not the server's.
			start := allocated()
			resp := app.Unchecked().Do(t, tc.method, tc.path, bytes.NewReader(tc.body), append(auth(app.Editor), "Content-Type", tc.contentType)...)
			used := allocated() - start
			if err := checkResponse(resp.Request, resp.StatusCode, resp.Header, ReadBody(t, resp)); err != nil {
				t.Errorf("the response does not conform to the OpenAPI document: %v", err)
			}
			p := MustProblem(t, resp, http.StatusUnprocessableEntity, tc.field)
			if !strings.Contains(p.Errors[0].Message, tc.limit) {
				t.Errorf("message %q does not give the limit (%s)", p.Errors[0].Message, tc.limit)
			}
			if used > perRequest {
				t.Errorf("the %d-byte body cost %d bytes of allocations, want at most %d", len(tc.body), used, perRequest)
			}
			t.Logf("%d-byte body: %d bytes allocated", len(tc.body), used)
			if after := app.counts(t); after != before {
				t.Errorf("the refused write changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("ErrFourAtOnce", func(t *testing.T) {
		bodies := hostileBodies()
		type answer struct {
			req    *http.Request
			status int
			header http.Header
			body   []byte
			err    error
		}
		answers := make([]answer, len(bodies))
		start := allocated()
		var wg sync.WaitGroup
		for i, tc := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(tc.method, app.URL+tc.path, bytes.NewReader(tc.body))
				req.Header.Set("Authorization", "Bearer "+app.Editor)
				req.Header.Set("Content-Type", tc.contentType)
				a := answer{req: req}
				resp, err := app.Client.Do(req)
				if err == nil {
					a.status, a.header = resp.StatusCode, resp.Header
					a.body, a.err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				answers[i] = a
			}()
		}
		wg.Wait()
		used := allocated() - start
		for _, a := range answers {
			if a.err != nil || a.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: status %d (%v), want 422", a.req.Method, a.req.URL.Path, a.status, a.err)
			} else if err := checkResponse(a.req, a.status, a.header, a.body); err != nil {
				t.Errorf("%s %s: the response does not conform to the OpenAPI document: %v", a.req.Method, a.req.URL.Path, err)
			}
		}
		if used > fourAtOnce {
			t.Errorf("four hostile bodies at once cost %d bytes of allocations, want at most %d", used, fourAtOnce)
		}
		t.Logf("four at once: %d bytes allocated", used)
	})
}
