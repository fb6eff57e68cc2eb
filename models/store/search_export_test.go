package store

import (
	"context"

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

// MatchCount runs an FTS5 expression against the store's search index and returns
// how many rows match: the proof that SQLite accepts the expression.
func MatchCount(ctx context.Context, s *Store, expr string) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Raw(`SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?`, expr).Scan(&n).Error
	return n, err
}

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
