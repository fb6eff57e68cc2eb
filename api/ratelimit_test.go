package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// serveFrom sends a request straight to the app's router as if it came from
// remoteAddr (host:port), and returns the recorded response. headers are name, value
// pairs. It is synchronous: whatever the server logs for the request is logged when
// it returns. It skips the OpenAPI check.
func (a *testApp) serveFrom(tb testing.TB, method, target, remoteAddr string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = remoteAddr
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.Router.ServeHTTP(rec, req)
	return rec
}

// withRateLimits sets the anonymous and per-key limits (requests a minute).
func withRateLimits(anon, perKey int) TestOption {
	return WithConfig(func(c *Config) { c.RateLimit, c.RateLimitKey = anon, perKey })
}

// mustRateLimit checks the RateLimit-* headers of a response.
func mustRateLimit(tb testing.TB, h http.Header, limit, remaining, reset int) {
	tb.Helper()
	for name, want := range map[string]int{"RateLimit-Limit": limit, "RateLimit-Remaining": remaining, "RateLimit-Reset": reset} {
		if got := h.Get(name); got != strconv.Itoa(want) {
			tb.Errorf("%s %q, want %d", name, got, want)
		}
	}
	if got, want := h.Get("RateLimit-Policy"), strconv.Itoa(limit)+";w=60"; got != want {
		tb.Errorf("RateLimit-Policy %q, want %q", got, want)
	}
}

// mustExhaust makes n allowed requests, then checks that the next is refused.
func mustExhaust(tb testing.TB, n int, do func() (int, http.Header)) {
	tb.Helper()
	for i := range n {
		if status, _ := do(); status == http.StatusTooManyRequests {
			tb.Fatalf("request %d of %d refused", i+1, n)
		}
	}
	if status, _ := do(); status != http.StatusTooManyRequests {
		tb.Fatalf("request %d: status %d, want 429", n+1, status)
	}
}

