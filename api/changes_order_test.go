package main

// Tests of the changes feed under concurrent writers: its times rise with its
// numbers, so that since=<time> returns exactly the events at or after the time, and
// since=<seq> continues after the event with that number.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// TestChangesSinceTimeExact proves that since=<time> is exact under concurrent
// writers: four editors write at once, on a clock that never shows the same time
// twice, and then for every event's time T the feed from T holds exactly the events
// at or after T, in order. It fails when a write reads its time before taking the
// write lock: times then come out of order with the numbers.
func TestChangesSinceTimeExact(t *testing.T) {
	app := MustStartEditorApp(t, WithoutSeed())
	app.Clock.Tick(time.Millisecond)
	const writers, writes = 4, 15
	var wg sync.WaitGroup
	statuses := make([][]int, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				body, _ := json.Marshal(organisationBody(fmt.Sprintf("Writer %d organisation %d", w, i)))
				req, _ := http.NewRequest(http.MethodPost, app.URL+"/api/v1/organisations", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+app.Editor)
				resp, err := app.Client.Do(req)
				if err != nil {
					statuses[w] = append(statuses[w], -1)
					continue
				}
				resp.Body.Close()
				statuses[w] = append(statuses[w], resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	for w, ss := range statuses {
		for i, s := range ss {
			if s != http.StatusCreated {
				t.Fatalf("writer %d, write %d: status %d, want 201", w, i, s)
			}
		}
	}
	app.Clock.Tick(0)

	all, _ := MustReadFeed(t, app.testApp, "")
	if len(all) != writers*writes {
		t.Fatalf("%d events, want %d", len(all), writers*writes)
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.Before(all[i-1].At) {
			t.Errorf("seq %d at %s comes after seq %d at %s", all[i].Seq, all[i].At.Format(time.RFC3339Nano), all[i-1].Seq, all[i-1].At.Format(time.RFC3339Nano))
		}
	}
	seqs := func(evs []handlers.Change) []int64 {
		out := make([]int64, len(evs))
		for i, e := range evs {
			out[i] = e.Seq
		}
		return out
	}
	for _, e := range all {
		var want []handlers.Change
		for _, x := range all {
			if !x.At.Before(e.At) {
				want = append(want, x)
			}
		}
		since := e.At.Format(time.RFC3339Nano)
		got, _ := MustReadFeed(t, app.testApp, since)
		if !slices.Equal(seqs(got), seqs(want)) {
			t.Errorf("since=%s: seqs %v, want exactly the events at or after it: %v", since, seqs(got), seqs(want))
		}
	}
}

// TestChangesSinceSeq proves since=<seq>: the events after the one with that number,
// as a sync client that keeps the last seq it applied asks.
func TestChangesSinceSeq(t *testing.T) {
	app := MustStartEditorApp(t)
	all, _ := MustReadFeed(t, app.testApp, "")
	if len(all) < 3 {
		t.Fatalf("the seeded feed has %d events", len(all))
	}
	last := all[len(all)-1].Seq

	t.Run("OK", func(t *testing.T) {
		for _, n := range []int{0, 1, len(all) / 2, len(all) - 1, len(all)} {
			since := int64(0)
			if n > 0 {
				since = all[n-1].Seq
			}
			got, resume := MustReadFeed(t, app.testApp, strconv.FormatInt(since, 10))
			if !slices.Equal(gotEvents(got), gotEvents(all[n:])) {
				t.Errorf("since=%d: %v, want %v", since, gotEvents(got), gotEvents(all[n:]))
			}
			if resume == "" {
				t.Errorf("since=%d: no resume_cursor", since)
			}
		}
	})

	t.Run("OKPastTheEndResumesFromTheEnd", func(t *testing.T) {
		got, resume := MustReadFeed(t, app.testApp, strconv.FormatInt(last+1000, 10))
		mustEvents(t, got)
		s := createIn(t, app, organisationKind, "After the end", "", nil)
		got, _ = MustReadFeed(t, app.testApp, resume)
		mustEvents(t, got, ev(organisationKind, s, models.ChangeCreate, false))
		got, _ = MustReadFeed(t, app.testApp, strconv.FormatInt(last, 10))
		mustEvents(t, got, ev(organisationKind, s, models.ChangeCreate, false))
	})

	t.Run("ErrBadSeq", func(t *testing.T) {
		for _, since := range []string{"-1", "+1", "1.5", "99999999999999999999"} {
			MustProblem(t, app.Get(t, "/api/v1/changes?since="+since), http.StatusBadRequest, "since")
		}
	})
}
