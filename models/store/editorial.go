package store

import (
	"context"
	"errors"
	"fmt"
	"signpost/models"
	"signpost/models/slug"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// content is what the write path needs of an item of any editable type: where it
// is stored, its slug and title, and its publication fields (nil for types that
// are not published, such as organisations). The pointers are into the item.
type content struct {
	itemType, table string
	slug            *string
	title           string
	status          *string
	publishAt       **time.Time
	publishedAt     **time.Time
}

// describe returns the content view of an item: a *models.Article, Helpline,
// Campaign or Organisation.
func describe(item any) content {
	switch v := item.(type) {
	case *models.Article:
		return content{"article", "articles", &v.Slug, v.Title, &v.Status, &v.PublishAt, &v.PublishedAt}
	case *models.Helpline:
		return content{"helpline", "helplines", &v.Slug, v.Name, &v.Status, &v.PublishAt, &v.PublishedAt}
	case *models.Campaign:
		return content{"campaign", "campaigns", &v.Slug, v.Name, &v.Status, &v.PublishAt, &v.PublishedAt}
	case *models.Organisation:
		return content{itemType: "organisation", table: "organisations", slug: &v.Slug, title: v.Name}
	}
	panic(fmt.Sprintf("store: %T is not content", item))
}

type current struct {
	ID          int64
	Slug        string
	Version     int64
	Status      *string
	PublishedAt *time.Time
}

// write runs one editorial write in a transaction: it checks the item exists and
// that ifMatch (a version, 0 for none) still holds, settles the slug and the
// publication time, saves, and records the redirect, the audit entry and the change,
// and bumps the content version. slug is "" for a create. A storage failure is
// EFULL, EREADONLY, ELOCKED or ESTORAGE, and nothing of the write is saved.
func write[T any](ctx context.Context, s *Store, actor, slug string, ifMatch int64, item T, invalid []models.FieldError,
	save func(tx *gorm.DB, id int64, item T, now time.Time, prior []models.FieldError) (int64, error),
	load func(ctx context.Context, db *gorm.DB, id int64, now time.Time) (T, error),
) (T, error) {
	var out T
	ct := describe(item)
	itemType, table := ct.itemType, ct.table
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// The time is read once the transaction holds the write lock (the writer's
		// BEGIN IMMEDIATE takes it), so that the changes feed's times rise with its
		// numbers: a time read before would race the other writers for the lock.
		now := s.now()
		var cur *current
		var before T
		action := models.ActionCreate
		touched := newTouchSet()
		if slug != "" {
			c, err := findCurrent(tx, table, itemType, slug)
			if err != nil {
				return err
			}
			if ifMatch != 0 && ifMatch != c.Version {
				return models.Errorf(models.EPRECONDITION, "The %s has changed since you read it (version %d, yours %d). Read it again and reapply your change.", itemType, c.Version, ifMatch)
			}
			cur, action = c, models.ActionUpdate
			if before, err = load(ctx, tx, c.ID, now); err != nil {
				return err
			}
			if err := touch(tx, touched, itemType, c.ID); err != nil {
				return err
			}
		}
		if err := settleSlug(tx, itemType, table, ct, cur); err != nil {
			return err
		}
		if status, publishAt, publishedAt := ct.status, ct.publishAt, ct.publishedAt; status != nil {
			// Times are stored as text and compared as text (published_at <= now),
			// which is only right when every stored time is in UTC.
			*publishAt = utcPtr(*publishAt)
			var prev *time.Time
			if cur != nil {
				prev = cur.PublishedAt
			}
			*publishedAt = publicationTime(*status, *publishAt, prev, now)
		}
		var id int64
		if cur != nil {
			id = cur.ID
		}
		id, err := save(tx, id, item, now, invalid)
		if err != nil {
			return translate(err, itemType)
		}
		newSlug := *ct.slug
		if cur != nil && cur.Slug != newSlug {
			if err := tx.Exec(`DELETE FROM slug_redirects WHERE item_type = ? AND slug = ?`, itemType, cur.Slug).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO slug_redirects (item_type, slug, item_id) VALUES (?, ?, ?)`, itemType, cur.Slug, id).Error; err != nil {
				return err
			}
		}
		if out, err = load(ctx, tx, id, now); err != nil {
			return err
		}
		var beforeJSON any
		if cur != nil {
			beforeJSON = before
		}
		if err := s.recordAudit(tx, now, actor, action, itemType, id, newSlug, beforeJSON, out); err != nil {
			return err
		}
		wasPublic := cur != nil && cur.public(now)
		isPublic := true
		if status, publishedAt := ct.status, ct.publishedAt; status != nil {
			isPublic = models.PublicAt(*status, *publishedAt, now)
		}
		stamp, err := changeStamp(tx, now)
		if err != nil {
			return err
		}
		if err := s.recordChange(tx, stamp, itemType, id, cur, newSlug, wasPublic, isPublic, ct.status); err != nil {
			return err
		}
		if err := reindex(tx, itemType, id); err != nil {
			return err
		}
		if err := touch(tx, touched, itemType, id); err != nil {
			return err
		}
		if err := s.renderFragments(ctx, tx, mapKeys(touched.articles), now); err != nil {
			return err
		}
		return bumpVersion(tx, now, touched.tags())
	})
	return out, s.settle(err)
}

// remove soft-deletes an item: it vanishes from every read, and its row stays for
// the audit log and the changes feed.
func remove[T any](ctx context.Context, s *Store, actor, slug string, ifMatch int64, zero T,
	load func(ctx context.Context, db *gorm.DB, id int64, now time.Time) (T, error),
) error {
	ct := describe(zero)
	itemType, table := ct.itemType, ct.table
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		now := s.now() // under the write lock, as in write
		c, err := findCurrent(tx, table, itemType, slug)
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != c.Version {
			return models.Errorf(models.EPRECONDITION, "The %s has changed since you read it (version %d, yours %d).", itemType, c.Version, ifMatch)
		}
		before, err := load(ctx, tx, c.ID, now)
		if err != nil {
			return err
		}
		touched := newTouchSet()
		if err := touch(tx, touched, itemType, c.ID); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE `+table+` SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`, now, now, c.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM slug_redirects WHERE item_type = ? AND item_id = ?`, itemType, c.ID).Error; err != nil {
			return err
		}
		if err := s.recordAudit(tx, now, actor, models.ActionDelete, itemType, c.ID, c.Slug, before, nil); err != nil {
			return err
		}
		if c.public(now) {
			stamp, err := changeStamp(tx, now)
			if err != nil {
				return err
			}
			if err := s.insertChange(tx, stamp, itemType, c.ID, c.Slug, models.ChangeDelete, true); err != nil {
				return err
			}
		}
		if err := reindex(tx, itemType, c.ID); err != nil {
			return err
		}
		if err := s.renderFragments(ctx, tx, mapKeys(touched.articles), now); err != nil {
			return err
		}
		return bumpVersion(tx, now, touched.tags())
	})
	return s.settle(err)
}

// mapKeys returns the keys of a set.
func mapKeys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func findCurrent(tx *gorm.DB, table, itemType, slug string) (*current, error) {
	cols := "id, slug, version, NULL AS status, NULL AS published_at"
	if table != "organisations" {
		cols = "id, slug, version, status, published_at"
	}
	var rows []current
	if err := tx.Raw(`SELECT `+cols+` FROM `+table+` WHERE slug = ? AND deleted_at IS NULL`, slug).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		var moved []string
		if err := tx.Raw(`SELECT t.slug FROM slug_redirects r JOIN `+table+` t ON t.id = r.item_id
			WHERE r.item_type = ? AND r.slug = ? AND t.deleted_at IS NULL`, itemType, slug).Scan(&moved).Error; err != nil {
			return nil, err
		}
		if len(moved) > 0 {
			return nil, models.Errorf(models.ENOTFOUND, "No %s with slug %q; it is now %q.", itemType, slug, moved[0])
		}
		return nil, models.Errorf(models.ENOTFOUND, "No %s with slug %q.", itemType, slug)
	}
	return &rows[0], nil
}

// settleSlug makes the item's slug: the given one, which must be free (else
// ECONFLICT), or, when none is given, the current one on an update or one made from
// the title on a create, with "-2", "-3", … added until it is free. A slug is not
// free while another live item has it or an old slug of another item redirects
// from it, so that links on partner sites keep working forever.
func settleSlug(tx *gorm.DB, itemType, table string, item content, cur *current) error {
	sp := item.slug
	var self int64
	if cur != nil {
		self = cur.ID
	}
	if *sp != "" {
		taken, err := slugTaken(tx, itemType, table, *sp, self)
		if err != nil {
			return err
		}
		if taken {
			return &models.Error{Code: models.ECONFLICT, Message: fmt.Sprintf("The slug %q is already used by another %s.", *sp, itemType),
				Fields: []models.FieldError{{Field: "slug", Message: "already in use"}}}
		}
		return nil
	}
	if cur != nil {
		*sp = cur.Slug
		return nil
	}
	base := slug.Make(item.title)
	if base == "" {
		base = itemType
	}
	for n := 1; n < 1000; n++ {
		cand := base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			cand = truncateSlug(base, slug.MaxLength-len(suffix)) + suffix
		}
		taken, err := slugTaken(tx, itemType, table, cand, self)
		if err != nil {
			return err
		}
		if !taken {
			*sp = cand
			return nil
		}
	}
	return models.Errorf(models.ECONFLICT, "Could not find a free slug for this %s; give one.", itemType)
}

func truncateSlug(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1] == '-' {
		s = s[:len(s)-1]
	}
	return s
}

func slugTaken(tx *gorm.DB, itemType, table, slug string, self int64) (bool, error) {
	var n int64
	err := tx.Raw(`SELECT (SELECT COUNT(*) FROM `+table+` WHERE slug = ? AND deleted_at IS NULL AND id <> ?)
		+ (SELECT COUNT(*) FROM slug_redirects WHERE item_type = ? AND slug = ? AND item_id <> ?)`,
		slug, self, itemType, slug, self).Scan(&n).Error
	return n > 0, err
}

// publicationTime derives the stored publication time: a published item keeps the
// time it first went live; a scheduled one goes live at publish_at; drafts and
// archived items keep the time they were last live, which the public never sees.
func publicationTime(status string, publishAt, previous *time.Time, now time.Time) *time.Time {
	switch status {
	case models.StatusPublished:
		if previous != nil && !previous.After(now) {
			return previous
		}
		return &now
	case models.StatusScheduled:
		return publishAt
	}
	return previous
}

// translate maps storage errors of a save to domain errors.
func translate(err error, itemType string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &models.Error{Code: models.ECONFLICT, Message: fmt.Sprintf("The slug is already used by another %s.", itemType),
			Fields: []models.FieldError{{Field: "slug", Message: "already in use"}}}
	}
	return err
}

// recordAudit adds the audit entry of one write, with the item before and after it
// in the API's editor shape (Renderer.Editor); nil for none.
func (s *Store) recordAudit(tx *gorm.DB, now time.Time, actor, action, itemType string, id int64, slug string, before, after any) error {
	enc := func(v any) (*string, error) {
		if v == nil {
			return nil, nil
		}
		b, err := s.render.Editor(v, now)
		if err != nil {
			return nil, err
		}
		s := string(b)
		return &s, nil
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO audit_log (at, key_name, action, item_type, item_id, slug, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		now, actor, action, itemType, id, slug, b, a).Error
}
