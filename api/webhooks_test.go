package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
	"signpost/models/store"
	"signpost/webhook"
)

// TestWebhookDelivery: a change reaches a subscriber as one signed message whose
// item is exactly what the public GET of the item shows, and the deliveries log
// records the attempt.
func TestWebhookDelivery(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL + "/hook", "events": []string{"helpline.*"}, "description": "cache"})
	if !strings.HasPrefix(hook.Secret, "whsec_") || hook.Status != models.WebhookActive {
		t.Fatalf("created %+v: want a whsec_ secret and status active", hook)
	}

	t.Run("OKSecretShownOnce", func(t *testing.T) {
		var got struct{ Data map[string]any }
		MustStatus(t, app.GetJSON(t, "/api/v1/webhooks/"+itoa(hook.ID), &got, auth(app.Admin)...), http.StatusOK)
		if _, ok := got.Data["secret"]; ok {
			t.Errorf("GET shows the secret: %v", got.Data)
		}
		var list struct{ Data []map[string]any }
		MustStatus(t, app.GetJSON(t, "/api/v1/webhooks", &list, auth(app.Admin)...), http.StatusOK)
		if len(list.Data) != 1 || list.Data[0]["secret"] != nil {
			t.Errorf("list: %v", list.Data)
		}
	})

	mustPatchHelpline(t, app, "stop-it-now", "Confidential advice for anyone worried about child sexual abuse.")
	w := mustWorker(t, app.testApp, "test", nil)
	if n := mustTick(t, w); n != 1 {
		t.Fatalf("worker sent %d, want 1", n)
	}
	got := rv.all()
	if len(got) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(got))
	}
	r := got[0]
	if err := webhook.Verify(hook.Secret, r.ID, r.Timestamp, r.Signature, r.Body, app.Clock.Now(), 5*time.Minute); err != nil {
		t.Fatalf("signature: %v (headers %+v)", err, r)
	}
	if !strings.HasPrefix(r.ID, "msg_") || !strings.HasPrefix(r.Signature, "v1,") {
		t.Errorf("headers %q %q", r.ID, r.Signature)
	}
	m := r.message(t)
	if m.Type != "helpline.updated" || m.Data.Action != "update" || m.Data.Slug != "stop-it-now" || m.Data.Tombstone ||
		m.Data.URL != "/api/v1/helplines/stop-it-now" || m.Data.Seq == 0 {
		t.Errorf("message %+v", m)
	}
	var public struct{ Data json.RawMessage }
	MustStatus(t, app.GetJSON(t, "/api/v1/helplines/stop-it-now", &public), http.StatusOK)
	if !sameJSON(t, m.Data.Item, public.Data) {
		t.Errorf("the message's item is not the public representation:\n%s\nGET:\n%s", m.Data.Item, public.Data)
	}

	// The feed's event and the message's agree.
	var feed struct{ Data []handlers.Change }
	MustStatus(t, app.GetJSON(t, "/api/v1/changes?limit=100", &feed), http.StatusOK)
	last := feed.Data[len(feed.Data)-1]
	if last.Seq != m.Data.Seq || last.Action != m.Data.Action || !last.At.Equal(m.Data.At) {
		t.Errorf("feed event %+v, message %+v", last, m.Data.Change)
	}

	ds := mustDeliveries(t, app, hook.ID)
	if len(ds) != 1 || ds[0].State != models.DeliveryDelivered || ds[0].AttemptCount != 1 || ds[0].MessageID != r.ID ||
		ds[0].EventType != "helpline.updated" || ds[0].Seq == nil || *ds[0].Seq != m.Data.Seq ||
		len(ds[0].Attempts) != 1 || ds[0].Attempts[0].StatusCode == nil || *ds[0].Attempts[0].StatusCode != http.StatusNoContent {
		t.Errorf("deliveries %s", jsonString(ds))
	}
	if n := mustTick(t, w); n != 0 {
		t.Errorf("a delivered message was sent again (%d)", n)
	}
}

