package models

import "context"

// ReaderExec runs a statement on the store's read pool. It exists for the test that
// proves the pool cannot write.
func ReaderExec(ctx context.Context, s *Store, query string, args ...any) error {
	return s.reader.WithContext(ctx).Exec(query, args...).Error
}

// ReaderQueryInt runs a query returning one integer on the store's read pool.
func ReaderQueryInt(ctx context.Context, s *Store, query string, args ...any) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Raw(query, args...).Scan(&n).Error
	return n, err
}
