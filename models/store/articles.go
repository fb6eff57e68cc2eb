package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"signpost/models"
	"slices"
	"strconv"
	"strings"
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
	// The related items, as records (see articleSelect).
	Regions, Topics, Campaigns, Helplines, Organisations, Publisher, Outcomes string
}

// Related items come out of SQLite as text: records split by the record separator,
// fields by the unit separator. Text fields can hold neither (see text in validate.go).
const (
	recordSep = "\x1e"
	unitSep   = "\x1f"
)

// articleSelect is the select list of articles together with their related items
// and outcomes, for a reader who sees what v sees at now: one query reads a page
// with everything it shows. Each kind of related item is one column of records;
// they are sorted in Go, which costs less than a sort in SQLite for each of them.
func articleSelect(v models.Visibility, now time.Time) (string, []any) {
	_, args := refVisible("c", v, now)
	_, hargs := refVisible("h", v, now)
	return articleSelectSQL[v.Editor], append(args, hargs...)
}

// articleSelectOn is articleSelect in the SQL of db's dialect.
func articleSelectOn(db *gorm.DB, v models.Visibility, now time.Time) (string, []any) {
	sel, args := articleSelect(v, now)
	return sqlText(db, sel), args
}

// articleSelectSQL holds articleSelect's text for the public (false) and for editors
// (true), made once: it is the same for every page.
var articleSelectSQL = map[bool]string{false: articleSelectText(models.Visibility{}), true: articleSelectText(models.Visibility{Editor: true})}

func articleSelectText(v models.Visibility) string {
	ccond, _ := refVisible("c", v, time.Time{})
	hcond, _ := refVisible("h", v, time.Time{})
	return `a.id, a.slug, a.title, a.summary, a.status,
	a.publish_at, a.published_at, a.source_publisher_id, a.source_url, a.source_attribution, CAST(a.source_published_on AS TEXT) AS source_published_on,
	a.image_url, a.image_alt, a.image_credit, a.created_at, a.updated_at, a.deleted_at, a.version,
	COALESCE((SELECT group_concat(r.position || char(31) || r.slug || char(31) || r.name, char(30))
		FROM article_regions x JOIN regions r ON r.id = x.region_id WHERE x.article_id = a.id), '') AS regions,
	COALESCE((SELECT group_concat(t.slug || char(31) || t.name, char(30))
		FROM article_topics x JOIN topics t ON t.id = x.topic_id WHERE x.article_id = a.id), '') AS topics,
	COALESCE((SELECT group_concat(CASE WHEN x.reports_work THEN '1' ELSE '0' END || char(31) || c.slug || char(31) || c.name, char(30))
		FROM article_campaigns x JOIN campaigns c ON c.id = x.campaign_id WHERE x.article_id = a.id AND ` + ccond + `), '') AS campaigns,
	COALESCE((SELECT group_concat(h.slug || char(31) || h.name, char(30))
		FROM article_helplines x JOIN helplines h ON h.id = x.helpline_id WHERE x.article_id = a.id AND ` + hcond + `), '') AS helplines,
	COALESCE((SELECT group_concat(o.slug || char(31) || o.name, char(30))
		FROM article_organisations x JOIN organisations o ON o.id = x.organisation_id WHERE x.article_id = a.id AND o.deleted_at IS NULL), '') AS organisations,
	COALESCE((SELECT o.slug || char(31) || o.name FROM organisations o WHERE o.id = a.source_publisher_id AND o.deleted_at IS NULL), '') AS publisher,
	COALESCE((SELECT group_concat(o.position || char(31) || o.metric || char(31) || o.label || char(31) || COALESCE(CAST(o.value AS TEXT), '') || char(31) || o.note, char(30))
		FROM outcomes o WHERE o.owner_type = 'article' AND o.owner_id = a.id), '') AS outcomes`
}

