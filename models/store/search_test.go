package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"signpost/models/store"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// safeExpr is the shape of every expression parseQuery may emit: quoted terms of
// letters, marks and digits (optionally a prefix), parentheses and the three
// operators. Nothing else can reach FTS5.
var safeExpr = regexp.MustCompile(`^(?:"[\p{L}\p{M}\p{N}]+(?: [\p{L}\p{M}\p{N}]+)*"\*?|[()]| AND | OR | NOT )+$`)

// nastyQueries is the seed corpus of the fuzz test, and what the API test sends.
var nastyQueries = []string{
	"", `"`, `""`, "*", "**", "AND", "OR", "NOT", "NOT x", "x NOT", "x AND", "AND x", "(", ")", "()", "(x", "x)",
	"title:foo", "summary : x", "^", "^x", "-x", "x -y", "+x", "x + y", "'; DROP TABLE articles; --", "NEAR(a b, 2)",
	"a*", "ab*", "\"ab\"*", "* ab", "x\x00y", "\x00", "\xff\xfe", "caf\xe9", "🙂", "x 🙂", "\ue000x\ue001",
	"crème brûlée", "CRÈME", "ǅungla", "İstanbul", "ß", "ﬁ", "Ⅻ", "٣", "a\u0301", "\u0301", "e\u200dx",
	"((((((((((a))))))))))", "a OR (b NOT (c AND (d OR e)))", "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f",
	strings.Repeat("x", 500), strings.Repeat("(", 250), strings.Repeat("a OR ", 40) + "a",
	"{x}", "[x]", "x:y:z", "col:", ":", `"a" "b"`, `"a"b"c"`, `"a" AND "`, "x\ny", "x\ty", "\u2028x",
}

func FuzzParseQuery(f *testing.F) {
	searchOnPostgres(f)
	for _, q := range nastyQueries {
		f.Add(q)
	}
	s, _ := MustOpenStore(f, true)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		expr, err := store.ParseQuery(q)
		if err != nil {
			mustBadParam(t, err, "q")
		} else {
			if !safeExpr.MatchString(expr) {
				t.Fatalf("ParseQuery(%q) = %q: not of the safe shape", q, expr)
			}
			if _, err := store.MatchCount(ctx, s, expr); err != nil {
				t.Fatalf("ParseQuery(%q) = %q, which SQLite refuses: %v", q, expr, err)
			}
		}
		// Through the store, whatever the input: results or EBADPARAM, never more.
		if _, err := s.Search(ctx, models.SearchFilter{Q: q}); err != nil && models.ErrorCode(err) != models.EBADPARAM {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}

// searchSlugs returns the slugs of a search's hits, in order.
func searchSlugs(tb testing.TB, s *store.Store, f models.SearchFilter) []string {
	tb.Helper()
	hits, err := s.Search(context.Background(), f)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", f, err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Slug
	}
	return out
}

func mustCreateArticle(tb testing.TB, s *store.Store, a models.Article) *models.Article {
	tb.Helper()
	if a.Status == "" {
		a.Status = models.StatusPublished
	}
	out, err := s.CreateArticle(context.Background(), "test", &a)
	if err != nil {
		tb.Fatalf("create article %q: %v", a.Title, err)
	}
	return out
}

func TestSearchSeed(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, true)
	const cumbria = "cumbria-week-of-action-online-child-sexual-abuse"
	for _, c := range []struct{ q, first string }{
		{"safeguarded", cumbria},
		{"Crimestoppers", "crimestoppers"},
		{"intensification", cumbria},
		{"deterrence", "stop-it-now-deterrence"},
		{"0808", "stop-it-now"},
	} {
		got := searchSlugs(t, s, models.SearchFilter{Q: c.q})
		if len(got) == 0 || got[0] != c.first {
			t.Errorf("q=%s: %v, want %s first", c.q, got, c.first)
		}
	}
	got := searchSlugs(t, s, models.SearchFilter{Q: `"Stop It Now" helpline`})
	if len(got) < 2 || !slices.Contains(got[:2], "stop-it-now") || !slices.Contains(got[:2], "stop-it-now-deterrence") {
		t.Errorf(`q="Stop It Now" helpline: %v, want the helpline and the campaign named so first`, got)
	}
}

