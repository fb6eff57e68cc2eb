package store_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"signpost/handlers"
	"signpost/models/store"
	"signpost/models/store/pgtest"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// epoch is where the test clocks start: Monday 1 February 2027, 10:00 UTC.
var epoch = time.Date(2027, time.February, 1, 10, 0, 0, 0, time.UTC)

// MustOpenStore opens a store on a new database, with its clock at epoch, seeded
// unless seed is false: a SQLite file under tb.TempDir(), or a PostgreSQL database
// when the tests run on PostgreSQL (see pgtest.Both). It is closed when the test
// ends.
func MustOpenStore(tb testing.TB, seed bool) (*store.Store, *store.Clock) {
	tb.Helper()
	c := store.NewClock(epoch)
	s, err := store.Open(context.Background(), store.Config{DB: mustDB(tb), Now: c.Now, Render: handlers.Renderer{}})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if seed {
		if loaded, err := s.Seed(context.Background()); err != nil || !loaded {
			tb.Fatalf("seed: %v, %v", loaded, err)
		}
	}
	return s, c
}

// mustDB returns the name of a new, empty database of the store the tests run on.
func mustDB(tb testing.TB) string {
	tb.Helper()
	if pgtest.OnPostgres() {
		return pgtest.MustDatabase(tb)
	}
	return filepath.Join(tb.TempDir(), "signpost.db")
}

// sqliteOnly skips a test that is about SQLite itself when the tests run on
// PostgreSQL, saying why.
func sqliteOnly(tb testing.TB, why string) {
	tb.Helper()
	if pgtest.OnPostgres() {
		tb.Skipf("SQLite only: %s", why)
	}
}

// searchOnPostgres skips a test that searches when the tests run on PostgreSQL,
// until search reads are ported there.
func searchOnPostgres(tb testing.TB) {
	tb.Helper()
	if pgtest.OnPostgres() {
		tb.Skip("search on PostgreSQL: branch pgsearch")
	}
}

// mustBadParam checks that err is an EBADPARAM naming param.
func mustBadParam(tb testing.TB, err error, param string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.EBADPARAM {
		tb.Fatalf("error %v, want %s", err, models.EBADPARAM)
	}
	if len(e.Fields) == 0 || e.Fields[0].Field != param {
		tb.Fatalf("error fields %+v, want %q first", e.Fields, param)
	}
}

