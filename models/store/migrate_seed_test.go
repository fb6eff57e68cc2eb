package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
	"signpost/models/markdown"
	"signpost/models/seed"
	"signpost/models/store"
)

// oldSeedText is the seed's text as databases loaded before migration 0007 hold it,
// where it made claims the seed facts do not.
var oldSeedText = []struct{ table, column, slug, text string }{
	{"organisations", "description", "cumbria-cyber-and-digital-crime-unit", "The force's unit for online offending, led by Detective Inspector Fiona Gray and funded by Cumbria's Police, Fire and Crime Commissioner."},
	{"organisations", "description", "crimestoppers", "An independent charity that takes reports of crime anonymously and passes them on to the police or other agencies."},
	{"organisations", "description", "cumbria-police-fire-and-crime-commissioner", "The office of Cumbria's elected Police, Fire and Crime Commissioner, Peter McCall. It funds the Cyber and Digital Crime Unit."},
	{"organisations", "description", "uk-police-forces", "The territorial police forces of the United Kingdom, reached through the 101 non-emergency number."},
	{"organisations", "description", "uk-emergency-services", "Police, fire, ambulance and coastguard, reached through 999."},
	{"topics", "description", "indecent-images-of-children", "Viewing, sharing or making sexual images of children, which is a crime."},
	{"topics", "description", "reporting-crime", "Telling the police or an independent charity about a crime or a concern."},
	{"helplines", "description", "stop-it-now", "Confidential advice for anyone worried about child sexual abuse: people worried about their own sexual thoughts or behaviour towards children, people worried about another adult or about a child's or young person's sexual behaviour, professionals, and adult survivors. Callers do not have to say who they are."},
	{"helplines", "confidentiality_note", "crimestoppers", "Crimestoppers promises anonymity rather than confidentiality: calls are not traced (no caller line display) and IP addresses are removed from online forms, but what you report is passed on."},
	{"campaigns", "summary", "tackling-online-child-sexual-exploitation", "Police work across the region and the country against online child sexual exploitation. Cumbria Constabulary's Cyber and Digital Crime Unit took part with a week of action. The campaign's formal name and dates are not given in our source."},
	{"campaigns", "summary", "stop-it-now-deterrence", "National messaging from the Lucy Faithfull Foundation, shared by police forces on social media, that points people worried about their own behaviour towards children to the Stop It Now! helpline."},
	{"articles", "summary", "cumbria-week-of-action-online-child-sexual-abuse", "Cumbria Constabulary's Cyber and Digital Crime Unit spent a week targeting people suspected of viewing indecent images of children. Six children were safeguarded, two warrants executed and two people arrested."},
}