func TestSearchRanking(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, true)
	body := mustCreateArticle(t, s, models.Article{Title: "News from the coast", Summary: "Sightings.",
		BodyMarkdown: "A zebrafish was seen near the harbour, and a zebrafish tank was found."})
	c.Set(epoch.Add(-time.Hour)) // older, so newest-first order differs from rank order
	title := mustCreateArticle(t, s, models.Article{Title: "Zebrafish rescue", Summary: "Sightings.",
		BodyMarkdown: "Volunteers rescued fish from a tank."})
	c.Set(epoch)
	hits, err := s.Search(context.Background(), models.SearchFilter{Q: "zebrafish"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Slug != title.Slug || hits[1].Slug != body.Slug {
		t.Fatalf("hits %+v: want the title match %s before the body match %s", hits, title.Slug, body.Slug)
	}
	if !(hits[0].Score > hits[1].Score && hits[1].Score > 0) {
		t.Errorf("scores %v, %v: want positive and descending", hits[0].Score, hits[1].Score)
	}
	if hits[0].Type != "article" || hits[0].Title != "Zebrafish rescue" || hits[0].PublishedAt == nil {
		t.Errorf("hit %+v", hits[0])
	}
	// Without Sort, the list's q filters and keeps its own order: newest first.
	page, err := s.FindArticles(context.Background(), models.ArticleFilter{Q: "zebrafish"})
	if err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(page.Items); !slices.Equal(got, []string{body.Slug, title.Slug}) {
		t.Errorf("FindArticles q=zebrafish: %v, want newest first", got)
	}
}

func slugsOf(items []models.Article) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.Slug
	}
	return out
}

func TestSearchSyntax(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, false)
	d1 := mustCreateArticle(t, s, models.Article{Title: "Quokka outreach", BodyMarkdown: "Volunteers met keepers in the Crème valley."}).Slug
	d2 := mustCreateArticle(t, s, models.Article{Title: "Wombat report", BodyMarkdown: "A wombat and a quokka shared a burrow during the week of action."}).Slug
	d3 := mustCreateArticle(t, s, models.Article{Title: "Numbat news", BodyMarkdown: "Numbat sightings rose. Action week of numbats."}).Slug
	for _, c := range []struct {
		q    string
		want []string // in rank order where it matters, else sorted by the test
	}{
		{"quokka", []string{d1, d2}},
		{"QUOKKA", []string{d1, d2}},
		{`"week of action"`, []string{d2}},
		{"week action", []string{d2, d3}},
		{"wom*", []string{d2}},
		{"WOMB*", []string{d2}},
		{"numbat*", []string{d3}},
		{"quokka AND wombat", []string{d2}},
		{"quokka wombat", []string{d2}},
		{"wombat and", []string{d2}},
		{"quokka OR numbat", []string{d1, d2, d3}},
		{"quokka NOT wombat", []string{d1}},
		{"quokka AND NOT wombat", []string{d1}},
		{"(wombat OR numbat) AND action", []string{d2, d3}},
		{"numbat OR wombat quokka", []string{d2, d3}},
		{"creme", []string{d1}},
		{"Crème", []string{d1}},
		{"CRÈME", []string{d1}},
		{"crême", []string{d1}},
		{"cre\u0300me", []string{d1}},
		{"Volunteer", nil},
		{"voluntee*", []string{d1}},
	} {
		got := searchSlugs(t, s, models.SearchFilter{Q: c.q, Types: []string{"article"}})
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("q=%s: %v, want %v", c.q, got, want)
		}
	}
	if got := searchSlugs(t, s, models.SearchFilter{Q: "quokka"}); len(got) < 1 || got[0] != d1 {
		t.Errorf("q=quokka: %v, want the title match %s first", got, d1)
	}
}

func TestSearchSnippets(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, true)
	a := mustCreateArticle(t, s, models.Article{Title: "Ocelot <script>alert(1)</script> & friends",
		Summary:      "Cats <b>and</b> the ocelot \ue000marker\ue001 & co.",
		BodyMarkdown: "Nothing about big cats here."})
	hits, err := s.Search(context.Background(), models.SearchFilter{Q: "ocelot"})
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %+v, %v", hits, err)
	}
	h := hits[0]
	if h.Title != a.Title {
		t.Errorf("title %q, want the plain title %q", h.Title, a.Title)
	}
	want := "Cats &lt;b&gt;and&lt;/b&gt; the <mark>ocelot</mark> marker &amp; co."
	if h.Snippet != want {
		t.Errorf("snippet %q, want %q", h.Snippet, want)
	}

	// A body match shows the body around the match; a title-only match shows the
	// summary's opening; the markup of content is always escaped.
	b := mustCreateArticle(t, s, models.Article{Title: "Lynx", Summary: "A <i>summary</i>.",
		BodyMarkdown: strings.Repeat("Filler words come first. ", 20) + "Then the caracal appears, with `<script>` in code."})
	for _, c := range []struct{ q, want string }{
		{"caracal", "<mark>caracal</mark>"},
		{"lynx", "A &lt;i&gt;summary&lt;/i&gt;."},
		{"caracal script", "<mark>script</mark>"},
	} {
		hits, err := s.Search(context.Background(), models.SearchFilter{Q: c.q})
		if err != nil || len(hits) != 1 || hits[0].Slug != b.Slug {
			t.Fatalf("q=%s: %+v, %v", c.q, hits, err)
		}
		sn := hits[0].Snippet
		if !strings.Contains(sn, c.want) {
			t.Errorf("q=%s: snippet %q, want it to contain %q", c.q, sn, c.want)
		}
		if strings.Contains(sn, "<script") || strings.Count(sn, "<mark>") != strings.Count(sn, "</mark>") ||
			strings.Count(sn, "<") != strings.Count(sn, "<mark>")+strings.Count(sn, "</mark>") {
			t.Errorf("q=%s: snippet %q has markup other than <mark>", c.q, sn)
		}
	}
}

