package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// TestFragmentsLinkedGoesLive checks that the ready-made JSON of an article stops
// being served, without any write, once a campaign it links goes live: the public
// list (each of its pages, and a filtered one) and the article's page show the
// campaign from that moment. The response cache is off, so every answer is read
// from the fragments.
func TestFragmentsLinkedGoesLive(t *testing.T) {
	app := MustStartApp(t, WithConfig(func(c *Config) { c.CacheBytes = 0 }))
	due := testEpoch.Add(time.Hour)
	app.MustInsertCampaign(t, CampaignRow{Slug: "scheduled-campaign", Name: "Scheduled campaign", Status: models.StatusScheduled, PublishAt: &due})
	app.MustInsertArticle(t, ArticleRow{Slug: "linked-article", Title: "Linked", Regions: []string{"cumbria"},
		Campaigns: []string{"scheduled-campaign"}, PublishedAt: ptr(testEpoch.Add(-time.Minute))})
	app.MustInsertArticle(t, ArticleRow{Slug: "newer-article", Title: "Newer", PublishedAt: ptr(testEpoch)})

	campaignsOf := func(t *testing.T, path string) []string {
		t.Helper()
		var p page[handlers.Article]
		getOK(t, app, path, &p)
		i := slices.IndexFunc(p.Data, func(a handlers.Article) bool { return a.Slug == "linked-article" })
		if i < 0 {
			t.Fatalf("%s does not list linked-article", path)
		}
		return refSlugs(p.Data[i].Campaigns)
	}
	pageCampaigns := func(t *testing.T) []string {
		t.Helper()
		var it item[handlers.Article]
		getOK(t, app, "/api/v1/articles/linked-article", &it)
		return refSlugs(it.Data.Campaigns)
	}
	// A page after the first, from a cursor: the one that holds linked-article
	// alone.
	var cursorPage string
	for path := "/api/v1/articles?limit=1"; cursorPage == "" && path != ""; {
		var p page[slugged]
		getOK(t, app, path, &p)
		switch {
		case len(p.Data) == 1 && p.Data[0].Slug == "linked-article":
			cursorPage = path
		case p.Links.Next != nil:
			path = *p.Links.Next
		default:
			t.Fatal("no page lists linked-article")
		}
	}
	if !strings.Contains(cursorPage, "cursor=") {
		t.Fatalf("linked-article is on the first page (%s); the test wants it on a later one", cursorPage)
	}
	paths := []string{"/api/v1/articles", cursorPage, "/api/v1/articles?region=cumbria"}

	t.Run("OKBeforeTime", func(t *testing.T) {
		for _, p := range paths {
			equalSlices(t, p, campaignsOf(t, p), []string{})
		}
		equalSlices(t, "article page", pageCampaigns(t), []string{})
	})

	t.Run("OKWhenDue", func(t *testing.T) {
		app.Clock.Set(due)
		for _, p := range paths {
			equalSlices(t, p, campaignsOf(t, p), []string{"scheduled-campaign"})
		}
		equalSlices(t, "article page", pageCampaigns(t), []string{"scheduled-campaign"})
	})
}
