package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	if err := tx.Exec(`DELETE FROM article_list WHERE id IN ?`, ids).Error; err != nil {
		return err
	}
	if err := tx.Exec(`DELETE FROM article_pages WHERE article_id IN ?`, ids).Error; err != nil {
		return err
	}
	sel, args := articleSelectOn(tx, models.Visibility{}, now)
	rows, err := scanArticleRows(tx.Table("articles a").Select(sel, args...).
		Where("a.id IN ? AND a.deleted_at IS NULL AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL", ids), len(ids))
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
		if err := tx.Exec(`INSERT INTO article_list (published_at, id, slug, version, until, short) VALUES (?, ?, ?, ?, ?, ?)`,
			a.PublishedAt.UTC(), a.ID, a.Slug, a.Version, u, string(short)).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO article_pages (article_id, until, rendered_at, "full") VALUES (?, ?, ?, ?)`,
			a.ID, u, now, string(full)).Error; err != nil {
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

// missingFragmentsSQL finds a batch of the articles the public may see that have no
// fragments. Its condition is the one of the partial index articles_public (0012),
// word for word, so that the check at every start reads that small index rather
// than the table's rows; INDEXED BY holds SQLite to it, since when nearly every
// article is public its statistics rate the table's own order as good. INDEXED BY
// is SQLite's: PostgreSQL's planner chooses for itself (see missingFragments).
const missingFragmentsSQL = `SELECT a.id FROM articles a INDEXED BY articles_public
	WHERE a.deleted_at IS NULL AND a.status IN ('published', 'scheduled') AND a.published_at IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM article_pages p WHERE p.article_id = a.id) ORDER BY a.id LIMIT ?`

// missingFragments returns missingFragmentsSQL for the store's dialect.
func (s *Store) missingFragments() string {
	if s.dialect == postgresDialect {
		return strings.Replace(missingFragmentsSQL, " INDEXED BY articles_public", "", 1)
	}
	return missingFragmentsSQL
}

// renderMissingFragments renders the fragments of every article the public may see
// that has none: rows written around the store (an older version of it, the data
// generator, SQL run by hand). It writes in batches, one transaction each, and
// records one invalidation of everything when it rendered any.
func (s *Store) renderMissingFragments(ctx context.Context) error {
	for {
		var ids []int64
		err := s.writer.WithContext(ctx).Raw(s.missingFragments(), fragmentBatch).Scan(&ids).Error
		if err != nil {
			return internal("find articles without fragments", err)
		}
		if len(ids) == 0 {
			return nil
		}
		now := s.now()
		err = s.writeTx(ctx, func(tx *gorm.DB) error {
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
	now := s.now()
	// Written by hand, with the row's key in one column, for the reasons of
	// articleListJSON.
	stmt, err := s.readStmt(ctx, `SELECT a.version || char(31) || COALESCE(CAST(p.until AS TEXT), '') || char(31) || COALESCE(CAST(p.rendered_at AS TEXT), ''), p.full
		FROM articles a LEFT JOIN article_pages p ON p.article_id = a.id
		WHERE a.slug = ? AND `+visibleSQL("a")+` LIMIT 1`)
	if err != nil {
		return models.Rendered{}, internal("find article", err)
	}
	var key string
	var full []byte // the driver's text, converted once
	rs, err := stmt.QueryContext(ctx, slug, now)
	if err != nil {
		return models.Rendered{}, internal("find article", err)
	}
	defer rs.Close()
	if !rs.Next() {
		if err := rs.Err(); err != nil {
			return models.Rendered{}, internal("find article", err)
		}
		return models.Rendered{}, s.missing(ctx, s.reader.WithContext(ctx), "article", "articles", slug, models.Visibility{}, now)
	}
	if err := rs.Scan(&key, &full); err != nil {
		return models.Rendered{}, internal("find article", err)
	}
	f := strings.Split(key, unitSep)
	if len(f) != 3 {
		return models.Rendered{}, errRecord(key)
	}
	version, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return models.Rendered{}, errRecord(key)
	}
	fresh := full != nil && f[2] != ""
	if fresh && f[1] != "" {
		until, err := parseStoredTime(f[1])
		fresh = err == nil && now.Before(until)
	}
	if fresh {
		at, err := parseStoredTime(f[2])
		if err != nil {
			return models.Rendered{}, errRecord(key)
		}
		return models.Rendered{JSON: full, Slug: slug, Version: version, ChangedAt: at}, nil
	}
	rs.Close()
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
	now := s.now()
	if f.Campaign == "" && f.Region == "" && f.Topic == "" && f.Organisation == "" && f.Q == "" {
		return s.articleListJSON(ctx, f, now)
	}
	db := s.reader.WithContext(ctx)
	lq, err := s.articleQuery(ctx, db, f, now)
	if err != nil {
		return page, err
	}
	rs, err := lq.q.Select("a.id, a.slug, a.version, a.published_at, a.created_at, l.short, l.until").
		Joins("LEFT JOIN article_list l ON l.id = a.id").Limit(lq.limit + 1).Rows()
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
	sel, args := articleSelectOn(db, models.Visibility{}, now)
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

// articleListJSON is the public list with no filter but its publication window:
// a range of article_list, read with SQL of its own. It is the most frequent read
// of all, and gorm's building of a query cost as much as running this one.
func (s *Store) articleListJSON(ctx context.Context, f models.ArticleFilter, now time.Time) (models.Page[models.Rendered], error) {
	var page models.Page[models.Rendered]
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	// One column a row: every column costs the driver several calls into C and
	// database/sql a conversion, which took more time than SQLite's own work (and
	// SQLite's copy of the JSON into the column costs less than either). The column
	// is the row's key, the record separator, then the JSON. The key is
	// published_at, id, version, slug and until, split by the unit separator; no
	// slug or stored time holds either separator.
	q := `SELECT CAST(published_at AS TEXT) || char(31) || id || char(31) || version || char(31) || slug || char(31) || COALESCE(CAST(until AS TEXT), '') ||
		char(30) || short FROM article_list`
	var args []any
	// One upper bound, the cursor's or now: with two, SQLite walks the index from the
	// top and tests the second on every row it passes.
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "articles")
		if err != nil {
			return page, err
		}
		at, err := time.Parse(time.RFC3339Nano, c.Key)
		if err != nil {
			return page, models.BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
		}
		if at = at.UTC(); at.After(now) {
			at, c.ID = now, 1<<62 // a cursor past now starts at now
		}
		q += ` WHERE (published_at, id) < (?, ?)`
		args = append(args, at, c.ID)
	} else {
		q += ` WHERE published_at <= ?`
		args = append(args, now)
	}
	if f.PublishedAfter != nil {
		q += ` AND published_at >= ?`
		args = append(args, f.PublishedAfter.UTC())
	}
	if f.PublishedBefore != nil {
		q += ` AND published_at < ?`
		args = append(args, f.PublishedBefore.UTC())
	}
	q += ` ORDER BY published_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	stmt, err := s.readStmt(ctx, q)
	if err != nil {
		return page, internal("article list", err)
	}
	rs, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return page, internal("article list", err)
	}
	defer rs.Close()
	type row struct {
		key      string // published_at, id, version, slug, until
		from, to int    // of the JSON in buf; from < 0 when it must be rendered now
		id       int64
	}
	rows := make([]row, 0, limit+1)
	buf := make([]byte, 0, (limit+1)*1024)
	var stale []int64
	for rs.Next() {
		var r row
		var text string // the driver's, as it is: scanned into bytes, it is copied
		if err := rs.Scan(&text); err != nil {
			return page, internal("article list", err)
		}
		i := strings.IndexByte(text, recordSep[0])
		if i < 0 {
			return page, errRecord(text[:min(len(text), 200)])
		}
		r.key = text[:i]
		short := text[i+1:]
		k, ok := parseListKey(r.key)
		if !ok {
			return page, errRecord(r.key)
		}
		r.id = k.id
		if k.until != "" {
			until, err := parseStoredTime(k.until)
			if err != nil {
				return page, errRecord(r.key)
			}
			if !now.Before(until) {
				r.from = -1
				stale = append(stale, r.id)
			}
		}
		if r.from == 0 {
			r.from = len(buf)
			buf = append(buf, short...)
			r.to = len(buf)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return page, internal("article list", err)
	}
	if len(rows) > limit {
		last, _ := parseListKey(rows[limit-1].key)
		at, err := parseStoredTime(last.publishedAt)
		if err != nil {
			return page, errRecord(rows[limit-1].key)
		}
		page.NextCursor = articleCursor(rows[limit-1].id, &at, at)
		rows = rows[:limit]
	}
	var fresh map[int64][]byte
	if len(stale) > 0 { // a gorm session costs allocations even when unused
		if fresh, err = s.renderNow(ctx, s.reader.WithContext(ctx), stale, now); err != nil {
			return page, err
		}
	}
	page.Items = make([]models.Rendered, len(rows))
	for i, r := range rows {
		k, _ := parseListKey(r.key)
		it := models.Rendered{Slug: k.slug, Version: k.version}
		if r.from < 0 {
			it.JSON = fresh[r.id]
		} else {
			it.JSON = buf[r.from:r.to:r.to]
		}
		page.Items[i] = it
	}
	return page, nil
}

