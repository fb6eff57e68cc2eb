package main

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"signpost/webhook"
)

// TestWebhookTargetsRefused: a target that is, or resolves to, a loopback, private,
// link-local, multicast, reserved or cloud metadata address is refused when the
// subscription is made. No connection is made to any of them: the check is on the
// address alone.
func TestWebhookTargetsRefused(t *testing.T) {
	dns := startFakeDNS(t)
	dns.set("private.example", "10.1.2.3")
	dns.set("metadata.example", "169.254.169.254")
	app := MustStartEditorApp(t, WithConfig(func(c *Config) { c.WebhooksAllowHTTP = true; c.resolver = dns.resolver() }))
	for _, c := range []struct{ url, why string }{
		{"http://127.0.0.1/hook", "loopback"},
		{"http://127.9.9.9/hook", "loopback"},
		{"http://[::1]/hook", "loopback"},
		{"http://[::ffff:127.0.0.1]/hook", "loopback"},
		{"http://10.0.0.1/hook", "private"},
		{"http://172.16.5.4/hook", "private"},
		{"http://192.168.1.1/hook", "private"},
		{"http://[fd12::1]/hook", "private"},
		{"http://169.254.10.10/hook", "link-local"},
		{"http://[fe80::1]/hook", "link-local"},
		{"http://224.0.0.251/hook", "multicast"},
		{"http://[ff02::1]/hook", "multicast"},
		{"http://0.0.0.0/hook", "unspecified"},
		{"http://100.64.0.1/hook", "reserved"},
		{"http://169.254.169.254/latest/meta-data/", "metadata"},
		{"http://100.100.100.200/latest/meta-data/", "metadata"},
		{"http://[fd00:ec2::254]/latest/meta-data/", "metadata"},
		{"http://private.example/hook", "private"},
		{"http://metadata.example/hook", "metadata"},
		{"http://unknown.example/hook", "could not be resolved"},
	} {
		p := MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", obj{"url": c.url, "events": []string{"*"}}, nil, auth(app.Admin)...),
			http.StatusUnprocessableEntity, "url")
		if !strings.Contains(p.Errors[0].Message, c.why) {
			t.Errorf("%s: %q does not say %q", c.url, p.Errors[0].Message, c.why)
		}
	}
	t.Run("ErrHTTPS", func(t *testing.T) {
		app := MustStartEditorApp(t)
		p := MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", obj{"url": "http://partner.example/hook", "events": []string{"*"}}, nil, auth(app.Admin)...),
			http.StatusUnprocessableEntity, "url")
		if !strings.Contains(p.Errors[0].Message, "https") {
			t.Errorf("%q", p.Errors[0].Message)
		}
	})
}

// TestWebhookAllowList: the allow-list lets exactly the addresses it names through,
// and never a cloud metadata address.
func TestWebhookAllowList(t *testing.T) {
	p := &webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.20.0.0/16"),
		netip.MustParsePrefix("169.254.0.0/16")}}
	for addr, ok := range map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "10.20.3.4": true, "169.254.1.1": true,
		"127.0.0.2": false, "::1": false, "10.21.0.1": false, "192.168.0.1": false, "169.254.169.254": false,
		"93.184.215.14": true, // public: needs no allow-list
	} {
		if err := p.CheckAddr(netip.MustParseAddr(addr)); (err == nil) != ok {
			t.Errorf("%s: allowed %v, want %v (%v)", addr, err == nil, ok, err)
		}
	}
	// Through the API and a real send: 127.0.0.1 is named, 127.0.0.2 is not.
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	other := newReceiverOn(t, "127.0.0.2")
	MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", obj{"url": other.URL, "events": []string{"*"}}, nil, auth(app.Admin)...),
		http.StatusUnprocessableEntity, "url")
	mustPatchHelpline(t, app, "crimestoppers", "Allowed.")
	mustTick(t, mustWorker(t, app.testApp, "test", nil))
	if len(rv.all()) != 1 {
		t.Errorf("the allowed receiver got %d messages", len(rv.all()))
	}
}

