package store_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"signpost/handlers"
	"signpost/models/store"
	"signpost/models/store/pgtest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"signpost/models"
)

// TestChangesStampedUnderLock proves that every changes event of a write is stamped
// with a time read while the write holds the database's write lock: the clock tries
// to take the lock from a connection of its own each time it is read, and remembers
// the times it handed out while it could not. Writes of every kind (create, update,
// delete, a scheduled item going live) must stamp their events with such a time. On
// PostgreSQL the write lock is the row lock of meta's content_version row that every
// write transaction takes first (writeTx); the probe asks for it with NOWAIT.
func TestChangesStampedUnderLock(t *testing.T) {
	ctx := context.Background()
	path := mustDB(t)
	var side *sql.DB
	var err error
	if pgtest.OnPostgres() {
		side, err = sql.Open("pgx", path)
	} else {
		side, err = sql.Open("sqlite3", (&url.URL{Scheme: "file", Opaque: path}).String()+"?_busy_timeout=0&_txlock=immediate")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	side.SetMaxOpenConns(1)
	// probe reports whether another connection holds the write lock.
	probe := func() (bool, error) {
		tx, err := side.Begin()
		var se sqlite3.Error
		if errors.As(err, &se) && se.Code == sqlite3.ErrBusy {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		defer tx.Rollback()
		if pgtest.OnPostgres() {
			_, err := tx.Exec(`SELECT 1 FROM meta WHERE key = 'content_version' FOR UPDATE NOWAIT`)
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "55P03" {
				return true, nil
			}
			return false, err
		}
		return false, nil
	}

	var mu sync.Mutex
	n := 0
	probing := false
	locked := map[time.Time]bool{} // times read while another connection held the lock
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		at := epoch.Add(time.Duration(n) * time.Millisecond)
		if probing {
			held, err := probe()
			if err != nil {
				t.Errorf("probe the write lock: %v", err)
			}
			if held {
				locked[at] = true
			}
		}
		return at
	}
	s, err := store.Open(ctx, store.Config{DB: path, Now: now, Render: handlers.Renderer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	seeded, err := s.Changes(ctx, models.ChangeFilter{Limit: models.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	probing = true
	mu.Unlock()

	o, err := s.CreateOrganisation(ctx, "ed", &models.Organisation{Name: "Stamped", Kind: "charity"})
	if err != nil {
		t.Fatal(err)
	}
	o.Description = "Changed."
	if _, err := s.ReplaceOrganisation(ctx, "ed", o.Slug, o, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrganisation(ctx, "ed", o.Slug, 0); err != nil {
		t.Fatal(err)
	}
	due := now().Add(time.Minute)
	if _, err := s.CreateArticle(ctx, "ed", &models.Article{Title: "Stamped later", Status: models.StatusScheduled, PublishAt: &due}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n += 2 * 60_000 // two minutes on: the article is due
	mu.Unlock()
	if got, err := s.PublishDue(ctx); err != nil || got != 1 {
		t.Fatalf("PublishDue: %d, %v; want 1", got, err)
	}

	after := seeded.Items[len(seeded.Items)-1].ID
	page, err := s.Changes(ctx, models.ChangeFilter{After: &after, Limit: models.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Items {
		actions = append(actions, e.Action)
		if !locked[e.At] {
			t.Errorf("%s of %s/%s stamped %s, a time read without the write lock", e.Action, e.ItemType, e.Slug, e.At.Format(time.RFC3339Nano))
		}
	}
	if want := []string{"create", "update", "delete", "publish"}; len(actions) != len(want) {
		t.Fatalf("events %v, want %v", actions, want)
	}
}