// walkPages follows a list from the first page to the last by NextCursor and
// returns every item in order. Each page but the last must be full.
func walkPages[T any](tb testing.TB, limit int, find func(cursor string) (models.Page[T], error)) []T {
	tb.Helper()
	var all []T
	cursor := ""
	for n := 0; ; n++ {
		if n > 100 {
			tb.Fatal("more than 100 pages")
		}
		p, err := find(cursor)
		if err != nil {
			tb.Fatalf("page %d: %v", n, err)
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			if len(p.Items) > limit {
				tb.Fatalf("last page has %d items, more than %d", len(p.Items), limit)
			}
			return all
		}
		if len(p.Items) != limit {
			tb.Fatalf("page %d has %d items, want %d", n, len(p.Items), limit)
		}
		cursor = p.NextCursor
	}
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func TestStoreArticlesPagination(t *testing.T) {
	ctx := context.Background()
	s, c := MustOpenStore(t, true)
	// Three batches, each published at one moment: ties on published_at everywhere,
	// the last batch tied with the seed's article.
	for batch, at := range []time.Time{epoch.Add(-2 * time.Hour), epoch.Add(-time.Hour + 250*time.Millisecond), epoch} {
		c.Set(at)
		for i := range 9 {
			a := &models.Article{Slug: fmt.Sprintf("article-%d-%d", batch, i), Title: "Article", Status: models.StatusPublished}
			if i%2 == 0 {
				a.Regions = []models.Ref{{Slug: "cumbria"}}
			}
			if _, err := s.CreateArticle(ctx, "test", a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.CreateArticle(ctx, "test", &models.Article{Slug: "a-draft", Title: "Draft", Status: models.StatusDraft}); err != nil {
		t.Fatal(err)
	}
	c.Set(epoch)

	byPublication := func(a, b models.Article) int {
		return cmp.Or(b.PublishedAt.Compare(*a.PublishedAt), cmp.Compare(b.ID, a.ID))
	}
	for _, tt := range []struct {
		name   string
		filter models.ArticleFilter
		want   int
	}{
		{"OK", models.ArticleFilter{Limit: 7}, 28},
		{"OKLimitOne", models.ArticleFilter{Limit: 1}, 28},
		{"OKFiltered", models.ArticleFilter{Limit: 4, Region: "england"}, 16},
		{"OKOnePage", models.ArticleFilter{Limit: 100}, 28},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := walkPages(t, tt.filter.Limit, func(cursor string) (models.Page[models.Article], error) {
				f := tt.filter
				f.Cursor = cursor
				return s.FindArticles(ctx, f)
			})
			if len(all) != tt.want {
				t.Fatalf("%d articles, want %d", len(all), tt.want)
			}
			if !slices.IsSortedFunc(all, byPublication) {
				t.Errorf("not ordered by (published_at, id) descending: %v", ids(all, func(a models.Article) int64 { return a.ID }))
			}
			seen := map[int64]bool{}
			for _, a := range all {
				if seen[a.ID] || a.Status != models.StatusPublished {
					t.Errorf("article %d (%s) repeated or not published", a.ID, a.Status)
				}
				seen[a.ID] = true
			}
		})
	}

	t.Run("OKDefaultLimit", func(t *testing.T) {
		p, err := s.FindArticles(ctx, models.ArticleFilter{})
		if err != nil || len(p.Items) != models.DefaultLimit || p.NextCursor == "" {
			t.Fatalf("%d items, next %q, %v", len(p.Items), p.NextCursor, err)
		}
	})
	t.Run("OKEditorSeesDrafts", func(t *testing.T) {
		p, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 100, Visibility: models.Visibility{Editor: true}})
		if err != nil || len(p.Items) != 29 {
			t.Fatalf("%d items, %v; want the 28 published and the draft", len(p.Items), err)
		}
	})
}

