package main

// Tests that errors are problem+json wherever the server can answer: unknown paths
// under /docs, oversized headers, and the few answers that net/http gives alone.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
)

// mustPlainProblem checks an error as a client sees it: problem+json with its
// status, and the security headers of every response.
func mustPlainProblem(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	MustProblem(t, resp, status, "")
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%d without X-Content-Type-Options: nosniff", status)
	}
}

// TestDocsErrorsAreProblems proves that the documentation UI's paths answer what the
// UI does not serve with a 404 problem (gin-swagger answers text/plain), and that
// HEAD, ranges and preconditions on its assets get no plain-text errors either.
func TestDocsErrorsAreProblems(t *testing.T) {
	app := MustStartApp(t)
	for _, p := range []string{"/docs/nope.js", "/docs/missing", "/docs/", "/docs/x/index.html", "/docs/index.html.bak",
		"/docs/swagger-ui-es-bundle.js", "/docs/%2e%2e/openapi.json"} {
		t.Run(p, func(t *testing.T) {
			mustPlainProblem(t, app.Get(t, p), http.StatusNotFound)
		})
	}
	ui := app.Unchecked()
	t.Run("OKQueryNamingAnotherFile", func(t *testing.T) {
		// gin-swagger looks for the file name in the whole URI, query included, and
		// keeps the prefix of the first request it serves for good.
		resp := ui.Get(t, "/docs/index.html?x=/swagger-ui.css")
		MustStatus(t, resp, http.StatusOK)
		if mt := mediaType(resp.Header); mt != "text/html" {
			t.Errorf("Content-Type %q, want the page", mt)
		}
		MustStatus(t, ui.Get(t, "/docs/swagger-ui.css"), http.StatusOK)
	})
	t.Run("OKHead", func(t *testing.T) {
		resp := ui.Do(t, http.MethodHead, "/docs/index.html", nil)
		MustStatus(t, resp, http.StatusOK)
		if len(ReadBody(t, resp)) != 0 {
			t.Error("HEAD has a body")
		}
	})
	t.Run("OKRangeAndPreconditionsIgnored", func(t *testing.T) {
		full := ReadBody(t, ui.Get(t, "/docs/swagger-ui.css"))
		for _, h := range [][]string{
			{"Range", "bytes=99999999-"},
			{"Range", "bytes=0-9"},
			{"If-Match", `"nope"`},
			{"If-Unmodified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"},
		} {
			resp := ui.Get(t, "/docs/swagger-ui.css", h...)
			MustStatus(t, resp, http.StatusOK)
			if b := ReadBody(t, resp); len(b) != len(full) {
				t.Errorf("%s: %d bytes, want the whole %d", h[0], len(b), len(full))
			}
		}
	})
	t.Run("OKRevalidation", func(t *testing.T) {
		resp := ui.Get(t, "/docs/swagger-ui.css")
		MustStatus(t, ui.Get(t, "/docs/swagger-ui.css", "If-None-Match", resp.Header.Get("ETag")), http.StatusNotModified)
	})
}

// rawRequest sends request bytes, a GET of path, on a new connection to the server
// at base and returns the response.
func rawRequest(t *testing.T, base, path, request string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	resp.Request = httptest.NewRequest(http.MethodGet, path, nil)
	return resp
}

// TestHeaderLimit proves that a request whose headers are over the limit gets a 431
// problem from the router, on the test server and on the server of Run, which lets
// net/http read far more so that the router can answer; and that only what net/http
// must refuse before there is a request (headers over 1 MiB, a malformed request
// line) gets its plain-text answers, as the README says.
func TestHeaderLimit(t *testing.T) {
	over := strings.Repeat("a", handlers.MaxHeaderBytes)
	t.Run("OKUnderTheLimit", func(t *testing.T) {
		app := MustStartApp(t)
		MustStatus(t, app.Get(t, "/api/v1/topics", "X-Padding", strings.Repeat("a", handlers.MaxHeaderBytes-1024)), http.StatusOK)
	})
	t.Run("ErrTestServer", func(t *testing.T) {
		app := MustStartApp(t)
		for _, path := range []string{"/api/v1/topics", "/api/v1/articles/" + cumbriaSlug, "/healthz"} {
			mustPlainProblem(t, app.Get(t, path, "X-Padding", over), http.StatusRequestHeaderFieldsTooLarge)
		}
		// An unknown path too (the document's rule that those get 404 does not hold).
		mustPlainProblem(t, app.Unchecked().Get(t, "/nowhere", "X-Padding", over), http.StatusRequestHeaderFieldsTooLarge)
		// Many headers that are small one by one add up.
		var headers []string
		for range 70 {
			headers = append(headers, "X-Padding", strings.Repeat("b", 1000))
		}
		mustPlainProblem(t, app.Get(t, "/api/v1/topics", headers...), http.StatusRequestHeaderFieldsTooLarge)
		// A long URL counts too.
		mustPlainProblem(t, app.Get(t, "/api/v1/topics?kind="+over), http.StatusRequestHeaderFieldsTooLarge)
	})

	base, _ := startRun(t, env(), "-db", testDB(t))
	t.Run("ErrRunServer", func(t *testing.T) {
		for _, size := range []int{handlers.MaxHeaderBytes + 1, 4 * handlers.MaxHeaderBytes, 900 << 10} {
			resp := rawRequest(t, base, "/api/v1/topics", "GET /api/v1/topics HTTP/1.1\r\nHost: x\r\nX-Padding: "+strings.Repeat("c", size)+"\r\n\r\n")
			if err := checkResponse(resp.Request, resp.StatusCode, resp.Header, ReadBody(t, resp)); err != nil {
				t.Errorf("%d bytes: %v", size, err)
			}
			mustPlainProblem(t, resp, http.StatusRequestHeaderFieldsTooLarge)
		}
	})
	t.Run("OKNetHTTPAlone", func(t *testing.T) {
		// Past net/http's own limit, and for a request line it cannot parse, there is
		// no request to route: net/http answers by itself, in plain text.
		resp := rawRequest(t, base, "/api/v1/topics", "GET /api/v1/topics HTTP/1.1\r\nHost: x\r\nX-Padding: "+strings.Repeat("d", 1<<20+8192)+"\r\n\r\n")
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("headers over 1 MiB: status %d, want 431", resp.StatusCode)
		}
		resp = rawRequest(t, base, "/", "NOT A REQUEST LINE\r\n\r\n")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed request line: status %d, want 400", resp.StatusCode)
		}
	})
}
