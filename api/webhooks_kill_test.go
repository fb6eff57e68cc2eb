package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWebhookKill proves that no message is lost when the server dies: the real
// binary is built, a subscriber's receiver holds the first messages without
// answering, the server is killed with SIGKILL while messages are pending and in
// flight, and after a restart every change arrives, in order per item; a message
// arrives twice only when it had been attempted before the kill (a retry, with the
// same webhook-id).
func TestWebhookKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := mustBuildBinary(t, dir)
	db := testDB(t)
	t.Setenv("SIGNPOST_WEBHOOKS_ALLOW_HTTP", "true")
	t.Setenv("SIGNPOST_WEBHOOKS_ALLOW_TARGETS", "127.0.0.1")
	t.Setenv("SIGNPOST_WEBHOOKS_TIMEOUT", "1s") // leases run out 7s after a claim

	// The receiver holds requests (never answers) until told to answer.
	var mu sync.Mutex
	holding := true
	heldIDs := map[string]bool{}
	var got []received
	firstHeld := make(chan struct{})
	var once sync.Once
	rv := newReceiver(t)
	rv.setRespond(func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		rec := rv.all()[n]
		if holding {
			heldIDs[rec.ID] = true
			mu.Unlock()
			once.Do(func() { close(firstHeld) })
			<-r.Context().Done()
			return
		}
		got = append(got, rec)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})

	srv := mustStartServer(t, ctx, bin, db)
	key := func(name, scope string) string {
		out, err := exec.CommandContext(ctx, bin, "keys", "create", "-db", db, "--name", name, "--scope", scope).Output()
		if err != nil {
			t.Fatalf("keys create: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	admin, editor := key("ops", "admin"), key("newsroom", "editor")
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, url, key string, body any) int {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(http.MethodPost, srv.URL+"/api/v1/webhooks", admin, obj{"url": rv.URL + "/hook", "events": []string{"helpline.updated"}}); code != http.StatusCreated {
		t.Fatalf("create webhook: %d", code)
	}
	slugs := []string{"crimestoppers", "police-101", "stop-it-now", "emergency-999"}
	const writes = 20
	for i := range writes {
		if code := send(http.MethodPatch, srv.URL+"/api/v1/helplines/"+slugs[i%len(slugs)], editor, obj{"description": "Version " + itoa(int64(i))}); code != http.StatusOK {
			t.Fatalf("write %d: %d", i, code)
		}
	}
	select {
	case <-firstHeld:
	case <-ctx.Done():
		t.Fatal("no message was sent before the kill")
	}
	srv.kill(t)
	mu.Lock()
	holding = false
	held := len(heldIDs)
	mu.Unlock()

	srv = mustStartServer(t, ctx, bin, db)
	defer srv.kill(t)
	bySeq := map[int64][]string{} // seq → the ids it arrived with
	for {
		mu.Lock()
		n := map[int64]bool{}
		for _, r := range got {
			n[r.message(t).Data.Seq] = true
		}
		mu.Unlock()
		if len(n) >= writes {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("after the restart only %d of %d changes arrived", len(n), writes)
		case <-time.After(20 * time.Millisecond): // a poll interval, not a guess at timing
		}
	}
	mu.Lock()
	defer mu.Unlock()
	lastSeq := map[string]int64{}
	duplicates := 0
	seenID := map[string]bool{}
	for _, r := range got {
		m := r.message(t)
		bySeq[m.Data.Seq] = append(bySeq[m.Data.Seq], r.ID)
		if m.Data.Seq < lastSeq[m.Data.Slug] {
			t.Errorf("%s: seq %d arrived after %d", m.Data.Slug, m.Data.Seq, lastSeq[m.Data.Slug])
		}
		lastSeq[m.Data.Slug] = m.Data.Seq
		if seenID[r.ID] {
			duplicates++
			if !heldIDs[r.ID] {
				t.Errorf("message %s arrived twice without having been attempted before the kill", r.ID)
			}
		}
		seenID[r.ID] = true
	}
	lost := writes - len(bySeq)
	for seq, ids := range bySeq {
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("seq %d arrived with two webhook-ids %v", seq, ids)
			}
		}
	}
	t.Logf("%d changes; %d messages in flight at the kill; after the restart %d arrived, %d lost, %d again (retries of messages in flight)",
		writes, held, len(got), lost, duplicates)
	if lost != 0 {
		t.Errorf("%d changes lost", lost)
	}
	for id := range heldIDs {
		if !seenID[id] {
			t.Errorf("message %s, in flight at the kill, never arrived", id)
		}
	}
}