func TestStoreListPagination(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	names := []string{"Same", "Alpha", "Same", "Zulu", "Same", "alpha", "Stop It Now!", "Same", "Crimestoppers", "Omega"}
	for i, name := range names {
		if _, err := s.CreateOrganisation(ctx, "test", &models.Organisation{Slug: fmt.Sprintf("org-%d", i), Name: name, Kind: "other"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCampaign(ctx, "test", &models.Campaign{Slug: fmt.Sprintf("campaign-%d", i), Name: name, Scope: "national",
			Status: models.StatusPublished}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("Organisations", func(t *testing.T) {
		all := walkPages(t, 3, func(cursor string) (models.Page[models.Organisation], error) {
			return s.FindOrganisations(ctx, models.OrganisationFilter{Limit: 3, Cursor: cursor})
		})
		if len(all) != 9+len(names) {
			t.Fatalf("%d organisations, want %d", len(all), 9+len(names))
		}
		if !slices.IsSortedFunc(all, func(a, b models.Organisation) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		}) {
			t.Errorf("not ordered by (name, id)")
		}
	})
	t.Run("Campaigns", func(t *testing.T) {
		all := walkPages(t, 4, func(cursor string) (models.Page[models.Campaign], error) {
			return s.FindCampaigns(ctx, models.CampaignFilter{Limit: 4, Cursor: cursor})
		})
		if len(all) != 2+len(names) {
			t.Fatalf("%d campaigns, want %d", len(all), 2+len(names))
		}
		if !slices.IsSortedFunc(all, func(a, b models.Campaign) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		}) {
			t.Errorf("not ordered by (name, id)")
		}
	})
	t.Run("Helplines", func(t *testing.T) {
		all := walkPages(t, 1, func(cursor string) (models.Page[models.Helpline], error) {
			return s.FindHelplines(ctx, models.HelplineFilter{Limit: 1, Cursor: cursor})
		})
		got := make([]string, len(all))
		for i, h := range all {
			got[i] = h.Slug
		}
		if want := []string{"crimestoppers", "emergency-999", "police-101", "stop-it-now"}; !slices.Equal(got, want) {
			t.Errorf("helplines %v, want %v", got, want)
		}
	})
}

func TestStoreBadParams(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	for i := range 3 {
		if _, err := s.CreateArticle(ctx, "test", &models.Article{Slug: fmt.Sprintf("a-%d", i), Title: "A", Status: models.StatusPublished}); err != nil {
			t.Fatal(err)
		}
	}
	first := func(p models.Page[models.Article], err error) string {
		if err != nil || p.NextCursor == "" {
			t.Fatalf("no cursor: %v", err)
		}
		return p.NextCursor
	}
	articles := first(s.FindArticles(ctx, models.ArticleFilter{Limit: 1}))
	hp, err := s.FindHelplines(ctx, models.HelplineFilter{Limit: 1})
	if err != nil || hp.NextCursor == "" {
		t.Fatalf("no helpline cursor: %v", err)
	}
	helplines := hp.NextCursor

	tests := []struct {
		name, param string
		run         func() error
	}{
		{"ErrLimitNegative", "limit", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Limit: -1}); return err }},
		{"ErrLimitTooBig", "limit", func() error {
			_, err := s.FindCampaigns(ctx, models.CampaignFilter{Limit: models.MaxLimit + 1})
			return err
		}},
		{"ErrBadCursor", "cursor", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Cursor: "bm9wZQ"}); return err }},
		{"ErrBadCursorTruncated", "cursor", func() error {
			_, err := s.FindArticles(ctx, models.ArticleFilter{Cursor: articles[:len(articles)-1]})
			return err
		}},
		{"ErrBadCursorOtherList", "cursor", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Cursor: helplines}); return err }},
		{"ErrBadCursorOnHelplines", "cursor", func() error { _, err := s.FindHelplines(ctx, models.HelplineFilter{Cursor: articles}); return err }},
		{"ErrBadCursorOnCampaigns", "cursor", func() error { _, err := s.FindCampaigns(ctx, models.CampaignFilter{Cursor: articles}); return err }},
		{"ErrBadCursorOnOrganisations", "cursor", func() error {
			_, err := s.FindOrganisations(ctx, models.OrganisationFilter{Cursor: helplines})
			return err
		}},
		{"ErrUnknownRegion", "region", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Region: "atlantis"}); return err }},
		{"ErrUnknownTopic", "topic", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Topic: "nope"}); return err }},
		{"ErrUnknownCampaign", "campaign", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Campaign: "nope"}); return err }},
		{"ErrUnknownOrganisation", "organisation", func() error {
			_, err := s.FindArticles(ctx, models.ArticleFilter{Organisation: "nope"})
			return err
		}},
		{"ErrBadSearch", "q", func() error { _, err := s.FindArticles(ctx, models.ArticleFilter{Q: `"open`}); return err }},
		{"ErrAudienceAsTopic", "topic", func() error {
			_, err := s.FindHelplines(ctx, models.HelplineFilter{Topic: "professionals"})
			return err
		}},
		{"ErrChannel", "channel", func() error { _, err := s.FindHelplines(ctx, models.HelplineFilter{Channel: "pigeon"}); return err }},
		{"ErrPeriod", "status", func() error { _, err := s.FindCampaigns(ctx, models.CampaignFilter{Period: "maybe"}); return err }},
		{"ErrScope", "scope", func() error { _, err := s.FindCampaigns(ctx, models.CampaignFilter{Scope: "galactic"}); return err }},
		{"ErrKind", "kind", func() error { _, err := s.FindOrganisations(ctx, models.OrganisationFilter{Kind: "alien"}); return err }},
		{"ErrTopicKind", "kind", func() error { _, err := s.Topics(ctx, models.TopicFilter{Kind: "both"}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustBadParam(t, tt.run(), tt.param) })
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindArticle(ctx, "nope", models.Visibility{})
		if models.ErrorCode(err) != models.ENOTFOUND {
			t.Fatalf("error %v, want %s", err, models.ENOTFOUND)
		}
	})
}

