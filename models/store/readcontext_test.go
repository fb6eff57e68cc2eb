package store_test

import (
	"context"
	"signpost/models/store"
	"testing"

	"signpost/models"
)

// A read from a request's context (which can be cancelled) must cost what the same
// read costs without one. The SQLite driver watches a cancellable context with a
// goroutine and a channel for every row it fetches; on a page of a list that doubled
// the latency under load, so bounded reads do not hand it the cancellation. This test
// counts allocations, which that watching adds a few of per row: it fails if a read
// path passes a cancellable context down to the driver again.
func TestReadsDoNotWatchCancellation(t *testing.T) {
	s, _ := MustOpenStore(t, true)
	if err := s.Generate(context.Background(), store.GenerateConfig{Articles: 60, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	reads := map[string]func(ctx context.Context) error{
		"articles": func(ctx context.Context) error {
			p, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 50})
			if err == nil && len(p.Items) != 50 {
				t.Fatalf("articles: %d items, want 50", len(p.Items))
			}
			return err
		},
		"article": func(ctx context.Context) error {
			_, err := s.FindArticle(ctx, "synthetic-article-7", models.Visibility{})
			return err
		},
		"helplines": func(ctx context.Context) error {
			_, err := s.FindHelplines(ctx, models.HelplineFilter{Limit: 50})
			return err
		},
		"campaigns": func(ctx context.Context) error {
			_, err := s.FindCampaigns(ctx, models.CampaignFilter{Limit: 50})
			return err
		},
		"organisations": func(ctx context.Context) error {
			_, err := s.FindOrganisations(ctx, models.OrganisationFilter{Limit: 50})
			return err
		},
		"changes": func(ctx context.Context) error {
			_, err := s.Changes(ctx, models.ChangeFilter{Limit: 50})
			return err
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			allocs := func(ctx context.Context) float64 {
				if err := read(ctx); err != nil {
					t.Fatal(err)
				}
				return testing.AllocsPerRun(20, func() {
					if err := read(ctx); err != nil {
						t.Fatal(err)
					}
				})
			}
			plain := allocs(context.Background())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			watched := allocs(ctx)
			// A few allocations for the context itself are fine; three or more per
			// row fetched are not.
			if watched > plain+10 {
				t.Errorf("%s: %.0f allocations from a cancellable context, %.0f without one", name, watched, plain)
			}
		})
	}
}
