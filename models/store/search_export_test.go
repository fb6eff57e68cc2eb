package store

import (
	"cmp"
	"context"
	"slices"

	"gorm.io/gorm"

	"signpost/models"
	"signpost/models/search"
)

// ParseQuery parses a search as the store does and returns its FTS5 expression.
func ParseQuery(q string) (string, error) {
	query, err := search.Parse(q)
	if err != nil {
		return "", err
	}
	return query.FTS5(), nil
}

// ParseTSQuery parses a search as the store does and returns its tsquery text for
// PostgreSQL.
func ParseTSQuery(q string) (string, error) {
	query, err := search.Parse(q)
	if err != nil {
		return "", err
	}
	return query.TSQuery(), nil
}

// MatchCount runs an expression against the store's search index and returns how
// many rows match: the proof that the database accepts the expression. It is an
// FTS5 expression on SQLite, a tsquery's text on PostgreSQL.
func MatchCount(ctx context.Context, s *Store, expr string) (int64, error) {
	var n int64
	q := `SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?`
	if s.dialect == postgresDialect {
		q = `SELECT COUNT(*) FROM search_index WHERE document @@ to_tsquery('simple', ?)`
	}
	err := s.reader.WithContext(ctx).Raw(q, expr).Scan(&n).Error
	return n, err
}

// OnPostgres reports whether s is on PostgreSQL.
func OnPostgres(s *Store) bool { return s.dialect == postgresDialect }

// SearchIndexRows returns every row of the search index, in rowid order, as text.
func SearchIndexRows(ctx context.Context, s *Store) ([]string, error) {
	var rows []string
	err := s.reader.WithContext(ctx).Raw(`SELECT rowid || '|' || item_type || '|' || item_id || '|' || COALESCE(title, '') || '|' ||
		COALESCE(summary, '') || '|' || COALESCE(body, '') || '|' || COALESCE(topics, '') || '|' || COALESCE(keywords, '') FROM search_index ORDER BY rowid`).Scan(&rows).Error
	return rows, err
}

// WriterExec runs SQL (several statements are fine) in a transaction on the store's
// writer.
func WriterExec(ctx context.Context, s *Store, sql string) error {
	return s.writer.WithContext(ctx).Exec(sql).Error
}

// SearchPlans returns SQLite's plans for a public search over every type and for a
// page of the article list in the relevance order, for the query q.
func SearchPlans(ctx context.Context, s *Store, q string) (map[string][]string, error) {
	query, err := search.Parse(q)
	if err != nil {
		return nil, err
	}
	var srcs []*indexSource
	for i := range indexSources {
		srcs = append(srcs, &indexSources[i])
	}
	slices.SortFunc(srcs, func(a, b *indexSource) int { return cmp.Compare(b.code, a.code) })
	plans := map[string][]string{}
	explain := func(name, sql string, args ...any) error {
		rs, err := s.reader.WithContext(ctx).Raw("EXPLAIN QUERY PLAN "+sql, args...).Rows()
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id, parent, unused int
			var detail string
			if err := rs.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plans[name] = append(plans[name], detail)
		}
		return rs.Err()
	}
	v := models.Visibility{}
	if err := explain("search", searchHitsSQL(srcs, v), searchHitsArgs(query, srcs, v, s.now(), 20)...); err != nil {
		return nil, err
	}
	// The article list's page, as rankedArticles reads it, with a filter.
	filter, err := s.articleFilters(ctx, s.reader, models.ArticleFilter{Topic: "reporting-crime"})
	if err != nil {
		return nil, err
	}
	sel, selArgs := articleSelect(v, s.now())
	stmt := s.reader.Session(&gorm.Session{DryRun: true})
	q2 := filter(scope(tierScan(stmt, indexSourceOf("article"), query, 0, 0), "a", v, s.now())).Select(sel, selArgs...).Limit(21).Find(&[]map[string]any{})
	if err := explain("articles", q2.Statement.SQL.String(), q2.Statement.Vars...); err != nil {
		return nil, err
	}
	return plans, nil
}

// TierQueries returns the expressions of each search tier's matches of q: FTS5's
// (tierMatch) and PostgreSQL's tsquery text (pgTierQuery).
func TierQueries(q string) (fts5, pg []string, err error) {
	query, err := search.Parse(q)
	if err != nil {
		return nil, nil, err
	}
	for i := range searchTiers {
		fts5 = append(fts5, tierMatch(query, i))
		pg = append(pg, pgTierQuery(query, i))
	}
	return fts5, pg, nil
}

// ExplainSearchPG returns PostgreSQL's plan, as run, of a public search over every
// type for q.
func ExplainSearchPG(ctx context.Context, s *Store, q string) ([]string, error) {
	query, err := search.Parse(q)
	if err != nil {
		return nil, err
	}
	var srcs []*indexSource
	for i := range indexSources {
		srcs = append(srcs, &indexSources[i])
	}
	slices.SortFunc(srcs, func(a, b *indexSource) int { return cmp.Compare(b.code, a.code) })
	var args []any
	for i := range searchTiers {
		args = append(args, pgTierArgs(query, i)...)
		for range srcs {
			args = append(args, s.now())
		}
		args = append(args, 20)
	}
	args = append(args, 20)
	rs, err := s.reader.ConnPool.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+searchHitsPG(srcs, models.Visibility{}), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var line string
		if err := rs.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, rs.Err()
}