func TestRateLimit(t *testing.T) {
	t.Run("OKHeaders", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(5, 10))
		resp := app.Get(t, "/api/v1/topics")
		MustStatus(t, resp, http.StatusOK)
		// 5 a minute is one every 12 s: one used, full again in 12 s.
		mustRateLimit(t, resp.Header, 5, 4, 12)
		resp = app.Get(t, "/api/v1/topics")
		mustRateLimit(t, resp.Header, 5, 3, 24)
		// Errors count and carry the headers too.
		resp = app.Get(t, "/api/v1/articles/no-such-article")
		MustProblem(t, resp, http.StatusNotFound, "")
		mustRateLimit(t, resp.Header, 5, 2, 36)
		resp = app.Get(t, "/nothing-here")
		MustProblem(t, resp, http.StatusNotFound, "")
		mustRateLimit(t, resp.Header, 5, 1, 48)
	})

	t.Run("ErrTooManyRequests", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(5, 10))
		for range 5 {
			MustStatus(t, app.Get(t, "/api/v1/regions"), http.StatusOK)
		}
		resp := app.Get(t, "/api/v1/regions") // checked against the document: 429 is in it
		p := MustProblem(t, resp, http.StatusTooManyRequests, "")
		if p.Type != "/problems/rate-limited" || p.RequestID != resp.Header.Get("X-Request-ID") {
			t.Errorf("problem %+v", p)
		}
		if got := resp.Header.Get("Retry-After"); got != "12" {
			t.Errorf("Retry-After %q, want 12 (one request every 12 s)", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		mustRateLimit(t, resp.Header, 5, 0, 60)

		app.Clock.Add(11 * time.Second)
		resp = app.Get(t, "/api/v1/regions")
		MustStatus(t, resp, http.StatusTooManyRequests)
		if got := resp.Header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
		app.Clock.Add(time.Second)
		resp = app.Get(t, "/api/v1/regions")
		MustStatus(t, resp, http.StatusOK)
		mustRateLimit(t, resp.Header, 5, 0, 60)

		// After a quiet minute the bucket is full again.
		app.Clock.Add(time.Minute)
		resp = app.Get(t, "/api/v1/regions")
		MustStatus(t, resp, http.StatusOK)
		mustRateLimit(t, resp.Header, 5, 4, 12)
	})

	t.Run("OKExempt", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(2, 2))
		for range 3 {
			app.Get(t, "/api/v1/topics")
		}
		MustStatus(t, app.Get(t, "/api/v1/topics"), http.StatusTooManyRequests)
		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			for range 5 {
				resp := app.Get(t, path)
				MustStatus(t, resp, http.StatusOK)
				if v := resp.Header.Get("RateLimit-Limit"); v != "" {
					t.Errorf("%s: RateLimit-Limit %q on an exempt path", path, v)
				}
			}
		}
	})

	t.Run("OKPerClient", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(3, 0))
		from := func(addr string) func() (int, http.Header) {
			return func() (int, http.Header) {
				rec := app.serveFrom(t, http.MethodGet, "/api/v1/topics", addr)
				return rec.Code, rec.Header()
			}
		}
		mustExhaust(t, 3, from("198.51.100.7:1111"))
		// Another port of the same address is the same client.
		if status, _ := from("198.51.100.7:2222")(); status != http.StatusTooManyRequests {
			t.Errorf("same address, other port: %d, want 429", status)
		}
		if status, h := from("198.51.100.8:1111")(); status != http.StatusOK || h.Get("RateLimit-Remaining") != "2" {
			t.Errorf("another client: %d, remaining %q", status, h.Get("RateLimit-Remaining"))
		}
		// IPv6 clients are counted by /64: one machine usually holds all of one.
		mustExhaust(t, 3, from("[2001:db8:1:2::1]:1111"))
		if status, _ := from("[2001:db8:1:2:ffff::9]:1111")(); status != http.StatusTooManyRequests {
			t.Errorf("same /64: %d, want 429", status)
		}
		if status, _ := from("[2001:db8:1:3::1]:1111")(); status != http.StatusOK {
			t.Errorf("another /64: %d, want 200", status)
		}
	})

	t.Run("ErrForgedForwardedFor", func(t *testing.T) {
		// No trusted proxies (the default): X-Forwarded-For is ignored, so a client
		// cannot pass for a new one with each request.
		app := MustStartApp(t, withRateLimits(3, 0))
		n := 0
		mustExhaust(t, 3, func() (int, http.Header) {
			n++
			resp := app.Get(t, "/api/v1/topics", "X-Forwarded-For", "203.0.113."+strconv.Itoa(n), "X-Real-IP", "192.0.2."+strconv.Itoa(n))
			return resp.StatusCode, resp.Header
		})
	})

	t.Run("OKTrustedProxy", func(t *testing.T) {
		// Behind a trusted proxy (the test client's 127.0.0.1), the client is the
		// right-most X-Forwarded-For address that is not a trusted proxy; what the
		// client itself put to the left of it changes nothing.
		app := MustStartApp(t, withRateLimits(3, 0), WithConfig(func(c *Config) {
			c.TrustedProxies = []string{"127.0.0.1", "10.0.0.0/8"}
		}))
		n := 0
		mustExhaust(t, 3, func() (int, http.Header) {
			n++
			forged := "203.0.113." + strconv.Itoa(n)
			resp := app.Get(t, "/api/v1/topics", "X-Forwarded-For", forged+", 198.51.100.7, 10.1.2.3")
			return resp.StatusCode, resp.Header
		})
		resp := app.Get(t, "/api/v1/topics", "X-Forwarded-For", "198.51.100.8")
		MustStatus(t, resp, http.StatusOK)
		// An untrusted peer's X-Forwarded-For is still ignored.
		rec := app.serveFrom(t, http.MethodGet, "/api/v1/topics", "192.0.2.1:1234", "X-Forwarded-For", "198.51.100.9")
		rec = app.serveFrom(t, http.MethodGet, "/api/v1/topics", "192.0.2.1:1234", "X-Forwarded-For", "198.51.100.10")
		if got := rec.Header().Get("RateLimit-Remaining"); got != "1" {
			t.Errorf("untrusted peer: remaining %q, want 1 (both requests counted on the peer)", got)
		}
	})

	t.Run("OKPerKey", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(5, 3))
		key := MustCreateKey(t, app, "newsroom", models.ScopeEditor)
		other := MustCreateKey(t, app, "helpdesk", models.ScopeEditor)
		resp := app.Get(t, "/api/v1/topics", auth(key)...)
		MustStatus(t, resp, http.StatusOK)
		mustRateLimit(t, resp.Header, 3, 2, 20)
		mustExhaust(t, 2, func() (int, http.Header) {
			resp := app.Get(t, "/api/v1/articles", auth(key)...)
			return resp.StatusCode, resp.Header
		})
		// The key's holder is counted by key, wherever the requests come from.
		rec := app.serveFrom(t, http.MethodGet, "/api/v1/topics", "198.51.100.7:1234", auth(key)...)
		if rec.Code != http.StatusTooManyRequests {
			t.Errorf("same key, other address: %d, want 429", rec.Code)
		}
		// Another key, and anonymous requests from the same address, have their own.
		resp = app.Get(t, "/api/v1/topics", auth(other)...)
		MustStatus(t, resp, http.StatusOK)
		mustRateLimit(t, resp.Header, 3, 2, 20)
		resp = app.Get(t, "/api/v1/topics")
		MustStatus(t, resp, http.StatusOK)
		mustRateLimit(t, resp.Header, 5, 4, 12)
		// A bad key counts against the address: guessing keys is limited too.
		resp = app.Get(t, "/api/v1/topics", auth("sp_000000000000_guess")...)
		MustProblem(t, resp, http.StatusUnauthorized, "")
		mustRateLimit(t, resp.Header, 5, 3, 24)
		// Writes are counted by key too.
		resp, _ = app.Write(t, http.MethodPost, "/api/v1/organisations", other, obj{})
		MustStatus(t, resp, http.StatusUnprocessableEntity)
		mustRateLimit(t, resp.Header, 3, 1, 40)
	})

	t.Run("OKDisabled", func(t *testing.T) {
		app := MustStartApp(t, withRateLimits(0, 0))
		key := MustCreateKey(t, app, "newsroom", models.ScopeEditor)
		for i := range 50 {
			headers := []string{}
			if i%2 == 0 {
				headers = auth(key)
			}
			resp := app.Get(t, "/api/v1/regions", headers...)
			MustStatus(t, resp, http.StatusOK)
			if v := resp.Header.Get("RateLimit-Limit"); v != "" {
				t.Fatalf("RateLimit-Limit %q with no limits", v)
			}
		}
	})
}

