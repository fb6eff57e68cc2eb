package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

type articleRow struct {
	ID                int64
	Slug              string
	Title             string
	Summary           string
	Status            string
	PublishAt         *time.Time
	PublishedAt       *time.Time
	SourcePublisherID *int64
	SourceURL         string
	SourceAttribution string
	SourcePublishedOn *string
	ImageURL          string
	ImageAlt          string
	ImageCredit       string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	DeletedAt         *time.Time
	Version           int64
}

// scanArticleRows runs q (selecting articleColumns) and scans its rows by hand: this
// is the hot path of every article list, and reflection costs more than the query.
func scanArticleRows(q *gorm.DB) ([]articleRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var rows []articleRow
	for rs.Next() {
		var r articleRow
		if err := rs.Scan(&r.ID, &r.Slug, &r.Title, &r.Summary, &r.Status, &r.PublishAt, &r.PublishedAt,
			&r.SourcePublisherID, &r.SourceURL, &r.SourceAttribution, &r.SourcePublishedOn,
			&r.ImageURL, &r.ImageAlt, &r.ImageCredit, &r.CreatedAt, &r.UpdatedAt, &r.DeletedAt, &r.Version); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, rs.Err()
}

func (r *articleRow) article(now time.Time) Article {
	a := Article{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
		Status: effectiveStatus(r.Status, r.PublishedAt, now), PublishAt: utcPtr(r.PublishAt), PublishedAt: utcPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
		Source: Source{URL: r.SourceURL, Attribution: r.SourceAttribution},
		Image:  Image{URL: r.ImageURL, Alt: r.ImageAlt, Credit: r.ImageCredit},
	}
	if r.SourcePublishedOn != nil {
		a.Source.PublishedOn = *r.SourcePublishedOn
	}
	return a
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const articleColumns = `a.id, a.slug, a.title, a.summary, a.status,
	a.publish_at, a.published_at, a.source_publisher_id, a.source_url, a.source_attribution, a.source_published_on,
	a.image_url, a.image_alt, a.image_credit, a.created_at, a.updated_at, a.deleted_at, a.version`

// ArticleFilter selects articles for a list. Slugs that name nothing are EBADPARAM errors.
type ArticleFilter struct {
	Campaign        string
	Region          string // the region or any region below it
	Topic           string
	Organisation    string // the publisher or an organisation the article is about
	PublishedAfter  *time.Time
	PublishedBefore *time.Time
	Q               string // full-text search; see parseQuery
	// WithBodies loads the bodies too (feeds show them; the list does not).
	WithBodies bool
	Limit      int
	Cursor     string
	Visibility
}

// FindArticles returns a page of articles, newest first (by published_at, then id).
// It returns EBADPARAM for a bad limit, cursor, search or filter value.
func (s *Store) FindArticles(ctx context.Context, f ArticleFilter) (Page[Article], error) {
	ctx = readContext(ctx)
	var page Page[Article]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	db := s.reader.WithContext(ctx)
	now := s.now()
	// A page after the first starts below its cursor, which is no later than now
	// (it names an item that was public): that bound alone limits the publication
	// time, so SQLite walks the index from the cursor rather than from now.
	var after *cursor
	var afterAt time.Time
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "articles")
		if err != nil {
			return page, err
		}
		if afterAt, err = time.Parse(time.RFC3339Nano, c.Key); err != nil {
			return page, BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
		}
		afterAt, after = afterAt.UTC(), &c
	}
	var q *gorm.DB
	if after != nil && !f.Visibility.Editor && !afterAt.After(now) {
		q = db.Table("articles a").Select(articleColumns).Where("a.deleted_at IS NULL AND a.status IN ('published', 'scheduled')")
	} else {
		q = scope(db.Table("articles a").Select(articleColumns), "a", f.Visibility, now)
	}
	// The public list is ordered by publication time. Drafts have none, so editors'
	// lists use the creation time for them.
	sortExpr := "a.published_at"
	if f.Visibility.Editor {
		sortExpr = "COALESCE(a.published_at, a.created_at)"
	}
	if f.Campaign != "" {
		id, err := lookupID(ctx, db, "campaigns", f.Campaign, "campaign")
		if err != nil {
			return page, err
		}
		q = q.Where("EXISTS (SELECT 1 FROM article_campaigns x WHERE x.article_id = a.id AND x.campaign_id = ?)", id)
	}
	if f.Region != "" {
		t, err := loadRegionTree(ctx, db)
		if err != nil {
			return page, err
		}
		r := t.bySlug[f.Region]
		if r == nil {
			return page, BadParam("region", "no region with slug %q", f.Region)
		}
		q = q.Where("EXISTS (SELECT 1 FROM article_regions x WHERE x.article_id = a.id AND x.region_id IN ?)", t.descendantsAndSelf(r.ID))
	}
	if f.Topic != "" {
		ids, missing, err := topicIDs(ctx, db, "", []string{f.Topic})
		if err != nil {
			return page, err
		}
		if len(missing) > 0 {
			return page, BadParam("topic", "no topic with slug %q", f.Topic)
		}
		q = q.Where("EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic_id = ?)", ids[f.Topic])
	}
	if f.Organisation != "" {
		id, err := lookupID(ctx, db, "organisations", f.Organisation, "organisation")
		if err != nil {
			return page, err
		}
		q = q.Where("(a.source_publisher_id = ? OR EXISTS (SELECT 1 FROM article_organisations x WHERE x.article_id = a.id AND x.organisation_id = ?))", id, id)
	}
	if f.PublishedAfter != nil {
		q = q.Where("a.published_at >= ?", f.PublishedAfter.UTC())
	}
	if f.PublishedBefore != nil {
		q = q.Where("a.published_at < ?", f.PublishedBefore.UTC())
	}
	if f.Q != "" {
		cond, expr, err := matchFilter(f.Q, "article", "a")
		if err != nil {
			return page, err
		}
		q = q.Where(cond, expr)
	}
	if after != nil {
		q = q.Where("("+sortExpr+", a.id) < (?, ?)", afterAt, after.ID)
	}
	rows, err := scanArticleRows(q.Order(sortExpr + " DESC, a.id DESC").Limit(limit + 1))
	if err != nil {
		return page, internal("find articles", err)
	}
	if len(rows) > limit {
		last := rows[limit-1]
		key := last.CreatedAt
		if last.PublishedAt != nil {
			key = *last.PublishedAt
		}
		page.NextCursor = encodeCursor(cursor{List: "articles", Key: key.UTC().Format(time.RFC3339Nano), ID: last.ID})
		rows = rows[:limit]
	}
	page.Items = make([]Article, len(rows))
	for i := range rows {
		page.Items[i] = rows[i].article(now)
	}
	if err := loadArticleRelations(ctx, db, page.Items, f.Visibility, now); err != nil {
		return page, err
	}
	if f.WithBodies {
		if err := loadArticleBodies(ctx, db, page.Items); err != nil {
			return page, err
		}
	}
	return page, nil
}