// TestStoreScheduled checks that a scheduled article goes live when the clock passes
// its time, with nothing run in between.
func TestStoreScheduled(t *testing.T) {
	ctx := context.Background()
	s, c := MustOpenStore(t, true)
	due := epoch.Add(time.Hour)
	if _, err := s.CreateArticle(ctx, "test", &models.Article{Slug: "later", Title: "Later", Status: models.StatusScheduled, PublishAt: &due}); err != nil {
		t.Fatal(err)
	}
	visible := func() bool {
		p, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		listed := slices.ContainsFunc(p.Items, func(a models.Article) bool { return a.Slug == "later" })
		_, err = s.FindArticle(ctx, "later", models.Visibility{})
		if found := err == nil; found != listed {
			t.Fatalf("listed %v but found by slug %v (%v)", listed, found, err)
		}
		return listed
	}
	if visible() {
		t.Error("a scheduled article is public before its time")
	}
	if _, err := s.FindArticle(ctx, "later", models.Visibility{Editor: true}); err != nil {
		t.Errorf("editors cannot see a scheduled article: %v", err)
	}
	c.Set(due.Add(-time.Millisecond))
	if visible() {
		t.Error("a scheduled article is public a millisecond before its time")
	}
	c.Set(due)
	if !visible() {
		t.Fatal("a scheduled article is not public at its time")
	}
	a, _ := s.FindArticle(ctx, "later", models.Visibility{})
	if a.PublishedAt == nil || !a.PublishedAt.Equal(due) {
		t.Errorf("published_at %v, want %v", a.PublishedAt, due)
	}
}

// TestStoreReaderCannotWrite proves that the read pool is read-only, so that no read
// path can change the database even by mistake.
func TestStoreReaderCannotWrite(t *testing.T) {
	sqliteOnly(t, "the read pool is a pool of its own, opened query_only, on SQLite; PostgreSQL has one pool")
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	before, err := s.ContentVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO topics (slug, name, kind) VALUES ('written', 'Written', 'topic')`,
		`UPDATE meta SET value = '999' WHERE key = 'content_version'`,
		`DELETE FROM regions`,
		`CREATE TABLE written (x)`,
	} {
		// Every connection of the pool must refuse; try more than the pool holds.
		for range 20 {
			err := store.ReaderExec(ctx, s, q)
			if err == nil || !strings.Contains(err.Error(), "readonly") && !strings.Contains(err.Error(), "read-only") {
				t.Fatalf("%s on the read pool: %v, want a read-only error", q, err)
			}
		}
	}
	if n, err := store.ReaderQueryInt(ctx, s, `PRAGMA query_only`); err != nil || n != 1 {
		t.Errorf("PRAGMA query_only = %d, %v; want 1", n, err)
	}
	if after, _ := s.ContentVersion(ctx); after != before {
		t.Errorf("content version %d, was %d", after, before)
	}
	if n, _ := store.ReaderQueryInt(ctx, s, `SELECT COUNT(*) FROM regions`); n != 51 {
		t.Errorf("%d regions, want 51", n)
	}
}

// TestStoreSeed checks that the seed loads once.
func TestStoreSeed(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	v, _ := s.ContentVersion(ctx)
	if loaded, err := s.Seed(ctx); err != nil || loaded {
		t.Fatalf("second seed: loaded %v, %v", loaded, err)
	}
	if after, _ := s.ContentVersion(ctx); after != v {
		t.Errorf("content version %d after a seed that loaded nothing, was %d", after, v)
	}
	regions, _ := s.Regions(ctx)
	topics, _ := s.Topics(ctx, models.TopicFilter{})
	orgs, _ := s.FindOrganisations(ctx, models.OrganisationFilter{Limit: 100})
	articles, _ := s.FindArticles(ctx, models.ArticleFilter{Limit: 100})
	helplines, _ := s.FindHelplines(ctx, models.HelplineFilter{Limit: 100})
	campaigns, _ := s.FindCampaigns(ctx, models.CampaignFilter{Limit: 100})
	got := []int{len(regions), len(topics), len(orgs.Items), len(articles.Items), len(helplines.Items), len(campaigns.Items)}
	if want := []int{51, 11, 9, 1, 4, 2}; !slices.Equal(got, want) {
		t.Errorf("regions, topics, organisations, articles, helplines, campaigns = %v, want %v", got, want)
	}

	t.Run("OKEmpty", func(t *testing.T) {
		s, _ := MustOpenStore(t, false)
		regions, err := s.Regions(ctx)
		if err != nil || len(regions) != 0 {
			t.Fatalf("%d regions in an unseeded store, %v", len(regions), err)
		}
	})
}
