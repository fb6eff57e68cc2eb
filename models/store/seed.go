package store

import (
	"context"
	"fmt"
	"signpost/models"
	"signpost/models/markdown"
	"signpost/models/seed"

	"gorm.io/gorm"
)

// Seed loads the starter content into an empty database: the region tree, the
// vocabulary, the organisations, helplines, campaigns and the article that started the
// project. It does nothing (and returns false) when the database already has regions,
// so starting again never duplicates it.
func (s *Store) Seed(ctx context.Context) (bool, error) {
	var n int64
	if err := s.writer.WithContext(ctx).Raw(`SELECT COUNT(*) FROM regions`).Scan(&n).Error; err != nil {
		return false, internal("seed check", err)
	}
	if n > 0 {
		return false, nil
	}
	now := s.now()
	loaded := false
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// Another process may have seeded since we looked; the transaction holds
		// the write lock now, so look again.
		if err := tx.Raw(`SELECT COUNT(*) FROM regions`).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		loaded = true
		if err := seedRegions(tx); err != nil {
			return err
		}
		for _, t := range seed.Topics {
			if err := tx.Exec(`INSERT INTO topics (slug, name, kind, description) VALUES (?, ?, ?, ?)`, t.Slug, t.Name, t.Kind, t.Description).Error; err != nil {
				return err
			}
		}
		for i := range seed.Organisations {
			if _, err := saveOrganisation(tx, 0, &seed.Organisations[i], now, nil); err != nil {
				return fmt.Errorf("organisation %s: %w", seed.Organisations[i].Slug, err)
			}
		}
		for _, h := range seed.Helplines() {
			h.Status, h.PublishedAt = models.StatusPublished, &now
			if _, err := saveHelpline(tx, 0, &h, now, nil); err != nil {
				return fmt.Errorf("helpline %s: %w", h.Slug, err)
			}
		}
		for _, c := range seed.Campaigns() {
			c.Status, c.PublishedAt = models.StatusPublished, &now
			if _, err := saveCampaign(tx, 0, &c, now, nil); err != nil {
				return fmt.Errorf("campaign %s: %w", c.Slug, err)
			}
		}
		for _, a := range seed.Articles() {
			html, text, err := markdown.Render(a.BodyMarkdown)
			if err != nil {
				return err
			}
			a.BodyHTML, a.BodyText = html, text
			a.Status, a.PublishedAt = models.StatusPublished, &now
			if _, err := saveArticle(tx, 0, &a, now, nil); err != nil {
				return fmt.Errorf("article %s: %w", a.Slug, err)
			}
		}
		if err := tx.Exec(`INSERT INTO changes (at, item_type, item_id, slug, action)
			SELECT `+s.timeArg()+`, item_type, item_id, slug, 'create' FROM (
				SELECT 1 AS o, 'organisation' AS item_type, id AS item_id, slug FROM organisations
				UNION ALL SELECT 2, 'helpline', id, slug FROM helplines
				UNION ALL SELECT 3, 'campaign', id, slug FROM campaigns
				UNION ALL SELECT 4, 'article', id, slug FROM articles
			) AS items ORDER BY o, item_id`, now).Error; err != nil {
			return err
		}
		if err := rebuildSearch(tx); err != nil {
			return err
		}
		var ids []int64
		if err := tx.Raw(`SELECT id FROM articles`).Scan(&ids).Error; err != nil {
			return err
		}
		if err := s.renderFragments(ctx, tx, ids, now); err != nil {
			return err
		}
		return bumpVersion(tx, now, nil)
	})
	if err != nil {
		return false, internal("seed", err)
	}
	return loaded, nil
}

func seedRegions(tx *gorm.DB) error {
	ids := map[string]int64{}
	for i, r := range seed.Regions() {
		var parent *int64
		if r.Parent != "" {
			id, ok := ids[r.Parent]
			if !ok {
				return fmt.Errorf("region %s: parent %s comes later", r.Slug, r.Parent)
			}
			parent = &id
		}
		id, err := insertID(tx, `INSERT INTO regions (slug, name, kind, parent_id, position) VALUES (?, ?, ?, ?, ?)`,
			r.Slug, r.Name, r.Kind, parent, i+1)
		if err != nil {
			return err
		}
		ids[r.Slug] = id
	}
	return nil
}