// TestMigrateSeedFixes puts a seeded database back in the state the seed of before
// migrations 0006 and 0007 left it in (no keywords, the article counting for both
// campaigns, 101 without a cost, the old text), runs 0007 again, and checks that it
// then holds what a new database is seeded with, leaving rows an editor changed alone.
func TestMigrateSeedFixes(t *testing.T) {
	sqliteOnly(t, "SQLite's data-mending migrations (0007, 0011), which PostgreSQL has no counterpart of")
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	exec := func(q string, args ...string) {
		t.Helper()
		for _, a := range args {
			q = strings.Replace(q, "?", "'"+strings.ReplaceAll(a, "'", "''")+"'", 1)
		}
		if err := store.WriterExec(ctx, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const slug = "cumbria-week-of-action-online-child-sexual-abuse"
	exec(`UPDATE helplines SET keywords = '[]'`)
	exec(`UPDATE article_campaigns SET reports_work = TRUE`)
	exec(`UPDATE contacts SET cost = '' WHERE value IN ('101', '18001 101')`)
	for _, o := range oldSeedText {
		exec(`UPDATE `+o.table+` SET `+o.column+` = ? WHERE slug = ?`, o.text, o.slug)
	}
	for _, col := range []string{"body_markdown", "body_html", "body_text"} {
		exec(`UPDATE article_bodies SET ` + col + ` = replace(` + col + `, 'held a week of action, described as a', 'held a week of action, which the force called a')`)
	}
	// Published long ago, so that the migration's feed events (at the real time) see
	// the items as public.
	for _, table := range []string{"helplines", "campaigns", "articles"} {
		exec(`UPDATE ` + table + ` SET published_at = '2020-01-01 00:00:00+00:00'`)
	}
	// Rows an editor has changed since: their own words stay.
	exec(`UPDATE organisations SET description = 'Our own words.' WHERE slug = 'uk-emergency-services'`)
	exec(`UPDATE helplines SET name = 'Police 101' WHERE slug = 'police-101'`)
	before, err := s.FindHelpline(ctx, "stop-it-now", time.Time{}, models.Visibility{Editor: true})
	if err != nil {
		t.Fatal(err)
	}
	// 0007 refills the search index as row ids were then; 0011 runs after it again,
	// as it does on a database that had neither.
	exec(`DELETE FROM schema_migrations WHERE version IN (7, 11)`)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}

	t.Run("Keywords", func(t *testing.T) {
		for _, want := range seed.Helplines() {
			h, err := s.FindHelpline(ctx, want.Slug, time.Time{}, models.Visibility{Editor: true})
			if err != nil {
				t.Fatal(err)
			}
			if want.Slug == "police-101" {
				want.Keywords = []string{} // renamed by an editor: left alone
			}
			if !slices.Equal(h.Keywords, want.Keywords) {
				t.Errorf("%s keywords %q, want %q", want.Slug, h.Keywords, want.Keywords)
			}
		}
		hits, err := s.Search(ctx, models.SearchFilter{Q: "am I a paedophile"})
		if err != nil || len(hits) == 0 || hits[0].Slug != "stop-it-now" {
			t.Errorf("search: %+v, %v", hits, err)
		}
	})

	t.Run("CampaignTotals", func(t *testing.T) {
		a, err := s.FindArticle(ctx, slug, models.Visibility{})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.ReportsWorkFor) != 1 || a.ReportsWorkFor[0].Slug != "tackling-online-child-sexual-exploitation" {
			t.Errorf("reports_work_for %+v", a.ReportsWorkFor)
		}
		c, err := s.FindCampaign(ctx, "stop-it-now-deterrence", models.Visibility{})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Totals) != 0 {
			t.Errorf("deterrence campaign totals %+v, want none", c.Totals)
		}
	})

	t.Run("Text", func(t *testing.T) {
		for _, o := range seed.Organisations {
			got, err := s.FindOrganisation(ctx, o.Slug)
			if err != nil {
				t.Fatal(err)
			}
			want := o.Description
			if o.Slug == "uk-emergency-services" {
				want = "Our own words."
			}
			if got.Description != want {
				t.Errorf("organisation %s: %q, want %q", o.Slug, got.Description, want)
			}
		}
		topics, err := s.Topics(ctx, models.TopicFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range seed.Topics {
			i := slices.IndexFunc(topics, func(x models.Topic) bool { return x.Slug == want.Slug })
			if i < 0 || topics[i].Description != want.Description {
				t.Errorf("topic %s: %+v, want %q", want.Slug, topics, want.Description)
			}
		}
		for _, want := range seed.Helplines() {
			h, err := s.FindHelpline(ctx, want.Slug, time.Time{}, models.Visibility{})
			if err != nil {
				t.Fatal(err)
			}
			if h.Description != want.Description || h.ConfidentialityNote != want.ConfidentialityNote {
				t.Errorf("helpline %s: %q / %q", want.Slug, h.Description, h.ConfidentialityNote)
			}
			for i, c := range h.Contacts {
				if c.Cost != want.Contacts[i].Cost {
					t.Errorf("helpline %s contacts[%d].cost %q, want %q", want.Slug, i, c.Cost, want.Contacts[i].Cost)
				}
			}
		}
		for _, want := range seed.Campaigns() {
			c, err := s.FindCampaign(ctx, want.Slug, models.Visibility{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Summary != want.Summary {
				t.Errorf("campaign %s: %q", want.Slug, c.Summary)
			}
		}
		want := seed.Articles()[0]
		a, err := s.FindArticle(ctx, slug, models.Visibility{Editor: true})
		if err != nil {
			t.Fatal(err)
		}
		html, text, err := markdown.Render(want.BodyMarkdown)
		if err != nil {
			t.Fatal(err)
		}
		if a.Summary != want.Summary || a.BodyMarkdown != want.BodyMarkdown || a.BodyHTML != html || a.BodyText != text {
			t.Errorf("article: summary %q\nbody %q\nhtml %q\ntext %q", a.Summary, a.BodyMarkdown, a.BodyHTML, a.BodyText)
		}
	})

	t.Run("VersionsAndFeed", func(t *testing.T) {
		after, err := s.FindHelpline(ctx, "stop-it-now", time.Time{}, models.Visibility{Editor: true})
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version+1 {
			t.Errorf("version %d, want %d", after.Version, before.Version+1)
		}
		page, err := s.Changes(ctx, models.ChangeFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var updated []string
		for _, c := range page.Items {
			if c.Action == models.ChangeUpdate {
				updated = append(updated, c.ItemType+" "+c.Slug)
			}
		}
		for _, want := range []string{"helpline stop-it-now", "helpline crimestoppers", "helpline police-101", "campaign stop-it-now-deterrence",
			"article " + slug, "organisation crimestoppers"} {
			if !slices.Contains(updated, want) {
				t.Errorf("updates %v lack %s", updated, want)
			}
		}
		if slices.ContainsFunc(updated, func(u string) bool { return strings.HasSuffix(u, "uk-emergency-services") }) {
			t.Errorf("updates %v name an item the migration left alone", updated)
		}
	})
}