func sameJSON(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return jsonString(x) == jsonString(y)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestWebhookRetries: a receiver that fails, times out, resets the connection or
// answers a redirect gets the same message again on the documented schedule, with
// the same webhook-id; the redirect is not followed; a run of failures marks the
// subscription failing, with the reason, and a success clears it.
func TestWebhookRetries(t *testing.T) {
	app := MustStartEditorApp(t, withHooks(), WithConfig(func(c *Config) { c.WebhooksTimeout = 300 * time.Millisecond }))
	rv := newReceiver(t)
	other := newReceiver(t) // where the redirect points
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL + "/hook", "events": []string{"*"}})

	behaviours := []string{"500", "timeout", "reset", "redirect", "503", "ok"}
	rv.setRespond(func(w http.ResponseWriter, r *http.Request, n int) {
		switch behaviours[min(n, len(behaviours)-1)] {
		case "500":
			http.Error(w, "upstream unavailable", http.StatusInternalServerError)
		case "503":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "timeout":
			<-r.Context().Done() // answers only when the sender has given up
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		case "redirect":
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})

	mustPatchHelpline(t, app, "crimestoppers", "Speak up, stay safe.")
	w := mustWorker(t, app.testApp, "test", nil)
	wantErr := []string{"answered 500", "timed out", "", "redirects are not followed", "answered 503"}
	for i := range 5 {
		if n := mustTick(t, w); n != 1 {
			t.Fatalf("attempt %d: worker sent %d, want 1", i+1, n)
		}
		d := mustDeliveries(t, app, hook.ID)[0]
		a := d.Attempts[0]
		if d.State != models.DeliveryPending || d.AttemptCount != i+1 || a.Error == nil || !strings.Contains(*a.Error, wantErr[i]) {
			t.Fatalf("after attempt %d (%s): %s", i+1, behaviours[i], jsonString(d))
		}
		if behaviours[i] == "reset" && a.StatusCode != nil {
			t.Errorf("a reset connection has status %d", *a.StatusCode)
		}
		want := app.Clock.Now().Add(webhook.Schedule[i])
		if d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(want) {
			t.Fatalf("after attempt %d: next attempt at %v, want %v (the schedule's %s)", i+1, d.NextAttemptAt, want, webhook.Schedule[i])
		}
		// Not a moment before its time.
		app.Clock.Add(webhook.Schedule[i] - time.Second)
		if n := mustTick(t, w); n != 0 {
			t.Fatalf("attempt %d was retried early", i+1)
		}
		app.Clock.Add(time.Second)
	}
	var hv struct{ Data webhookView }
	app.GetJSON(t, "/api/v1/webhooks/"+itoa(hook.ID), &hv, auth(app.Admin)...)
	if hv.Data.Status != models.WebhookFailing || hv.Data.FailureReason == nil || !strings.Contains(*hv.Data.FailureReason, "503") ||
		hv.Data.ConsecutiveFailures != 5 {
		t.Errorf("after %d failures: %+v", store.FailingAfter, hv.Data)
	}
	if n := mustTick(t, w); n != 1 {
		t.Fatalf("sixth attempt: %d", n)
	}
	got := rv.all()
	if len(got) != 6 {
		t.Fatalf("receiver got %d requests, want 6", len(got))
	}
	for _, r := range got {
		if r.ID != got[0].ID || !bytes.Equal(r.Body, got[0].Body) {
			t.Errorf("a retry has webhook-id %q (first %q) or another body", r.ID, got[0].ID)
		}
	}
	if n := len(other.all()); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
	d := mustDeliveries(t, app, hook.ID)[0]
	if d.State != models.DeliveryDelivered || d.AttemptCount != 6 || len(d.Attempts) != 6 {
		t.Errorf("delivery %s", jsonString(d))
	}
	app.GetJSON(t, "/api/v1/webhooks/"+itoa(hook.ID), &hv, auth(app.Admin)...)
	if hv.Data.Status != models.WebhookActive || hv.Data.FailureReason != nil || hv.Data.ConsecutiveFailures != 0 {
		t.Errorf("after a success: %+v", hv.Data)
	}
	// The metrics count the attempts by result.
	metrics := string(ReadBody(t, app.Unchecked().Get(t, "/metrics")))
	for _, want := range []string{"signpost_webhook_queue_depth 0", "signpost_webhook_oldest_pending_seconds 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestWebhookSchedule: the schedule is exponential-ish, lasts about three days, and
// a delivery whose every attempt fails is given up after the last one.
func TestWebhookSchedule(t *testing.T) {
	var total time.Duration
	for i, d := range webhook.Schedule {
		total += d
		if i > 0 && d < webhook.Schedule[i-1] {
			t.Errorf("wait %d (%s) is shorter than the one before", i, d)
		}
	}
	if total < 60*time.Hour || total > 84*time.Hour {
		t.Errorf("the schedule lasts %s, want about three days", total)
	}

	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusBadGateway) })
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	mustPatchHelpline(t, app, "crimestoppers", "Speak up, stay safe.")
	w := mustWorker(t, app.testApp, "test", nil)
	for i := range len(webhook.Schedule) + 1 {
		if n := mustTick(t, w); n != 1 {
			t.Fatalf("attempt %d: %d sent", i+1, n)
		}
		if i < len(webhook.Schedule) {
			app.Clock.Add(webhook.Schedule[i])
		}
	}
	app.Clock.Add(30 * 24 * time.Hour)
	if n := mustTick(t, w); n != 0 {
		t.Errorf("a given-up delivery was tried again")
	}
	d := mustDeliveries(t, app, hook.ID)[0]
	if d.State != models.DeliveryFailed || d.AttemptCount != len(webhook.Schedule)+1 || d.NextAttemptAt != nil {
		t.Errorf("delivery %s", jsonString(d))
	}
	if n := len(rv.all()); n != len(webhook.Schedule)+1 {
		t.Errorf("receiver got %d attempts, want %d", n, len(webhook.Schedule)+1)
	}
}

