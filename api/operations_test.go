package main

// Tests of operations details: /metrics on a listener of its own, the Allow header of
// the paths beside /helplines/{slug}, and writes whose time fields have the wrong
// JSON type.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that a server's logger and a test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRunMetrics starts Run with -metrics-addr on 127.0.0.1:0 and returns the base
// URLs of the API and of the metrics listener, which Run logs before it is ready.
func startRunMetrics(t *testing.T) (api, metrics string) {
	t.Helper()
	cfg, _, err := LoadConfig("signpost", []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-db", testDB(t)}, env())
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	ready, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- Run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)), ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case addr := <-ready:
		api = "http://" + addr
	case err := <-errc:
		t.Fatalf("Run returned before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run was not ready within 10s")
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		var m struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "metrics listening" {
			metrics = "http://" + m.Addr
		}
	}
	if metrics == "" {
		t.Fatalf("Run did not log the metrics listener's address:\n%s", logs.String())
	}
	return api, metrics
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestMetricsAddr proves that with -metrics-addr the metrics are served on their own
// listener alone, counting the API's requests, and that the API's listener no longer
// shows them.
func TestMetricsAddr(t *testing.T) {
	api, metrics := startRunMetrics(t)
	if resp, _ := get(t, api+"/api/v1/topics"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/topics: %d", resp.StatusCode)
	}
	resp, body := get(t, api+"/metrics")
	if resp.StatusCode != http.StatusNotFound || mediaType(resp.Header) != "application/problem+json" {
		t.Errorf("GET /metrics on the API's listener: %d %s, want a 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "signpost_http_requests_total") {
		t.Error("the API's listener shows the metrics")
	}

	resp, body = get(t, metrics+"/metrics")
	if resp.StatusCode != http.StatusOK || mediaType(resp.Header) != "text/plain" {
		t.Fatalf("GET /metrics on the metrics listener: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	mustMetric(t, body, 1, "signpost_http_requests_total", "method", "GET", "route", "/api/v1/topics", "code", "200")
	mustMetric(t, body, 1, "signpost_http_requests_total", "method", "GET", "route", "(unmatched)", "code", "404")
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("metrics headers %v", resp.Header)
	}
	// The metrics listener serves nothing else, and its own requests are not counted.
	for _, p := range []string{"/api/v1/topics", "/healthz", "/"} {
		resp, _ := get(t, metrics+p)
		if resp.StatusCode != http.StatusNotFound || mediaType(resp.Header) != "application/problem+json" {
			t.Errorf("GET %s on the metrics listener: %d %s, want a 404 problem", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	_, body = get(t, metrics+"/metrics")
	mustMetric(t, body, 1, "signpost_http_requests_total", "method", "GET", "route", "(unmatched)", "code", "404")

	t.Run("ErrBadAddress", func(t *testing.T) {
		if _, _, err := LoadConfig("signpost", []string{"-metrics-addr", "loopback"}, env()); err == nil ||
			!strings.Contains(err.Error(), "SIGNPOST_METRICS_ADDR") {
			t.Errorf("LoadConfig(-metrics-addr loopback): %v, want an error naming the option", err)
		}
	})
}

// TestReadOnlyPathsAllow proves that the paths beside /helplines/{slug} answer any
// method but GET and HEAD with 405 and an Allow of just those, with a key or without,
// rather than listing (or running) the item route's writes.
func TestReadOnlyPathsAllow(t *testing.T) {
	app := MustStartEditorApp(t)
	for _, path := range []string{"/api/v1/helplines/essentials", "/api/v1/helplines/due"} {
		for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost, http.MethodOptions, "BREW"} {
			for _, key := range []string{"", app.Editor} {
				name := strings.TrimPrefix(path, "/api/v1/helplines/") + "/" + method
				if key != "" {
					name += "/WithKey"
				}
				t.Run(name, func(t *testing.T) {
					headers := []string{"Content-Type", "application/json"}
					if key != "" {
						headers = append(headers, auth(key)...)
					}
					resp := app.Do(t, method, path, strings.NewReader(`{}`), headers...)
					MustProblem(t, resp, http.StatusMethodNotAllowed, "")
					if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
						t.Errorf("Allow %q, want %q", got, "GET, HEAD")
					}
				})
			}
		}
	}
	t.Run("OKReadsStillServed", func(t *testing.T) {
		MustStatus(t, app.Get(t, "/api/v1/helplines/essentials"), http.StatusOK)
		MustStatus(t, app.Get(t, "/api/v1/helplines/due", auth(app.Editor)...), http.StatusOK)
		MustStatus(t, app.Do(t, http.MethodHead, "/api/v1/helplines/essentials", nil), http.StatusOK)
	})
	t.Run("OKItemWritesStillServed", func(t *testing.T) {
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/helplines/stop-it-now", app.Editor, obj{"interpreters": "On request"})
		MustStatus(t, resp, http.StatusOK)
	})
}

// TestWriteTimeFieldType proves that a time field with the wrong JSON type or format
// gets a 422 naming that field, not "body", on every write and content type.
func TestWriteTimeFieldType(t *testing.T) {
	app := MustStartEditorApp(t)
	article := app.MustCreate(t, "/api/v1/articles", app.Editor, articleBody("Timed article"))
	item := "/api/v1/articles/" + article["slug"].(string)
	before := app.counts(t)
	for _, tc := range []struct {
		name, method, path, field string
		body                      obj
	}{
		{"ArticleNumber", http.MethodPost, "/api/v1/articles", "publish_at", with(articleBody("A"), "publish_at", 5)},
		{"ArticleBool", http.MethodPost, "/api/v1/articles", "publish_at", with(articleBody("A"), "publish_at", true)},
		{"ArticleObject", http.MethodPost, "/api/v1/articles", "publish_at", with(articleBody("A"), "publish_at", obj{})},
		{"ArticleWords", http.MethodPost, "/api/v1/articles", "publish_at", with(articleBody("A"), "publish_at", "tomorrow")},
		{"ArticlePut", http.MethodPut, item, "publish_at", with(articleBody("A"), "publish_at", 5)},
		{"ArticlePatch", http.MethodPatch, item, "publish_at", obj{"publish_at": 5}},
		{"HelplineVerified", http.MethodPost, "/api/v1/helplines", "last_verified_at", with(helplineBody("H"), "last_verified_at", 20270101)},
		{"HelplinePatch", http.MethodPatch, "/api/v1/helplines/stop-it-now", "last_verified_at", obj{"last_verified_at": []int{1}}},
		{"CampaignPublishAt", http.MethodPost, "/api/v1/campaigns", "publish_at", with(campaignBody("C"), "publish_at", 1.5)},
	} {
		t.Run("Err"+tc.name, func(t *testing.T) {
			resp, _ := app.Write(t, tc.method, tc.path, app.Editor, tc.body)
			p := MustProblem(t, resp, http.StatusUnprocessableEntity, tc.field)
			if !strings.Contains(p.Errors[0].Message, "RFC 3339") {
				t.Errorf("message %q does not say what a time looks like", p.Errors[0].Message)
			}
			if after := app.counts(t); after != before {
				t.Errorf("a 422 changed the database: before %s, after %s", before, after)
			}
		})
	}
	t.Run("OKOtherTypeErrorsStillNamed", func(t *testing.T) {
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/articles", app.Editor, with(articleBody("A"), "title", 5))
		MustProblem(t, resp, http.StatusUnprocessableEntity, "title")
	})
}

// with returns a copy of body with field set to v.
func with(body obj, field string, v any) obj {
	out := clone(body)
	out[field] = v
	return out
}
