package main

import (
	"io"
	"net/http"
	"testing"
)

// TestHead proves that every read answers HEAD like GET, without the body: same
// status, same ETag and length, and 304 for a current copy.
func TestHead(t *testing.T) {
	app := MustStartApp(t)
	for _, path := range []string{
		"/api/v1/articles", "/api/v1/helplines/stop-it-now", "/api/v1/regions", "/feeds/articles.rss",
		"/embed/helplines", "/healthz", "/openapi.json", "/api/v1/articles/no-such-article",
	} {
		t.Run(path, func(t *testing.T) {
			get := app.Get(t, path)
			head, err := app.Client.Do(mustRequest(t, http.MethodHead, app.URL+path))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(head.Body)
			head.Body.Close()
			if head.StatusCode != get.StatusCode {
				t.Fatalf("HEAD status %d, GET %d", head.StatusCode, get.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("HEAD has a body of %d bytes", len(body))
			}
			if head.Header.Get("ETag") != get.Header.Get("ETag") {
				t.Errorf("HEAD ETag %q, GET %q", head.Header.Get("ETag"), get.Header.Get("ETag"))
			}
			if get.StatusCode == http.StatusOK {
				if head.Header.Get("Content-Length") != get.Header.Get("Content-Length") {
					t.Errorf("HEAD Content-Length %q, GET %q", head.Header.Get("Content-Length"), get.Header.Get("Content-Length"))
				}
				req := mustRequest(t, http.MethodHead, app.URL+path)
				req.Header.Set("If-None-Match", get.Header.Get("ETag"))
				cond, err := app.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				cond.Body.Close()
				if cond.StatusCode != http.StatusNotModified {
					t.Errorf("conditional HEAD: %d, want 304", cond.StatusCode)
				}
			}
		})
	}
}

func mustRequest(tb testing.TB, method, url string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}