// TestWebhookOrderPerItem: while a message about an item waits for a retry, later
// messages about the same item wait behind it; other items' messages go on.
func TestWebhookOrderPerItem(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	var failed sync.Once
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, n int) {
		fail := false
		if strings.Contains(string(rv.all()[n].Body), `"slug":"crimestoppers"`) {
			failed.Do(func() { fail = true }) // the first crimestoppers message fails once
		}
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"helpline.updated"}})
	mustPatchHelpline(t, app, "crimestoppers", "One.")
	mustPatchHelpline(t, app, "police-101", "Other item.")
	mustPatchHelpline(t, app, "crimestoppers", "Two.")
	mustPatchHelpline(t, app, "crimestoppers", "Three.")
	w := mustWorker(t, app.testApp, "test", nil)
	for range 10 {
		if mustTick(t, w) == 0 {
			app.Clock.Add(time.Minute)
			if mustTick(t, w) == 0 {
				break
			}
		}
	}
	var seqs []int64
	var ids []string
	others := 0
	for _, r := range rv.all() {
		m := r.message(t)
		if m.Data.Slug != "crimestoppers" {
			others++
			continue
		}
		seqs = append(seqs, m.Data.Seq)
		ids = append(ids, r.ID)
	}
	if others != 1 || len(seqs) != 4 || seqs[0] != seqs[1] || ids[0] != ids[1] || !slices.IsSorted(seqs) || seqs[2] == seqs[1] || seqs[3] == seqs[2] {
		t.Errorf("crimestoppers arrived as seq %v ids %v (others %d); want the first twice, then the second and third in order", seqs, ids, others)
	}
}

