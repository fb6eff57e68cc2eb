package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"signpost/models"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// resolver turns the slugs of related items into ids inside a write transaction and
// collects a field error for each slug that names nothing.
type resolver struct {
	tx     *gorm.DB
	errs   []models.FieldError
	tree   *regionTree
	topics map[string]topicRow
}

type topicRow struct {
	ID   int64
	Slug string
	Kind string
}

// newResolver starts a resolver with the field errors already found, so that a
// write reports every error at once.
func newResolver(tx *gorm.DB, prior []models.FieldError) *resolver {
	return &resolver{tx: tx, errs: append([]models.FieldError(nil), prior...)}
}

func (r *resolver) fail(field, format string, args ...any) {
	r.errs = append(r.errs, models.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// ids resolves the slugs of a content table (live items only).
func (r *resolver) ids(table, field string, refs []models.Ref) []int64 {
	var out []int64
	for i, ref := range refs {
		var ids []int64
		if err := r.tx.Raw(`SELECT id FROM `+table+` WHERE slug = ? AND deleted_at IS NULL`, ref.Slug).Scan(&ids).Error; err != nil {
			r.fail(field, "could not be checked")
			continue
		}
		if len(ids) == 0 {
			r.fail(fmt.Sprintf("%s[%d]", field, i), "no such item: %q", ref.Slug)
			continue
		}
		out = appendUnique(out, ids[0])
	}
	return out
}

// id resolves one optional slug; nil for none.
func (r *resolver) id(table, field string, ref *models.Ref) *int64 {
	if ref == nil || ref.Slug == "" {
		return nil
	}
	var ids []int64
	if err := r.tx.Raw(`SELECT id FROM `+table+` WHERE slug = ? AND deleted_at IS NULL`, ref.Slug).Scan(&ids).Error; err != nil || len(ids) == 0 {
		r.fail(field, "no such item: %q", ref.Slug)
		return nil
	}
	return &ids[0]
}

func (r *resolver) regions(field string, refs []models.Ref) []int64 {
	if r.tree == nil {
		t, err := loadRegionTree(r.tx.Statement.Context, r.tx)
		if err != nil {
			r.fail(field, "could not be checked")
			return nil
		}
		r.tree = t
	}
	var out []int64
	for i, ref := range refs {
		reg := r.tree.bySlug[ref.Slug]
		if reg == nil {
			r.fail(fmt.Sprintf("%s[%d]", field, i), "no such region: %q", ref.Slug)
			continue
		}
		out = appendUnique(out, reg.ID)
	}
	return out
}

func (r *resolver) topicIDs(field, kind string, refs []models.Ref) []int64 {
	if r.topics == nil {
		var rows []topicRow
		if err := r.tx.Raw(`SELECT id, slug, kind FROM topics`).Scan(&rows).Error; err != nil {
			r.fail(field, "could not be checked")
			return nil
		}
		r.topics = make(map[string]topicRow, len(rows))
		for _, t := range rows {
			r.topics[t.Slug] = t
		}
	}
	var out []int64
	for i, ref := range refs {
		t, ok := r.topics[ref.Slug]
		if !ok || t.Kind != kind {
			r.fail(fmt.Sprintf("%s[%d]", field, i), "no such %s: %q", kind, ref.Slug)
			continue
		}
		out = appendUnique(out, t.ID)
	}
	return out
}

func appendUnique(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// replaceLinks sets the rows of a join table for one owner to exactly ids.
func replaceLinks(tx *gorm.DB, table, ownerCol, otherCol string, owner int64, ids []int64) error {
	if err := tx.Exec(`DELETE FROM `+table+` WHERE `+ownerCol+` = ?`, owner).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.Exec(`INSERT INTO `+table+` (`+ownerCol+`, `+otherCol+`) VALUES (?, ?)`, owner, id).Error; err != nil {
			return err
		}
	}
	return nil
}

func replaceOutcomes(tx *gorm.DB, ownerType string, owner int64, os []models.Outcome) error {
	if err := tx.Exec(`DELETE FROM outcomes WHERE owner_type = ? AND owner_id = ?`, ownerType, owner).Error; err != nil {
		return err
	}
	for i, o := range os {
		if err := tx.Exec(`INSERT INTO outcomes (owner_type, owner_id, position, metric, label, value, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ownerType, owner, i, o.Metric, o.Label, o.Value, o.Note).Error; err != nil {
			return err
		}
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data is marshalled here
	}
	return string(b)
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// saveOrganisation writes an organisation. id 0 inserts a new row.
func saveOrganisation(tx *gorm.DB, id int64, o *models.Organisation, now time.Time, prior []models.FieldError) (int64, error) {
	r := newResolver(tx, prior)
	parent := r.id("organisations", "parent", o.Parent)
	if parent != nil && *parent == id {
		r.fail("parent", "an organisation cannot be its own parent")
	}
	if err := models.Invalid(r.errs); err != nil {
		return 0, err
	}
	row := map[string]any{
		"slug": o.Slug, "name": o.Name, "kind": o.Kind, "url": o.URL, "description": o.Description,
		"parent_id": parent, "updated_at": now,
	}
	return saveRow(tx, "organisations", id, row, now)
}

// insertID runs an INSERT of one row and returns the row's id, through RETURNING
// (SQLite has it since 3.35, PostgreSQL always).
func insertID(tx *gorm.DB, insert string, args ...any) (int64, error) {
	var ids []int64
	if err := tx.Raw(insert+` RETURNING id`, args...).Scan(&ids).Error; err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, fmt.Errorf("store: insert returned %d ids", len(ids))
	}
	return ids[0], nil
}

// saveHelpline writes a helpline and its contacts, coverage and vocabulary. id 0
// inserts a new row.
func saveHelpline(tx *gorm.DB, id int64, h *models.Helpline, now time.Time, prior []models.FieldError) (int64, error) {
	r := newResolver(tx, prior)
	org := r.id("organisations", "organisation", h.Organisation)
	coverage := r.regions("coverage", h.Coverage)
	topics := r.topicIDs("topics", "topic", h.Topics)
	audiences := r.topicIDs("audiences", "audience", h.Audiences)
	if err := models.Invalid(r.errs); err != nil {
		return 0, err
	}
	row := map[string]any{
		"slug": h.Slug, "name": h.Name, "organisation_id": org, "description": h.Description,
		"website": h.Website, "opening_hours": mustJSON(h.Hours), "emergency": h.Emergency,
		"anonymous": h.Anonymous, "confidential": h.Confidential, "confidentiality_note": h.ConfidentialityNote,
		"languages": mustJSON(nonNil(h.Languages)), "interpreters": h.Interpreters, "keywords": mustJSON(nonNil(h.Keywords)),
		"last_verified_at": utcPtr(h.LastVerifiedAt), "status": h.Status, "publish_at": h.PublishAt,
		"published_at": h.PublishedAt, "updated_at": now,
	}
	var err error
	if id, err = saveRow(tx, "helplines", id, row, now); err != nil {
		return 0, err
	}
	if err := tx.Exec(`DELETE FROM contacts WHERE helpline_id = ?`, id).Error; err != nil {
		return 0, err
	}
	for i, c := range h.Contacts {
		var hours *string
		if c.Hours != nil {
			s := mustJSON(c.Hours)
			hours = &s
		}
		if err := tx.Exec(`INSERT INTO contacts (helpline_id, position, type, label, value, display, e164, uri, cost, anonymous, note, opening_hours)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i, c.Type, c.Label, c.Value, c.Display, c.E164, c.URI,
			c.Cost, c.Anonymous, c.Note, hours).Error; err != nil {
			return 0, err
		}
	}
	if err := replaceLinks(tx, "helpline_regions", "helpline_id", "region_id", id, coverage); err != nil {
		return 0, err
	}
	return id, replaceLinks(tx, "helpline_topics", "helpline_id", "topic_id", id, append(topics, audiences...))
}

// saveCampaign writes a campaign and its links. id 0 inserts a new row.
func saveCampaign(tx *gorm.DB, id int64, c *models.Campaign, now time.Time, prior []models.FieldError) (int64, error) {
	r := newResolver(tx, prior)
	organiser := r.id("organisations", "organiser", c.Organiser)
	partners := r.ids("organisations", "partners", c.Partners)
	regions := r.regions("regions", c.Regions)
	helplines := r.ids("helplines", "helplines", c.Helplines)
	if err := models.Invalid(r.errs); err != nil {
		return 0, err
	}
	row := map[string]any{
		"slug": c.Slug, "name": c.Name, "summary": c.Summary, "organiser_id": organiser, "scope": c.Scope,
		"starts_on": nullString(c.StartsOn), "ends_on": nullString(c.EndsOn), "hashtags": mustJSON(nonNil(c.Hashtags)),
		"status": c.Status, "publish_at": c.PublishAt, "published_at": c.PublishedAt, "updated_at": now,
	}
	var err error
	if id, err = saveRow(tx, "campaigns", id, row, now); err != nil {
		return 0, err
	}
	for _, l := range []struct {
		table, col string
		ids        []int64
	}{{"campaign_partners", "organisation_id", partners}, {"campaign_regions", "region_id", regions}, {"campaign_helplines", "helpline_id", helplines}} {
		if err := replaceLinks(tx, l.table, "campaign_id", l.col, id, l.ids); err != nil {
			return 0, err
		}
	}
	return id, replaceOutcomes(tx, "campaign", id, c.Outcomes)
}

// saveArticle writes an article and its links. id 0 inserts a new row.
func saveArticle(tx *gorm.DB, id int64, a *models.Article, now time.Time, prior []models.FieldError) (int64, error) {
	r := newResolver(tx, prior)
	publisher := r.id("organisations", "source.publisher", a.Source.Publisher)
	regions := r.regions("regions", a.Regions)
	topics := r.topicIDs("topics", "topic", a.Topics)
	campaigns := r.ids("campaigns", "campaigns", a.Campaigns)
	reports := r.ids("campaigns", "reports_work_for", a.ReportsWorkFor)
	helplines := r.ids("helplines", "helplines", a.Helplines)
	orgs := r.ids("organisations", "organisations", a.Organisations)
	if err := models.Invalid(r.errs); err != nil {
		return 0, err
	}
	row := map[string]any{
		"slug": a.Slug, "title": a.Title, "summary": a.Summary, "status": a.Status, "publish_at": a.PublishAt,
		"published_at": a.PublishedAt, "source_publisher_id": publisher, "source_url": a.Source.URL,
		"source_attribution": a.Source.Attribution, "source_published_on": nullString(a.Source.PublishedOn),
		"image_url": a.Image.URL, "image_alt": a.Image.Alt, "image_credit": a.Image.Credit, "updated_at": now,
	}
	var err error
	if id, err = saveRow(tx, "articles", id, row, now); err != nil {
		return 0, err
	}
	if err := tx.Exec(`INSERT INTO article_bodies (article_id, body_markdown, body_html, body_text) VALUES (?, ?, ?, ?)
		ON CONFLICT (article_id) DO UPDATE SET body_markdown = excluded.body_markdown, body_html = excluded.body_html,
		body_text = excluded.body_text`, id, a.BodyMarkdown, a.BodyHTML, a.BodyText).Error; err != nil {
		return 0, err
	}
	for _, l := range []struct {
		table, col string
		ids        []int64
	}{{"article_regions", "region_id", regions}, {"article_topics", "topic_id", topics}, {"article_campaigns", "campaign_id", campaigns},
		{"article_helplines", "helpline_id", helplines}, {"article_organisations", "organisation_id", orgs}} {
		if err := replaceLinks(tx, l.table, "article_id", l.col, id, l.ids); err != nil {
			return 0, err
		}
	}
	// The links to the campaigns whose work the article reports say so; only these
	// count the article's outcomes in the campaign's totals.
	if len(reports) > 0 {
		if err := tx.Exec(`UPDATE article_campaigns SET reports_work = TRUE WHERE article_id = ? AND campaign_id IN ?`, id, reports).Error; err != nil {
			return 0, err
		}
	}
	return id, replaceOutcomes(tx, "article", id, a.Outcomes)
}

// saveRow inserts (id 0) or updates a content row, bumping its version on update.
func saveRow(tx *gorm.DB, table string, id int64, row map[string]any, now time.Time) (int64, error) {
	if id == 0 {
		row["created_at"] = now
		row["version"] = 1
		cols := slices.Sorted(maps.Keys(row))
		args := make([]any, len(cols))
		for i, c := range cols {
			args[i] = row[c]
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		return insertID(tx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks+`)`, args...)
	}
	row["version"] = gorm.Expr("version + 1")
	return id, tx.Table(table).Where("id = ?", id).Updates(row).Error
}
