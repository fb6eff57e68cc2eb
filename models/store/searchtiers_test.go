package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
	"signpost/models/store"
)

// searchScores returns the slugs and the scores of a search's hits, in order.
func searchScores(tb testing.TB, s *store.Store, f models.SearchFilter) ([]string, []float64) {
	tb.Helper()
	hits, err := s.Search(context.Background(), f)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", f, err)
	}
	var slugs []string
	var scores []float64
	for _, h := range hits {
		slugs, scores = append(slugs, h.Slug), append(scores, h.Score)
	}
	return slugs, scores
}

// tierArticles creates articles that have the word zebrafish in different places,
// each an hour after the one before, and returns their slugs by where the word is.
func tierArticles(t *testing.T, s *store.Store, c *store.Clock) map[string]string {
	t.Helper()
	made := map[string]string{}
	for i, a := range []struct {
		key string
		art models.Article
	}{
		{"titleOld", models.Article{Title: "Zebrafish count", Summary: "A count.", BodyMarkdown: "Numbers."}},
		{"body", models.Article{Title: "News from the coast", Summary: "Sightings.", BodyMarkdown: "A zebrafish was seen near the harbour."}},
		{"summary", models.Article{Title: "Coastal notes", Summary: "A zebrafish and a harbour seal.", BodyMarkdown: "More notes."}},
		{"split", models.Article{Title: "Zebrafish return", Summary: "They are back.", BodyMarkdown: "Seen by the harbour wall."}},
		{"rescueBody", models.Article{Title: "Zebrafish tank", Summary: "A tank.", BodyMarkdown: "A rescue of fish."}},
		{"titleNew", models.Article{Title: "Zebrafish rescue", Summary: "Volunteers.", BodyMarkdown: "Fish from a tank."}},
	} {
		c.Set(epoch.Add(time.Duration(i-10) * time.Hour))
		made[a.key] = mustCreateArticle(t, s, a.art).Slug
	}
	c.Set(epoch)
	return made
}

// TestSearchTiers checks the relevance order of search: hits with all the words in
// their title first, then those with them in the title, summary and topics, then the
// rest; within a tier the newest first, and helplines, then campaigns, then
// articles; the score is the tier.
func TestSearchTiers(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, true)
	a := tierArticles(t, s, c)
	articles := []string{"article"}

	slugs, scores := searchScores(t, s, models.SearchFilter{Q: "zebrafish", Types: articles})
	want := []string{a["titleNew"], a["rescueBody"], a["split"], a["titleOld"], a["summary"], a["body"]}
	if !slices.Equal(slugs, want) || !slices.Equal(scores, []float64{3, 3, 3, 3, 2, 1}) {
		t.Errorf("q=zebrafish: %v %v, want %v with scores 3, 3, 3, 3, 2, 1", slugs, scores, want)
	}
	// All the words must be in a tier's columns: the title and the body together are
	// the last tier.
	slugs, scores = searchScores(t, s, models.SearchFilter{Q: "zebrafish harbour", Types: articles})
	if want := []string{a["summary"], a["split"], a["body"]}; !slices.Equal(slugs, want) || !slices.Equal(scores, []float64{2, 1, 1}) {
		t.Errorf("q=zebrafish harbour: %v %v, want %v with scores 2, 1, 1", slugs, scores, want)
	}
	// An excluded word is excluded from every column, whatever the tier.
	slugs, _ = searchScores(t, s, models.SearchFilter{Q: "zebrafish NOT rescue", Types: articles})
	if want := []string{a["split"], a["titleOld"], a["summary"], a["body"]}; !slices.Equal(slugs, want) {
		t.Errorf("q=zebrafish NOT rescue: %v, want %v", slugs, want)
	}
	// The limit takes the best: here the whole first tier and the best of the second.
	slugs, scores = searchScores(t, s, models.SearchFilter{Q: "zebrafish OR seal", Types: articles, Limit: 5})
	if want := []string{a["titleNew"], a["rescueBody"], a["split"], a["titleOld"], a["summary"]}; !slices.Equal(slugs, want) ||
		!slices.Equal(scores, []float64{3, 3, 3, 3, 2}) {
		t.Errorf("q=zebrafish OR seal limit 5: %v %v, want %v with scores 3, 3, 3, 3, 2", slugs, scores, want)
	}
	// A topic's name counts as the summary.
	topical := mustCreateArticle(t, s, models.Article{Title: "Weekly round-up", Summary: "Notes.",
		BodyMarkdown: "Nothing more.", Topics: []models.Ref{{Slug: "indecent-images-of-children"}}}).Slug
	slugs, scores = searchScores(t, s, models.SearchFilter{Q: "indecent images", Types: articles})
	if i := slices.Index(slugs, topical); i < 0 || scores[i] != 2 {
		t.Errorf("q=indecent images: %v %v, want %s with score 2", slugs, scores, topical)
	}

	// Within a tier: helplines, then campaigns, then articles, however new the article.
	named := mustCreateArticle(t, s, models.Article{Title: "Stop It Now at the fair", Summary: "A stall."}).Slug
	slugs, scores = searchScores(t, s, models.SearchFilter{Q: `"stop it now"`})
	want = []string{"stop-it-now", "stop-it-now-deterrence", named, "cumbria-week-of-action-online-child-sexual-abuse"}
	if !slices.Equal(slugs, want) || !slices.Equal(scores, []float64{3, 3, 3, 1}) {
		t.Errorf(`q="stop it now": %v %v, want %v with scores 3, 3, 3, 1`, slugs, scores, want)
	}
	// A helpline's keywords count as its name.
	slugs, scores = searchScores(t, s, models.SearchFilter{Q: "paedophile"})
	if len(slugs) == 0 || slugs[0] != "stop-it-now" || scores[0] != 3 {
		t.Errorf("q=paedophile: %v %v, want stop-it-now first with score 3", slugs, scores)
	}
}

