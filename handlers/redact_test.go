package handlers

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactSecrets(t *testing.T) {
	const key = "sp_0123456789ab_igGR96hmI_HSq9uRkCkSFnefzdJEE4_uB4t8znM4t4I"
	for _, tc := range []struct{ in, want string }{
		{"region=cumbria&limit=2", "region=cumbria&limit=2"},
		{"key=abc&region=cumbria", "key=REDACTED&region=cumbria"},
		{"api_key=abc&API-KEY=def&Api%5Fkey=ghi", "api_key=REDACTED&API-KEY=REDACTED&Api%5Fkey=REDACTED"},
		{"token=a&access_token=b&refresh_token=c&x-auth-token=d", "token=REDACTED&access_token=REDACTED&refresh_token=REDACTED&x-auth-token=REDACTED"},
		{"password=hunter2&client_secret=s&sig=x", "password=REDACTED&client_secret=REDACTED&sig=REDACTED"},
		{"token=a=b=c&q=help", "token=REDACTED&q=help"},
		{"q=" + key, "q=REDACTED"},
		{`GET "/api/v1/articles?key=abc": bad`, `GET "/api/v1/articles?key=REDACTED": bad`},
		{"monkey=1&keys=2&topic=key", "monkey=1&keys=2&topic=key"},
		{"no secrets here", "no secrets here"},
	} {
		if got := RedactSecrets(tc.in); got != tc.want {
			t.Errorf("RedactSecrets(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRedactLogs proves that every line of a wrapped logger is redacted: the message,
// string values, groups, errors and attributes added with With.
func TestRedactLogs(t *testing.T) {
	var buf bytes.Buffer
	l := RedactLogs(slog.New(slog.NewJSONHandler(&buf, nil)))
	if RedactLogs(l) != l {
		t.Error("wrapping twice makes a second wrapper")
	}
	l.With("base", "token=with-secret").Warn("fetch /x?access_token=msg-secret failed",
		"url", "http://example.org/?api_key=url-secret&region=cumbria",
		slog.Group("req", "query", "password=group-secret"),
		"err", errors.New(`Get "http://h/?key=err-secret": refused`),
		"count", 3)
	out := buf.String()
	for _, secret := range []string{"with-secret", "msg-secret", "url-secret", "group-secret", "err-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("the line holds %q: %s", secret, out)
		}
	}
	for _, kept := range []string{"region=cumbria", `"count":3`, "REDACTED"} {
		if !strings.Contains(out, kept) {
			t.Errorf("the line lost %q: %s", kept, out)
		}
	}
}