// readStmt returns the prepared statement of query on the read pool, preparing it
// the first time. query is written for SQLite, with ? placeholders: on PostgreSQL
// it is translated (sqlText) and its placeholders numbered ($1, $2, …), since
// database/sql passes the text to the driver as it is.
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	db, err := s.reader.DB()
	if err != nil {
		return nil, err
	}
	text := query
	if s.dialect == postgresDialect {
		text = rebind(sqlText(s.reader, query))
	}
	st, err := db.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Refresh rebuilds everything the store derives from the content by itself, the
// search index and every article's fragments, and records an invalidation of
// everything. The store keeps them in step with its own writes; this is for content
// written around it (SQL run by hand, test fixtures).
func (s *Store) Refresh(ctx context.Context) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := rebuildSearch(tx); err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM article_list`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM article_pages`).Error; err != nil {
			return err
		}
		return bumpVersion(tx, s.now(), nil)
	})
	if err != nil {
		return internal("refresh", err)
	}
	return s.renderMissingFragments(ctx)
}

// listKey is the key column of article_list's reads: published_at, id, version,
// slug and until (or ""), split by the unit separator.
type listKey struct {
	publishedAt, slug, until string
	id, version              int64
}

// parseListKey splits a key without allocating: the parts are substrings of key.
func parseListKey(key string) (listKey, bool) {
	var parts [5]string
	rest := key
	for i := range 4 {
		j := strings.Index(rest, unitSep)
		if j < 0 {
			return listKey{}, false
		}
		parts[i], rest = rest[:j], rest[j+len(unitSep):]
	}
	parts[4] = rest
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	version, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || strings.Contains(rest, unitSep) {
		return listKey{}, false
	}
	return listKey{publishedAt: parts[0], id: id, version: version, slug: parts[3], until: parts[4]}, true
}