// TestWebhookRebinding: a name that resolved to an allowed address when the
// subscription was made, and resolves to a forbidden one when a message is sent, is
// refused at the connection, after resolution.
func TestWebhookRebinding(t *testing.T) {
	dns := startFakeDNS(t)
	evil := newReceiverOn(t, "127.0.0.2") // what the name will point at: not allowed
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(evil.URL, "http://"))
	dns.set("rebind.example", "127.0.0.1")
	app := MustStartEditorApp(t, withHooks(), WithConfig(func(c *Config) { c.resolver = dns.resolver() }))
	hook := mustCreateWebhook(t, app, obj{"url": "http://rebind.example:" + port + "/hook", "events": []string{"*"}})

	dns.set("rebind.example", "127.0.0.2")
	mustPatchHelpline(t, app, "crimestoppers", "Rebound.")
	mustTick(t, mustWorker(t, app.testApp, "test", nil))
	if n := len(evil.all()); n != 0 {
		t.Fatalf("the message reached a forbidden address (%d requests)", n)
	}
	d := mustDeliveries(t, app, hook.ID)[0]
	if d.State != "pending" || d.Attempts[0].Error == nil || !strings.Contains(*d.Attempts[0].Error, "target refused: 127.0.0.2 is a loopback address") {
		t.Errorf("delivery %s", jsonString(d))
	}
}

// TestWebhookResponseCap: only the first bytes of an answer are read, however much
// the receiver sends, and the log keeps at most a kilobyte.
func TestWebhookResponseCap(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	const huge = 64 << 20
	var wrote int
	var writeErr error
	done := make(chan struct{})
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int) {
		defer close(done)
		w.WriteHeader(http.StatusInternalServerError)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for wrote < huge {
			n, err := w.Write(chunk)
			wrote += n
			if err != nil {
				writeErr = err
				return
			}
		}
	})
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	mustPatchHelpline(t, app, "crimestoppers", "Big answer.")
	mustTick(t, mustWorker(t, app.testApp, "test", nil))
	<-done
	if writeErr == nil {
		t.Errorf("the sender read all %d bytes of the answer", wrote)
	}
	a := mustDeliveries(t, app, hook.ID)[0].Attempts[0]
	if a.Response == nil || len(*a.Response) != webhook.MaxResponse {
		t.Errorf("stored response of %d bytes, want %d", len(deref(a.Response)), webhook.MaxResponse)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestWebhookSecretsNotLogged: neither the signing secret nor a signature nor a
// token in the target URL appears in the server's or the worker's logs, through a
// create, failing attempts and a rotation.
func TestWebhookSecretsNotLogged(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := MustStartEditorApp(t, withHooks(), WithLogger(logger))
	rv := newReceiver(t)
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusInternalServerError) })
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL + "/hook?token=partner-token-123", "events": []string{"*"}})
	var rot struct{ Data webhookView }
	MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/secret", nil, &rot, auth(app.Admin)...), http.StatusOK)
	mustPatchHelpline(t, app, "crimestoppers", "Logged?")
	w := mustWorker(t, app.testApp, "test", logger)
	mustTick(t, w)
	got := rv.all()
	if len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	text := logs.String()
	if !strings.Contains(text, "webhook attempt failed") {
		t.Fatalf("the failed attempt was not logged:\n%s", text)
	}
	for _, secret := range []string{hook.Secret, strings.TrimPrefix(hook.Secret, "whsec_"), rot.Data.Secret,
		strings.TrimPrefix(rot.Data.Secret, "whsec_"), "partner-token-123"} {
		if strings.Contains(text, secret) {
			t.Errorf("the logs contain %q:\n%s", secret, text)
		}
	}
	for _, sig := range strings.Fields(got[0].Signature) {
		if strings.Contains(text, strings.TrimPrefix(sig, "v1,")) {
			t.Errorf("the logs contain a signature")
		}
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM webhook_attempts WHERE error LIKE '%partner-token-123%'`); n != 0 {
		t.Errorf("the attempts log holds the URL's token")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
