package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
)

// sseEvent is one message of a stream: its fields, or a comment.
type sseEvent struct {
	ID, Data, Retry, Comment string
}

type sseStream struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// openStream opens the change stream with a real HTTP client; headers are name,
// value pairs. The test fails rather than hangs if nothing comes within a minute.
func openStream(tb testing.TB, base, query string, headers ...string) *sseStream {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+handlers.StreamPath+query, nil)
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		cancel()
		tb.Fatalf("open stream: %v", err)
	}
	s := &sseStream{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
	tb.Cleanup(s.close)
	return s
}

func (s *sseStream) close() { s.cancel(); s.resp.Body.Close() }

// next reads the next message, skipping heartbeats unless wantComments.
func (s *sseStream) next(tb testing.TB, wantComments bool) sseEvent {
	tb.Helper()
	for {
		var ev sseEvent
		for {
			line, err := s.r.ReadString('\n')
			if err != nil {
				tb.Fatalf("stream: %v", err)
			}
			line = strings.TrimSuffix(line, "\n")
			if line == "" {
				break
			}
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "":
				ev.Comment = v
			case "id":
				ev.ID = v
			case "data":
				ev.Data = v
			case "retry":
				ev.Retry = v
			}
		}
		if ev.Comment != "" && !wantComments {
			continue
		}
		return ev
	}
}

func (ev sseEvent) change(tb testing.TB) handlers.Change {
	tb.Helper()
	var c handlers.Change
	if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
		tb.Fatalf("event data %q: %v", ev.Data, err)
	}
	return c
}

// TestChangesStream: the live stream sends each change as it is made, unbuffered
// and uncompressed, with its resume cursor as the id; a client that reconnects with
// Last-Event-ID gets every change it missed, once; idle streams send heartbeats;
// each client may hold only so many streams.
func TestChangesStream(t *testing.T) {
	app := MustStartEditorApp(t, WithConfig(func(c *Config) { c.StreamHeartbeat = 20 * time.Millisecond; c.StreamPerClient = 2 }))
	var before struct{ Data []handlers.Change }
	app.GetJSON(t, "/api/v1/changes?limit=100", &before)
	startSeq := before.Data[len(before.Data)-1].Seq

	s := openStream(t, app.URL, "", "Accept-Encoding", "gzip")
	h := s.resp.Header
	if s.resp.StatusCode != http.StatusOK || mediaType(h) != "text/event-stream" || h.Get("Content-Encoding") != "" ||
		h.Get("ETag") != "" || h.Get("Cache-Control") != "no-store" || h.Get("Content-Length") != "" || len(h.Values("Set-Cookie")) > 0 {
		t.Fatalf("stream answered %d %v", s.resp.StatusCode, h)
	}
	first := s.next(t, false)
	if first.Retry == "" || first.ID == "" {
		t.Fatalf("first message %+v: want retry and the starting id", first)
	}

	mustPatchHelpline(t, app, "crimestoppers", "Live one.")
	mustPatchHelpline(t, app, "police-101", "Live two.")
	ev1 := s.next(t, false)
	c1 := ev1.change(t)
	if c1.Seq != startSeq+1 || c1.Slug != "crimestoppers" || c1.Action != "update" || c1.URL != "/api/v1/helplines/crimestoppers" || ev1.ID == "" {
		t.Fatalf("first event %+v", ev1)
	}
	// The id is the resume cursor: the feed continues from it.
	var after struct{ Data []handlers.Change }
	app.GetJSON(t, "/api/v1/changes?since="+ev1.ID, &after)
	if len(after.Data) == 0 || after.Data[0].Seq != c1.Seq+1 {
		t.Errorf("since=<event id> gives %+v", after.Data)
	}

	// Drop the connection having read one event; changes go on meanwhile.
	s.close()
	mustPatchHelpline(t, app, "stop-it-now", "While away.")
	MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse", nil, auth(app.Editor)...), http.StatusNoContent)

	s2 := openStream(t, app.URL, "", "Last-Event-ID", ev1.ID)
	if r := s2.next(t, false); r.ID != ev1.ID {
		t.Errorf("the resumed stream starts at %q, want %q", r.ID, ev1.ID)
	}
	var seqs []int64
	for range 3 {
		seqs = append(seqs, s2.next(t, false).change(t).Seq)
	}
	for i, seq := range seqs {
		if seq != c1.Seq+1+int64(i) {
			t.Errorf("after reconnecting got seqs %v, want %d, %d, %d", seqs, c1.Seq+1, c1.Seq+2, c1.Seq+3)
			break
		}
	}
	if hb := s2.next(t, true); hb.Comment == "" {
		t.Errorf("no heartbeat: %+v", hb)
	}

	t.Run("ErrTooMany", func(t *testing.T) {
		openStream(t, app.URL, "") // the second of two
		resp := app.Get(t, handlers.StreamPath)
		MustProblem(t, resp, http.StatusTooManyRequests, "")
		if resp.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("ErrBadCursor", func(t *testing.T) {
		s2.close()
		MustProblem(t, app.Get(t, handlers.StreamPath, "Last-Event-ID", "nonsense"), http.StatusBadRequest, "Last-Event-ID")
		MustProblem(t, app.Get(t, handlers.StreamPath+"?since=nonsense"), http.StatusBadRequest, "since")
		MustProblem(t, app.Get(t, handlers.StreamPath+"?limit=5"), http.StatusBadRequest, "")
	})
	t.Run("OKSince", func(t *testing.T) {
		s3 := openStream(t, app.URL, "?since="+before.Data[0].At.Format(time.RFC3339Nano))
		if ev := s3.next(t, false); ev.Retry == "" || ev.ID != "" || ev.Data != "" {
			t.Errorf("from a time, the first message is %+v: want only retry", ev)
		}
		if c := s3.next(t, false).change(t); c.Seq != before.Data[0].Seq {
			t.Errorf("since=<time> starts at %d, want %d", c.Seq, before.Data[0].Seq)
		}
	})
}

// TestChangesStreamShutdown: a graceful stop ends open streams, so that it does not
// wait for them until its timeout.
func TestChangesStreamShutdown(t *testing.T) {
	cfg, _, err := LoadConfig("signpost-test", []string{"-addr", "127.0.0.1:0", "-db", testDB(t)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	addr := <-ready
	s := openStream(t, "http://"+addr, "")
	s.next(t, false)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("graceful stop with a stream open: %v", err)
	}
	if _, err := s.r.ReadString('\n'); !errors.Is(err, io.EOF) && err == nil {
		t.Errorf("the stream did not end: %v", err)
	}
}
