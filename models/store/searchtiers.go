package store

import (
	"context"
	"fmt"
	"signpost/models"
	"signpost/models/search"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// The relevance order of searches (and of the lists with q and sort=relevance) is by
// tiers of where an item has all the words of a query; within a tier, the most recently
// added first, which is the index's row id order. A search reads a tier's matches in
// that order and stops at its limit, so it costs what its page costs, where bm25 had
// to score and sort every match first. Over several types, a tier shows its helplines,
// then campaigns, then articles (the order of their row ids, see indexSource.code):
// the services a query names before the news that mentions them. searchfts5.go holds
// what is particular to FTS5, searchpg.go PostgreSQL's.

// searchTier is one tier of the relevance order.
type searchTier struct {
	// score is the hits' score, models.SearchScore*.
	score int
	// columns are the index's columns within which the query must hold; nil means
	// anywhere. Each tier's columns contain the tier before's.
	columns []string
}

// searchTiers are the tiers, best first: a helpline's keywords count as its name,
// since they are the words people in need search with ("am I a paedophile").
var searchTiers = []searchTier{
	{models.SearchScoreTitle, []string{"title", "keywords"}},
	{models.SearchScoreSummary, []string{"title", "keywords", "summary", "topics"}},
	{models.SearchScoreBody, nil},
}

// relevance reports whether a list is to be read in the relevance order. It returns
// EBADPARAM naming sort for an unknown order, and for relevance without q.
func relevance(sort, q string) (bool, error) {
	switch {
	case sort == "":
		return false, nil
	case sort != models.SortRelevance:
		return false, models.BadParam("sort", "must be %s or left out", models.SortRelevance)
	case q == "":
		return false, models.BadParam("sort", "%s needs q, the words to search for", models.SortRelevance)
	}
	return true, nil
}

// rankPlace is a place in a list in the relevance order: the tier (an index of
// searchTiers) and the id of the last item shown.
type rankPlace struct {
	tier int
	id   int64
}

// rankCursor is the cursor after place p of list. Its list name differs from the
// list's own order's, so that a cursor of one order is refused by the other.
func rankCursor(list string, p rankPlace) string {
	return encodeCursor(cursor{List: list + "/relevance", Key: strconv.Itoa(searchTiers[p.tier].score), ID: p.id})
}

// parseRankCursor reads a cursor made by rankCursor for list; "" is the start (nil).
// Anything else is EBADPARAM naming cursor.
func parseRankCursor(s, list string) (*rankPlace, error) {
	if s == "" {
		return nil, nil
	}
	c, err := decodeCursor(s, list+"/relevance")
	if err != nil {
		return nil, err
	}
	for i, t := range searchTiers {
		if c.Key == strconv.Itoa(t.score) {
			return &rankPlace{tier: i, id: c.ID}, nil
		}
	}
	return nil, models.BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
}

// rankedPage reads a page of a list in the relevance order: tier after tier from after
// (nil: the start), with scan reading at most n items of one tier, newest first, below
// an item id (0: from the newest). It returns at most limit items, and the place after
// the last when there are more.
func rankedPage[T any](limit int, after *rankPlace, scan func(tier int, below int64, n int) ([]T, error), id func(*T) int64) ([]T, *rankPlace, error) {
	var out []T
	var tiers []int
	start, below := 0, int64(0)
	if after != nil {
		start, below = after.tier, after.id
	}
	for t := start; t < len(searchTiers) && len(out) <= limit; t++ {
		if t > start {
			below = 0
		}
		rows, err := scan(t, below, limit+1-len(out))
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rows...)
		for range rows {
			tiers = append(tiers, t)
		}
	}
	if len(out) > limit {
		return out[:limit], &rankPlace{tier: tiers[limit-1], id: id(&out[limit-1])}, nil
	}
	return out, nil, nil
}

