package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestWebhooksCLI: `webhooks create` prints the secret alone on its last line,
// `list` shows the subscription, `test` sends a signed test message and reports the
// answer (and fails when it is not a success), `delete` removes it; an unsafe target
// is refused.
func TestWebhooksCLI(t *testing.T) {
	path := testDB(t)
	getenv := env("SIGNPOST_DB", path, "SIGNPOST_WEBHOOKS_ALLOW_HTTP", "true", "SIGNPOST_WEBHOOKS_ALLOW_TARGETS", "127.0.0.1")
	rv := newReceiver(t)
	mustMain(t, getenv, "seed")

	out := mustMain(t, getenv, "webhooks", "create", "--url", rv.URL+"/hook", "--events", "helpline.updated,*.deleted", "--regions", "cumbria")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "whsec_") || strings.ContainsAny(secret, " \t") {
		t.Fatalf("the last line %q is not the secret alone:\n%s", secret, out)
	}
	list := mustMain(t, getenv, "webhooks", "list")
	if !strings.Contains(list, rv.URL+"/hook") || !strings.Contains(list, "*.deleted,helpline.updated") || strings.Contains(list, secret) {
		t.Errorf("list:\n%s", list)
	}

	res := mustMain(t, getenv, "webhooks", "test", "1")
	got := rv.all()
	if !strings.Contains(res, "Delivered test message") || len(got) != 1 || got[0].message(t).Type != "webhook.test" {
		t.Fatalf("test: %q, receiver got %d", res, len(got))
	}
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusGone) })
	var buf bytes.Buffer
	err := Main(context.Background(), []string{"webhooks", "test", "1"}, getenv, &buf, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "answered 410") {
		t.Errorf("a failing test message: %v", err)
	}

	for _, args := range [][]string{
		{"webhooks", "create", "--url", "http://10.0.0.1/hook", "--events", "*"},
		{"webhooks", "create", "--url", rv.URL, "--events", "helpline.burned"},
		{"webhooks", "delete", "99"},
		{"webhooks", "test", "x"},
		{"webhooks", "frobnicate"},
	} {
		if err := Main(context.Background(), args, getenv, &buf, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("signpost %v succeeded", args)
		}
	}
	if out := mustMain(t, getenv, "webhooks", "delete", "1"); !strings.Contains(out, "Deleted webhook 1") {
		t.Errorf("delete: %q", out)
	}
	if list := mustMain(t, getenv, "webhooks", "list"); strings.Contains(list, rv.URL) {
		t.Errorf("deleted webhook still listed:\n%s", list)
	}
}