// scanArticleRows runs q (selecting articleSelect, at most limit rows) and scans its
// rows by hand: this is the hot path of every article list, and reflection costs
// more than the query.
func scanArticleRows(q *gorm.DB, limit int) ([]articleRow, error) {
	rs, err := q.Limit(limit).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	rows := make([]articleRow, 0, limit)
	for rs.Next() {
		var r articleRow
		if err := rs.Scan(&r.ID, &r.Slug, &r.Title, &r.Summary, &r.Status, &r.PublishAt, &r.PublishedAt,
			&r.SourcePublisherID, &r.SourceURL, &r.SourceAttribution, &r.SourcePublishedOn,
			&r.ImageURL, &r.ImageAlt, &r.ImageCredit, &r.CreatedAt, &r.UpdatedAt, &r.DeletedAt, &r.Version,
			&r.Regions, &r.Topics, &r.Campaigns, &r.Helplines, &r.Organisations, &r.Publisher, &r.Outcomes); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, rs.Err()
}

// article makes the Article of a row, with its related items.
func (r *articleRow) article(now time.Time) (models.Article, error) {
	a := models.Article{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
		Status: models.EffectiveStatus(r.Status, r.PublishedAt, now), PublishAt: utcPtr(r.PublishAt), PublishedAt: utcPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
		Source: models.Source{URL: r.SourceURL, Attribution: r.SourceAttribution},
		Image:  models.Image{URL: r.ImageURL, Alt: r.ImageAlt, Credit: r.ImageCredit},
	}
	if r.SourcePublishedOn != nil {
		a.Source.PublishedOn = *r.SourcePublishedOn
	}
	var err error
	if a.Regions, err = parseRegionRefs(r.Regions); err != nil {
		return a, err
	}
	refs := []struct {
		dst  *[]models.Ref
		text string
	}{{&a.Topics, r.Topics}, {&a.Helplines, r.Helplines}, {&a.Organisations, r.Organisations}}
	for _, f := range refs {
		if *f.dst, err = parseRefs(f.text); err != nil {
			return a, err
		}
	}
	if a.Campaigns, a.ReportsWorkFor, err = parseCampaignRefs(r.Campaigns); err != nil {
		return a, err
	}
	if r.Publisher != "" {
		p, err := parseRefs(r.Publisher)
		if err != nil {
			return a, err
		}
		a.Source.Publisher = &p[0]
	}
	a.Outcomes, err = parseOutcomes(r.Outcomes)
	return a, err
}

func errRecord(text string) error {
	return internal("read related items", fmt.Errorf("malformed record %q", text))
}

// parseRefs reads slug, name records, sorted by name (then slug).
func parseRefs(text string) ([]models.Ref, error) {
	refs := []models.Ref{}
	if text == "" {
		return refs, nil
	}
	for rec := range strings.SplitSeq(text, recordSep) {
		slug, name, ok := strings.Cut(rec, unitSep)
		if !ok || strings.Contains(name, unitSep) {
			return nil, errRecord(rec)
		}
		refs = append(refs, models.Ref{Slug: slug, Name: name})
	}
	slices.SortFunc(refs, func(x, y models.Ref) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Slug, y.Slug))
	})
	return refs, nil
}

// parseCampaignRefs reads an article's campaigns as flag, slug, name records, the
// flag "1" when the article reports the campaign's work: all of them, and those it
// reports work for, each sorted as parseRefs sorts.
func parseCampaignRefs(text string) (all, reports []models.Ref, err error) {
	all, reports = []models.Ref{}, []models.Ref{}
	if text == "" {
		return all, reports, nil
	}
	var plain, flagged []string
	for rec := range strings.SplitSeq(text, recordSep) {
		flag, rest, ok := strings.Cut(rec, unitSep)
		if !ok || (flag != "0" && flag != "1") {
			return nil, nil, errRecord(rec)
		}
		plain = append(plain, rest)
		if flag == "1" {
			flagged = append(flagged, rest)
		}
	}
	if all, err = parseRefs(strings.Join(plain, recordSep)); err != nil {
		return nil, nil, err
	}
	if len(flagged) > 0 {
		reports, err = parseRefs(strings.Join(flagged, recordSep))
	}
	return all, reports, err
}

// parseRegionRefs reads position, slug, name records, sorted by position (the
// region's place in the tree, broadest first), then name.
func parseRegionRefs(text string) ([]models.Ref, error) {
	type region struct {
		pos int
		models.Ref
	}
	var regions []region
	if text != "" {
		for rec := range strings.SplitSeq(text, recordSep) {
			f := strings.Split(rec, unitSep)
			if len(f) != 3 {
				return nil, errRecord(rec)
			}
			pos, err := strconv.Atoi(f[0])
			if err != nil {
				return nil, errRecord(rec)
			}
			regions = append(regions, region{pos, models.Ref{Slug: f[1], Name: f[2]}})
		}
	}
	slices.SortFunc(regions, func(x, y region) int {
		return cmp.Or(cmp.Compare(x.pos, y.pos), strings.Compare(x.Name, y.Name), strings.Compare(x.Slug, y.Slug))
	})
	refs := make([]models.Ref, len(regions))
	for i, r := range regions {
		refs[i] = r.Ref
	}
	return refs, nil
}

