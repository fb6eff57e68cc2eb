package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"signpost/models"
)

// TestChangesGapFree proves that a reader of the changes feed who resumes after
// the last id it saw never misses an event, while several writers write at once:
// on PostgreSQL an identity hands out numbers at insert and transactions commit in
// any order, so without the store's lock (writeTx) a reader could see id n+1, move
// past it, and never see n. The reader polls Changes after its last id over and
// over; at the end the ids it collected must be exactly 1..max, in order, and the
// same as a full read of the feed.
func TestChangesGapFree(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	const writers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				o := &models.Organisation{Name: fmt.Sprintf("Writer %d organisation %d", w, i), Kind: "charity"}
				if _, err := s.CreateOrganisation(ctx, "ed", o); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var seen []int64
	var last int64
	poll := func() {
		for {
			after := last
			page, err := s.Changes(ctx, models.ChangeFilter{After: &after, Limit: models.MaxLimit})
			if err != nil {
				t.Fatalf("changes after %d: %v", after, err)
			}
			for _, c := range page.Items {
				seen = append(seen, c.ID)
				last = c.ID
			}
			if page.Next == "" {
				return
			}
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		poll()
	}
	close(errs)
	for err := range errs {
		t.Fatalf("write: %v", err)
	}

	for i, id := range seen {
		if id != int64(i+1) {
			t.Fatalf("the reader saw ids %v…: id %d at position %d, want %d (an event it passed committed later, or a hole)",
				seen[max(0, i-3):min(len(seen), i+3)], id, i, i+1)
		}
	}
	zero := int64(0)
	var all []int64
	for after := zero; ; {
		page, err := s.Changes(ctx, models.ChangeFilter{After: &after, Limit: models.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			all = append(all, c.ID)
			after = c.ID
		}
		if page.Next == "" {
			break
		}
	}
	if len(all) != len(seen) {
		t.Fatalf("the reader saw %d events, the feed holds %d", len(seen), len(all))
	}
	if want := writers * each; len(seen) < want {
		t.Fatalf("%d events, want at least the %d writes'", len(seen), want)
	}
}
