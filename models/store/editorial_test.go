package store_test

import (
	"context"
	"errors"
	"signpost/models/hours"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
)

// mustCode checks that err is a *models.Error with the code, and returns it.
func mustCode(tb testing.TB, err error, code string) *models.Error {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != code {
		tb.Fatalf("error %v, want code %s", err, code)
	}
	return e
}

func fieldsOf(err error) []string {
	var e *models.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestEditorialScheduledStatus proves that a scheduled item reads as published, for
// everyone, from its publish_at on, and that an editor can save back what they read.
func TestEditorialScheduledStatus(t *testing.T) {
	ctx := context.Background()
	s, c := MustOpenStore(t, true)
	due := epoch.Add(time.Hour)
	a, err := s.CreateArticle(ctx, "ed", &models.Article{Title: "Later", Status: models.StatusScheduled, PublishAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.CreateHelpline(ctx, "ed", &models.Helpline{Name: "Later line", Status: models.StatusScheduled, PublishAt: &due,
		Coverage: []models.Ref{{Slug: "cumbria"}}, Contacts: []models.Contact{{Type: "phone", Value: "101", Cost: "Your phone provider may charge for the call"}}})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := s.CreateCampaign(ctx, "ed", &models.Campaign{Name: "Later campaign", Scope: "local", Status: models.StatusScheduled, PublishAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	editor := models.Visibility{Editor: true}
	statuses := func(v models.Visibility) []string {
		t.Helper()
		var out []string
		if x, err := s.FindArticle(ctx, a.Slug, v); err == nil {
			out = append(out, x.Status)
		}
		if x, err := s.FindHelpline(ctx, h.Slug, time.Time{}, v); err == nil {
			out = append(out, x.Status)
		}
		if x, err := s.FindCampaign(ctx, cp.Slug, v); err == nil {
			out = append(out, x.Status)
		}
		p, err := s.FindArticles(ctx, models.ArticleFilter{Limit: 100, Visibility: v})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Items {
			if x.Slug == a.Slug {
				out = append(out, "list:"+x.Status)
			}
		}
		return out
	}
	sched, pub := models.StatusScheduled, models.StatusPublished
	if got := statuses(models.Visibility{}); len(got) != 0 {
		t.Errorf("before publish_at the public sees %v", got)
	}
	if got, want := statuses(editor), []string{sched, sched, sched, "list:" + sched}; !slices.Equal(got, want) {
		t.Errorf("before publish_at editors see %v, want %v", got, want)
	}
	c.Set(due)
	want := []string{pub, pub, pub, "list:" + pub}
	if got := statuses(models.Visibility{}); !slices.Equal(got, want) {
		t.Errorf("at publish_at the public sees %v, want %v", got, want)
	}
	if got := statuses(editor); !slices.Equal(got, want) {
		t.Errorf("at publish_at editors see %v, want %v", got, want)
	}

	// An editor saves back what they read, with a changed title.
	read, err := s.FindArticle(ctx, a.Slug, editor)
	if err != nil {
		t.Fatal(err)
	}
	c.Set(due.Add(time.Hour))
	read.Title = "Later, corrected"
	saved, err := s.ReplaceArticle(ctx, "ed", a.Slug, &models.Article{Slug: read.Slug, Title: read.Title, Status: read.Status, PublishAt: read.PublishAt}, read.Version)
	if err != nil {
		t.Fatalf("saving back a live scheduled article: %v", err)
	}
	if saved.Status != pub || saved.PublishedAt == nil || !saved.PublishedAt.Equal(due) {
		t.Errorf("after the edit: status %s published_at %v, want published at %v", saved.Status, saved.PublishedAt, due)
	}

	t.Run("ErrFutureTimeOnOtherStates", func(t *testing.T) {
		later := epoch.Add(48 * time.Hour)
		for _, st := range []string{models.StatusDraft, models.StatusPublished, models.StatusArchived} {
			_, err := s.CreateArticle(ctx, "ed", &models.Article{Title: "Odd " + st, Status: st, PublishAt: &later})
			if f := fieldsOf(err); !slices.Contains(f, "publish_at") {
				t.Errorf("%s with a future publish_at: %v", st, err)
			}
		}
	})
}

// TestEditorialIfMatch proves optimistic locking in the store: a stale version is
// EPRECONDITION and changes nothing.
func TestEditorialIfMatch(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	o, err := s.CreateOrganisation(ctx, "ed", &models.Organisation{Name: "Locked", Kind: "charity"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 1 {
		t.Fatalf("version %d after create", o.Version)
	}
	o2, err := s.ReplaceOrganisation(ctx, "ed", o.Slug, &models.Organisation{Name: "Locked 2", Kind: "charity"}, o.Version)
	if err != nil {
		t.Fatal(err)
	}
	if o2.Version != 2 {
		t.Fatalf("version %d after replace", o2.Version)
	}
	before, _ := s.ContentVersion(ctx)
	_, err = s.ReplaceOrganisation(ctx, "ed", o.Slug, &models.Organisation{Name: "Lost", Kind: "charity"}, o.Version)
	mustCode(t, err, models.EPRECONDITION)
	mustCode(t, s.DeleteOrganisation(ctx, "ed", o.Slug, o.Version), models.EPRECONDITION)
	got, err := s.FindOrganisation(ctx, o.Slug)
	if err != nil || got.Name != "Locked 2" || got.Version != 2 {
		t.Errorf("after stale writes: %+v %v", got, err)
	}
	if after, _ := s.ContentVersion(ctx); after != before {
		t.Errorf("stale writes bumped the content version from %d to %d", before, after)
	}
	if err := s.DeleteOrganisation(ctx, "ed", o.Slug, got.Version); err != nil {
		t.Errorf("delete with the current version: %v", err)
	}
}

// TestEditorialSlugs proves slug rules in the store: from the title, suffixes, clashes
// and redirects from every old slug.
func TestEditorialSlugs(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	create := func(slug, title string) (*models.Article, error) {
		return s.CreateArticle(ctx, "ed", &models.Article{Slug: slug, Title: title, Status: models.StatusPublished})
	}
	a, err := create("", "Crème brûlée")
	if err != nil || a.Slug != "creme-brulee" {
		t.Fatalf("slug %v %v", a, err)
	}
	b, err := create("", "Crème brûlée")
	if err != nil || b.Slug != "creme-brulee-2" {
		t.Fatalf("second slug %v %v", b, err)
	}
	_, err = create("creme-brulee", "Other")
	if e := mustCode(t, err, models.ECONFLICT); len(e.Fields) != 1 || e.Fields[0].Field != "slug" {
		t.Errorf("conflict fields %v", e.Fields)
	}
	_, err = create("Crème", "Bad")
	if f := fieldsOf(mustCode(t, err, models.EINVALID)); !slices.Equal(f, []string{"slug"}) {
		t.Errorf("fields %v", f)
	}

	rename := func(from, to string) {
		t.Helper()
		cur, err := s.FindArticle(ctx, from, models.Visibility{Editor: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReplaceArticle(ctx, "ed", from, &models.Article{Slug: to, Title: cur.Title, Status: cur.Status}, cur.Version); err != nil {
			t.Fatalf("rename %s to %s: %v", from, to, err)
		}
	}
	rename("creme-brulee", "pudding")
	rename("pudding", "dessert")
	for _, old := range []string{"creme-brulee", "pudding"} {
		for _, v := range []models.Visibility{{}, {Editor: true}} {
			_, err := s.FindArticle(ctx, old, v)
			if e := mustCode(t, err, models.EMOVED); e.Location != "dessert" {
				t.Errorf("%s moved to %q, want dessert", old, e.Location)
			}
		}
		_, err := create(old, "Squatter")
		mustCode(t, err, models.ECONFLICT)
		_, err = s.ReplaceArticle(ctx, "ed", b.Slug, &models.Article{Slug: old, Title: b.Title, Status: b.Status}, 0)
		mustCode(t, err, models.ECONFLICT)
		// Writes name the item by its current slug.
		_, err = s.ReplaceArticle(ctx, "ed", old, &models.Article{Title: "x", Status: models.StatusDraft}, 0)
		mustCode(t, err, models.ENOTFOUND)
	}
	c, err := create("", "Pudding")
	if err != nil || c.Slug == "pudding" {
		t.Errorf("an auto slug took an old slug: %v %v", c, err)
	}
}

// TestEditorialValidation proves that the store reports every field error of a write
// at once, the rule checks and the unknown related slugs together.
func TestEditorialValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	before, _ := s.ContentVersion(ctx)
	_, err := s.CreateHelpline(ctx, "ed", &models.Helpline{
		Name: "", Website: "mailto:x@example.org", Status: "live",
		Organisation: &models.Ref{Slug: "nobody"},
		Coverage:     []models.Ref{{Slug: "atlantis"}},
		Topics:       []models.Ref{{Slug: "general-public"}}, // an audience, not a topic
		Contacts: []models.Contact{
			{Type: "phone", Value: "0808 100"},
			{Type: "email", Value: "help at example.org"},
			{Type: "sms", Value: "not a number"},
		},
		Hours: hours.Schedule{Timezone: "Europe/Atlantis", Exceptions: []hours.Exception{{Closed: true}}},
	})
	got := fieldsOf(mustCode(t, err, models.EINVALID))
	for _, f := range []string{"name", "website", "status", "organisation", "coverage[0]", "topics[0]", "contacts[0].value",
		"contacts[1].value", "contacts[2].value", "opening_hours.timezone", "opening_hours.exceptions[0].date"} {
		if !slices.Contains(got, f) {
			t.Errorf("%s is not reported; got %v", f, got)
		}
	}
	_, err = s.CreateCampaign(ctx, "ed", &models.Campaign{Name: strings.Repeat("n", 201), Scope: "local", StartsOn: "2027-03-01", EndsOn: "2027-02-01",
		Helplines: []models.Ref{{Slug: "nope"}}})
	got = fieldsOf(mustCode(t, err, models.EINVALID))
	for _, f := range []string{"name", "ends_on", "helplines[0]"} {
		if !slices.Contains(got, f) {
			t.Errorf("%s is not reported; got %v", f, got)
		}
	}
	if after, _ := s.ContentVersion(ctx); after != before {
		t.Errorf("refused writes bumped the content version")
	}

	h, err := s.CreateHelpline(ctx, "ed", &models.Helpline{Name: "Short codes", Status: models.StatusPublished,
		Coverage: []models.Ref{{Slug: "united-kingdom"}},
		Contacts: []models.Contact{{Type: "phone", Value: "0808 1000 900"}, {Type: "phone", Value: "101", Cost: "Charged"}, {Type: "phone", Value: "999"},
			{Type: "textphone", Value: "18001 101", Cost: "Charged"}, {Type: "textphone", Value: "18000"}}})
	if err != nil {
		t.Fatalf("valid numbers: %v", err)
	}
	if h.Contacts[0].E164 != "+448081000900" {
		t.Errorf("e164 %q", h.Contacts[0].E164)
	}
}

// TestEditorialKeys proves that keys are stored as hashes, authenticate until
// revoked, and record their last use at the store's time.
func TestEditorialKeys(t *testing.T) {
	ctx := context.Background()
	s, c := MustOpenStore(t, false)
	key, err := s.CreateKey(ctx, "alice", models.ScopeEditor)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateKey(ctx, "alice", models.ScopeAdmin)
	mustCode(t, err, models.ECONFLICT)
	_, err = s.CreateKey(ctx, "bob", "superuser")
	mustCode(t, err, models.EINVALID)

	k, err := s.Authenticate(ctx, key)
	if err != nil || k.Name != "alice" || k.Scope != models.ScopeEditor || k.Allows(models.ScopeAdmin) || !k.Allows(models.ScopeEditor) {
		t.Fatalf("authenticate: %+v %v", k, err)
	}
	for _, bad := range []string{"", "sp_", key + "x", key[:len(key)-1], strings.Replace(key, "sp_", "xx_", 1), strings.ToUpper(key)} {
		_, err := s.Authenticate(ctx, bad)
		mustCode(t, err, models.EUNAUTHORIZED)
	}
	keys, err := s.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	if keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(epoch) {
		t.Errorf("last used %v, want %v", keys[0].LastUsedAt, epoch)
	}
	c.Set(epoch.Add(time.Hour))
	if err := s.RevokeKey(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(ctx, key)
	mustCode(t, err, models.EUNAUTHORIZED)
	mustCode(t, s.RevokeKey(ctx, "alice"), models.ENOTFOUND)
	keys, _ = s.Keys(ctx)
	if keys[0].RevokedAt == nil || !keys[0].RevokedAt.Equal(epoch.Add(time.Hour)) {
		t.Errorf("revoked at %v", keys[0].RevokedAt)
	}
	admin, _ := s.CreateKey(ctx, "root", models.ScopeAdmin)
	if k, err := s.Authenticate(ctx, admin); err != nil || !k.Allows(models.ScopeEditor) || !k.Allows(models.ScopeAdmin) {
		t.Errorf("admin key: %+v %v", k, err)
	}
}

// TestEditorialSoftDelete proves that a deleted item is gone from reads and from
// the items that referred to it, while the audit log keeps its last state.
func TestEditorialSoftDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t, true)
	if err := s.DeleteHelpline(ctx, "ed", "police-101", 0); err != nil {
		t.Fatal(err)
	}
	for _, v := range []models.Visibility{{}, {Editor: true}} {
		_, err := s.FindHelpline(ctx, "police-101", time.Time{}, v)
		mustCode(t, err, models.ENOTFOUND)
		a, err := s.FindArticle(ctx, "cumbria-week-of-action-online-child-sexual-abuse", v)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(a.Helplines, func(r models.Ref) bool { return r.Slug == "police-101" }) {
			t.Errorf("the article still refers to the deleted helpline")
		}
	}
	mustCode(t, s.DeleteHelpline(ctx, "ed", "police-101", 0), models.ENOTFOUND)
	p, err := s.Audit(ctx, models.AuditFilter{ItemType: "helpline", Slug: "police-101"})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("audit %v %v", p.Items, err)
	}
	e := p.Items[0]
	if e.Action != models.ActionDelete || e.KeyName != "ed" || e.After != nil || e.Before == nil || !strings.Contains(*e.Before, `"slug":"police-101"`) ||
		!e.At.Equal(epoch) {
		t.Errorf("audit entry %+v", e)
	}
	_, err = s.Audit(ctx, models.AuditFilter{Cursor: "bogus"})
	mustBadParam(t, err, "cursor")
	_, err = s.Audit(ctx, models.AuditFilter{ItemType: "region"})
	mustBadParam(t, err, "item_type")
}
