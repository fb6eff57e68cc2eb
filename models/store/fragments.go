package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"signpost/models"
)

// Fragments are each article's public JSON, rendered at write time (see touch.go):
// a public list of articles is then a keyset query over ready-made text, and one
// article a single row, instead of a query per kind of related item and the
// rendering of every item on every read. The API's shapes come from Config.Render;
// the store treats the fragments as opaque text.

// fragmentBatch is how many articles are rendered with one query.
const fragmentBatch = 500

// renderFragments renders again the fragments of the articles ids inside the write
// transaction tx, as the public will see each article once it is published (a
// scheduled article's fragments are ready for its publication). Articles the
// public can never see (drafts, archived, deleted) get none.
func (s *Store) renderFragments(ctx context.Context, tx *gorm.DB, ids []int64, now time.Time) error {
	slices.Sort(ids)
	for len(ids) > 0 {
		n := min(len(ids), fragmentBatch)
		if err := s.renderFragmentBatch(ctx, tx, ids[:n], now); err != nil {
			return fmt.Errorf("store: render fragments: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

func (s *Store) renderFragmentBatch(ctx context.Context, tx *gorm.DB, ids []int64, now time.Time) error {
	if err := tx.Exec(`UPDATE articles SET public_short = NULL, public_full = NULL, public_until = NULL, public_at = NULL
		WHERE id IN ? AND (deleted_at IS NOT NULL OR status NOT IN ('published', 'scheduled'))`, ids).Error; err != nil {
		return err
	}
	sel, args := articleSelect(models.Visibility{}, now)
	rows, err := scanArticleRows(tx.Table("articles a").Select(sel, args...).
		Where("a.id IN ? AND a.deleted_at IS NULL AND a.status IN ('published', 'scheduled')", ids), len(ids))
	if err != nil {
		return err
	}
	items := make([]models.Article, len(rows))
	for i := range rows {
		if items[i], err = rows[i].article(now); err != nil {
			return err
		}
		// As the public will see it: a scheduled article reads as published from
		// the moment it goes live.
		items[i].Status = models.StatusPublished
	}
	if err := loadArticleBodies(ctx, tx, items); err != nil {
		return err
	}
	until, err := fragmentsUntil(tx, ids, now)
	if err != nil {
		return err
	}
	for i := range items {
		a := &items[i]
		short, err := s.render.Public(a, false, now)
		if err != nil {
			return err
		}
		full, err := s.render.Public(a, true, now)
		if err != nil {
			return err
		}
		var u *time.Time
		if t, ok := until[a.ID]; ok {
			u = &t
		}
		if err := tx.Exec(`UPDATE articles SET public_short = ?, public_full = ?, public_until = ?, public_at = ? WHERE id = ?`,
			string(short), string(full), u, now, a.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// fragmentsUntil returns, for the articles ids that have one, the first moment their
// fragments stop being right by themselves: when a campaign or helpline they link,
// scheduled and not yet public, goes live and so must be shown.
func fragmentsUntil(tx *gorm.DB, ids []int64, now time.Time) (map[int64]time.Time, error) {
	var rows []struct {
		ArticleID int64
		At        time.Time
	}
	err := tx.Raw(`SELECT x.article_id, c.published_at AS at FROM article_campaigns x JOIN campaigns c ON c.id = x.campaign_id
			WHERE x.article_id IN ? AND c.deleted_at IS NULL AND c.status = 'scheduled' AND c.published_at > ?
		UNION ALL SELECT x.article_id, h.published_at FROM article_helplines x JOIN helplines h ON h.id = x.helpline_id
			WHERE x.article_id IN ? AND h.deleted_at IS NULL AND h.status = 'scheduled' AND h.published_at > ?`,
		ids, now, ids, now).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[int64]time.Time{}
	for _, r := range rows {
		if t, ok := out[r.ArticleID]; !ok || r.At.Before(t) {
			out[r.ArticleID] = r.At.UTC()
		}
	}
	return out, nil
}

// renderMissingFragments renders the fragments of every article the public may see
// that has none: rows written around the store (an older version of it, the data
// generator, SQL run by hand). It writes in batches, one transaction each, and
// records one invalidation of everything when it rendered any.
func (s *Store) renderMissingFragments(ctx context.Context) error {
	for {
		var ids []int64
		err := s.writer.WithContext(ctx).Raw(`SELECT id FROM articles WHERE public_short IS NULL AND deleted_at IS NULL
			AND status IN ('published', 'scheduled') ORDER BY id LIMIT ?`, fragmentBatch).Scan(&ids).Error
		if err != nil {
			return internal("find articles without fragments", err)
		}
		if len(ids) == 0 {
			return nil
		}
		now := s.now()
		err = s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.renderFragments(ctx, tx, ids, now); err != nil {
				return err
			}
			return bumpVersion(tx, now, nil)
		})
		if err != nil {
			return internal("render fragments", err)
		}
	}
}

// ArticleJSON returns the public JSON of one published article, as its own page
// shows it. It returns ENOTFOUND, or EMOVED for an old slug.
func (s *Store) ArticleJSON(ctx context.Context, slug string) (models.Rendered, error) {
	ctx = readContext(ctx)
	db := s.reader.WithContext(ctx)
	now := s.now()
	var rows []struct {
		ID          int64
		PublicFull  *string
		PublicUntil *time.Time
		PublicAt    *time.Time
		UpdatedAt   time.Time
		Version     int64
	}
	err := scope(db.Table("articles a").Select("a.id, a.public_full, a.public_until, a.public_at, a.updated_at, a.version"),
		"a", models.Visibility{}, now).Where("a.slug = ?", slug).Limit(1).Scan(&rows).Error
	if err != nil {
		return models.Rendered{}, internal("find article", err)
	}
	if len(rows) == 0 {
		return models.Rendered{}, s.missing(ctx, db, "article", "articles", slug, models.Visibility{}, now)
	}
	r := rows[0]
	if r.PublicFull != nil && r.PublicAt != nil && (r.PublicUntil == nil || now.Before(*r.PublicUntil)) {
		return models.Rendered{JSON: []byte(*r.PublicFull), Version: r.Version, ChangedAt: r.PublicAt.UTC()}, nil
	}
	// No fragment yet, or one that a publication has overtaken: render it now.
	a, err := s.FindArticle(ctx, slug, models.Visibility{})
	if err != nil {
		return models.Rendered{}, err
	}
	b, err := s.render.Public(a, true, now)
	if err != nil {
		return models.Rendered{}, internal("render article", err)
	}
	return models.Rendered{JSON: b, Slug: a.Slug, Version: a.Version, ChangedAt: now}, nil
}

// FindArticlesJSON is FindArticles for the public, with each article as the public
// JSON of a list. It returns EBADPARAM as FindArticles does.
func (s *Store) FindArticlesJSON(ctx context.Context, f models.ArticleFilter) (models.Page[models.Rendered], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Rendered]
	if f.Visibility.Editor || f.WithBodies {
		return page, fmt.Errorf("store: FindArticlesJSON is for the public list")
	}
	db := s.reader.WithContext(ctx)
	now := s.now()
	lq, err := s.articleQuery(ctx, db, f, now)
	if err != nil {
		return page, err
	}
	rs, err := lq.q.Select("a.id, a.slug, a.version, a.published_at, a.created_at, a.public_short, a.public_until").Limit(lq.limit + 1).Rows()
	if err != nil {
		return page, internal("find articles", err)
	}
	defer rs.Close()
	type row struct {
		id          int64
		slug        string
		version     int64
		publishedAt *time.Time
		createdAt   time.Time
		json        []byte
	}
	rows := make([]row, 0, lq.limit+1)
	var stale []int64
	for rs.Next() {
		var r row
		var short *string
		var until *time.Time
		if err := rs.Scan(&r.id, &r.slug, &r.version, &r.publishedAt, &r.createdAt, &short, &until); err != nil {
			return page, internal("find articles", err)
		}
		if short != nil && (until == nil || now.Before(*until)) {
			r.json = []byte(*short)
		} else {
			stale = append(stale, r.id)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return page, internal("find articles", err)
	}
	if len(rows) > lq.limit {
		last := rows[lq.limit-1]
		page.NextCursor = articleCursor(last.id, last.publishedAt, last.createdAt)
		rows = rows[:lq.limit]
	}
	fresh, err := s.renderNow(ctx, db, stale, now)
	if err != nil {
		return page, err
	}
	page.Items = make([]models.Rendered, len(rows))
	for i, r := range rows {
		if r.json == nil {
			r.json = fresh[r.id]
		}
		page.Items[i] = models.Rendered{JSON: r.json, Slug: r.slug, Version: r.version}
	}
	return page, nil
}

// renderNow renders the list JSON of articles whose fragments are missing or
// overtaken, at read time, without storing it (reads never write).
func (s *Store) renderNow(ctx context.Context, db *gorm.DB, ids []int64, now time.Time) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sel, args := articleSelect(models.Visibility{}, now)
	rows, err := scanArticleRows(db.Table("articles a").Select(sel, args...).Where("a.id IN ?", ids), len(ids))
	if err != nil {
		return nil, internal("render articles", err)
	}
	for i := range rows {
		a, err := rows[i].article(now)
		if err != nil {
			return nil, err
		}
		b, err := s.render.Public(&a, false, now)
		if err != nil {
			return nil, internal("render article", err)
		}
		out[a.ID] = b
	}
	return out, nil
}
