package store_test

import (
	"context"
	"testing"

	"signpost/models"
)

// TestCampaignArticlesHaveTimes checks that a campaign's latest articles are the
// ones with a publication time, newest first, for editors too: a draft linked to
// the campaign is not among them (it has no time to show, and the two databases
// would sort it at different ends).
func TestCampaignArticlesHaveTimes(t *testing.T) {
	s, _ := MustOpenStore(t, true)
	ctx := context.Background()
	page, err := s.FindCampaigns(ctx, models.CampaignFilter{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("campaigns: %v, %d", err, len(page.Items))
	}
	campaign := page.Items[0].Slug
	if _, err := s.CreateArticle(ctx, "ed", &models.Article{Slug: "draft-for-the-campaign", Title: "A draft", Status: models.StatusDraft,
		Campaigns: []models.Ref{{Slug: campaign}}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []models.Visibility{{}, {Editor: true}} {
		c, err := s.FindCampaign(ctx, campaign, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Articles) == 0 {
			t.Fatalf("editor %v: the seeded campaign %s shows no articles", v.Editor, campaign)
		}
		for i, a := range c.Articles {
			if a.Slug == "draft-for-the-campaign" || a.PublishedAt.IsZero() {
				t.Errorf("editor %v: article %d is %s published at %v: a draft among the latest articles", v.Editor, i, a.Slug, a.PublishedAt)
			}
			if i > 0 && a.PublishedAt.After(c.Articles[i-1].PublishedAt) {
				t.Errorf("editor %v: %s is newer than the article before it", v.Editor, a.Slug)
			}
		}
	}
}
