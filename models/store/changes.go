package store

import (
	"context"
	"fmt"
	"signpost/models"
	"time"

	"gorm.io/gorm"
)

// public reports whether the current row is visible to the public at now.
func (c *current) public(now time.Time) bool {
	if c.Status == nil {
		return true // organisations have no publication state
	}
	return models.PublicAt(*c.Status, c.PublishedAt, now)
}

// changeStamp returns the time for the changes events of a write: now, or the time
// of the last event if that is later (a clock stepped back, or another instance's
// clock ahead of ours), so that the feed's times never fall as its numbers rise and
// since=<time> returns exactly the events at or after that time. Call it inside the
// write transaction, with now read there too.
func changeStamp(tx *gorm.DB, now time.Time) (time.Time, error) {
	var last []struct{ At time.Time }
	if err := tx.Raw(`SELECT at FROM changes ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return now, err
	}
	if len(last) > 0 && last[0].At.After(now) {
		return last[0].At.UTC(), nil
	}
	return now, nil
}

// insertChange adds one event to the changes feed and, in the same transaction,
// its webhook messages to the outbox.
func (s *Store) insertChange(tx *gorm.DB, now time.Time, itemType string, id int64, slug, action string, tombstone bool) error {
	seq, err := insertID(tx, `INSERT INTO changes (at, item_type, item_id, slug, action, tombstone) VALUES (?, ?, ?, ?, ?, ?)`,
		now, itemType, id, slug, action, tombstone)
	if err != nil {
		return err
	}
	return s.enqueueWebhooks(tx, models.Change{ID: seq, At: now, ItemType: itemType, Slug: slug, Action: action, Tombstone: tombstone}, id)
}

// recordChange adds the feed events of one write, from what the public could see
// before and can see after it. A write the public never sees adds nothing.
func (s *Store) recordChange(tx *gorm.DB, now time.Time, itemType string, id int64, cur *current, slug string, wasPublic, isPublic bool, status *string) error {
	switch {
	case wasPublic && isPublic:
		if cur.Slug != slug {
			if err := s.insertChange(tx, now, itemType, id, cur.Slug, models.ChangeMove, true); err != nil {
				return err
			}
		}
		return s.insertChange(tx, now, itemType, id, slug, models.ChangeUpdate, false)
	case !wasPublic && isPublic:
		action := models.ChangePublish
		if cur == nil {
			action = models.ChangeCreate
		}
		return s.insertChange(tx, now, itemType, id, slug, action, false)
	case wasPublic && !isPublic:
		action := models.ChangeUnpublish
		if status != nil && *status == models.StatusArchived {
			action = models.ChangeArchive
		}
		if err := s.insertChange(tx, now, itemType, id, cur.Slug, action, true); err != nil {
			return err
		}
		return nil
	}
	return nil
}

// Changes returns a page of the changes feed, oldest first. Events are numbered in
// commit order (the store has one writer), so a client that pages on never misses
// one that was written while it paged; their times, read under the write lock, rise
// with their numbers, so the page from a time holds exactly the events at or after
// it. A cursor or number past the last event continues from the last event. It
// returns EBADPARAM for a bad cursor or limit.
func (s *Store) Changes(ctx context.Context, f models.ChangeFilter) (models.ChangePage, error) {
	ctx = readContext(ctx)
	var page models.ChangePage
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	db := s.reader.WithContext(ctx)
	var after int64
	switch {
	case f.Cursor != "":
		c, err := decodeCursor(f.Cursor, "changes")
		if err != nil {
			return page, err
		}
		after = c.ID
	case f.After != nil:
		after = max(*f.After, 0)
	case f.Since != nil:
		// Just before the first event at or after the time, else after the last one.
		// (Events stamped before the time was read under the lock may be out of
		// order; starting at the first one at or after the time skips none of them.)
		var ids []int64
		// Stored times are whole microseconds (storedTime): a time between two
		// of them starts at the next one, which PostgreSQL, keeping no finer
		// times than those, would otherwise round down to.
		since := storedTime(*f.Since)
		if since.Before(*f.Since) {
			since = since.Add(time.Microsecond)
		}
		if err := db.Raw(`SELECT COALESCE((SELECT MIN(id) FROM changes WHERE at >= ?) - 1, (SELECT MAX(id) FROM changes), 0)`,
			since).Scan(&ids).Error; err != nil {
			return page, internal("changes since", err)
		}
		if len(ids) > 0 {
			after = ids[0]
		}
	}
	var rows []models.Change
	if err := db.Raw(`SELECT id, at, item_type, slug, action, tombstone FROM changes WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1).Scan(&rows).Error; err != nil {
		return page, internal("changes", err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = encodeCursor(cursor{List: "changes", ID: rows[limit-1].ID})
	}
	last := after
	if len(rows) > 0 {
		last = rows[len(rows)-1].ID
	} else if after > 0 {
		// Nothing after: resume from the last event, not from a number the feed has
		// not reached (a cursor of another database), which would skip what comes.
		var ids []int64
		if err := db.Raw(`SELECT COALESCE(MAX(id), 0) FROM changes`).Scan(&ids).Error; err != nil {
			return page, internal("changes end", err)
		}
		if len(ids) > 0 {
			last = min(after, ids[0])
		}
	}
	if last > 0 {
		page.Resume = encodeCursor(cursor{List: "changes", ID: last})
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	page.Items = nonNil(rows)
	return page, nil
}

// PublishDue announces the scheduled items whose time has come: each gets a publish
// event in the changes feed, and the content version moves on, so caches drop what
// they rendered before. The server calls it every second; it writes only when
// something is due. It returns how many items it announced.
func (s *Store) PublishDue(ctx context.Context) (int, error) {
	now := s.now()
	type due struct {
		ItemType string
		ID       int64
		Slug     string
	}
	find := func(db *gorm.DB) ([]due, error) {
		var out []due
		for _, t := range []struct{ itemType, table string }{{"helpline", "helplines"}, {"campaign", "campaigns"}, {"article", "articles"}} {
			var rows []due
			err := db.Raw(`SELECT ? AS item_type, t.id, t.slug FROM `+t.table+` t
				WHERE t.deleted_at IS NULL AND t.status = 'scheduled' AND t.published_at <= ?
				AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.item_type = ? AND c.item_id = t.id AND c.tombstone = FALSE
					AND c.id = (SELECT MAX(id) FROM changes m WHERE m.item_type = ? AND m.item_id = t.id))
				ORDER BY t.published_at, t.id`, t.itemType, now, t.itemType, t.itemType).Scan(&rows).Error
			if err != nil {
				return nil, err
			}
			out = append(out, rows...)
		}
		return out, nil
	}
	pending, err := find(s.reader.WithContext(ctx))
	if err != nil || len(pending) == 0 {
		return 0, internal("publish due", err)
	}
	n := 0
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		now = s.now()          // under the write lock, as in write
		items, err := find(tx) // again, under the write lock
		if err != nil {
			return err
		}
		touched := newTouchSet()
		stamp, err := changeStamp(tx, now)
		if err != nil {
			return err
		}
		for _, d := range items {
			if err := s.insertChange(tx, stamp, d.ItemType, d.ID, d.Slug, models.ChangePublish, false); err != nil {
				return err
			}
			if err := touch(tx, touched, d.ItemType, d.ID); err != nil {
				return err
			}
		}
		n = len(items)
		if n == 0 {
			return nil
		}
		if err := s.renderFragments(ctx, tx, mapKeys(touched.articles), now); err != nil {
			return err
		}
		return bumpVersion(tx, now, touched.tags())
	})
	return n, internal("publish due", s.settle(err))
}