// TestSearchTierSnippets checks what a hit shows under its title in each tier: a
// title match its summary, with the words marked where they are; a summary match the
// summary; a body match the body around the words.
func TestSearchTierSnippets(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, false)
	a := tierArticles(t, s, c)
	both := mustCreateArticle(t, s, models.Article{Title: "Zebrafish day", Summary: "The zebrafish day was fun.",
		BodyMarkdown: "Filler words. " + strings.Repeat("More filler. ", 40) + "A zebrafish at the end."}).Slug
	empty := mustCreateArticle(t, s, models.Article{Title: "Zebrafish notes", BodyMarkdown: "Only a body, no zebrafish summary."}).Slug
	hits, err := s.Search(context.Background(), models.SearchFilter{Q: "zebrafish", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	snippets := map[string]string{}
	for _, h := range hits {
		snippets[h.Slug] = h.Snippet
	}
	for slug, want := range map[string]string{
		a["titleNew"]: "Volunteers.",
		both:          "The <mark>zebrafish</mark> day was fun.",
		empty:         "Only a body, no <mark>zebrafish</mark> summary.",
		a["summary"]:  "A <mark>zebrafish</mark> and a harbour seal.",
		a["body"]:     "A <mark>zebrafish</mark> was seen near the harbour.",
	} {
		if got := snippets[slug]; got != want {
			t.Errorf("snippet of %s: %q, want %q", slug, got, want)
		}
	}
}

// TestSearchListRelevance checks the relevance order of the lists with q: articles
// and campaigns by tier, the newest first within one; helplines by tier, then in
// their own order; cursors that follow it; the lists' own order on request.
func TestSearchListRelevance(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, true)
	ctx := context.Background()
	a := tierArticles(t, s, c)
	ranked := []string{a["titleNew"], a["rescueBody"], a["split"], a["titleOld"], a["summary"], a["body"]}

	t.Run("Articles", func(t *testing.T) {
		for _, limit := range []int{1, 2, 4, 20} {
			items := walkPages(t, limit, func(cursor string) (models.Page[models.Article], error) {
				return s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			if got := slugsOf(items); !slices.Equal(got, ranked) {
				t.Errorf("limit %d: %v, want %v", limit, got, ranked)
			}
			// The public list's ready-made JSON comes in the same order, page by page.
			rendered := walkPages(t, limit, func(cursor string) (models.Page[models.Rendered], error) {
				return s.RankedArticlesJSON(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			var got []string
			for _, r := range rendered {
				got = append(got, r.Slug)
				if !strings.Contains(string(r.JSON), `"slug":"`+r.Slug+`"`) {
					t.Errorf("JSON of %s: %.200s", r.Slug, r.JSON)
				}
			}
			if !slices.Equal(got, ranked) {
				t.Errorf("RankedArticlesJSON limit %d: %v, want %v", limit, got, ranked)
			}
		}
		// The list's own order, newest first, when asked for.
		page, err := s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish"})
		if err != nil {
			t.Fatal(err)
		}
		newest := []string{a["titleNew"], a["rescueBody"], a["split"], a["summary"], a["body"], a["titleOld"]}
		if got := slugsOf(page.Items); !slices.Equal(got, newest) {
			t.Errorf("own order: %v, want %v", got, newest)
		}
		// Filters apply as in the list's own order.
		before := epoch.Add(-6 * time.Hour)
		page, err = s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, PublishedBefore: &before})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := slugsOf(page.Items), []string{a["split"], a["titleOld"], a["summary"], a["body"]}; !slices.Equal(got, want) {
			t.Errorf("published_before: %v, want %v", got, want)
		}
	})

	t.Run("Drafts", func(t *testing.T) {
		draft := mustCreateArticle(t, s, models.Article{Title: "Zebrafish draft", Status: models.StatusDraft}).Slug
		page, err := s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Limit: 1})
		if err != nil || len(page.Items) != 1 || page.Items[0].Slug != a["titleNew"] {
			t.Errorf("public: %v, %v, want %s first", slugsOf(page.Items), err, a["titleNew"])
		}
		page, err = s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Limit: 1, Visibility: models.Visibility{Editor: true}})
		if err != nil || len(page.Items) != 1 || page.Items[0].Slug != draft {
			t.Errorf("editor: %v, %v, want the draft %s first", slugsOf(page.Items), err, draft)
		}
		if err := s.DeleteArticle(ctx, "test", draft, 0); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Campaigns", func(t *testing.T) {
		org, err := s.CreateOrganisation(ctx, "test", &models.Organisation{Name: "Quagga Trust", Kind: "charity"})
		if err != nil {
			t.Fatal(err)
		}
		var made []string
		for _, cp := range []models.Campaign{
			{Name: "Coastal week", Summary: "For the quagga.", Scope: "local"},
			{Name: "Quagga week", Summary: "A week.", Scope: "local"},
			{Name: "Another week", Summary: "Run by a trust.", Scope: "local", Organiser: &models.Ref{Slug: org.Slug}},
			{Name: "Quagga month", Summary: "A month.", Scope: "national"},
		} {
			cp.Status = models.StatusPublished
			out, err := s.CreateCampaign(ctx, "test", &cp)
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, out.Slug)
		}
		want := []string{made[3], made[1], made[0], made[2]}
		for _, limit := range []int{1, 3, 20} {
			items := walkPages(t, limit, func(cursor string) (models.Page[models.Campaign], error) {
				return s.FindCampaigns(ctx, models.CampaignFilter{Q: "quagga", Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			var got []string
			for _, cp := range items {
				got = append(got, cp.Slug)
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: %v, want %v", limit, got, want)
			}
		}
		page, err := s.FindCampaigns(ctx, models.CampaignFilter{Q: "quagga", Sort: models.SortRelevance, Scope: "local"})
		if err != nil || len(page.Items) != 3 || page.Items[0].Slug != made[1] {
			t.Errorf("scope=local: %+v, %v, want %s first", page.Items, err, made[1])
		}
		page, err = s.FindCampaigns(ctx, models.CampaignFilter{Q: "quagga"})
		if err != nil || len(page.Items) != 4 || page.Items[0].Slug != made[2] {
			t.Errorf("own order: %+v, %v, want %s (Another week) first", page.Items, err, made[2])
		}
	})

	t.Run("Helplines", func(t *testing.T) {
		// "children" is in Stop It Now!'s keywords, and in Crimestoppers' topics
		// only, while the list's own order puts Crimestoppers first (by name).
		want := []string{"stop-it-now", "crimestoppers"}
		for _, limit := range []int{1, 2, 20} {
			items := walkPages(t, limit, func(cursor string) (models.Page[models.Helpline], error) {
				return s.FindHelplines(ctx, models.HelplineFilter{Q: "children", Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			var got []string
			for _, h := range items {
				got = append(got, h.Slug)
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: %v, want %v", limit, got, want)
			}
		}
		page, err := s.FindHelplines(ctx, models.HelplineFilter{Q: "children"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range page.Items {
			got = append(got, h.Slug)
		}
		if want := []string{"crimestoppers", "stop-it-now"}; !slices.Equal(got, want) {
			t.Errorf("own order: %v, want %v", got, want)
		}
	})

	t.Run("ErrParams", func(t *testing.T) {
		_, err := s.FindArticles(ctx, models.ArticleFilter{Sort: models.SortRelevance})
		mustBadParam(t, err, "sort")
		_, err = s.FindArticles(ctx, models.ArticleFilter{Q: "x", Sort: "oldest"})
		mustBadParam(t, err, "sort")
		_, err = s.FindHelplines(ctx, models.HelplineFilter{Sort: models.SortRelevance})
		mustBadParam(t, err, "sort")
		_, err = s.FindCampaigns(ctx, models.CampaignFilter{Sort: models.SortRelevance})
		mustBadParam(t, err, "sort")
		_, err = s.RankedArticlesJSON(ctx, models.ArticleFilter{Q: "NOT x", Sort: models.SortRelevance})
		mustBadParam(t, err, "q")

		// A cursor of one order is refused by the other.
		own, err := s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Limit: 1})
		if err != nil || own.NextCursor == "" {
			t.Fatalf("own order: %v, %q", err, own.NextCursor)
		}
		rel, err := s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Limit: 1})
		if err != nil || rel.NextCursor == "" {
			t.Fatalf("relevance: %v, %q", err, rel.NextCursor)
		}
		_, err = s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Cursor: own.NextCursor})
		mustBadParam(t, err, "cursor")
		_, err = s.RankedArticlesJSON(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance, Cursor: own.NextCursor})
		mustBadParam(t, err, "cursor")
		_, err = s.FindArticles(ctx, models.ArticleFilter{Q: "zebrafish", Cursor: rel.NextCursor})
		mustBadParam(t, err, "cursor")
		hl, err := s.FindHelplines(ctx, models.HelplineFilter{Q: "police", Limit: 1})
		if err != nil || hl.NextCursor == "" {
			t.Fatalf("helplines: %v, %q", err, hl.NextCursor)
		}
		_, err = s.FindHelplines(ctx, models.HelplineFilter{Q: "police", Sort: models.SortRelevance, Cursor: hl.NextCursor})
		mustBadParam(t, err, "cursor")

		// The ready-made list of the own order is not for the relevance order.
		if _, err := s.FindArticlesJSON(ctx, models.ArticleFilter{Q: "zebrafish", Sort: models.SortRelevance}); err == nil || models.ErrorCode(err) == models.EBADPARAM {
			t.Errorf("FindArticlesJSON in the relevance order: %v, want an internal error", err)
		}
	})
}

// TestSearchPlan checks that SQLite reads a search the way that keeps its cost to
// the hits it returns: the index's own row id order with the type's bounds, no sort
// of all the matches, each item looked up by its id.
func TestSearchPlan(t *testing.T) {
	sqliteOnly(t, "FTS5 query plans")
	s, _ := MustOpenStore(t, true)
	plans, err := store.SearchPlans(context.Background(), s, "police")
	if err != nil {
		t.Fatal(err)
	}
	for name, plan := range plans {
		text := strings.Join(plan, "\n")
		// FTS5 names the bounds on the row id it was given "><" in its plan.
		if strings.Contains(text, "TEMP B-TREE") || !strings.Contains(text, "SCAN s VIRTUAL TABLE INDEX") ||
			!strings.Contains(text, "><") || !strings.Contains(text, "SEARCH a USING INTEGER PRIMARY KEY") {
			t.Errorf("%s: plan\n%s\nwants the index scanned in its order within bounds and articles looked up by id, with no sort", name, text)
		}
	}
}