func TestSearchFilter(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, true)
	ctx := context.Background()
	if got := searchSlugs(t, s, models.SearchFilter{Q: "crimestoppers", Types: []string{"helpline"}}); !slices.Equal(got, []string{"crimestoppers"}) {
		t.Errorf("type=helpline: %v", got)
	}
	if got := searchSlugs(t, s, models.SearchFilter{Q: "stop", Types: []string{"campaign"}}); !slices.Equal(got, []string{"stop-it-now-deterrence"}) {
		t.Errorf("type=campaign: %v", got)
	}
	if got := searchSlugs(t, s, models.SearchFilter{Q: "cumbria OR stop OR police", Limit: 2}); len(got) != 2 {
		t.Errorf("limit 2: %v", got)
	}
	_, err := s.Search(ctx, models.SearchFilter{Q: "x", Types: []string{"organisation"}})
	mustBadParam(t, err, "type")
	_, err = s.Search(ctx, models.SearchFilter{Q: "x", Limit: 101})
	mustBadParam(t, err, "limit")
	_, err = s.Search(ctx, models.SearchFilter{})
	mustBadParam(t, err, "q")

	// Without Sort, q on the helpline and campaign lists filters and keeps their order.
	hp, err := s.FindHelplines(ctx, models.HelplineFilter{Q: "police OR crimestoppers OR 999"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hp.Items {
		got = append(got, h.Slug)
	}
	if want := []string{"crimestoppers", "emergency-999", "police-101"}; !slices.Equal(got, want) {
		t.Errorf("FindHelplines q: %v, want %v (by name)", got, want)
	}
	_, err = s.FindHelplines(ctx, models.HelplineFilter{Q: "x AND"})
	mustBadParam(t, err, "q")
	cp, err := s.FindCampaigns(ctx, models.CampaignFilter{Q: "Faithfull"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range cp.Items {
		got = append(got, c.Slug)
	}
	if want := []string{"stop-it-now-deterrence"}; !slices.Equal(got, want) {
		t.Errorf("FindCampaigns q: %v, want %v", got, want)
	}
	_, err = s.FindCampaigns(ctx, models.CampaignFilter{Q: `"x`})
	mustBadParam(t, err, "q")
	_, err = s.FindArticles(ctx, models.ArticleFilter{Q: "NOT x"})
	mustBadParam(t, err, "q")
}

// TestSearchInStep proves that the index follows every kind of write.
func TestSearchInStep(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, true)
	ctx := context.Background()
	public, editor := models.Visibility{}, models.Visibility{Editor: true}
	find := func(q string, v models.Visibility) []string {
		t.Helper()
		return searchSlugs(t, s, models.SearchFilter{Q: q, Visibility: v})
	}
	expect := func(q string, v models.Visibility, want ...string) {
		t.Helper()
		if got := find(q, v); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("q=%s editor=%v: %v, want %v", q, v.Editor, got, want)
		}
	}

	t.Run("Article", func(t *testing.T) {
		a := mustCreateArticle(t, s, models.Article{Title: "Pangolin patrol", BodyMarkdown: "Officers on patrol."})
		expect("pangolin", public, a.Slug)

		slug := a.Slug
		a.Title, a.Slug = "Armadillo patrol", ""
		a2, err := s.ReplaceArticle(ctx, "test", slug, a, 0)
		if err != nil {
			t.Fatal(err)
		}
		expect("pangolin", public)
		expect("armadillo", public, a2.Slug)

		a2.Slug = "armadillo-patrol-renamed"
		a3, err := s.ReplaceArticle(ctx, "test", slug, a2, 0)
		if err != nil {
			t.Fatal(err)
		}
		expect("armadillo", public, "armadillo-patrol-renamed")

		a3.Status = models.StatusDraft
		if _, err := s.ReplaceArticle(ctx, "test", a3.Slug, a3, 0); err != nil {
			t.Fatal(err)
		}
		expect("armadillo", public)
		expect("armadillo", editor, a3.Slug)
		if page, err := s.FindArticles(ctx, models.ArticleFilter{Q: "armadillo"}); err != nil || len(page.Items) != 0 {
			t.Errorf("public list q=armadillo: %d items, %v", len(page.Items), err)
		}

		if err := s.DeleteArticle(ctx, "test", a3.Slug, 0); err != nil {
			t.Fatal(err)
		}
		expect("armadillo", public)
		expect("armadillo", editor)
	})

	t.Run("Scheduled", func(t *testing.T) {
		due := epoch.Add(time.Hour)
		a := mustCreateArticle(t, s, models.Article{Title: "Capybara count", Status: models.StatusScheduled, PublishAt: &due})
		expect("capybara", public)
		expect("capybara", editor, a.Slug)
		c.Set(due)
		expect("capybara", public, a.Slug)
		c.Set(epoch)
	})

	t.Run("Helpline", func(t *testing.T) {
		org, err := s.CreateOrganisation(ctx, "test", &models.Organisation{Name: "Tapir Trust", Kind: "charity"})
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.CreateHelpline(ctx, "test", &models.Helpline{Name: "Quiet line", Description: "Support for carers.",
			Organisation: &models.Ref{Slug: org.Slug}, Status: models.StatusPublished,
			Coverage: []models.Ref{{Slug: "cumbria"}}, Topics: []models.Ref{{Slug: "reporting-crime"}},
			Contacts: []models.Contact{{Type: "phone", Label: "Okapi desk", Value: "101", Cost: "Charged"}}})
		if err != nil {
			t.Fatal(err)
		}
		expect("tapir", public, h.Slug)
		expect("okapi", public, h.Slug)
		expect("carers", public, h.Slug)
		expect(`"quiet line" "reporting a crime"`, public, h.Slug)

		org.Name, org.Slug = "Margay Trust", ""
		if _, err := s.ReplaceOrganisation(ctx, "test", "tapir-trust", org, 0); err != nil {
			t.Fatal(err)
		}
		expect("tapir", public)
		expect("margay", public, h.Slug)
		if err := s.DeleteOrganisation(ctx, "test", "tapir-trust", 0); err != nil {
			t.Fatal(err)
		}
		expect("margay", public)
		expect("carers", public, h.Slug)

		if err := s.DeleteHelpline(ctx, "test", h.Slug, 0); err != nil {
			t.Fatal(err)
		}
		expect("carers", editor)
	})

	t.Run("Campaign", func(t *testing.T) {
		cp, err := s.CreateCampaign(ctx, "test", &models.Campaign{Name: "Gecko week", Summary: "A week for geckos.",
			Scope: "local", Status: models.StatusPublished, Hashtags: []string{"#GeckoWeek"},
			Partners: []models.Ref{{Slug: "crimestoppers"}}})
		if err != nil {
			t.Fatal(err)
		}
		expect("geckoweek", public, cp.Slug)
		expect("gecko crimestoppers", public, cp.Slug)
		cp.Status = models.StatusArchived
		if _, err := s.ReplaceCampaign(ctx, "test", cp.Slug, cp, 0); err != nil {
			t.Fatal(err)
		}
		expect("geckoweek", public)
		expect("geckoweek", editor, cp.Slug)
		if err := s.DeleteCampaign(ctx, "test", cp.Slug, 0); err != nil {
			t.Fatal(err)
		}
		expect("geckoweek", editor)
	})
}

// TestSearchMigrationFill proves that migrations 0002, 0006 and 0007 fill the index
// exactly as the store's own indexing does, once 0011 has given the rows their
// current ids, so that databases that had content before a migration search the same
// as new ones.
func TestSearchMigrationFill(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, true)
	ctx := context.Background()
	if _, err := s.CreateCampaign(ctx, "test", &models.Campaign{Name: "Extra", Scope: "local", Status: models.StatusDraft,
		Hashtags: []string{"#One", "#Two"}, Organiser: &models.Ref{Slug: "crimestoppers"}, Partners: []models.Ref{{Slug: "candofm"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteArticle(ctx, "test", "cumbria-week-of-action-online-child-sexual-abuse", 0); err != nil {
		t.Fatal(err)
	}
	want, err := store.SearchIndexRows(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 4+2+1 {
		t.Fatalf("index has %d rows, want 7 (4 helplines, 3 campaigns, no deleted article)", len(want))
	}
	relayout, err := os.ReadFile("migrations/sqlite/0011_search_rowids.sql")
	if err != nil {
		t.Fatal(err)
	}
	// Only these migrations before 0011 fill the index with the old row ids. Another
	// one merged later would run after 0011 on databases that have it, and leave rows
	// that no search finds: it must come after 0011 and use its row ids.
	old := []string{"0002_search.sql", "0006_keywords_and_campaign_work.sql", "0007_seed_keywords_and_facts.sql"}
	files, err := filepath.Glob("migrations/sqlite/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if name < "0011" && strings.Contains(string(sql), "INTO search_index") && !slices.Contains(old, name) && name != "0011_search_rowids.sql" {
			t.Errorf("%s fills the search index before 0011: number it after 0011 and give rows 0011's ids", name)
		}
	}
	for _, m := range old {
		sql, err := os.ReadFile("migrations/sqlite/" + m)
		if err != nil {
			t.Fatal(err)
		}
		fill := string(sql)[strings.Index(string(sql), "INSERT INTO search_index"):]
		wantHere := want
		if m == "0002_search.sql" {
			// Migration 0005 moved article bodies to article_bodies; read the body
			// from there as the column stood when 0002 ran. The keywords column came
			// with 0006.
			fill = strings.ReplaceAll(fill, "a.body_text", "(SELECT body_text FROM article_bodies WHERE article_id = a.id)")
			wantHere = nil
			for _, r := range want {
				wantHere = append(wantHere, r[:strings.LastIndex(r, "|")+1])
			}
		}
		if err := store.WriterExec(ctx, s, "DELETE FROM search_index; "+fill+";\n"+string(relayout)); err != nil {
			t.Fatal(err)
		}
		got, err := store.SearchIndexRows(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, wantHere) {
			t.Errorf("%s fill:\n%q\nstore's indexing:\n%q", m, got, wantHere)
		}
	}
	if err := s.RebuildSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.SearchIndexRows(ctx, s); !slices.Equal(got, want) {
		t.Errorf("RebuildSearch:\n%q\nwant:\n%q", got, want)
	}
}

// TestSearchHiddenCandidates proves that hits the caller may not see do not crowd out
// the ones it may: the best-ranked candidates are all drafts, yet the published match
// is found, because the search looks further when too few candidates can be shown.
func TestSearchHiddenCandidates(t *testing.T) {
	searchOnPostgres(t)
	s, _ := MustOpenStore(t, true)
	ctx := context.Background()
	for i := range 40 {
		// Drafts that say the word often rank above the published article below.
		if _, err := s.CreateArticle(ctx, "test", &models.Article{Title: fmt.Sprintf("Quokka quokka quokka draft %d", i),
			Summary: "quokka quokka", Status: models.StatusDraft}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateArticle(ctx, "test", &models.Article{Title: "A published note",
		BodyMarkdown: "One quokka was seen.", Status: models.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(ctx, models.SearchFilter{Q: "quokka", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Slug != "a-published-note" {
		t.Fatalf("public search = %+v, want the published note", hits)
	}
	hits, err = s.Search(ctx, models.SearchFilter{Q: "quokka", Limit: 50, Visibility: models.Visibility{Editor: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 41 {
		t.Fatalf("editor search found %d, want all 41", len(hits))
	}
}

// Hits of the same score are shown the most recently added first, even when there
// are more of them than the search looks up at first (see Search).
func TestSearchTiesBeyondCandidates(t *testing.T) {
	searchOnPostgres(t)
	s, c := MustOpenStore(t, true)
	ctx := context.Background()
	const n = 60
	for i := range n {
		c.Set(epoch.Add(time.Duration(i-n) * time.Hour))
		if _, err := s.CreateArticle(ctx, "test", &models.Article{Slug: fmt.Sprintf("wombat-%02d", i), Title: "Wombat sighting",
			Summary: "A wombat was seen.", Status: models.StatusPublished}); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(epoch)
	for _, limit := range []int{1, 5, 20} {
		got := searchSlugs(t, s, models.SearchFilter{Q: "wombat", Limit: limit})
		var want []string
		for i := n - 1; i >= n-limit; i-- {
			want = append(want, fmt.Sprintf("wombat-%02d", i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: %v, want the latest %v", limit, got, want)
		}
	}
}