func TestConfigRateLimits(t *testing.T) {
	t.Run("OKDefaults", func(t *testing.T) {
		cfg, _, err := LoadConfig("test", nil, env())
		if err != nil {
			t.Fatal(err)
		}
		if cfg.RateLimit != 600 || cfg.RateLimitKey != 1200 || cfg.TrustedProxies != nil || cfg.CORSOrigins != nil {
			t.Errorf("defaults: limits %d, %d; proxies %q; origins %q", cfg.RateLimit, cfg.RateLimitKey, cfg.TrustedProxies, cfg.CORSOrigins)
		}
	})
	t.Run("OK", func(t *testing.T) {
		cfg, _, err := LoadConfig("test", []string{"-rate-limit-key", "0"}, env(
			"SIGNPOST_RATE_LIMIT", "60",
			"SIGNPOST_TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,,"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"}
		if cfg.RateLimit != 60 || cfg.RateLimitKey != 0 || strings.Join(cfg.TrustedProxies, " ") != strings.Join(want, " ") {
			t.Errorf("limits %d, %d; proxies %q", cfg.RateLimit, cfg.RateLimitKey, cfg.TrustedProxies)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, kv := range [][2]string{
			{"SIGNPOST_RATE_LIMIT", "-1"},
			{"SIGNPOST_RATE_LIMIT", "many"},
			{"SIGNPOST_RATE_LIMIT_KEY", "2000000"},
			{"SIGNPOST_TRUSTED_PROXIES", "proxy.internal"},
			{"SIGNPOST_TRUSTED_PROXIES", "10.0.0.0/33"},
			{"SIGNPOST_TRUSTED_PROXIES", "fe80::1%eth0"},
		} {
			if _, _, err := LoadConfig("test", nil, env(kv[0], kv[1])); err == nil || !strings.Contains(err.Error(), kv[0]) {
				t.Errorf("%s=%q: error %v, want one naming %s", kv[0], kv[1], err, kv[0])
			}
		}
	})
}