// CacheState returns what a response cache needs to know whether an answer is still
// current: the content version, and the next time a scheduled item goes live (zero
// when none is scheduled), at which lists change without a write.
func (s *Store) CacheState(ctx context.Context) (version int64, nextPublication time.Time, err error) {
	ctx = readContext(ctx)
	var row struct {
		Version string
		Next    *string
	}
	now := s.now()
	err = s.reader.WithContext(ctx).Raw(`SELECT
		(SELECT value FROM meta WHERE key = 'content_version') AS version,
		(SELECT MIN(t) FROM (
			SELECT MIN(published_at) AS t FROM articles WHERE status = 'scheduled' AND deleted_at IS NULL AND published_at > ?
			UNION ALL SELECT MIN(published_at) FROM helplines WHERE status = 'scheduled' AND deleted_at IS NULL AND published_at > ?
			UNION ALL SELECT MIN(published_at) FROM campaigns WHERE status = 'scheduled' AND deleted_at IS NULL AND published_at > ?) AS times) AS next`,
		now, now, now).Scan(&row).Error
	if err != nil {
		return 0, time.Time{}, internal("cache state", err)
	}
	fmt.Sscan(row.Version, &version)
	if row.Next != nil {
		nextPublication, _ = parseStoredTime(*row.Next)
	}
	return version, nextPublication, nil
}

// parseStoredTime parses a time as the SQLite driver stores it, or as PostgreSQL
// writes a timestamptz as text (in UTC, "+00").
func parseStoredTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999-07"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: unreadable time %q", s)
}
