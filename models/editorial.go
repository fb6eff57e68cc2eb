package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// content is what the write path needs of every editable type.
type content interface {
	kind() (itemType, table string)
	slugRef() *string
	title() string
	// publication returns pointers to the publication fields, or nils for types
	// that are not published (organisations).
	publication() (status *string, publishAt, publishedAt **time.Time)
}

func (a *Article) kind() (string, string) { return "article", "articles" }
func (a *Article) slugRef() *string       { return &a.Slug }
func (a *Article) title() string          { return a.Title }
func (a *Article) publication() (*string, **time.Time, **time.Time) {
	return &a.Status, &a.PublishAt, &a.PublishedAt
}

func (h *Helpline) kind() (string, string) { return "helpline", "helplines" }
func (h *Helpline) slugRef() *string       { return &h.Slug }
func (h *Helpline) title() string          { return h.Name }
func (h *Helpline) publication() (*string, **time.Time, **time.Time) {
	return &h.Status, &h.PublishAt, &h.PublishedAt
}

func (c *Campaign) kind() (string, string) { return "campaign", "campaigns" }
func (c *Campaign) slugRef() *string       { return &c.Slug }
func (c *Campaign) title() string          { return c.Name }
func (c *Campaign) publication() (*string, **time.Time, **time.Time) {
	return &c.Status, &c.PublishAt, &c.PublishedAt
}

func (o *Organisation) kind() (string, string) { return "organisation", "organisations" }
func (o *Organisation) slugRef() *string       { return &o.Slug }
func (o *Organisation) title() string          { return o.Name }
func (o *Organisation) publication() (*string, **time.Time, **time.Time) {
	return nil, nil, nil
}

// Audit actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

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
// and bumps the content version. slug is "" for a create.
func write[T content](ctx context.Context, s *Store, actor, slug string, ifMatch int64, item T, invalid []FieldError,
	save func(tx *gorm.DB, id int64, item T, now time.Time, prior []FieldError) (int64, error),
	load func(ctx context.Context, db *gorm.DB, id int64, now time.Time) (T, error),
) (T, error) {
	var out T
	itemType, table := item.kind()
	now := s.now()
	err := s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur *current
		var before T
		action := ActionCreate
		if slug != "" {
			c, err := findCurrent(tx, table, itemType, slug)
			if err != nil {
				return err
			}
			if ifMatch != 0 && ifMatch != c.Version {
				return Errorf(EPRECONDITION, "The %s has changed since you read it (version %d, yours %d). Read it again and reapply your change.", itemType, c.Version, ifMatch)
			}
			cur, action = c, ActionUpdate
			if before, err = load(ctx, tx, c.ID, now); err != nil {
				return err
			}
		}
		if err := settleSlug(tx, itemType, table, item, cur); err != nil {
			return err
		}
		if status, publishAt, publishedAt := item.publication(); status != nil {
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
		newSlug := *item.slugRef()
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
		if err := recordAudit(tx, now, actor, action, itemType, id, newSlug, beforeJSON, out); err != nil {
			return err
		}
		wasPublic := cur != nil && cur.public(now)
		isPublic := true
		if status, _, publishedAt := item.publication(); status != nil {
			isPublic = publicAt(*status, *publishedAt, now)
		}
		if err := recordChange(tx, now, itemType, id, cur, newSlug, wasPublic, isPublic, item); err != nil {
			return err
		}
		if err := reindex(tx, itemType, id); err != nil {
			return err
		}
		return bumpVersion(tx, now)
	})
	return out, err
}

// remove soft-deletes an item: it vanishes from every read, and its row stays for
// the audit log and the changes feed.
func remove[T content](ctx context.Context, s *Store, actor, slug string, ifMatch int64, zero T,
	load func(ctx context.Context, db *gorm.DB, id int64, now time.Time) (T, error),
) error {
	itemType, table := zero.kind()
	now := s.now()
	return s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := findCurrent(tx, table, itemType, slug)
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != c.Version {
			return Errorf(EPRECONDITION, "The %s has changed since you read it (version %d, yours %d).", itemType, c.Version, ifMatch)
		}
		before, err := load(ctx, tx, c.ID, now)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE `+table+` SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`, now, now, c.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM slug_redirects WHERE item_type = ? AND item_id = ?`, itemType, c.ID).Error; err != nil {
			return err
		}
		if err := recordAudit(tx, now, actor, ActionDelete, itemType, c.ID, c.Slug, before, nil); err != nil {
			return err
		}
		if c.public(now) {
			if err := insertChange(tx, now, itemType, c.ID, c.Slug, ChangeDelete, true); err != nil {
				return err
			}
		}
		if err := reindex(tx, itemType, c.ID); err != nil {
			return err
		}
		return bumpVersion(tx, now)
	})
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
			return nil, Errorf(ENOTFOUND, "No %s with slug %q; it is now %q.", itemType, slug, moved[0])
		}
		return nil, Errorf(ENOTFOUND, "No %s with slug %q.", itemType, slug)
	}
	return &rows[0], nil
}

// settleSlug makes the item's slug: the given one, which must be free (else
// ECONFLICT), or, when none is given, the current one on an update or one made from
// the title on a create, with "-2", "-3", … added until it is free. A slug is not
// free while another live item has it or an old slug of another item redirects
// from it, so that links on partner sites keep working forever.
func settleSlug(tx *gorm.DB, itemType, table string, item content, cur *current) error {
	slug := item.slugRef()
	var self int64
	if cur != nil {
		self = cur.ID
	}
	if *slug != "" {
		taken, err := slugTaken(tx, itemType, table, *slug, self)
		if err != nil {
			return err
		}
		if taken {
			return &Error{Code: ECONFLICT, Message: fmt.Sprintf("The slug %q is already used by another %s.", *slug, itemType),
				Fields: []FieldError{{Field: "slug", Message: "already in use"}}}
		}
		return nil
	}
	if cur != nil {
		*slug = cur.Slug
		return nil
	}
	base := Slugify(item.title())
	if base == "" {
		base = itemType
	}
	for n := 1; n < 1000; n++ {
		cand := base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			cand = truncateSlug(base, MaxSlugLength-len(suffix)) + suffix
		}
		taken, err := slugTaken(tx, itemType, table, cand, self)
		if err != nil {
			return err
		}
		if !taken {
			*slug = cand
			return nil
		}
	}
	return Errorf(ECONFLICT, "Could not find a free slug for this %s; give one.", itemType)
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
	case StatusPublished:
		if previous != nil && !previous.After(now) {
			return previous
		}
		return &now
	case StatusScheduled:
		return publishAt
	}
	return previous
}

// translate maps storage errors of a save to domain errors.
func translate(err error, itemType string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &Error{Code: ECONFLICT, Message: fmt.Sprintf("The slug is already used by another %s.", itemType),
			Fields: []FieldError{{Field: "slug", Message: "already in use"}}}
	}
	return err
}

// recordAudit adds the audit entry of one write.
func recordAudit(tx *gorm.DB, now time.Time, actor, action, itemType string, id int64, slug string, before, after any) error {
	enc := func(v any) (*string, error) {
		if v == nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
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
