package main

// Tests that secrets stay secret: keys sent in a query string never reach the logs,
// and the work of refusing a key does not depend on whether its id exists.

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"signpost/handlers"
	"signpost/models"
)

// TestLogRedactsCredentials proves that with -log-client the access log keeps the
// query but not the values of credential-like parameters, however they are spelt,
// nor anything shaped like an API key.
func TestLogRedactsCredentials(t *testing.T) {
	var buf bytes.Buffer
	app := MustStartApp(t, WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))),
		WithConfig(func(c *Config) { c.LogClient = true }))
	key := MustCreateKey(t, app, "leaky", models.ScopeEditor)
	secrets := map[string]string{
		"key":          key,
		"api_key":      "s3cr3t-api-key-value",
		"API-Key":      "s3cr3t-mixed-case",
		"api%5Fkey":    "s3cr3t-escaped-name",
		"token":        "s3cr3t-token",
		"access_token": "s3cr3t-access-token",
		"x_auth_token": "s3cr3t-suffixed",
		"password":     "hunter2-s3cr3t",
	}
	var q []string
	for name, v := range secrets {
		q = append(q, name+"="+v)
	}
	// A key pasted where no credential belongs is redacted by its shape.
	q = append(q, "region=cumbria", "q="+key)
	for _, target := range []string{
		"/api/v1/helplines?" + strings.Join(q, "&"),
		"/api/v1/articles/nope?" + strings.Join(q, "&"),
		"/nowhere?" + strings.Join(q, "&"),
	} {
		rec := app.serveFrom(t, http.MethodGet, target, "203.0.113.9:1")
		m := requestLog(t, &buf, rec.Header().Get("X-Request-ID"))
		query, _ := m["query"].(string)
		if !strings.Contains(query, "region=cumbria") {
			t.Errorf("query %q: the harmless parameter is gone", query)
		}
		for name := range secrets {
			if !strings.Contains(query, name+"="+handlers.Redacted) {
				t.Errorf("query %q: %s is not redacted", query, name)
			}
		}
	}
	for name, v := range secrets {
		if strings.Contains(buf.String(), v) {
			t.Errorf("the log holds the value of %s:\n%s", name, buf.String())
		}
	}
	if strings.Contains(buf.String(), key[len("sp_"):]) {
		t.Errorf("the log holds the key")
	}
}

// TestAuthenticateSameWork proves that refusing a key costs the same whether its id
// exists or not: the store does the same work on both paths, measured as the memory
// allocations of one call (a deterministic stand-in for its time; each row read
// allocates). Without the dummy row an unknown id skips reading and comparing a row,
// which was measurable from outside (about 23 µs).
func TestAuthenticateSameWork(t *testing.T) {
	store := MustOpenStore(t, WithoutSeed())
	ctx := context.Background()
	key, err := store.CreateKey(ctx, "known", models.ScopeEditor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateKey(ctx, "other", models.ScopeAdmin); err != nil {
		t.Fatal(err)
	}
	// A key is "sp_", a 12-digit id, "_" and the secret (which may hold "_" too).
	const idEnd = len("sp_") + 12
	wrongSecret := key[:idEnd+1] + strings.Repeat("A", len(key)-idEnd-1)
	unknownID := "sp_000000000000" + key[idEnd:]
	for _, k := range []string{wrongSecret, unknownID} {
		if _, err := store.Authenticate(ctx, k); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Fatalf("Authenticate(%s): %v, want unauthorized", k, err)
		}
	}
	if k, err := store.Authenticate(ctx, key); err != nil || k.Name != "known" {
		t.Fatalf("Authenticate(key) = %v, %v", k, err)
	}
	// The mean over many calls, after one to warm up: testing.AllocsPerRun rounds
	// down to a whole number, which turns a stray allocation of another goroutine
	// into a difference of one.
	allocs := func(k string) float64 {
		const n = 500
		store.Authenticate(ctx, k)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			store.Authenticate(ctx, k)
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / n
	}
	known, unknown := allocs(wrongSecret), allocs(unknownID)
	t.Logf("allocations a call: known id with a wrong secret %.2f, unknown id %.2f", known, unknown)
	if math.Abs(known-unknown) >= 0.5 {
		t.Errorf("a wrong secret of a known id allocates %.2f times a call, an unknown id %.2f: the paths differ", known, unknown)
	}
}
