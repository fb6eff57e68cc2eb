package store_test

import (
	"context"
	"reflect"
	"testing"

	"signpost/models"
)

// An article's related items and outcomes are read in the same query as the article
// (as text records, see articleSelect): they come back whole, in a fixed order
// (regions broadest first, the others by name, outcomes as given), with names that
// hold any text, with unknown counts as nil, and without the items the reader may
// not see.
func TestArticleRelatedItems(t *testing.T) {
	s, _ := MustOpenStore(t, true)
	ctx := context.Background()
	for _, c := range []models.Campaign{
		{Slug: "zebra-week", Name: "Zebra week: \"quotes\", commas, | pipes & ünïcode", Status: models.StatusPublished, Scope: "national"},
		{Slug: "alpha-week", Name: "Alpha week", Status: models.StatusPublished, Scope: "national"},
		{Slug: "draft-week", Name: "A draft week", Status: models.StatusDraft, Scope: "national"},
	} {
		if _, err := s.CreateCampaign(ctx, "test", &c); err != nil {
			t.Fatalf("create campaign %s: %v", c.Slug, err)
		}
	}
	zero, nine := int64(0), int64(9)
	a := mustCreateArticle(t, s, models.Article{
		Title:         "An article with many related items",
		Summary:       "Summary.",
		BodyMarkdown:  "Body.",
		Regions:       []models.Ref{{Slug: "cumbria"}, {Slug: "united-kingdom"}, {Slug: "england"}},
		Topics:        []models.Ref{{Slug: "reporting-crime"}, {Slug: "emergencies"}},
		Campaigns:     []models.Ref{{Slug: "zebra-week"}, {Slug: "draft-week"}, {Slug: "alpha-week"}},
		Helplines:     []models.Ref{{Slug: "stop-it-now"}, {Slug: "crimestoppers"}},
		Organisations: []models.Ref{{Slug: "stop-it-now"}, {Slug: "cumbria-constabulary"}},
		Outcomes: []models.Outcome{
			{Metric: "warrants_executed", Label: "Warrants executed", Value: &nine},
			{Metric: "arrests", Label: "Arrests", Value: &zero, Note: "none yet; more \"to\" follow"},
			{Metric: "devices_seized", Label: "Devices seized"},
		},
	})
	refs := func(slugs ...string) []string { return slugs }
	slugs := func(rs []models.Ref) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.Slug
		}
		return out
	}
	check := func(t *testing.T, got *models.Article, campaigns []string) {
		t.Helper()
		for _, c := range []struct {
			name      string
			got, want []string
		}{
			{"regions", slugs(got.Regions), refs("united-kingdom", "england", "cumbria")},
			{"campaigns", slugs(got.Campaigns), campaigns},
			{"helplines", slugs(got.Helplines), refs("crimestoppers", "stop-it-now")},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
			}
		}
		if len(got.Topics) != 2 || got.Topics[0].Name > got.Topics[1].Name {
			t.Errorf("topics %v: want both, by name", got.Topics)
		}
		if len(got.Organisations) != 2 || got.Organisations[0].Name > got.Organisations[1].Name {
			t.Errorf("organisations %v: want both, by name", got.Organisations)
		}
		for _, r := range got.Campaigns {
			if r.Slug == "zebra-week" && r.Name != "Zebra week: \"quotes\", commas, | pipes & ünïcode" {
				t.Errorf("campaign name %q came back changed", r.Name)
			}
		}
		want := []models.Outcome{
			{Metric: "warrants_executed", Label: "Warrants executed", Value: &nine},
			{Metric: "arrests", Label: "Arrests", Value: &zero, Note: "none yet; more \"to\" follow"},
			{Metric: "devices_seized", Label: "Devices seized"},
		}
		if !reflect.DeepEqual(got.Outcomes, want) {
			t.Errorf("outcomes %+v, want %+v", got.Outcomes, want)
		}
	}
	public := refs("alpha-week", "zebra-week")
	t.Run("created", func(t *testing.T) { check(t, a, refs("draft-week", "alpha-week", "zebra-week")) })
	t.Run("item", func(t *testing.T) {
		got, err := s.FindArticle(ctx, a.Slug, models.Visibility{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, got, public)
	})
	t.Run("list", func(t *testing.T) {
		p, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.Items {
			if p.Items[i].Slug == a.Slug {
				check(t, &p.Items[i], public)
				return
			}
		}
		t.Fatalf("%s is not in the list", a.Slug)
	})
	t.Run("editor", func(t *testing.T) {
		got, err := s.FindArticle(ctx, a.Slug, models.Visibility{Editor: true})
		if err != nil {
			t.Fatal(err)
		}
		check(t, got, refs("draft-week", "alpha-week", "zebra-week"))
	})
	t.Run("none", func(t *testing.T) {
		b := mustCreateArticle(t, s, models.Article{Title: "An article with nothing related", Summary: "Summary.", BodyMarkdown: "Body."})
		got, err := s.FindArticle(ctx, b.Slug, models.Visibility{})
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range map[string]int{"regions": len(got.Regions), "topics": len(got.Topics), "campaigns": len(got.Campaigns),
			"helplines": len(got.Helplines), "organisations": len(got.Organisations), "outcomes": len(got.Outcomes)} {
			if n != 0 {
				t.Errorf("%s: %d, want none", name, n)
			}
		}
		if got.Regions == nil || got.Outcomes == nil || got.Topics == nil {
			t.Error("empty lists must be empty, not nil (they are [] in JSON)")
		}
		if got.Source.Publisher != nil {
			t.Errorf("publisher %+v, want none", got.Source.Publisher)
		}
	})
}