// parseOutcomes reads position, metric, label, value, note records (value empty
// when unknown), in order of position.
func parseOutcomes(text string) ([]models.Outcome, error) {
	type outcome struct {
		pos int
		models.Outcome
	}
	var outcomes []outcome
	if text != "" {
		for rec := range strings.SplitSeq(text, recordSep) {
			f := strings.SplitN(rec, unitSep, 5)
			if len(f) != 5 {
				return nil, errRecord(rec)
			}
			pos, err := strconv.Atoi(f[0])
			if err != nil {
				return nil, errRecord(rec)
			}
			o := outcome{pos, models.Outcome{Metric: f[1], Label: f[2], Note: f[4]}}
			if f[3] != "" {
				v, err := strconv.ParseInt(f[3], 10, 64)
				if err != nil {
					return nil, errRecord(rec)
				}
				o.Value = &v
			}
			outcomes = append(outcomes, o)
		}
	}
	slices.SortFunc(outcomes, func(x, y outcome) int { return cmp.Compare(x.pos, y.pos) })
	out := make([]models.Outcome, len(outcomes))
	for i, o := range outcomes {
		out[i] = o.Outcome
	}
	return out, nil
}

// utcPtr returns *t as the store keeps times (storedTime), or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := storedTime(*t)
	return &u
}

// FindArticles returns a page of articles, newest first (by published_at, then id),
// or with f.Sort = models.SortRelevance in the relevance order of f.Q (see
// searchtiers.go). It returns EBADPARAM for a bad limit, cursor, sort, search or
// filter value.
func (s *Store) FindArticles(ctx context.Context, f models.ArticleFilter) (models.Page[models.Article], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Article]
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []articleRow
	if ranked, err := relevance(f.Sort, f.Q); err != nil {
		return page, err
	} else if ranked {
		if rows, page.NextCursor, err = s.rankedArticles(ctx, db, f, now); err != nil {
			return page, err
		}
	} else {
		lq, err := s.articleQuery(ctx, db, f, now)
		if err != nil {
			return page, err
		}
		sel, selArgs := articleSelectOn(db, f.Visibility, now)
		if rows, err = scanArticleRows(lq.q.Select(sel, selArgs...), lq.limit+1); err != nil {
			return page, internal("find articles", err)
		}
		if len(rows) > lq.limit {
			last := rows[lq.limit-1]
			page.NextCursor = articleCursor(last.ID, last.PublishedAt, last.CreatedAt)
			rows = rows[:lq.limit]
		}
	}
	page.Items = make([]models.Article, len(rows))
	for i := range rows {
		var err error
		if page.Items[i], err = rows[i].article(now); err != nil {
			return page, err
		}
	}
	if f.WithBodies {
		if err := loadArticleBodies(ctx, db, page.Items); err != nil {
			return page, err
		}
	}
	return page, nil
}

// articleCursor is the cursor after an article: its place in the list's order.
func articleCursor(id int64, publishedAt *time.Time, createdAt time.Time) string {
	key := createdAt
	if publishedAt != nil {
		key = *publishedAt
	}
	return encodeCursor(cursor{List: "articles", Key: key.UTC().Format(time.RFC3339Nano), ID: id})
}

// articleList is a list query over "articles a" with its filters, visibility, cursor
// and order applied, but no select list yet.
type articleList struct {
	q     *gorm.DB
	limit int
}

// articleQuery builds the query of a list of articles, newest first (the relevance
// order is rankedArticles'). It returns EBADPARAM for a bad limit, cursor, sort,
// search or filter value.
func (s *Store) articleQuery(ctx context.Context, db *gorm.DB, f models.ArticleFilter, now time.Time) (articleList, error) {
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return articleList{}, err
	}
	if ranked, err := relevance(f.Sort, f.Q); err != nil || ranked {
		return articleList{}, cmp.Or(err, errors.New("store: a list in the relevance order is read with rankedArticles"))
	}
	// A page after the first starts below its cursor, which is no later than now
	// (it names an item that was public): that bound alone limits the publication
	// time, so SQLite walks the index from the cursor rather than from now.
	var after *cursor
	var afterAt time.Time
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "articles")
		if err != nil {
			return articleList{}, err
		}
		if afterAt, err = time.Parse(time.RFC3339Nano, c.Key); err != nil {
			return articleList{}, models.BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
		}
		afterAt, after = afterAt.UTC(), &c
	}
	q := db.Table("articles a")
	if after != nil && !f.Visibility.Editor && !afterAt.After(now) {
		q = q.Where("a.deleted_at IS NULL AND a.status IN ('published', 'scheduled')")
	} else {
		q = scope(q, "a", f.Visibility, now)
	}
	// The public list is ordered by publication time. Drafts have none, so editors'
	// lists use the creation time for them.
	sortExpr := "a.published_at"
	if f.Visibility.Editor {
		sortExpr = "COALESCE(a.published_at, a.created_at)"
	}
	filter, err := s.articleFilters(ctx, db, f)
	if err != nil {
		return articleList{}, err
	}
	q = filter(q)
	if f.Q != "" {
		cond, expr, err := matchFilter(f.Q, "article", "a")
		if err != nil {
			return articleList{}, err
		}
		q = q.Where(cond, expr)
	}
	if after != nil {
		q = q.Where("("+sortExpr+", a.id) < (?, ?)", afterAt, after.ID)
	}
	return articleList{q: q.Order(sortExpr + " DESC, a.id DESC"), limit: limit}, nil
}