// rankedArticles reads a page of articles in the relevance order of f.Q, with f's
// filters, and the cursor of the next page ("" at the end).
func (s *Store) rankedArticles(ctx context.Context, db *gorm.DB, f models.ArticleFilter, now time.Time) ([]articleRow, string, error) {
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	query, err := search.Parse(f.Q)
	if err != nil {
		return nil, "", err
	}
	after, err := parseRankCursor(f.Cursor, "articles")
	if err != nil {
		return nil, "", err
	}
	filter, err := s.articleFilters(ctx, db, f)
	if err != nil {
		return nil, "", err
	}
	src := indexSourceOf("article")
	sel, selArgs := articleSelectOn(db, f.Visibility, now)
	rows, next, err := rankedPage(limit, after, func(tier int, below int64, n int) ([]articleRow, error) {
		q := filter(scope(tierScan(db, src, query, tier, below), "a", f.Visibility, now))
		rows, err := scanArticleRows(q.Select(sel, selArgs...), n)
		if err != nil {
			return nil, matchError("find articles", err)
		}
		return rows, nil
	}, func(r *articleRow) int64 { return r.ID })
	if err != nil || next == nil {
		return rows, "", err
	}
	return rows, rankCursor("articles", *next), nil
}

// RankedArticlesJSON is FindArticlesJSON for the relevance order (f.Sort must be
// models.SortRelevance): the public list of articles matching f.Q, best first, each as
// the public JSON of a list. It returns EBADPARAM as FindArticles does.
func (s *Store) RankedArticlesJSON(ctx context.Context, f models.ArticleFilter) (models.Page[models.Rendered], error) {
	ctx = readContext(ctx)
	var page models.Page[models.Rendered]
	if f.Visibility.Editor || f.WithBodies {
		return page, fmt.Errorf("store: RankedArticlesJSON is for the public list")
	}
	if ranked, err := relevance(f.Sort, f.Q); err != nil {
		return page, err
	} else if !ranked {
		return page, fmt.Errorf("store: RankedArticlesJSON is for the relevance order")
	}
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return page, err
	}
	query, err := search.Parse(f.Q)
	if err != nil {
		return page, err
	}
	after, err := parseRankCursor(f.Cursor, "articles")
	if err != nil {
		return page, err
	}
	db := s.reader.WithContext(ctx)
	now := s.now()
	filter, err := s.articleFilters(ctx, db, f)
	if err != nil {
		return page, err
	}
	type row struct {
		id      int64
		slug    string
		version int64
		json    []byte
	}
	var stale []int64
	src := indexSourceOf("article")
	rows, next, err := rankedPage(limit, after, func(tier int, below int64, n int) ([]row, error) {
		q := filter(scope(tierScan(db, src, query, tier, below), "a", f.Visibility, now))
		rs, err := q.Select("a.id, a.slug, a.version, l.short, l.until").
			Joins("LEFT JOIN article_list l ON l.id = a.id").Limit(n).Rows()
		if err != nil {
			return nil, matchError("find articles", err)
		}
		defer rs.Close()
		var out []row
		for rs.Next() {
			var r row
			var short *string
			var until *time.Time
			if err := rs.Scan(&r.id, &r.slug, &r.version, &short, &until); err != nil {
				return nil, internal("find articles", err)
			}
			// As FindArticlesJSON: a fragment that is missing or overtaken by the
			// clock is rendered now.
			if short != nil && (until == nil || now.Before(*until)) {
				r.json = []byte(*short)
			} else {
				stale = append(stale, r.id)
			}
			out = append(out, r)
		}
		if err := rs.Err(); err != nil {
			return nil, matchError("find articles", err)
		}
		return out, nil
	}, func(r *row) int64 { return r.id })
	if err != nil {
		return page, err
	}
	if next != nil {
		page.NextCursor = rankCursor("articles", *next)
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

// rankedCampaigns reads a page of campaigns in the relevance order of f.Q, with the
// filters of filter, and the cursor of the next page ("" at the end).
func (s *Store) rankedCampaigns(db *gorm.DB, f models.CampaignFilter, filter func(*gorm.DB) *gorm.DB, limit int, now time.Time) ([]campaignRow, string, error) {
	query, err := search.Parse(f.Q)
	if err != nil {
		return nil, "", err
	}
	after, err := parseRankCursor(f.Cursor, "campaigns")
	if err != nil {
		return nil, "", err
	}
	src := indexSourceOf("campaign")
	rows, next, err := rankedPage(limit, after, func(tier int, below int64, n int) ([]campaignRow, error) {
		var rows []campaignRow
		q := filter(scope(tierScan(db, src, query, tier, below), "c", f.Visibility, now))
		if err := q.Select(campaignColumns).Limit(n).Scan(&rows).Error; err != nil {
			return nil, matchError("find campaigns", err)
		}
		return rows, nil
	}, func(r *campaignRow) int64 { return r.ID })
	if err != nil || next == nil {
		return rows, "", err
	}
	return rows, rankCursor("campaigns", *next), nil
}