// TestWebhookFilters: event patterns, item types and regions choose what each
// subscription gets; a tombstone carries no item; an item that leaves a region is
// announced to that region's subscribers.
func TestWebhookFilters(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	sub := func(path string, body obj) {
		body["url"] = rv.URL + "/" + path
		mustCreateWebhook(t, app, body)
	}
	sub("deleted", obj{"events": []string{"*.deleted"}})
	sub("cumbria", obj{"events": []string{"helpline.*"}, "filters": obj{"regions": []string{"cumbria"}}})
	sub("kent", obj{"events": []string{"helpline.*", "article.*"}, "filters": obj{"regions": []string{"kent"}}})
	sub("articles", obj{"events": []string{"*"}, "filters": obj{"types": []string{"article"}}})
	sub("created", obj{"events": []string{"helpline.created"}})

	body := helplineBody("Kent line")
	body["coverage"] = []string{"kent"}
	var hl struct{ Data struct{ Slug string } }
	MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/helplines", body, &hl, auth(app.Editor)...), http.StatusCreated)
	MustStatus(t, app.DoJSON(t, http.MethodPatch, "/api/v1/helplines/"+hl.Data.Slug, obj{"coverage": []string{"cumbria"}}, nil, auth(app.Editor)...), http.StatusOK)
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse", nil, auth(app.Editor)...), http.StatusNoContent)

	w := mustWorker(t, app.testApp, "test", nil)
	for mustTick(t, w) > 0 {
	}
	got := map[string][]string{}
	for _, r := range rv.all() {
		m := r.message(t)
		got[strings.TrimPrefix(r.Path, "/")] = append(got[strings.TrimPrefix(r.Path, "/")], m.Type)
		if m.Data.Tombstone != (string(m.Data.Item) == "null") {
			t.Errorf("%s: tombstone %v with item %s", m.Type, m.Data.Tombstone, m.Data.Item)
		}
	}
	want := map[string][]string{
		"deleted": {"article.deleted"},
		// Created in Kent: not Cumbria's. Moved to Cumbria: Cumbria's now, and Kent's,
		// which must learn that it left.
		"cumbria":  {"helpline.updated"},
		"kent":     {"helpline.created", "helpline.updated"},
		"articles": {"article.deleted"},
		"created":  {"helpline.created"},
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s got %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
}

// TestWebhookAdmin: the subscriptions API needs an admin key, checks what it is
// given, and sends test messages and redeliveries.
func TestWebhookAdmin(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)

	t.Run("ErrScope", func(t *testing.T) {
		MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", obj{"url": rv.URL, "events": []string{"*"}}, nil), http.StatusUnauthorized, "")
		MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", obj{"url": rv.URL, "events": []string{"*"}}, nil, auth(app.Editor)...), http.StatusForbidden, "")
		MustProblem(t, app.Get(t, "/api/v1/webhooks", auth(app.Editor)...), http.StatusForbidden, "")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, c := range []struct {
			body  obj
			field string
		}{
			{obj{"url": rv.URL}, "events"},
			{obj{"url": rv.URL, "events": []string{"helpline.exploded"}}, "events[0]"},
			{obj{"url": rv.URL, "events": []string{"kittens.*"}}, "events[0]"},
			{obj{"url": rv.URL, "events": []string{"*"}, "filters": obj{"regions": []string{"atlantis"}}}, "filters.regions[0]"},
			{obj{"url": rv.URL, "events": []string{"*"}, "filters": obj{"types": []string{"kitten"}}}, "filters.types[0]"},
			{obj{"url": "ftp://127.0.0.1/x", "events": []string{"*"}}, "url"},
			{obj{"url": "http://user:pw@127.0.0.1/x", "events": []string{"*"}}, "url"},
			{obj{"url": "/relative", "events": []string{"*"}}, "url"},
		} {
			MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks", c.body, nil, auth(app.Admin)...), http.StatusUnprocessableEntity, c.field)
		}
		if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM webhooks`); n != 0 {
			t.Errorf("%d subscriptions made by invalid requests", n)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		MustProblem(t, app.Get(t, "/api/v1/webhooks/999", auth(app.Admin)...), http.StatusNotFound, "")
		MustProblem(t, app.Get(t, "/api/v1/webhooks/abc", auth(app.Admin)...), http.StatusNotFound, "")
		MustProblem(t, app.Get(t, "/api/v1/webhooks/999/deliveries", auth(app.Admin)...), http.StatusNotFound, "")
	})

	hook := mustCreateWebhook(t, app, obj{"url": rv.URL + "/a", "events": []string{"helpline.updated"}})
	t.Run("OKUpdate", func(t *testing.T) {
		var out struct{ Data webhookView }
		resp := app.DoJSON(t, http.MethodPatch, "/api/v1/webhooks/"+itoa(hook.ID), obj{"events": []string{"*.deleted", "helpline.*"}}, &out, auth(app.Admin)...)
		MustStatus(t, resp, http.StatusOK)
		if !slices.Equal(out.Data.Events, []string{"*.deleted", "helpline.*"}) || out.Data.URL != rv.URL+"/a" || out.Data.Secret != "" {
			t.Errorf("updated %+v", out.Data)
		}
		MustProblem(t, app.DoJSON(t, http.MethodPatch, "/api/v1/webhooks/"+itoa(hook.ID), obj{"url": "https://10.0.0.1/x"}, nil, auth(app.Admin)...), http.StatusUnprocessableEntity, "url")
	})
	t.Run("OKTestAndRedeliver", func(t *testing.T) {
		var d struct{ Data deliveryView }
		MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/test", nil, &d, auth(app.Admin)...), http.StatusAccepted)
		if d.Data.EventType != models.EventTest || d.Data.State != models.DeliveryPending || d.Data.Seq != nil {
			t.Errorf("test delivery %+v", d.Data)
		}
		// Still pending: a redelivery would be a second copy in flight.
		MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/deliveries/"+itoa(d.Data.ID)+"/redeliver", nil, nil, auth(app.Admin)...), http.StatusConflict, "")
		w := mustWorker(t, app.testApp, "test", nil)
		if mustTick(t, w) != 1 {
			t.Fatal("the test message was not sent")
		}
		MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/deliveries/"+itoa(d.Data.ID)+"/redeliver", nil, nil, auth(app.Admin)...), http.StatusAccepted)
		if mustTick(t, w) != 1 {
			t.Fatal("the redelivery was not sent")
		}
		got := rv.all()
		if len(got) != 2 || got[0].ID != got[1].ID || !bytes.Equal(got[0].Body, got[1].Body) || got[0].message(t).Type != models.EventTest {
			t.Errorf("receiver got %d: %+v", len(got), got)
		}
		MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/deliveries/12345/redeliver", nil, nil, auth(app.Admin)...), http.StatusNotFound, "")
	})
	t.Run("OKDelete", func(t *testing.T) {
		mustPatchHelpline(t, app, "police-101", "Pending when the subscription goes.")
		MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/webhooks/"+itoa(hook.ID), nil, auth(app.Admin)...), http.StatusNoContent)
		MustProblem(t, app.Get(t, "/api/v1/webhooks/"+itoa(hook.ID), auth(app.Admin)...), http.StatusNotFound, "")
		before := len(rv.all())
		if n := mustTick(t, mustWorker(t, app.testApp, "test", nil)); n != 0 || len(rv.all()) != before {
			t.Errorf("a deleted subscription still gets messages")
		}
	})
}

// TestWebhookRotation: after a rotation, messages carry two signatures, one with
// each secret, until the grace period ends; then only the new one.
func TestWebhookRotation(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	var rot struct{ Data webhookView }
	MustStatus(t, app.DoJSON(t, http.MethodPost, "/api/v1/webhooks/"+itoa(hook.ID)+"/secret", nil, &rot, auth(app.Admin)...), http.StatusOK)
	if rot.Data.Secret == "" || rot.Data.Secret == hook.Secret {
		t.Fatalf("rotation gave %q", rot.Data.Secret)
	}
	w := mustWorker(t, app.testApp, "test", nil)
	mustPatchHelpline(t, app, "crimestoppers", "During the grace period.")
	mustTick(t, w)
	app.Clock.Add(app.Config.WebhooksSecretGrace + time.Second)
	mustPatchHelpline(t, app, "crimestoppers", "After it.")
	mustTick(t, w)
	got := rv.all()
	if len(got) != 2 {
		t.Fatalf("got %d", len(got))
	}
	verify := func(r received, secret string, at time.Time) error {
		return webhook.Verify(secret, r.ID, r.Timestamp, r.Signature, r.Body, at, 5*time.Minute)
	}
	during := got[0]
	if len(strings.Fields(during.Signature)) != 2 || verify(during, rot.Data.Secret, testEpoch) != nil || verify(during, hook.Secret, testEpoch) != nil {
		t.Errorf("during the grace period: signature %q must verify with both secrets", during.Signature)
	}
	after := got[1]
	now := app.Clock.Now()
	if len(strings.Fields(after.Signature)) != 1 || verify(after, rot.Data.Secret, now) != nil || verify(after, hook.Secret, now) == nil {
		t.Errorf("after the grace period: signature %q must verify with the new secret only", after.Signature)
	}
}

// TestWebhookOutboxInTransaction: the outbox is written by the write's own
// transaction: when the message cannot be made, the write itself fails and leaves
// nothing behind, neither the change nor a feed event.
func TestWebhookOutboxInTransaction(t *testing.T) {
	path := testDB(t)
	app := MustStartEditorApp(t, withHooks(), WithDBPath(path))
	rv := newReceiver(t)
	mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})

	broken, err := store.Open(context.Background(), store.Config{DB: path, Render: handlers.Renderer{}, Now: app.Clock.Now,
		Event: func(models.Change, any) ([]byte, error) { return nil, errors.New("cannot render") }})
	if err != nil {
		t.Fatal(err)
	}
	defer broken.Close()
	changes := app.MustQueryInt(t, `SELECT COUNT(*) FROM changes`)
	cur, err := broken.FindHelpline(context.Background(), "crimestoppers", time.Time{}, models.Visibility{Editor: true})
	if err != nil {
		t.Fatal(err)
	}
	cur.Description = "Never written."
	if _, err := broken.ReplaceHelpline(context.Background(), "t", "crimestoppers", cur, 0); err == nil {
		t.Fatal("the write succeeded without its webhook message")
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM changes`); n != changes {
		t.Errorf("a feed event was left behind")
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM helplines WHERE slug = 'crimestoppers' AND description = 'Never written.'`); n != 0 {
		t.Errorf("the write was kept")
	}
	// With a store that can render, every write's event has its message.
	for i := range 5 {
		mustPatchHelpline(t, app, "crimestoppers", "Version "+itoa(int64(i)))
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM webhook_deliveries`); n != 5 {
		t.Errorf("%d deliveries for 5 changes", n)
	}
}

// TestWebhookInstances: several instances on one database deliver every message
// exactly once between them: each attempt is claimed by one.
func TestWebhookInstances(t *testing.T) {
	path := testDB(t)
	app := MustStartEditorApp(t, withHooks(), WithDBPath(path))
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	slugs := []string{"crimestoppers", "police-101", "stop-it-now", "emergency-999"}
	const writes = 40
	for i := range writes {
		mustPatchHelpline(t, app, slugs[i%len(slugs)], "Version "+itoa(int64(i)))
	}
	// Three instances: three stores, each with its own writer connection, as three
	// processes would have.
	var workers []*webhook.Worker
	for i := range 3 {
		st, err := store.Open(context.Background(), store.Config{DB: path, Render: handlers.Renderer{}, Event: handlers.WebhookEvent, Now: app.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		workers = append(workers, webhook.New(webhook.Config{Store: st, Policy: app.Config.webhookPolicy(), Now: app.Clock.Now,
			Instance: "instance-" + itoa(int64(i)), Concurrency: 2}))
	}
	for {
		var wg sync.WaitGroup
		var mu sync.Mutex
		sent := 0
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := w.Tick(context.Background())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				sent += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if sent == 0 {
			break
		}
	}
	seen := map[string]int{}
	for _, r := range rv.all() {
		seen[r.ID]++
	}
	if len(seen) != writes || len(rv.all()) != writes {
		t.Errorf("%d messages arrived as %d distinct ids, want %d exactly once each", len(rv.all()), len(seen), writes)
	}
	if n := deliveryCount(t, app.testApp, hook.ID, models.DeliveryDelivered); n != writes {
		t.Errorf("%d delivered", n)
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM webhook_attempts`); n != writes {
		t.Errorf("%d attempts recorded for %d messages", n, writes)
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(DISTINCT instance) FROM webhook_attempts`); n < 2 {
		t.Logf("only %d instance did the work", n)
	}

	t.Run("OKDisjointClaims", func(t *testing.T) {
		for i := range 6 {
			mustPatchHelpline(t, app, slugs[i%len(slugs)], "Claim "+itoa(int64(i)))
		}
		a, err := app.Store.ClaimDeliveries(context.Background(), "a", time.Minute, 2)
		if err != nil {
			t.Fatal(err)
		}
		b, err := app.Store.ClaimDeliveries(context.Background(), "b", time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]string{}
		for _, o := range append(a, b...) {
			if prev, ok := ids[o.DeliveryID]; ok {
				t.Errorf("delivery %d claimed by %s and %s", o.DeliveryID, prev, o.ClaimedBy)
			}
			ids[o.DeliveryID] = o.ClaimedBy
		}
		// Four items: one message of each may be in flight, the rest wait their turn.
		if len(a) != 2 || len(b) != 2 {
			t.Errorf("claimed %d and %d, want 2 and 2 (one per item)", len(a), len(b))
		}
		if c, _ := app.Store.ClaimDeliveries(context.Background(), "c", time.Minute, 100); len(c) != 0 {
			t.Errorf("leased deliveries were claimed again: %d", len(c))
		}
		app.Clock.Add(time.Minute)
		if c, _ := app.Store.ClaimDeliveries(context.Background(), "c", time.Minute, 100); len(c) != 4 {
			t.Errorf("after the leases ran out, %d were claimed again, want 4", len(c))
		}
	})
}

// TestWebhookPublicShapes: for every item type, the message's item is exactly the
// public GET of the item at the change.
func TestWebhookPublicShapes(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*.updated"}})
	for path, patch := range map[string]obj{
		"/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse": {"summary": "Changed for the test."},
		"/api/v1/campaigns/stop-it-now-deterrence":                          {"summary": "Changed for the test."},
		"/api/v1/organisations/crimestoppers":                               {"description": "Changed for the test."},
		"/api/v1/helplines/police-101":                                      {"description": "Changed for the test."},
	} {
		MustStatus(t, app.DoJSON(t, http.MethodPatch, path, patch, nil, auth(app.Editor)...), http.StatusOK)
	}
	w := mustWorker(t, app.testApp, "test", nil)
	for mustTick(t, w) > 0 {
	}
	got := rv.all()
	if len(got) != 4 {
		t.Fatalf("got %d messages", len(got))
	}
	for _, r := range got {
		m := r.message(t)
		var public struct{ Data json.RawMessage }
		MustStatus(t, app.GetJSON(t, m.Data.URL, &public), http.StatusOK)
		if !sameJSON(t, m.Data.Item, public.Data) {
			t.Errorf("%s: the message's item is not the public representation:\n%s\nGET:\n%s", m.Data.URL, m.Data.Item, public.Data)
		}
	}
}

// TestWebhookMetrics: /metrics counts attempts by result and shows the queue's depth
// and the age of its oldest message.
func TestWebhookMetrics(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	// The server's own router and worker, which share the metrics.
	router, w, _ := newApp(app.Store, app.Config, slog.New(slog.DiscardHandler), nil)
	srv := httptest.NewServer(router)
	defer srv.Close()
	metrics := func() string {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	must := func(text string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(text, s+"\n") {
				t.Errorf("metrics lack %q", s)
			}
		}
	}
	mustPatchHelpline(t, app, "crimestoppers", "Counted.")
	app.Clock.Add(90 * time.Second)
	must(metrics(), "signpost_webhook_queue_depth 1", "signpost_webhook_oldest_pending_seconds 90")
	mustTick(t, w)
	must(metrics(), `signpost_webhook_deliveries_total{result="retrying"} 1`, `signpost_webhook_deliveries_total{result="delivered"} 0`)
	app.Clock.Add(time.Minute)
	mustTick(t, w)
	must(metrics(), `signpost_webhook_deliveries_total{result="delivered"} 1`, "signpost_webhook_queue_depth 0", "signpost_webhook_oldest_pending_seconds 0")
}

// TestWebhookPrune: settled deliveries leave the log after the retention period,
// pending ones never.
func TestWebhookPrune(t *testing.T) {
	app := MustStartEditorApp(t, withHooks())
	rv := newReceiver(t)
	hook := mustCreateWebhook(t, app, obj{"url": rv.URL, "events": []string{"*"}})
	mustPatchHelpline(t, app, "crimestoppers", "Delivered, then forgotten.")
	mustTick(t, mustWorker(t, app.testApp, "test", nil))
	rv.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusInternalServerError) })
	mustPatchHelpline(t, app, "police-101", "Pending for ever.")
	app.Clock.Add(webhook.Retention + time.Hour)
	n, err := app.Store.PruneDeliveries(context.Background(), app.Clock.Now().Add(-webhook.Retention))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	ds := mustDeliveries(t, app, hook.ID)
	if len(ds) != 1 || ds[0].State != models.DeliveryPending {
		t.Errorf("left %s", jsonString(ds))
	}
	if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM webhook_events`); n != 1 {
		t.Errorf("%d message bodies left, want 1", n)
	}
}
