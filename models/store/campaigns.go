package store

import (
	"context"
	"encoding/json"
	"signpost/models"
	"slices"
	"time"

	"gorm.io/gorm"
)

type campaignRow struct {
	ID          int64
	Slug        string
	Name        string
	Summary     string
	OrganiserID *int64
	Scope       string
	StartsOn    *string
	EndsOn      *string
	Hashtags    string
	Status      string
	PublishAt   *time.Time
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

const campaignColumns = `c.id, c.slug, c.name, c.summary, c.organiser_id, c.scope, CAST(c.starts_on AS TEXT) AS starts_on, CAST(c.ends_on AS TEXT) AS ends_on,
	c.hashtags, c.status, c.publish_at, c.published_at, c.created_at, c.updated_at, c.version`

func (r *campaignRow) campaign(now time.Time) (models.Campaign, error) {
	c := models.Campaign{
		ID: r.ID, Slug: r.Slug, Name: r.Name, Summary: r.Summary, Scope: r.Scope,
		Status: models.EffectiveStatus(r.Status, r.PublishedAt, now), PublishAt: utcPtr(r.PublishAt), PublishedAt: utcPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
	if r.StartsOn != nil {
		c.StartsOn = *r.StartsOn
	}
	if r.EndsOn != nil {
		c.EndsOn = *r.EndsOn
	}
	if err := json.Unmarshal([]byte(r.Hashtags), &c.Hashtags); err != nil {
		return c, internal("decode hashtags", err)
	}
	c.Hashtags = nonNil(c.Hashtags)
	return c, nil
}

// FindCampaigns returns a page of campaigns by name, or with f.Sort =
// models.SortRelevance in the relevance order of f.Q (see searchtiers.go). It returns
// EBADPARAM for bad parameters.
func (s *Store) FindCampaigns(ctx context.Context, f models.CampaignFilter) (models.Page[models.Campaign], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Campaign]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	db := s.reader.WithContext(ctx)
	now := s.now()
	filter, err := s.campaignFilters(ctx, db, f, now)
	if err != nil {
		return page, err
	}
	var rows []campaignRow
	if ranked, err := relevance(f.Sort, f.Q); err != nil {
		return page, err
	} else if ranked {
		if rows, page.NextCursor, err = s.rankedCampaigns(db, f, filter, limit, now); err != nil {
			return page, err
		}
	} else {
		q := filter(scope(db.Table("campaigns c").Select(campaignColumns), "c", f.Visibility, now))
		if f.Q != "" {
			cond, expr, err := matchFilter(db, f.Q, "campaign", "c")
			if err != nil {
				return page, err
			}
			q = q.Where(cond, expr)
		}
		if f.Cursor != "" {
			cur, err := decodeCursor(f.Cursor, "campaigns")
			if err != nil {
				return page, err
			}
			q = q.Where("(c.name > ? OR (c.name = ? AND c.id > ?))", cur.Key, cur.Key, cur.ID)
		}
		if err := q.Order("c.name, c.id").Limit(limit + 1).Scan(&rows).Error; err != nil {
			return page, internal("find campaigns", err)
		}
		if len(rows) > limit {
			last := rows[limit-1]
			page.NextCursor = encodeCursor(cursor{List: "campaigns", Key: last.Name, ID: last.ID})
			rows = rows[:limit]
		}
	}
	page.Items = make([]models.Campaign, len(rows))
	for i := range rows {
		if page.Items[i], err = rows[i].campaign(now); err != nil {
			return page, err
		}
	}
	if err := loadCampaignRelations(ctx, db, page.Items, f.Visibility, now, false); err != nil {
		return page, err
	}
	return page, nil
}

// campaignFilters looks up the filters of f (all but q, the cursor and the order) and
// returns what applies them to a query over "campaigns c". It returns EBADPARAM for a
// bad value or a slug that names nothing.
func (s *Store) campaignFilters(ctx context.Context, db *gorm.DB, f models.CampaignFilter, now time.Time) (func(*gorm.DB) *gorm.DB, error) {
	today := now.Format(time.DateOnly)
	var conds []where
	switch f.Period {
	case "":
	case models.PeriodEnded:
		conds = append(conds, where{"c.ends_on < ?", []any{today}})
	case models.PeriodUpcoming:
		conds = append(conds, where{"(c.ends_on IS NULL OR c.ends_on >= ?) AND c.starts_on > ?", []any{today, today}})
	case models.PeriodActive:
		conds = append(conds, where{"(c.ends_on IS NULL OR c.ends_on >= ?) AND c.starts_on <= ?", []any{today, today}})
	case models.PeriodUnknown:
		conds = append(conds, where{"(c.ends_on IS NULL OR c.ends_on >= ?) AND c.starts_on IS NULL", []any{today}})
	default:
		return nil, models.BadParam("status", "must be upcoming, active, ended or unknown")
	}
	if f.Scope != "" {
		if !slices.Contains(models.CampaignScopes, f.Scope) {
			return nil, models.BadParam("scope", "must be local, regional or national")
		}
		conds = append(conds, where{"c.scope = ?", []any{f.Scope}})
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
		ids := append(t.ancestorsAndSelf(r.ID), t.descendantsAndSelf(r.ID)[1:]...)
		conds = append(conds, where{"EXISTS (SELECT 1 FROM campaign_regions x WHERE x.campaign_id = c.id AND x.region_id IN ?)", []any{ids}})
	}
	if f.Organisation != "" {
		id, err := lookupID(ctx, db, "organisations", f.Organisation, "organisation")
		if err != nil {
			return nil, err
		}
		conds = append(conds, where{"(c.organiser_id = ? OR EXISTS (SELECT 1 FROM campaign_partners x WHERE x.campaign_id = c.id AND x.organisation_id = ?))", []any{id, id}})
	}
	return func(q *gorm.DB) *gorm.DB { return applyWhere(q, conds) }, nil
}

// FindCampaign returns one campaign by slug with its latest articles. It returns
// ENOTFOUND, or EMOVED for an old slug.
func (s *Store) FindCampaign(ctx context.Context, slug string, v models.Visibility) (*models.Campaign, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []campaignRow
	q := scope(db.Table("campaigns c").Select(campaignColumns), "c", v, now).Where("c.slug = ?", slug)
	if err := q.Limit(1).Scan(&rows).Error; err != nil {
		return nil, internal("find campaign", err)
	}
	if len(rows) == 0 {
		return nil, s.missing(ctx, db, "campaign", "campaigns", slug, v, now)
	}
	c, err := rows[0].campaign(now)
	if err != nil {
		return nil, err
	}
	items := []models.Campaign{c}
	if err := loadCampaignRelations(ctx, db, items, v, now, true); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// latestArticles is how many articles a campaign item lists.
const latestArticles = 10

func loadCampaignRelations(ctx context.Context, db *gorm.DB, items []models.Campaign, v models.Visibility, now time.Time, withArticles bool) error {
	if len(items) == 0 {
		return nil
	}
	ids := idsOf(items, func(c *models.Campaign) int64 { return c.ID })
	organisers, err := loadRefs(ctx, db, `SELECT c.id AS owner, o.slug, o.name FROM campaigns c
		JOIN organisations o ON o.id = c.organiser_id WHERE c.id IN ? AND o.deleted_at IS NULL`, ids)
	if err != nil {
		return err
	}
	partners, err := loadRefs(ctx, db, `SELECT x.campaign_id AS owner, o.slug, o.name FROM campaign_partners x
		JOIN organisations o ON o.id = x.organisation_id WHERE x.campaign_id IN ? AND o.deleted_at IS NULL ORDER BY o.name`, ids)
	if err != nil {
		return err
	}
	regions, err := loadRefs(ctx, db, `SELECT x.campaign_id AS owner, r.slug, r.name FROM campaign_regions x
		JOIN regions r ON r.id = x.region_id WHERE x.campaign_id IN ? ORDER BY r.position, r.name`, ids)
	if err != nil {
		return err
	}
	cond, args := refVisible("h", v, now)
	helplines, err := loadRefs(ctx, db, `SELECT x.campaign_id AS owner, h.slug, h.name FROM campaign_helplines x
		JOIN helplines h ON h.id = x.helpline_id WHERE x.campaign_id IN ? AND `+cond+` ORDER BY h.name`, append([]any{ids}, args...)...)
	if err != nil {
		return err
	}
	own, err := loadOutcomes(ctx, db, "campaign", ids)
	if err != nil {
		return err
	}
	// A campaign's outcomes are its own, plus the totals of the outcomes of the
	// articles that report its work, for every metric it does not state itself. An
	// article that only mentions the campaign (a link without reports_work) counts
	// for nothing: its arrests are not the campaign's.
	var totals []outcomeRow
	cond, args = refVisible("a", v, now)
	if err := db.Raw(`SELECT x.campaign_id AS owner_id, o.metric, MIN(o.label) AS label, SUM(o.value) AS value
		FROM article_campaigns x JOIN articles a ON a.id = x.article_id
		JOIN outcomes o ON o.owner_type = 'article' AND o.owner_id = a.id
		WHERE x.campaign_id IN ? AND x.reports_work AND `+cond+`
		GROUP BY x.campaign_id, o.metric ORDER BY x.campaign_id, MIN(o.position), o.metric`, append([]any{ids}, args...)...).Scan(&totals).Error; err != nil {
		return internal("total outcomes", err)
	}
	for i := range items {
		c := &items[i]
		if o := organisers[c.ID]; len(o) > 0 {
			c.Organiser = &o[0]
		}
		c.Partners = nonNil(partners[c.ID])
		c.Regions = nonNil(regions[c.ID])
		c.Helplines = nonNil(helplines[c.ID])
		c.Outcomes = nonNil(own[c.ID])
		c.Totals = []models.Outcome{}
		for _, t := range totals {
			if t.OwnerID != c.ID || hasMetric(c.Outcomes, t.Metric) {
				continue
			}
			c.Totals = append(c.Totals, models.Outcome{Metric: t.Metric, Label: t.Label, Value: t.Value, Note: "Total of the articles that report the campaign's work."})
		}
		if withArticles {
			// The latest articles are those with a publication time (published, or
			// scheduled, which editors see): a draft has none to show or sort by
			// (databases put NULL at different ends of a descending order).
			var arts []struct {
				Slug        string
				Title       string
				PublishedAt time.Time
			}
			if err := db.Raw(`SELECT a.slug, a.title, a.published_at FROM article_campaigns x JOIN articles a ON a.id = x.article_id
				WHERE x.campaign_id = ? AND a.published_at IS NOT NULL AND `+cond+` ORDER BY a.published_at DESC, a.id DESC LIMIT ?`,
				append(append([]any{c.ID}, args...), latestArticles)...).Scan(&arts).Error; err != nil {
				return internal("campaign articles", err)
			}
			c.Articles = make([]models.ArticleRef, len(arts))
			for j, a := range arts {
				c.Articles[j] = models.ArticleRef{Slug: a.Slug, Title: a.Title, PublishedAt: a.PublishedAt.UTC()}
			}
		}
	}
	return nil
}

func hasMetric(os []models.Outcome, metric string) bool {
	for _, o := range os {
		if o.Metric == metric {
			return true
		}
	}
	return false
}