// FindArticle returns one article by slug. It returns ENOTFOUND when there is no such
// article visible, and EMOVED (with Location) when the slug is an old one.
func (s *Store) FindArticle(ctx context.Context, slug string, v Visibility) (*Article, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []articleRow
	q := scope(db.Table("articles a").Select(articleColumns), "a", v, now).Where("a.slug = ?", slug)
	if err := q.Limit(1).Scan(&rows).Error; err != nil {
		return nil, internal("find article", err)
	}
	if len(rows) == 0 {
		return nil, s.missing(ctx, db, "article", "articles", slug, v, now)
	}
	a := rows[0].article(now)
	items := []Article{a}
	if err := loadArticleRelations(ctx, db, items, v, now); err != nil {
		return nil, err
	}
	if err := loadArticleBody(ctx, db, &items[0]); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// missing explains why a slug found nothing: EMOVED when it is an old slug of a
// visible item, else ENOTFOUND.
func (s *Store) missing(ctx context.Context, db *gorm.DB, itemType, table, slug string, v Visibility, now time.Time) error {
	var cur []string
	cond, args := refVisible("t", v, now)
	err := db.Raw(`SELECT t.slug FROM slug_redirects r JOIN `+table+` t ON t.id = r.item_id
		WHERE r.item_type = ? AND r.slug = ? AND `+cond, append([]any{itemType, slug}, args...)...).Scan(&cur).Error
	if err != nil {
		return internal("find redirect", err)
	}
	if len(cur) > 0 && cur[0] != slug {
		return &Error{Code: EMOVED, Message: "This " + itemType + " has moved.", Location: cur[0]}
	}
	return Errorf(ENOTFOUND, "No %s with slug %q.", itemType, slug)
}

func loadArticleRelations(ctx context.Context, db *gorm.DB, items []Article, v Visibility, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	ids := idsOf(items, func(a *Article) int64 { return a.ID })
	// One query for every kind of related item: a page's relations cost one round
	// trip, not six.
	ccond, cargs := refVisible("c", v, now)
	hcond, hargs := refVisible("h", v, now)
	args := []any{ids, ids}
	args = append(append(args, ids), cargs...)
	args = append(append(args, ids), hargs...)
	args = append(args, ids, ids)
	groups, err := loadRefGroups(ctx, db, `
		SELECT 'region' AS kind, x.article_id AS owner, r.slug, r.name, r.position AS ord FROM article_regions x
			JOIN regions r ON r.id = x.region_id WHERE x.article_id IN ?
		UNION ALL SELECT 'topic', x.article_id, t.slug, t.name, 0 FROM article_topics x
			JOIN topics t ON t.id = x.topic_id WHERE x.article_id IN ?
		UNION ALL SELECT 'campaign', x.article_id, c.slug, c.name, 0 FROM article_campaigns x
			JOIN campaigns c ON c.id = x.campaign_id WHERE x.article_id IN ? AND `+ccond+`
		UNION ALL SELECT 'helpline', x.article_id, h.slug, h.name, 0 FROM article_helplines x
			JOIN helplines h ON h.id = x.helpline_id WHERE x.article_id IN ? AND `+hcond+`
		UNION ALL SELECT 'organisation', x.article_id, o.slug, o.name, 0 FROM article_organisations x
			JOIN organisations o ON o.id = x.organisation_id WHERE x.article_id IN ? AND o.deleted_at IS NULL
		UNION ALL SELECT 'publisher', a.id, o.slug, o.name, 0 FROM articles a
			JOIN organisations o ON o.id = a.source_publisher_id WHERE a.id IN ? AND o.deleted_at IS NULL
		ORDER BY 2, 1, 5, 4`, args...)
	if err != nil {
		return err
	}
	outcomes, err := loadOutcomes(ctx, db, "article", ids)
	if err != nil {
		return err
	}
	for i := range items {
		a := &items[i]
		a.Regions = nonNil(groups["region"][a.ID])
		a.Topics = nonNil(groups["topic"][a.ID])
		a.Campaigns = nonNil(groups["campaign"][a.ID])
		a.Helplines = nonNil(groups["helpline"][a.ID])
		a.Organisations = nonNil(groups["organisation"][a.ID])
		a.Outcomes = nonNil(outcomes[a.ID])
		if p := groups["publisher"][a.ID]; len(p) > 0 {
			a.Source.Publisher = &p[0]
		}
	}
	return nil
}

// loadRefGroups runs a query returning (kind, owner, slug, name, …) rows and groups
// them by kind and owner, in the query's order. It scans rows by hand: this runs
// for every page of every list.
func loadRefGroups(ctx context.Context, db *gorm.DB, sql string, args ...any) (map[string]map[int64][]Ref, error) {
	rows, err := db.WithContext(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, internal("load related", err)
	}
	defer rows.Close()
	out := make(map[string]map[int64][]Ref)
	var kind, slug, name string
	var owner, ord int64
	for rows.Next() {
		if err := rows.Scan(&kind, &owner, &slug, &name, &ord); err != nil {
			return nil, internal("load related", err)
		}
		m := out[kind]
		if m == nil {
			m = make(map[int64][]Ref)
			out[kind] = m
		}
		m[owner] = append(m[owner], Ref{Slug: slug, Name: name})
	}
	return out, internal("load related", rows.Err())
}

// nonNil returns s, or an empty slice for nil, so lists are [] in JSON, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// loadArticleBodies fills in the bodies of articles, which live in a table of their
// own so that lists that do not show them never read them.
func loadArticleBodies(ctx context.Context, db *gorm.DB, items []Article) error {
	if len(items) == 0 {
		return nil
	}
	var rows []struct {
		ArticleID    int64
		BodyMarkdown string
		BodyHTML     string
		BodyText     string
	}
	ids := idsOf(items, func(a *Article) int64 { return a.ID })
	if err := db.WithContext(ctx).Raw(`SELECT article_id, body_markdown, body_html, body_text FROM article_bodies WHERE article_id IN ?`, ids).Scan(&rows).Error; err != nil {
		return internal("load article bodies", err)
	}
	byID := make(map[int64]int, len(items))
	for i := range items {
		byID[items[i].ID] = i
	}
	for _, r := range rows {
		a := &items[byID[r.ArticleID]]
		a.BodyMarkdown, a.BodyHTML, a.BodyText = r.BodyMarkdown, r.BodyHTML, r.BodyText
	}
	return nil
}

func loadArticleBody(ctx context.Context, db *gorm.DB, a *Article) error {
	items := []Article{*a}
	if err := loadArticleBodies(ctx, db, items); err != nil {
		return err
	}
	*a = items[0]
	return nil
}
