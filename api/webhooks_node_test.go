package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/http"
)

// TestWebhookSignaturesNode verifies real deliveries with an independent
// implementation of Standard Webhooks: the npm standardwebhooks package, run by node.
// One message is signed with one secret, one during a rotation's grace period with
// two; each verifies with the secrets it should, and a tampered body, id or
// timestamp, or a wrong secret, does not. Outside CI it is skipped when node or the
// package is missing (cd api/testdata/webhooks && npm ci); under CI=true it fails.
func TestWebhookSignaturesNode(t *testing.T) {
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs(filepath.Join("testdata", "webhooks"))
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node and the standardwebhooks package are needed (cd api/testdata/webhooks && npm ci): %v", err)
		}
		t.Skipf("node or standardwebhooks missing (cd api/testdata/webhooks && npm ci): %v", err)
	}
	// The library checks timestamps against its own clock: the server's starts now.
	app := MustStartEditorApp(t, withHooks(), WithClock(newTestClock(time.Now())))
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	w := mustWorker(t, app.testApp, "test", nil)
	mustPatchHelpline(t, app, "stop-it-now", "Signed with one secret — «quoted», 日本語.")
	mustTick(t, w)
	var rot struct{ Data webhookView }
	MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/secret", nil, &rot, auth(app.Admin)...), http.StatusOK)
	mustPatchHelpline(t, app, "crimestoppers", "Signed with two.")
	mustTick(t, w)
	got := rv.all()
	if len(got) != 2 {
		t.Fatalf("got %d messages", len(got))
	}
	if n := len(strings.Fields(got[1].Signature)); n != 2 {
		t.Fatalf("the message after the rotation has %d signatures, want 2", n)
	}

	type tc struct {
		Name    string            `json:"name"`
		Secret  string            `json:"secret"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Valid   bool              `json:"valid"`
	}
	headers := func(r received) map[string]string {
		return map[string]string{"webhook-id": r.ID, "webhook-timestamp": r.Timestamp, "webhook-signature": r.Signature}
	}
	tampered := func(r received, k, v string) map[string]string {
		h := headers(r)
		h[k] = v
		return h
	}
	one, two := got[0], got[1]
	cases := []tc{
		{"one secret", hook.Secret, headers(one), string(one.Body), true},
		{"grace: old secret", hook.Secret, headers(two), string(two.Body), true},
		{"grace: new secret", rot.Data.Secret, headers(two), string(two.Body), true},
		{"new secret on an old message", rot.Data.Secret, headers(one), string(one.Body), false},
		{"tampered body", hook.Secret, headers(one), strings.Replace(string(one.Body), "one secret", "0ne secret", 1), false},
		{"tampered id", hook.Secret, tampered(one, "webhook-id", one.ID+"x"), string(one.Body), false},
		{"tampered timestamp", hook.Secret, tampered(one, "webhook-timestamp", "1"), string(one.Body), false},
	}
	b, _ := json.Marshal(cases)
	file := filepath.Join(t.TempDir(), "cases.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "verify.js"), file)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("node:\n%s", out)
	if err != nil || !strings.Contains(string(out), "7 as expected, 0 not") {
		t.Fatalf("standardwebhooks disagrees: %v", err)
	}
}