// articleFilters looks up the filters of f (all but q, the cursor and the order) and
// returns what applies them to a query over "articles a". It returns EBADPARAM for a
// slug that names nothing.
func (s *Store) articleFilters(ctx context.Context, db *gorm.DB, f models.ArticleFilter) (func(*gorm.DB) *gorm.DB, error) {
	var conds []where
	if f.Campaign != "" {
		id, err := lookupID(ctx, db, "campaigns", f.Campaign, "campaign")
		if err != nil {
			return nil, err
		}
		conds = append(conds, where{"EXISTS (SELECT 1 FROM article_campaigns x WHERE x.article_id = a.id AND x.campaign_id = ?)", []any{id}})
	}
	if f.Region != "" {
		t, err := loadRegionTree(ctx, db)
		if err != nil {
			return nil, err
		}
		r := t.bySlug[f.Region]
		if r == nil {
			return nil, models.BadParam("region", "no region with slug %q", f.Region)
		}
		conds = append(conds, where{"EXISTS (SELECT 1 FROM article_regions x WHERE x.article_id = a.id AND x.region_id IN ?)", []any{t.descendantsAndSelf(r.ID)}})
	}
	if f.Topic != "" {
		ids, missing, err := topicIDs(ctx, db, "", []string{f.Topic})
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, models.BadParam("topic", "no topic with slug %q", f.Topic)
		}
		conds = append(conds, where{"EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic_id = ?)", []any{ids[f.Topic]}})
	}
	if f.Organisation != "" {
		id, err := lookupID(ctx, db, "organisations", f.Organisation, "organisation")
		if err != nil {
			return nil, err
		}
		conds = append(conds, where{"(a.source_publisher_id = ? OR EXISTS (SELECT 1 FROM article_organisations x WHERE x.article_id = a.id AND x.organisation_id = ?))", []any{id, id}})
	}
	if f.PublishedAfter != nil {
		conds = append(conds, where{"a.published_at >= ?", []any{f.PublishedAfter.UTC()}})
	}
	if f.PublishedBefore != nil {
		conds = append(conds, where{"a.published_at < ?", []any{f.PublishedBefore.UTC()}})
	}
	return func(q *gorm.DB) *gorm.DB { return applyWhere(q, conds) }, nil
}

// FindArticle returns one article by slug. It returns ENOTFOUND when there is no such
// article visible, and EMOVED (with Location) when the slug is an old one.
func (s *Store) FindArticle(ctx context.Context, slug string, v models.Visibility) (*models.Article, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	sel, selArgs := articleSelectOn(db, v, now)
	rows, err := scanArticleRows(scope(db.Table("articles a").Select(sel, selArgs...), "a", v, now).Where("a.slug = ?", slug), 1)
	if err != nil {
		return nil, internal("find article", err)
	}
	if len(rows) == 0 {
		return nil, s.missing(ctx, db, "article", "articles", slug, v, now)
	}
	a, err := rows[0].article(now)
	if err != nil {
		return nil, err
	}
	if err := loadArticleBody(ctx, db, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// missing explains why a slug found nothing: EMOVED when it is an old slug of a
// visible item, else ENOTFOUND.
func (s *Store) missing(ctx context.Context, db *gorm.DB, itemType, table, slug string, v models.Visibility, now time.Time) error {
	var cur []string
	cond, args := refVisible("t", v, now)
	err := db.Raw(`SELECT t.slug FROM slug_redirects r JOIN `+table+` t ON t.id = r.item_id
		WHERE r.item_type = ? AND r.slug = ? AND `+cond, append([]any{itemType, slug}, args...)...).Scan(&cur).Error
	if err != nil {
		return internal("find redirect", err)
	}
	if len(cur) > 0 && cur[0] != slug {
		return &models.Error{Code: models.EMOVED, Message: "This " + itemType + " has moved.", Location: cur[0]}
	}
	return models.Errorf(models.ENOTFOUND, "No %s with slug %q.", itemType, slug)
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
func loadArticleBodies(ctx context.Context, db *gorm.DB, items []models.Article) error {
	if len(items) == 0 {
		return nil
	}
	var rows []struct {
		ArticleID    int64
		BodyMarkdown string
		BodyHTML     string
		BodyText     string
	}
	ids := idsOf(items, func(a *models.Article) int64 { return a.ID })
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

func loadArticleBody(ctx context.Context, db *gorm.DB, a *models.Article) error {
	items := []models.Article{*a}
	if err := loadArticleBodies(ctx, db, items); err != nil {
		return err
	}
	*a = items[0]
	return nil
}
